// What the start of many hosts in one process can do in a few queries
// instead of a dozen per host: their service records and new compute nodes
// (registered together), one first heartbeat for all, and which hosts have nothing to settle from
// an earlier life — no guest, no server on the host, no evacuation away from
// it under way, no job on its topic. Such a quiet host skips the start-up
// tasks and the job resend, which would find nothing to do. (Guests are the
// driver's to tell, once it has read its state: see ComputeAgent.start.)
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Config } from '../config/config.js';
import type { Database, ServiceRow } from '../db/schema.js';
import type { HostInventory } from '../virt/driver.js';
import { dbTime } from '../db/time.js';
import { heartbeatMany, newServiceRow } from '../db/services.js';

export interface PreparedStart {
  /** The host's nova-compute service, registered and heartbeated already. */
  readonly service: ServiceRow;
  /** Its compute node, registered or brought up to date by this start. */
  readonly nodeUuid?: string;
  /** Nothing in the records for its start-up tasks and job resend to act on (guests aside). */
  readonly quiet: boolean;
}

/** A host's compute node row as its agent registers it. */
export function computeNodeValues(serviceId: number, host: string, inv: HostInventory, conf: Config) {
  return {
    service_id: serviceId,
    host,
    hypervisor_hostname: host,
    hypervisor_type: inv.hypervisorType,
    hypervisor_version: inv.hypervisorVersion,
    host_ip: inv.hostIp,
    cpu_info: JSON.stringify(inv.cpuInfo),
    vcpus: inv.vcpus,
    memory_mb: inv.memoryMb,
    local_gb: inv.localGb,
    cpu_allocation_ratio: conf.num('DEFAULT', 'cpu_allocation_ratio'),
    ram_allocation_ratio: conf.num('DEFAULT', 'ram_allocation_ratio'),
    disk_allocation_ratio: conf.num('DEFAULT', 'disk_allocation_ratio'),
  };
}

const CHUNK = 500;

function chunks<T>(xs: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += CHUNK) out.push(xs.slice(i, i + CHUNK));
  return out;
}

/**
 * Registers the hosts' services as registerService would and their compute
 * nodes as their agents would (new, or updated), heartbeats them once,
 * and tells which hosts are quiet as far as the records go.
 */
export async function prepareHostStarts(
  db: Kysely<Database>,
  conf: Config,
  hosts: readonly string[],
  inventoryOf: (host: string) => HostInventory,
  now: Date,
): Promise<Map<string, PreparedStart>> {
  const existing = async (): Promise<ServiceRow[]> => {
    const rows: ServiceRow[] = [];
    for (const part of chunks(hosts)) {
      rows.push(...(await db.selectFrom('services').selectAll().where('binary', '=', 'nova-compute').where('deleted', '=', 0).where('host', 'in', part).execute()));
    }
    return rows;
  };
  const known = new Set((await existing()).map((s) => s.host));
  const t = dbTime(now);
  for (const part of chunks(hosts.filter((h) => !known.has(h)))) {
    await db
      .insertInto('services')
      .values(
        part.map((host) => newServiceRow(host, 'nova-compute', 'compute', t)),
      )
      .execute();
  }
  const services = await existing();
  await heartbeatMany(db, services.map((s) => s.id), now);

  // Nodes registered by an earlier life are brought up to date as their agents would: rows whose
  // values changed one by one, the rest (a restart with the same inventory) in one statement per chunk.
  const withNode = new Set<string>();
  const nodeUuids = new Map<string, string>();
  const serviceOf = new Map(services.map((s) => [s.host, s]));
  for (const part of chunks(hosts)) {
    const rows = await db.selectFrom('compute_nodes').selectAll().where('deleted', '=', 0).where('host', 'in', part).execute();
    const unchanged: string[] = [];
    await db.transaction().execute(async (trx) => {
      for (const r of rows) {
        withNode.add(r.host);
        const svc = serviceOf.get(r.host);
        if (svc === undefined) continue;
        nodeUuids.set(r.host, r.uuid);
        const values = computeNodeValues(svc.id, r.host, inventoryOf(r.host), conf);
        const same = (Object.keys(values) as Array<keyof typeof values>).every((k) => String(r[k]) === String(values[k]));
        if (same) unchanged.push(r.uuid);
        else await trx.updateTable('compute_nodes').set({ ...values, updated_at: t }).where('uuid', '=', r.uuid).execute();
      }
      if (unchanged.length > 0) await trx.updateTable('compute_nodes').set({ updated_at: t }).where('uuid', 'in', unchanged).execute();
    });
  }
  const newNodes = nodeUuids;
  for (const part of chunks(services.filter((s) => !withNode.has(s.host)))) {
    const rows = part.map((s) => {
      const uuid = randomUUID();
      newNodes.set(s.host, uuid);
      return { ...computeNodeValues(s.id, s.host, inventoryOf(s.host), conf), uuid, created_at: t, updated_at: t, deleted: 0 };
    });
    await db.insertInto('compute_nodes').values(rows).execute();
  }

  const busy = new Set<string>();
  for (const part of chunks(hosts)) {
    for (const r of await db.selectFrom('instances').select('host').distinct().where('deleted', '=', 0).where('host', 'in', part).execute()) if (r.host !== null) busy.add(r.host);
  }
  const evacuations = await db
    .selectFrom('migrations')
    .select('source_compute')
    .distinct()
    .where('deleted', '=', 0)
    .where('migration_type', '=', 'evacuation')
    .where('status', 'in', ['accepted', 'pre-migrating', 'done'])
    .execute();
  for (const r of evacuations) if (r.source_compute !== null) busy.add(r.source_compute);
  const topics = await db.selectFrom('jobs').select('topic').distinct().where('topic', 'like', 'compute.%').execute();
  for (const r of topics) busy.add(r.topic.slice('compute.'.length));

  const out = new Map<string, PreparedStart>();
  for (const s of services) {
    const nodeUuid = newNodes.get(s.host);
    out.set(s.host, { service: s, ...(nodeUuid !== undefined ? { nodeUuid } : {}), quiet: !busy.has(s.host) });
  }
  return out;
}
