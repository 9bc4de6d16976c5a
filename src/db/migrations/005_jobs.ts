// Jobs: the durable side of every message that drives a server's state. A job
// row is written in the same transaction as the state change that needs it,
// so a crash can lose the message but never the work: the row stays until a
// handler finishes it, and is sent again when nobody holds it.
import type { Kysely } from 'kysely';

type Dialect = 'sqlite' | 'postgres';

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  let t = db.schema.createTable('jobs');
  t = dialect === 'postgres' ? t.addColumn('id', 'serial', (c) => c.primaryKey()) : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
  await t
    .addColumn('topic', 'varchar(255)', (c) => c.notNull())
    .addColumn('method', 'varchar(255)', (c) => c.notNull())
    .addColumn('args', 'text', (c) => c.notNull())
    .addColumn('request_id', 'varchar(255)')
    .addColumn('instance_uuid', 'varchar(36)')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('sends', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('available_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('lease_owner', 'varchar(255)')
    .addColumn('lease_until', 'varchar(32)')
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('jobs_available').on('jobs').column('available_at').execute();
  await db.schema.createIndex('jobs_topic').on('jobs').columns(['topic', 'lease_owner']).execute();
  await db.schema.createIndex('jobs_instance').on('jobs').column('instance_uuid').execute();
}
