// Host aggregates as stored: the aggregate rows, their hosts and metadata,
// read back as one value per aggregate (hosts in the order they were added).
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Db } from './connect.js';
import type { AggregateRow, Database } from './schema.js';
import { dbTime } from './time.js';
import { compiledOnce } from './compiled-once.js';

/** The database or a transaction on it. */
type Queryable = Kysely<Database>;

export interface Aggregate extends AggregateRow {
  readonly hosts: readonly string[];
  readonly metadata: Readonly<Record<string, string>>;
}

/** An aggregate's metadata as the scheduler's filters read it. */
export interface AggregateMetadataOf {
  readonly id: number;
  readonly metadata: Readonly<Record<string, string>>;
}

export const ZONE_KEY = 'availability_zone';

/** The zone an aggregate puts its hosts in, if any. */
export function aggregateZone(a: Pick<Aggregate, 'metadata'>): string | null {
  return a.metadata[ZONE_KEY] ?? null;
}

/** Serialises aggregate writers, which check then write (SQLite transactions already are). */
export async function lockAggregates(db: Db, trx: Transaction<Database>): Promise<void> {
  if (db.dialect === 'postgres') await sql`LOCK TABLE aggregates IN SHARE ROW EXCLUSIVE MODE`.execute(trx);
}

async function withMembers(q: Queryable, rows: readonly AggregateRow[]): Promise<Aggregate[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [hosts, meta] = await Promise.all([
    q.selectFrom('aggregate_hosts').select(['aggregate_id', 'host']).where('aggregate_id', 'in', ids).orderBy('id').execute(),
    q.selectFrom('aggregate_metadata').select(['aggregate_id', 'key', 'value']).where('aggregate_id', 'in', ids).orderBy('id').execute(),
  ]);
  return rows.map((r) => ({
    ...r,
    hosts: hosts.filter((h) => h.aggregate_id === r.id).map((h) => h.host),
    metadata: Object.fromEntries(meta.filter((m) => m.aggregate_id === r.id).map((m) => [m.key, m.value])),
  }));
}

export async function listAggregates(q: Queryable): Promise<Aggregate[]> {
  return withMembers(q, await q.selectFrom('aggregates').selectAll().orderBy('id').execute());
}

/** The aggregate with this id; undefined also for ids no integer column can hold. */
export async function getAggregate(q: Queryable, id: number): Promise<Aggregate | undefined> {
  if (!Number.isSafeInteger(id) || Math.abs(id) > 0x7fffffff) return undefined;
  const row = await q.selectFrom('aggregates').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? (await withMembers(q, [row]))[0] : undefined;
}

export async function aggregateNameTaken(q: Queryable, name: string, exceptId?: number): Promise<boolean> {
  let s = q.selectFrom('aggregates').select('id').where('name', '=', name);
  if (exceptId !== undefined) s = s.where('id', '!=', exceptId);
  return (await s.executeTakeFirst()) !== undefined;
}

/** The aggregates any of these hosts is in, by id. */
export async function aggregatesOfHosts(q: Queryable, hosts: readonly string[]): Promise<Aggregate[]> {
  if (hosts.length === 0) return [];
  const rows = await q
    .selectFrom('aggregates')
    .selectAll()
    .where('id', 'in', q.selectFrom('aggregate_hosts').select('aggregate_id').where('host', 'in', [...hosts]))
    .orderBy('id')
    .execute();
  return withMembers(q, rows);
}

/**
 * Every host that is in an aggregate with a zone, with the zones of those
 * aggregates in aggregate order — one query for the whole table.
 */
export async function zonesByHost(q: Queryable): Promise<Map<string, string[]>> {
  const rows = await q
    .selectFrom('aggregate_hosts as h')
    .innerJoin('aggregate_metadata as m', 'm.aggregate_id', 'h.aggregate_id')
    .select(['h.host', 'm.value'])
    .where('m.key', '=', ZONE_KEY)
    .orderBy('h.aggregate_id')
    .execute();
  const out = new Map<string, string[]>();
  for (const r of rows) {
    const zones = out.get(r.host) ?? [];
    zones.push(r.value);
    out.set(r.host, zones);
  }
  return out;
}

function metadataQuery(q: Queryable, hosts: readonly string[] | 'every host') {
  const query = q
    .selectFrom('aggregate_hosts as h')
    .innerJoin('aggregate_metadata as m', 'm.aggregate_id', 'h.aggregate_id')
    .select(['h.host', 'h.aggregate_id', 'm.key', 'm.value']);
  // Every host: no list of thousands of names to send and match.
  return (hosts === 'every host' ? query : query.where('h.host', 'in', [...hosts])).orderBy('h.aggregate_id').orderBy('m.id');
}

/** One host's, as the scheduler reads them again after each change to it: compiled once. */
const metadataOfHost = compiledOnce((q, host: string) => metadataQuery(q, [host]));

/** The metadata of the aggregates each host is in (aggregates without metadata left out), in one query. */
export async function aggregateMetadataByHost(q: Queryable, hosts: readonly string[] | 'every host'): Promise<Map<string, AggregateMetadataOf[]>> {
  const out = new Map<string, AggregateMetadataOf[]>();
  if (hosts.length === 0) return out;
  const rows = hosts !== 'every host' && hosts.length === 1 ? await metadataOfHost(q, hosts[0]!) : await metadataQuery(q, hosts).execute();
  for (const r of rows) {
    const list = out.get(r.host) ?? [];
    let agg = list[list.length - 1];
    if (agg === undefined || agg.id !== r.aggregate_id) list.push((agg = { id: r.aggregate_id, metadata: {} }));
    (agg.metadata as Record<string, string>)[r.key] = r.value;
    out.set(r.host, list);
  }
  return out;
}

export async function insertAggregate(q: Queryable, a: { uuid: string; name: string; metadata: Readonly<Record<string, string>> }, now: Date): Promise<number> {
  const t = dbTime(now);
  const r = await q.insertInto('aggregates').values({ uuid: a.uuid, name: a.name, created_at: t, updated_at: null }).returning('id').executeTakeFirstOrThrow();
  for (const [key, value] of Object.entries(a.metadata)) {
    await q.insertInto('aggregate_metadata').values({ aggregate_id: r.id, key, value, created_at: t }).execute();
  }
  return r.id;
}

export async function updateAggregateRow(q: Queryable, id: number, changes: { name?: string }, now: Date): Promise<void> {
  await q.updateTable('aggregates').set({ ...changes, updated_at: dbTime(now) }).where('id', '=', id).execute();
}

/** Sets keys to values and removes the keys given null; a key to remove that is not there is ignored. */
export async function setAggregateMetadata(q: Queryable, id: number, changes: Readonly<Record<string, string | null>>, now: Date): Promise<void> {
  const t = dbTime(now);
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) {
      await q.deleteFrom('aggregate_metadata').where('aggregate_id', '=', id).where('key', '=', key).execute();
      continue;
    }
    const r = await q.updateTable('aggregate_metadata').set({ value }).where('aggregate_id', '=', id).where('key', '=', key).executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) await q.insertInto('aggregate_metadata').values({ aggregate_id: id, key, value, created_at: t }).execute();
  }
}

export async function addAggregateHost(q: Queryable, id: number, host: string, now: Date): Promise<void> {
  await q.insertInto('aggregate_hosts').values({ aggregate_id: id, host, created_at: dbTime(now) }).execute();
}

/** False when the host was not in the aggregate. */
export async function removeAggregateHost(q: Queryable, id: number, host: string): Promise<boolean> {
  const r = await q.deleteFrom('aggregate_hosts').where('aggregate_id', '=', id).where('host', '=', host).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Deletes an aggregate and its metadata (its hosts must be gone already). */
export async function deleteAggregateRow(q: Queryable, id: number): Promise<void> {
  await q.deleteFrom('aggregate_metadata').where('aggregate_id', '=', id).execute();
  await q.deleteFrom('aggregates').where('id', '=', id).execute();
}
