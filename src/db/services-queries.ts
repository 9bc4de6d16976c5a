// Reading and administering service records (os-services, hypervisors,
// availability zones). Registration and heartbeats live in services.ts.
import type { Kysely } from 'kysely';
import type { Database, ServiceRow, ServicesTable } from './schema.js';
import { compiledOnce } from './compiled-once.js';
import { dbTime } from './time.js';

/** Every live service record, oldest first. */
export function listServices(db: Kysely<Database>): Promise<ServiceRow[]> {
  return db.selectFrom('services').selectAll().where('deleted', '=', 0).orderBy('id').execute();
}

export function serviceById(db: Kysely<Database>, id: number): Promise<ServiceRow | undefined> {
  return db.selectFrom('services').selectAll().where('id', '=', id).where('deleted', '=', 0).executeTakeFirst();
}

export function serviceByUuid(db: Kysely<Database>, uuid: string): Promise<ServiceRow | undefined> {
  return db.selectFrom('services').selectAll().where('uuid', '=', uuid).where('deleted', '=', 0).executeTakeFirst();
}

/** Read for every host a move or a host API request names: compiled once (see compiled-once.ts). */
const serviceOfHostBinary = compiledOnce((db, host: string, binary: string) =>
  db.selectFrom('services').selectAll().where('host', '=', host).where('binary', '=', binary).where('deleted', '=', 0).orderBy('id').limit(1),
);

export async function serviceByHostBinary(db: Kysely<Database>, host: string, binary: string): Promise<ServiceRow | undefined> {
  return (await serviceOfHostBinary(db, host, binary))[0];
}

export type ServiceChanges = Partial<Pick<ServicesTable, 'disabled' | 'disabled_reason' | 'forced_down'>>;

/** Applies administrative changes and returns the record as stored. */
export async function updateService(db: Kysely<Database>, id: number, changes: ServiceChanges, now: Date): Promise<ServiceRow | undefined> {
  await db
    .updateTable('services')
    .set({ ...changes, updated_at: dbTime(now) })
    .where('id', '=', id)
    .where('deleted', '=', 0)
    .execute();
  return serviceById(db, id);
}

/** Evacuations away from `host` that finished on the destination but were not yet cleaned up by the source. */
export async function doneEvacuationsFrom(db: Kysely<Database>, host: string): Promise<number> {
  const r = await db
    .selectFrom('migrations')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('source_compute', '=', host)
    .where('status', '=', 'done')
    .where('migration_type', '=', 'evacuation')
    .where('deleted', '=', 0)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Servers (not deleted) whose host is `host`. */
export async function instanceCountOnHost(db: Kysely<Database>, host: string): Promise<number> {
  const r = await db
    .selectFrom('instances')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('host', '=', host)
    .where('deleted', '=', 0)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

const FINAL_MIGRATION_STATUSES = ['confirmed', 'reverted', 'error', 'failed', 'completed', 'cancelled', 'done'];

/** Migrations from or to this host and node that have not reached an end state. */
export async function inProgressMigrationCount(db: Kysely<Database>, host: string, node: string): Promise<number> {
  const r = await db
    .selectFrom('migrations')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where((eb) =>
      eb.or([
        eb.and([eb('source_compute', '=', host), eb('source_node', '=', node)]),
        eb.and([eb('dest_compute', '=', host), eb('dest_node', '=', node)]),
      ]),
    )
    .where('status', 'not in', FINAL_MIGRATION_STATUSES)
    .where('deleted', '=', 0)
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Soft-deletes a service and, for a compute service, its compute nodes and aggregate memberships. */
export async function deleteService(db: Kysely<Database>, svc: ServiceRow, now: Date): Promise<void> {
  const t = dbTime(now);
  await db.transaction().execute(async (trx) => {
    await trx.updateTable('services').set({ deleted: svc.id, updated_at: t }).where('id', '=', svc.id).execute();
    if (svc.binary === 'nova-compute') {
      await trx
        .updateTable('compute_nodes')
        .set((eb) => ({ deleted: eb.ref('id'), updated_at: t }))
        .where((eb) => eb.or([eb('service_id', '=', svc.id), eb('host', '=', svc.host)]))
        .where('deleted', '=', 0)
        .execute();
      // Its host leaves every aggregate (Nova removes it from each).
      await trx.deleteFrom('aggregate_hosts').where('host', '=', svc.host).execute();
    }
  });
}
