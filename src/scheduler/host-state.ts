// The scheduler's view of every candidate compute node: inventory, current
// usage, service status, the instances on its host and its aggregates' metadata
// — loaded in a few queries per request (aggregates only when a filter reads
// them), so aggregate changes count at once.
import type { Kysely } from 'kysely';
import type { Db } from '../db/connect.js';
import type { Database } from '../db/schema.js';
import { compiledOnce } from '../db/compiled-once.js';
import { parseDbTime } from '../db/time.js';
import { aggregateMetadataByHost, type AggregateMetadataOf } from '../db/aggregates.js';
import type { NodeInventory, Resources } from './resources.js';

export interface HostState {
  readonly host: string;
  readonly nodename: string;
  readonly nodeUuid: string;
  readonly hostIp: string;
  readonly serviceDisabled: boolean;
  readonly serviceDisabledReason: string | null;
  /** Not forced down and heard from within service_down_time when loaded. */
  readonly serviceUp: boolean;
  readonly inventory: NodeInventory;
  readonly used: Resources;
  /** How many (not deleted) instances this host has. */
  readonly instanceCount: number;
  /** Their uuids — loaded only when a request names instances (same_host/different_host hints). */
  readonly instanceUuids: ReadonlySet<string>;
  /** The metadata of the aggregates the host is in (its zone, and what the aggregate filters read); loaded only when asked for. */
  readonly aggregates: readonly AggregateMetadataOf[];
}

/** A host as read, with what its liveness is judged from (see serviceUpAt). */
export interface HostRecord {
  /** Everything but serviceUp, which depends on the time it is judged at. */
  readonly state: Omit<HostState, 'serviceUp'>;
  readonly serviceId: number;
  readonly forcedDown: boolean;
  /** The time of the service's last report (else its last update, else its creation), in ms. */
  readonly lastSeenMs: number;
}

/** What serviceIsUp says of the record's service at `nowMs`, from the cached time of its last report. */
export function serviceUpAt(r: Pick<HostRecord, 'forcedDown' | 'lastSeenMs'>, nowMs: number, serviceDownTime: number): boolean {
  return !r.forcedDown && Math.abs(nowMs - r.lastSeenMs) / 1000 <= serviceDownTime;
}

export function lastSeenMsOf(svc: { last_seen_up: string | null; updated_at: string | null; created_at: string }): number {
  return parseDbTime(svc.last_seen_up ?? svc.updated_at ?? svc.created_at).getTime();
}

/** The allocations summed per node (grouped by node_uuid); callers narrow it to the nodes they want. */
function usagePerNode(q: Kysely<Database>) {
  return q
    .selectFrom('allocations')
    .select((eb) => [
      'node_uuid',
      eb.fn.sum<number | string>('vcpus').as('used_vcpus'),
      eb.fn.sum<number | string>('memory_mb').as('used_memory_mb'),
      eb.fn.sum<number | string>('disk_gb').as('used_disk_gb'),
    ])
    .groupBy('node_uuid');
}

/** What the allocations on each of these nodes add up to (a node with none is absent). */
export async function usageOfNodes(db: Db, nodeUuids: readonly string[]): Promise<Map<string, Resources>> {
  const rows = await usagePerNode(db.kysely).where('node_uuid', 'in', [...nodeUuids]).execute();
  // PostgreSQL returns SUM of integers as a bigint string.
  return new Map(rows.map((r) => [r.node_uuid, { vcpus: Number(r.used_vcpus), memory_mb: Number(r.used_memory_mb), disk_gb: Number(r.used_disk_gb) }]));
}

/** Every candidate compute node as the database has it now, in (host, node) order. */
export async function loadHostStates(db: Db, now: Date, serviceDownTime: number, opts: { withInstanceUuids?: boolean; withAggregates?: boolean } = {}): Promise<HostState[]> {
  const records = await readHostRecords(db, opts);
  return records.map((r) => ({ ...r.state, serviceUp: serviceUpAt(r, now.getTime(), serviceDownTime) }));
}

/** The servers of a host that runs none: one set for all such hosts (a state's set is replaced, never changed). */
const NO_INSTANCES: ReadonlySet<string> = new Set<string>();

/** The compute nodes of these hosts (of every host: undefined), with their services and the allocations' sums. */
function nodesQuery(q: Kysely<Database>, only: readonly string[] | undefined) {
  let usageQuery = usagePerNode(q);
  if (only !== undefined) usageQuery = usageQuery.where('node_uuid', 'in', (eb) => eb.selectFrom('compute_nodes').select('uuid').where('host', 'in', [...only]));
  const usage = usageQuery.as('u');
  let nodes = q
    .selectFrom('compute_nodes as n')
    .innerJoin('services as s', 's.id', 'n.service_id')
    .leftJoin(usage, 'u.node_uuid', 'n.uuid')
    .select([
      'n.uuid', 'n.host', 'n.hypervisor_hostname', 'n.host_ip',
      'n.vcpus', 'n.memory_mb', 'n.local_gb',
      'n.cpu_allocation_ratio', 'n.ram_allocation_ratio', 'n.disk_allocation_ratio',
      's.id as service_id', 's.disabled', 's.disabled_reason', 's.forced_down', 's.last_seen_up', 's.created_at', 's.updated_at',
      'u.used_vcpus', 'u.used_memory_mb', 'u.used_disk_gb',
    ])
    .where('n.deleted', '=', 0)
    .where('s.deleted', '=', 0)
    .where('s.binary', '=', 'nova-compute');
  if (only !== undefined) nodes = nodes.where('n.host', 'in', [...only]);
  return nodes.orderBy('n.host').orderBy('n.hypervisor_hostname');
}

function countsQuery(q: Kysely<Database>, hosts: readonly string[] | undefined) {
  let countQuery = q
    .selectFrom('instances')
    .select((eb) => ['host', eb.fn.countAll<number | string>().as('n')])
    .where('deleted', '=', 0)
    .where('host', 'is not', null);
  if (hosts !== undefined) countQuery = countQuery.where('host', 'in', [...hosts]);
  return countQuery.groupBy('host');
}

function instancesQuery(q: Kysely<Database>, hosts: readonly string[] | undefined) {
  const instanceQuery = q.selectFrom('instances').select(['uuid', 'host']).where('deleted', '=', 0).where('host', 'is not', null);
  return hosts !== undefined ? instanceQuery.where('host', 'in', [...hosts]) : instanceQuery;
}

// One host read again (after a claim, a move's step, a heartbeat that
// changed it) is the cache's usual refresh: those statements are compiled once.
const nodesOfHost = compiledOnce((q, host: string) => nodesQuery(q, [host]));
const countOnHost = compiledOnce((q, host: string) => countsQuery(q, [host]));
const instancesOnHost = compiledOnce((q, host: string) => instancesQuery(q, [host]));

/**
 * The compute nodes of every host, or of the hosts named (a host with no
 * node left is simply absent), in (host, node) order.
 */
export async function readHostRecords(db: Db, opts: { hosts?: readonly string[]; withInstanceUuids?: boolean; withAggregates?: boolean } = {}): Promise<HostRecord[]> {
  const only = opts.hosts;
  if (only !== undefined && only.length === 0) return [];
  const one = only?.length === 1 ? only[0] : undefined;
  const rows = one !== undefined ? await nodesOfHost(db.kysely, one) : await nodesQuery(db.kysely, only).execute();
  if (rows.length === 0) return [];

  // Reading every host, the instance and aggregate queries take every host too, instead of naming thousands.
  const hosts = only === undefined ? undefined : [...new Set(rows.map((r) => r.host))];
  const oneHost = hosts?.length === 1 ? hosts[0] : undefined;
  const counts = oneHost !== undefined ? await countOnHost(db.kysely, oneHost) : await countsQuery(db.kysely, hosts).execute();
  const countByHost = new Map(counts.map((c) => [c.host, Number(c.n)]));
  const aggregates = opts.withAggregates ? await aggregateMetadataByHost(db.kysely, hosts ?? 'every host') : new Map<string, AggregateMetadataOf[]>();
  const byHost = new Map<string, Set<string>>();
  if (opts.withInstanceUuids) {
    const instances = oneHost !== undefined ? await instancesOnHost(db.kysely, oneHost) : await instancesQuery(db.kysely, hosts).execute();
    for (const i of instances) {
      if (i.host === null) continue;
      let set = byHost.get(i.host);
      if (set === undefined) byHost.set(i.host, (set = new Set()));
      set.add(i.uuid);
    }
  }

  return rows.map((r) => ({
    serviceId: r.service_id,
    forcedDown: Boolean(r.forced_down),
    lastSeenMs: lastSeenMsOf(r),
    state: {
      host: r.host,
      nodename: r.hypervisor_hostname,
      nodeUuid: r.uuid,
      hostIp: r.host_ip,
      serviceDisabled: r.disabled !== 0,
      serviceDisabledReason: r.disabled_reason,
      inventory: {
        vcpus: r.vcpus,
        memory_mb: r.memory_mb,
        local_gb: r.local_gb,
        cpu_allocation_ratio: Number(r.cpu_allocation_ratio),
        ram_allocation_ratio: Number(r.ram_allocation_ratio),
        disk_allocation_ratio: Number(r.disk_allocation_ratio),
      },
      // PostgreSQL returns SUM of integers as a bigint string; no allocations is NULL.
      used: {
        vcpus: Number(r.used_vcpus ?? 0),
        memory_mb: Number(r.used_memory_mb ?? 0),
        disk_gb: Number(r.used_disk_gb ?? 0),
      },
      instanceCount: countByHost.get(r.host) ?? 0,
      instanceUuids: byHost.get(r.host) ?? NO_INSTANCES,
      aggregates: aggregates.get(r.host) ?? [],
    },
  }));
}
