// Servers' network info caches (instance_info_caches): read by the API's
// views, written by the compute side after it changes a server's ports.
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { NetworkInfo } from '../compute/neutron/network-info.js';
import { dbTime } from './time.js';
import { compiledOnce } from './compiled-once.js';

export interface InfoCache {
  readonly networkInfo: NetworkInfo;
  readonly securityGroups: readonly string[];
}

const EMPTY: InfoCache = { networkInfo: [], securityGroups: [] };

function parse(row: { network_info: string; security_groups: string }): InfoCache {
  try {
    return { networkInfo: JSON.parse(row.network_info) as NetworkInfo, securityGroups: JSON.parse(row.security_groups) as string[] };
  } catch {
    return EMPTY;
  }
}

const cacheOfOne = compiledOnce((db, uuid: string) => db.selectFrom('instance_info_caches').selectAll().where('instance_uuid', '=', uuid));

export async function infoCachesOf(q: Kysely<Database>, uuids: readonly string[]): Promise<Map<string, InfoCache>> {
  const out = new Map<string, InfoCache>();
  if (uuids.length === 0) return out;
  // One server (every show of one): the same query, compiled once.
  if (uuids.length === 1) {
    for (const r of await cacheOfOne(q, uuids[0]!)) out.set(r.instance_uuid, parse(r));
    return out;
  }
  for (let i = 0; i < uuids.length; i += 500) {
    const rows = await q.selectFrom('instance_info_caches').selectAll().where('instance_uuid', 'in', uuids.slice(i, i + 500)).execute();
    for (const r of rows) out.set(r.instance_uuid, parse(r));
  }
  return out;
}

export async function infoCacheOf(q: Kysely<Database>, uuid: string): Promise<InfoCache> {
  return (await infoCachesOf(q, [uuid])).get(uuid) ?? EMPTY;
}

/** Every cache (for the ip filters, which match addresses against a pattern). */
export async function allInfoCaches(q: Kysely<Database>): Promise<Map<string, InfoCache>> {
  const rows = await q.selectFrom('instance_info_caches').selectAll().execute();
  return new Map(rows.map((r) => [r.instance_uuid, parse(r)]));
}

export async function saveInfoCache(q: Kysely<Database>, uuid: string, cache: InfoCache, now: Date): Promise<void> {
  const values = { network_info: JSON.stringify(cache.networkInfo), security_groups: JSON.stringify(cache.securityGroups), updated_at: dbTime(now) };
  const updated = await q.updateTable('instance_info_caches').set(values).where('instance_uuid', '=', uuid).executeTakeFirst();
  if (Number(updated.numUpdatedRows) > 0) return;
  await q
    .insertInto('instance_info_caches')
    .values({ instance_uuid: uuid, ...values })
    .onConflict((oc) => oc.column('instance_uuid').doUpdateSet(values))
    .execute();
}

export async function deleteInfoCache(q: Kysely<Database>, uuid: string): Promise<void> {
  await q.deleteFrom('instance_info_caches').where('instance_uuid', '=', uuid).execute();
}
