// Service records: registration at start-up and heartbeats.
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, ServiceRow } from './schema.js';
import { dbTime } from './time.js';

/** A service's row as it is first registered: enabled, never seen up. */
export function newServiceRow(host: string, binary: string, topic: string | null, t: string) {
  return {
    uuid: randomUUID(),
    host,
    binary,
    topic,
    report_count: 0,
    disabled: 0,
    disabled_reason: null,
    forced_down: 0,
    last_seen_up: null,
    version: 66,
    created_at: t,
    updated_at: null,
    deleted: 0,
  };
}

export async function registerService(db: Kysely<Database>, host: string, binary: string, topic: string | null, now: Date): Promise<ServiceRow> {
  const existing = await db
    .selectFrom('services')
    .selectAll()
    .where('host', '=', host)
    .where('binary', '=', binary)
    .where('deleted', '=', 0)
    .executeTakeFirst();
  if (existing) return existing;
  const t = dbTime(now);
  await db.insertInto('services').values(newServiceRow(host, binary, topic, t)).execute();
  return db.selectFrom('services').selectAll().where('host', '=', host).where('binary', '=', binary).where('deleted', '=', 0).executeTakeFirstOrThrow();
}

export async function heartbeat(db: Kysely<Database>, serviceId: number, now: Date): Promise<void> {
  const t = dbTime(now);
  await db
    .updateTable('services')
    .set((eb) => ({ report_count: eb('report_count', '+', 1), last_seen_up: t, updated_at: t }))
    .where('id', '=', serviceId)
    .execute();
}

/** Rows one heartbeat statement updates at most, so requests between two statements never wait long. */
const HEARTBEAT_CHUNK = 1000;
/** Consecutive ids from this many on are updated as a range (cheap to build and to run) rather than listed. */
const HEARTBEAT_MIN_RANGE = 8;

/**
 * One heartbeat for many services at once (the hosts of one process). Hosts
 * registered together have consecutive ids: those go as id ranges, the rest
 * as lists, up to a thousand rows per statement. Ten thousand hosts' heartbeat
 * then costs a few milliseconds, not the ~70 ms that listing every id took.
 */
export async function heartbeatMany(db: Kysely<Database>, serviceIds: readonly number[], now: Date): Promise<void> {
  const t = dbTime(now);
  const beat = () => db.updateTable('services').set((eb) => ({ report_count: eb('report_count', '+', 1), last_seen_up: t, updated_at: t }));
  const ids = [...new Set(serviceIds)].sort((a, b) => a - b);
  const listed: number[] = [];
  for (let i = 0; i < ids.length; ) {
    let j = i;
    while (j + 1 < ids.length && ids[j + 1] === ids[j]! + 1 && j + 1 - i < HEARTBEAT_CHUNK) j++;
    if (j - i + 1 >= HEARTBEAT_MIN_RANGE) await beat().where('id', '>=', ids[i]!).where('id', '<=', ids[j]!).execute();
    else listed.push(...ids.slice(i, j + 1));
    i = j + 1;
  }
  for (let i = 0; i < listed.length; i += HEARTBEAT_CHUNK) await beat().where('id', 'in', listed.slice(i, i + HEARTBEAT_CHUNK)).execute();
}
