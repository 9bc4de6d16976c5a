// What the start of many hosts in one process can learn in a few queries
// instead of a dozen per host: their service records (registered together),
// one first heartbeat for all, and which hosts have nothing to settle from
// an earlier life — no guest, no server on the host, no evacuation away from
// it under way, no job on its topic. Such a quiet host skips the start-up
// tasks and the job resend, which would find nothing to do. (Guests are the
// driver's to tell, once it has read its state: see ComputeAgent.start.)
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, ServiceRow } from '../db/schema.js';
import { dbTime } from '../db/time.js';
import { heartbeatMany } from '../db/services.js';

export interface PreparedStart {
  /** The host's nova-compute service, registered and heartbeated already. */
  readonly service: ServiceRow;
  /** Nothing in the records for its start-up tasks and job resend to act on (guests aside). */
  readonly quiet: boolean;
}

const CHUNK = 500;

function chunks<T>(xs: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += CHUNK) out.push(xs.slice(i, i + CHUNK));
  return out;
}

/**
 * Registers the hosts' services as registerService would, heartbeats them
 * once, and tells which hosts are quiet as far as the records go.
 */
export async function prepareHostStarts(db: Kysely<Database>, hosts: readonly string[], now: Date): Promise<Map<string, PreparedStart>> {
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
        part.map((host) => ({
          uuid: randomUUID(),
          host,
          binary: 'nova-compute',
          topic: 'compute',
          report_count: 0,
          disabled: 0,
          disabled_reason: null,
          forced_down: 0,
          last_seen_up: null,
          version: 66,
          created_at: t,
          updated_at: null,
          deleted: 0,
        })),
      )
      .execute();
  }
  const services = await existing();
  await heartbeatMany(db, services.map((s) => s.id), now);

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
  for (const s of services) out.set(s.host, { service: s, quiet: !busy.has(s.host) });
  return out;
}
