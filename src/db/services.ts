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

/** One heartbeat for many services at once (the hosts of one process), in one statement per thousand. */
export async function heartbeatMany(db: Kysely<Database>, serviceIds: readonly number[], now: Date): Promise<void> {
  const t = dbTime(now);
  for (let i = 0; i < serviceIds.length; i += 1000) {
    await db
      .updateTable('services')
      .set((eb) => ({ report_count: eb('report_count', '+', 1), last_seen_up: t, updated_at: t }))
      .where('id', 'in', serviceIds.slice(i, i + 1000))
      .execute();
  }
}
