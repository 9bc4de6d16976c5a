// Host aggregates: named groups of compute hosts with metadata. An aggregate
// whose metadata has `availability_zone` puts its hosts in that zone; other
// keys are read by the scheduler's aggregate filters. Names are unique, a
// host is in an aggregate at most once, and a key appears once per aggregate.
import type { Kysely } from 'kysely';

type Dialect = 'sqlite' | 'postgres';

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const withId = (name: string) => {
    const t = db.schema.createTable(name);
    return dialect === 'postgres' ? t.addColumn('id', 'serial', (c) => c.primaryKey()) : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
  };
  await withId('aggregates')
    .addColumn('uuid', 'varchar(36)', (c) => c.notNull().unique())
    .addColumn('name', 'varchar(255)', (c) => c.notNull().unique())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('updated_at', 'varchar(32)')
    .execute();

  await withId('aggregate_hosts')
    .addColumn('aggregate_id', 'integer', (c) => c.notNull().references('aggregates.id'))
    .addColumn('host', 'varchar(255)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addUniqueConstraint('aggregate_hosts_aggregate_host', ['aggregate_id', 'host'])
    .execute();
  await db.schema.createIndex('aggregate_hosts_host').on('aggregate_hosts').column('host').execute();

  await withId('aggregate_metadata')
    .addColumn('aggregate_id', 'integer', (c) => c.notNull().references('aggregates.id'))
    .addColumn('key', 'varchar(255)', (c) => c.notNull())
    .addColumn('value', 'varchar(255)', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .addUniqueConstraint('aggregate_metadata_aggregate_key', ['aggregate_id', 'key'])
    .execute();
  await db.schema.createIndex('aggregate_metadata_key').on('aggregate_metadata').column('key').execute();
}
