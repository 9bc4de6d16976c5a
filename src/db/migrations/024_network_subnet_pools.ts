// The network service's address scopes and subnet pools, kept as its other
// resources are (attributes in `attrs`), and the default pool of each IP
// version (one: the primary key decides between two pools made default at
// once). A pool's allocations are the subnets that name it, so they need no
// table of their own.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of ['network_address_scopes', 'network_subnetpools']) {
    await db.schema
      .createTable(table)
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
      .addColumn('attrs', 'text', (c) => c.notNull())
      .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('updated_at', 'varchar(32)', (c) => c.notNull())
      .addColumn('revision_number', 'integer', (c) => c.notNull())
      .execute();
  }
  await db.schema
    .createTable('network_default_subnetpools')
    .addColumn('ip_version', 'integer', (c) => c.primaryKey())
    .addColumn('subnetpool_id', 'varchar(36)', (c) => c.notNull())
    .execute();
}
