// The network service's routers and floating IPs (attributes in `attrs`, as
// the other network resources), each project's network quota limits, and
// the topology auto-allocated to a project (one per project: the primary
// key decides a race between two first requests).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of ['network_routers', 'network_floatingips']) {
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
    .createTable('network_quotas')
    .addColumn('project_id', 'varchar(255)', (c) => c.notNull())
    .addColumn('resource', 'varchar(255)', (c) => c.notNull())
    .addColumn('hard_limit', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('network_quotas_pk', ['project_id', 'resource'])
    .execute();

  await db.schema
    .createTable('network_auto_allocated_topologies')
    .addColumn('project_id', 'varchar(255)', (c) => c.primaryKey())
    .addColumn('network_id', 'varchar(36)', (c) => c.notNull())
    .addColumn('router_id', 'varchar(36)', (c) => c.notNull())
    .execute();
}
