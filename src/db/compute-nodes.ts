// Compute nodes as the hypervisors API sees them: one per compute host,
// with what is used on it (allocations) and what runs on it (instances).
import type { Kysely } from 'kysely';
import type { Db } from './connect.js';
import type { ComputeNodeRow, Database, ServiceRow } from './schema.js';
import { usage } from '../scheduler/claims.js';
import { serviceByHostBinary } from './services-queries.js';
import { compiledOnce } from './compiled-once.js';

/** Task states that count as work in progress on a host (Nova's "current_workload"). */
const WORKLOAD_TASK_STATES = [
  'resize_migrating',
  'rebuilding',
  'resize_prep',
  'image_snapshot',
  'image_backup',
  'rescuing',
  'unshelving',
  'shelving',
];

export class NodeMarkerNotFound extends Error {}

/** Live compute nodes in id order, a page after `marker` (an id, or a uuid from 2.53). */
export async function listNodes(
  db: Kysely<Database>,
  page: { limit: number | null; marker: string | undefined; markerIsUuid: boolean },
): Promise<ComputeNodeRow[]> {
  let q = db.selectFrom('compute_nodes').selectAll().where('deleted', '=', 0).orderBy('id');
  if (page.marker !== undefined) {
    const m = page.markerIsUuid ? await nodeByUuid(db, page.marker) : await nodeById(db, page.marker);
    if (!m) throw new NodeMarkerNotFound(page.marker);
    q = q.where('id', '>', m.id);
  }
  if (page.limit !== null) {
    if (page.limit === 0) return [];
    q = q.limit(page.limit);
  }
  return q.execute();
}

/** By integer id given as text; undefined for anything that is not one. */
export async function nodeById(db: Kysely<Database>, id: string): Promise<ComputeNodeRow | undefined> {
  if (!/^\s*\+?\d+\s*$/.test(id)) return undefined;
  const n = Number(id);
  if (!Number.isSafeInteger(n) || n > 0x7fffffff) return undefined;
  return db.selectFrom('compute_nodes').selectAll().where('id', '=', n).where('deleted', '=', 0).executeTakeFirst();
}

export function nodeByUuid(db: Kysely<Database>, uuid: string): Promise<ComputeNodeRow | undefined> {
  return db.selectFrom('compute_nodes').selectAll().where('uuid', '=', uuid.toLowerCase()).where('deleted', '=', 0).executeTakeFirst();
}

const firstNodeQuery = compiledOnce((db, host: string) =>
  db.selectFrom('compute_nodes').selectAll().where('host', '=', host).where('deleted', '=', 0).orderBy('id').limit(1),
);

/** A host's (first) live node; read twice by every live migration's checks, so compiled once. */
export async function firstNodeOfHost(db: Kysely<Database>, host: string): Promise<ComputeNodeRow | undefined> {
  return (await firstNodeQuery(db, host))[0];
}

/** Nodes whose hypervisor_hostname contains `pattern` (case-insensitive, as a SQL LIKE would on most databases). */
export async function searchNodes(db: Kysely<Database>, pattern: string): Promise<ComputeNodeRow[]> {
  const all = await db.selectFrom('compute_nodes').selectAll().where('deleted', '=', 0).orderBy('id').execute();
  const p = pattern.toLowerCase();
  return all.filter((n) => n.hypervisor_hostname.toLowerCase().includes(p));
}

/** The compute service of a host, if it still exists. */
export function computeServiceOfHost(db: Kysely<Database>, host: string): Promise<ServiceRow | undefined> {
  return serviceByHostBinary(db, host, 'nova-compute');
}

export interface NodeUsage {
  readonly vcpus_used: number;
  readonly memory_mb_used: number;
  readonly local_gb_used: number;
  readonly running_vms: number;
  readonly current_workload: number;
}

/** Resources allocated on the node and the servers it runs. */
export async function nodeUsage(db: Db, node: Pick<ComputeNodeRow, 'uuid' | 'host'>): Promise<NodeUsage> {
  const used = await usage(db, node.uuid);
  const counts = await db.kysely
    .selectFrom('instances')
    .select((eb) => [
      eb.fn.countAll<number | string>().as('vms'),
      eb.fn.sum<number | string | null>(eb.case().when('task_state', 'in', WORKLOAD_TASK_STATES).then(1).else(0).end()).as('busy'),
    ])
    .where('host', '=', node.host)
    .where('deleted', '=', 0)
    .executeTakeFirstOrThrow();
  return {
    vcpus_used: used.vcpus,
    memory_mb_used: used.memory_mb,
    local_gb_used: used.disk_gb,
    running_vms: Number(counts.vms),
    current_workload: Number(counts.busy ?? 0),
  };
}

/** Servers (not deleted) on a host, oldest first. */
export function serversOnHost(db: Kysely<Database>, host: string): Promise<Array<{ uuid: string; display_name: string }>> {
  return db.selectFrom('instances').select(['uuid', 'display_name']).where('host', '=', host).where('deleted', '=', 0).orderBy('id').execute();
}
