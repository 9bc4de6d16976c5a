// Task log: one row per run of a host's periodic task over an audit period
// (Nova's task_log), so the usage audit runs once per host and period and
// os-instance_usage_audit_log can tell which hosts have done it.
import type { Kysely } from 'kysely';

type Dialect = 'sqlite' | 'postgres';

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  let t = db.schema.createTable('task_log');
  t = dialect === 'postgres' ? t.addColumn('id', 'serial', (c) => c.primaryKey()) : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
  await t
    .addColumn('task_name', 'varchar(255)', (c) => c.notNull())
    .addColumn('state', 'varchar(255)', (c) => c.notNull())
    .addColumn('host', 'varchar(255)', (c) => c.notNull())
    .addColumn('period_beginning', 'varchar(32)', (c) => c.notNull())
    .addColumn('period_ending', 'varchar(32)', (c) => c.notNull())
    .addColumn('message', 'varchar(255)', (c) => c.notNull())
    .addColumn('task_items', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('errors', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)')
    .addUniqueConstraint('task_log_period_host', ['task_name', 'host', 'period_beginning', 'period_ending'])
    .execute();
}
