// The database side of an audit snapshot, read in one read-only transaction
// (repeatable read on PostgreSQL; SQLite reads one snapshot per transaction)
// so that servers, migrations and allocations are seen at one instant.
import { VmState } from '../compute/states.js';
import type { Kysely, Transaction } from 'kysely';
import type { Db } from '../db/connect.js';
import type { Database, InstanceFlavor } from '../db/schema.js';
import { dbTime, parseDbTime } from '../db/time.js';
import { resourcesOf } from '../scheduler/request-spec.js';
import { capacityOf, type Resources } from '../scheduler/resources.js';
import { FINAL_STATUSES } from './moves.js';
import type { AuditAllocation, AuditMigration, AuditNode, AuditServer } from './types.js';

type Q = Kysely<Database> | Transaction<Database>;

export interface Records {
  readonly servers: AuditServer[];
  readonly deletedServers: Set<string>;
  readonly migrations: AuditMigration[];
  readonly allocations: AuditAllocation[];
  readonly nodes: AuditNode[];
  /** Hosts of the compute services, by name. */
  readonly computeHosts: string[];
}

/** IN lists are read in slices, so a large cloud never exceeds a driver's parameter limit. */
const SLICE = 500;

async function inSlices<T>(values: readonly string[], read: (slice: string[]) => Promise<T[]>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < values.length; i += SLICE) out.push(...(await read(values.slice(i, i + SLICE))));
  return out;
}

const flavorResources = (json: string | null): Resources | null => (json === null ? null : resourcesOf(JSON.parse(json) as InstanceFlavor));
const changedAt = (r: { updated_at: string | null; created_at: string }): Date => parseDbTime(r.updated_at ?? r.created_at);

/** Uuids of deleted servers among `uuids`. */
export async function deletedAmong(q: Q, uuids: readonly string[]): Promise<Set<string>> {
  const rows = await inSlices(uuids, (s) => q.selectFrom('instances').select('uuid').where('uuid', 'in', s).where('deleted', '!=', 0).execute());
  return new Set(rows.map((r) => r.uuid));
}

/** Of `uuids`, those of live servers (created after a snapshot was read). */
export async function liveAmong(q: Q, uuids: readonly string[]): Promise<Set<string>> {
  const rows = await inSlices(uuids, (s) => q.selectFrom('instances').select('uuid').where('uuid', 'in', s).where('deleted', '=', 0).execute());
  return new Set(rows.map((r) => r.uuid));
}

async function readAll(q: Q, changedSince: Date): Promise<Records> {
  const instances = await q
    .selectFrom('instances')
    .select(['uuid', 'vm_state', 'task_state', 'host', 'node', 'flavor', 'old_flavor', 'new_flavor', 'created_at', 'updated_at'])
    .where('deleted', '=', 0)
    .orderBy('id')
    .execute();
  const errored = instances.filter((i) => i.vm_state === VmState.ERROR).map((i) => i.uuid);
  const faulted = new Set(
    (await inSlices(errored, (s) => q.selectFrom('instance_faults').select('instance_uuid').distinct().where('instance_uuid', 'in', s).execute())).map(
      (r) => r.instance_uuid,
    ),
  );
  const servers: AuditServer[] = instances.map((i) => ({
    uuid: i.uuid,
    vmState: i.vm_state,
    taskState: i.task_state,
    host: i.host,
    node: i.node,
    flavor: resourcesOf(JSON.parse(i.flavor) as InstanceFlavor),
    oldFlavor: flavorResources(i.old_flavor),
    newFlavor: flavorResources(i.new_flavor),
    updatedAt: changedAt(i),
    hasFault: faulted.has(i.uuid),
  }));
  const live = new Set(servers.map((s) => s.uuid));

  const allocRows = await q.selectFrom('allocations').select(['consumer_uuid', 'node_uuid', 'vcpus', 'memory_mb', 'disk_gb']).orderBy('id').execute();
  const allocations: AuditAllocation[] = allocRows.map((a) => ({
    consumer: a.consumer_uuid,
    nodeUuid: a.node_uuid,
    resources: { vcpus: Number(a.vcpus), memory_mb: Number(a.memory_mb), disk_gb: Number(a.disk_gb) },
  }));

  // Open migrations, the final ones changed lately, and the final ones some allocation still names.
  const open = await q.selectFrom('migrations').selectAll().where('deleted', '=', 0).where('status', 'not in', [...FINAL_STATUSES]).orderBy('id').execute();
  const ended = await q
    .selectFrom('migrations')
    .selectAll()
    .where('deleted', '=', 0)
    .where('status', 'in', [...FINAL_STATUSES])
    .where('updated_at', '>=', dbTime(changedSince))
    .execute();
  const readIds = new Set([...open, ...ended].map((m) => m.uuid));
  const strangers = [...new Set(allocations.map((a) => a.consumer))].filter((c) => !live.has(c) && !readIds.has(c));
  const named = await inSlices(strangers, (s) => q.selectFrom('migrations').selectAll().where('uuid', 'in', s).where('deleted', '=', 0).execute());
  const migrationRows = [...open, ...ended, ...named].sort((a, b) => a.id - b.id);

  const flavorIds = [...new Set(open.map((m) => m.new_instance_type_id).filter((id): id is number => id !== null))];
  const flavors = new Map<number, Resources>();
  for (let i = 0; i < flavorIds.length; i += SLICE) {
    const rows = await q
      .selectFrom('flavors')
      .select(['id', 'vcpus', 'memory_mb', 'root_gb', 'ephemeral_gb', 'swap'])
      .where('id', 'in', flavorIds.slice(i, i + SLICE))
      .execute();
    for (const f of rows) flavors.set(f.id, resourcesOf(f));
  }
  const migrations: AuditMigration[] = migrationRows.map((m) => ({
    uuid: m.uuid,
    instanceUuid: m.instance_uuid,
    type: m.migration_type,
    status: m.status,
    sourceCompute: m.source_compute,
    sourceNode: m.source_node,
    destCompute: m.dest_compute,
    destNode: m.dest_node,
    newFlavor: m.new_instance_type_id === null ? null : (flavors.get(m.new_instance_type_id) ?? null),
    updatedAt: changedAt(m),
  }));

  const referenced = [...new Set([...strangers, ...migrations.map((m) => m.instanceUuid)])].filter((u) => !live.has(u));
  const deletedServers = await deletedAmong(q, referenced);

  const nodeRows = await q.selectFrom('compute_nodes').selectAll().where('deleted', '=', 0).orderBy('id').execute();
  const nodes: AuditNode[] = nodeRows.map((n) => ({
    uuid: n.uuid,
    host: n.host,
    nodename: n.hypervisor_hostname,
    capacity: capacityOf({
      vcpus: n.vcpus,
      memory_mb: n.memory_mb,
      local_gb: n.local_gb,
      cpu_allocation_ratio: Number(n.cpu_allocation_ratio),
      ram_allocation_ratio: Number(n.ram_allocation_ratio),
      disk_allocation_ratio: Number(n.disk_allocation_ratio),
    }),
  }));

  const services = await q.selectFrom('services').select('host').where('binary', '=', 'nova-compute').where('deleted', '=', 0).orderBy('host').execute();
  return { servers, deletedServers, migrations, allocations, nodes, computeHosts: [...new Set(services.map((s) => s.host))] };
}

/** The records as of one instant; final migrations are read back to `changedSince`. */
export function readRecords(db: Db, changedSince: Date): Promise<Records> {
  return db.kysely.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute((trx) => readAll(trx, changedSince));
}
