// Servers' network info caches (instance_info_caches): read by the API's
// views, written by the compute side after it changes a server's ports.
import { sql, type Kysely } from 'kysely';
import { ADDRESS_LIKE_ESCAPE, addressBounds } from './address-pattern.js';
import type { Database } from './schema.js';
import type { NetworkInfo } from '../compute/neutron/network-info.js';
import { dbTime } from './time.js';
import { compiledOnce } from './compiled-once.js';

export interface InfoCache {
  readonly networkInfo: NetworkInfo;
  readonly securityGroups: readonly string[];
}

const EMPTY: InfoCache = { networkInfo: [], securityGroups: [] };

/** A cache row's two JSON columns, read; a cache that cannot be read counts as empty. */
export function parseInfoCache(row: { network_info: string; security_groups: string }): InfoCache {
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
    for (const r of await cacheOfOne(q, uuids[0]!)) out.set(r.instance_uuid, parseInfoCache(r));
    return out;
  }
  for (let i = 0; i < uuids.length; i += 500) {
    const rows = await q.selectFrom('instance_info_caches').selectAll().where('instance_uuid', 'in', uuids.slice(i, i + 500)).execute();
    for (const r of rows) out.set(r.instance_uuid, parseInfoCache(r));
  }
  return out;
}

export async function infoCacheOf(q: Kysely<Database>, uuid: string): Promise<InfoCache> {
  return (await infoCachesOf(q, [uuid])).get(uuid) ?? EMPTY;
}

/** Every cache (for the ip filters, which match addresses against a pattern). */
/** Stores a server's cache and, with it (one transaction), the fixed addresses the ip filters look up. */
export async function saveInfoCache(q: Kysely<Database>, uuid: string, cache: InfoCache, now: Date): Promise<void> {
  if (!q.isTransaction) return q.transaction().execute((trx) => saveInfoCache(trx, uuid, cache, now));
  const values = { network_info: JSON.stringify(cache.networkInfo), security_groups: JSON.stringify(cache.securityGroups), updated_at: dbTime(now) };
  const updated = await q.updateTable('instance_info_caches').set(values).where('instance_uuid', '=', uuid).executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) {
    await q
      .insertInto('instance_info_caches')
      .values({ instance_uuid: uuid, ...values })
      .onConflict((oc) => oc.column('instance_uuid').doUpdateSet(values))
      .execute();
  }
  await q.deleteFrom('instance_fixed_ips').where('instance_uuid', '=', uuid).execute();
  const addresses = cache.networkInfo.flatMap((vif) => vif.network.subnets.flatMap((s) => s.ips.map((ip) => ({ instance_uuid: uuid, address: ip.address, version: ip.version }))));
  if (addresses.length > 0) await q.insertInto('instance_fixed_ips').values(addresses).execute();
}

/**
 * The servers with a fixed address of this IP version that the regular
 * expression matches from its start (Nova's ip filters). Only the addresses that begin with the
 * pattern's literal start are read (an index range), and of those only the
 * ones whose start fits it character by character.
 */
export async function serversWithAddress(q: Kysely<Database>, version: 4 | 6, expression: string): Promise<Set<string>> {
  let pattern: RegExp;
  try {
    pattern = new RegExp(`^(?:${expression})`);
  } catch {
    // Nova matches nothing with a pattern it cannot compile.
    return new Set();
  }
  const { literal, like } = addressBounds(expression);
  let s = q.selectFrom('instance_fixed_ips').select(['instance_uuid', 'address']).where('version', '=', version);
  // Addresses are ASCII: every one starting with the literal sorts before the literal followed by '~'.
  if (literal !== '') s = s.where('address', '>=', literal).where('address', '<', `${literal}~`);
  if (like !== '%') s = s.where(sql<boolean>`address LIKE ${like} ESCAPE ${ADDRESS_LIKE_ESCAPE}`);
  const out = new Set<string>();
  for (const r of await s.execute()) if (pattern.test(r.address)) out.add(r.instance_uuid);
  return out;
}

export async function deleteInfoCache(q: Kysely<Database>, uuid: string): Promise<void> {
  await q.deleteFrom('instance_info_caches').where('instance_uuid', '=', uuid).execute();
  await q.deleteFrom('instance_fixed_ips').where('instance_uuid', '=', uuid).execute();
}
