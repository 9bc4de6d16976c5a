// What API tests read and write directly in the database: states a client
// cannot reach through the API (a fenced host, a half-finished move) and
// records it does not show (allocations, migration rows).
import type { Cloud } from './cloud.js';
import { createMigration, type NewMigration } from '../../src/db/migrations-repo.js';

/** Overwrites columns of a server's row. */
export const setInstanceColumns = (c: Cloud, id: string, values: Record<string, unknown>) =>
  c.aio.base.db.kysely.updateTable('instances').set(values).where('uuid', '=', id).execute();

/** Marks a host's compute service forced down (or back up), as a fencing tool would. */
export async function setForcedDown(c: Cloud, host: string, down: boolean): Promise<void> {
  await c.aio.base.db.kysely
    .updateTable('services')
    .set({ forced_down: down ? 1 : 0 })
    .where('host', '=', host)
    .where('binary', '=', 'nova-compute')
    .execute();
}

/** A server's migration rows, oldest first. */
export const migrationRows = (c: Cloud, uuid: string) =>
  c.aio.base.db.kysely.selectFrom('migrations').selectAll().where('instance_uuid', '=', uuid).orderBy('id').execute();

/**
 * Writes a migration record through the repository, as other operations leave
 * them: by default a cold migration `migrating`, no hosts, flavor row 1,
 * created now. Returns its uuid.
 */
export async function insertMigration(c: Cloud, m: Partial<NewMigration> & { readonly instanceUuid: string }): Promise<string> {
  const row = await createMigration(c.aio.base.db, {
    migrationType: 'migration',
    status: 'migrating',
    sourceCompute: null,
    sourceNode: null,
    oldInstanceTypeId: 1,
    newInstanceTypeId: 1,
    userId: null,
    projectId: null,
    ...m,
  });
  return row!.uuid;
}

/** A consumer's allocations as `host:memory_mb` strings, oldest first. */
export async function allocations(c: Cloud, consumer: string): Promise<string[]> {
  const rows = await c.aio.base.db.kysely
    .selectFrom('allocations')
    .innerJoin('compute_nodes', 'compute_nodes.uuid', 'allocations.node_uuid')
    .select(['compute_nodes.host', 'allocations.memory_mb'])
    .where('allocations.consumer_uuid', '=', consumer)
    .orderBy('allocations.id')
    .execute();
  return rows.map((r) => `${r.host}:${r.memory_mb}`);
}

/** The hosts a consumer holds allocations on. */
export async function allocationHosts(c: Cloud, consumer: string): Promise<string[]> {
  const rows = await c.aio.base.db.kysely
    .selectFrom('allocations')
    .innerJoin('compute_nodes', 'compute_nodes.uuid', 'allocations.node_uuid')
    .select('compute_nodes.host')
    .where('consumer_uuid', '=', consumer)
    .execute();
  return rows.map((r) => r.host);
}
