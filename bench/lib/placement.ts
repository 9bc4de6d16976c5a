// The two measurements both scale benchmarks make on a running cloud: servers
// placed one at a time, each timed from just before its POST to the
// scheduler's claim; then every ACTIVE server live-migrated at once, the
// scheduler choosing, counted until none is MIGRATING.
import type { ComputeClient } from './client.js';
import { CLIENT_CONCURRENCY, countBy, listAllServers, waitNoneIn } from './cloud-at-size.js';
import { waitForClaim, type Claim } from './claims.js';
import { inPool, quantile, sleep } from './stats.js';

const nowMs = (): number => performance.timeOrigin + performance.now();

export interface Placements {
  /** POST → claim, ms. */
  readonly latencies: number[];
  /** Of each, the part from the request reaching the scheduler to its claim, ms. */
  readonly inScheduler: number[];
  readonly p50: number;
  readonly p99: number;
  /** The scheduler's part, p50 and p99. */
  readonly s50: number;
  readonly s99: number;
}

/**
 * Servers booted and deleted before the timed placements, untimed: the first
 * requests through a fresh process (code not yet compiled by V8, statements
 * not yet prepared) would otherwise weigh on every size's figures.
 */
export async function warmUp(client: ComputeClient, count: number): Promise<void> {
  const imageRef = await client.imageId('cirros');
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const r = await client.req('demo', 'POST', '/servers', { version: '2.37', body: { server: { name: `warm-up-${i}`, flavorRef: '1', imageRef, networks: 'none' } } });
    if (r.status !== 202) throw new Error(`POST /servers: ${r.status} ${r.text.slice(0, 300)}`);
    ids.push(r.body.server.id as string);
  }
  await waitNoneIn(client, 'demo', ['BUILD'], 60_000);
  for (const id of ids) await client.req('demo', 'DELETE', `/servers/${id}`);
  const end = Date.now() + 60_000;
  while ((await listAllServers(client, 'demo')).length > 0) {
    if (Date.now() > end) throw new Error('the warm-up servers were not deleted within 60 s');
    await sleep(100);
  }
}

/**
 * When the next timed POST goes: 'claim', as soon as the claim for the last
 * one is seen, so that its build runs on meanwhile ("back to back"); or
 * 'active', once the last server is ACTIVE (servers booted one at a time).
 */
export type Pace = 'claim' | 'active';

export interface PlacementOptions {
  /** The request's `os:scheduler_hints` (a server group, say). */
  readonly hints?: Record<string, unknown>;
  /** Default 'claim'. */
  readonly pace?: Pace;
}

/** How often a server's status is read while waiting for it to leave BUILD. */
const ACTIVE_POLL_MS = 2;

async function waitActive(client: ComputeClient, id: string, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const r = await client.req('demo', 'GET', `/servers/${id}`, { version: '2.37' });
    const status = r.body?.server?.status as string | undefined;
    if (status === 'ACTIVE') return;
    if (status !== 'BUILD') throw new Error(`server ${id} is ${status ?? r.status}, not ACTIVE`);
    if (Date.now() > end) throw new Error(`server ${id} still BUILD after ${ms} ms`);
    await sleep(ACTIVE_POLL_MS);
  }
}

export async function timePlacements(
  client: ComputeClient,
  claims: () => Map<string, Claim[]>,
  count: number,
  namePrefix: string,
  log: (s: string) => void,
  label: string,
  opts: PlacementOptions = {},
): Promise<Placements> {
  const imageRef = await client.imageId('cirros');
  const latencies: number[] = [];
  const inScheduler: number[] = [];
  for (let i = 0; i < count; i++) {
    const before = nowMs();
    const server = { name: `${namePrefix}-${i}`, flavorRef: '1', imageRef, networks: 'none' };
    const r = await client.req('demo', 'POST', '/servers', { version: '2.37', body: { server, ...(opts.hints && { 'os:scheduler_hints': opts.hints }) } });
    if (r.status !== 202) throw new Error(`POST /servers: ${r.status} ${r.text.slice(0, 300)}`);
    const c = await waitForClaim(claims, r.body.server.id as string, before);
    latencies.push(c.at - before);
    inScheduler.push(c.selectMs);
    if (opts.pace === 'active') await waitActive(client, r.body.server.id as string);
  }
  const how = opts.pace === 'active' ? 'each ACTIVE before the next' : 'back to back';
  return summarised(latencies, inScheduler, log, `${label}: placement POST → claim (${how})`);
}

/** The timings with their quantiles, logged as `what` p50 …, p99 …; in the scheduler …. */
function summarised(latencies: number[], inScheduler: number[], log: (s: string) => void, what: string): Placements {
  const [p50, p99, s50, s99] = [quantile(latencies, 0.5), quantile(latencies, 0.99), quantile(inScheduler, 0.5), quantile(inScheduler, 0.99)];
  log(`  ${what} p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms; in the scheduler p50 ${s50.toFixed(2)} ms, p99 ${s99.toFixed(2)} ms`);
  return { latencies, inScheduler, p50, p99, s50, s99 };
}

/** Requests for several servers at once, each timed to the last of its claims (latencies: POST → that claim). */
export interface MultiServerPlacements extends Placements {
  /** Servers per request (min_count = max_count). */
  readonly perRequest: number;
}

/**
 * `count` requests of `perRequest` servers each (min_count = max_count), one
 * after another, each timed from just before its POST to the last claim the
 * scheduler makes for it.
 */
export async function timeMultiServerRequests(
  client: ComputeClient,
  claims: () => Map<string, Claim[]>,
  count: number,
  perRequest: number,
  namePrefix: string,
  log: (s: string) => void,
  label: string,
): Promise<MultiServerPlacements> {
  const imageRef = await client.imageId('cirros');
  const latencies: number[] = [];
  const inScheduler: number[] = [];
  for (let i = 0; i < count; i++) {
    const before = nowMs();
    const server = { name: `${namePrefix}-${i}`, flavorRef: '1', imageRef, networks: 'none', min_count: perRequest, max_count: perRequest, return_reservation_id: true };
    const r = await client.req('demo', 'POST', '/servers', { version: '2.37', body: { server } });
    if (r.status !== 202) throw new Error(`POST /servers: ${r.status} ${r.text.slice(0, 300)}`);
    const listed = await client.req('demo', 'GET', `/servers?reservation_id=${r.body.reservation_id as string}`, { version: '2.37' });
    const mine = (listed.body.servers as Array<{ id: string }>).map((s) => s.id);
    if (mine.length !== perRequest) throw new Error(`reservation ${r.body.reservation_id as string} holds ${mine.length} servers, not ${perRequest}`);
    const got = await Promise.all(mine.map((id) => waitForClaim(claims, id, before)));
    latencies.push(Math.max(...got.map((c) => c.at)) - before);
    inScheduler.push(Math.max(...got.map((c) => c.selectMs)));
  }
  return { perRequest, ...summarised(latencies, inScheduler, log, `${label}: ${perRequest} servers per request, POST → last claim`) };
}

export interface LiveMigrations {
  readonly requested: number;
  /** Servers ACTIVE afterwards on another host than before. */
  readonly completed: number;
  readonly seconds: number;
}

/**
 * Waits for the builds, then live-migrates every ACTIVE server at once and
 * counts those that moved; `rounds` times over, the figures summed (more
 * migrations make a steadier rate on a noisy machine, and weigh the first
 * round's not yet compiled code paths less).
 */
export async function liveMigrateAll(client: ComputeClient, log: (s: string) => void, label: string, rounds = 1): Promise<LiveMigrations> {
  await waitNoneIn(client, 'demo', ['BUILD'], 120_000);
  let requested = 0;
  let completed = 0;
  let seconds = 0;
  for (let round = 1; round <= rounds; round++) {
    const listed = await listAllServers(client, 'admin', '&all_tenants=1');
    const where = new Map(listed.map((s) => [s.id as string, String(s['OS-EXT-SRV-ATTR:host'])]));
    const active = listed.filter((s) => s.status === 'ACTIVE').map((s) => s.id as string);
    const l0 = performance.now();
    await inPool(active, CLIENT_CONCURRENCY, async (id) => {
      await client.req('admin', 'POST', `/servers/${id}/action`, { body: { 'os-migrateLive': { host: null, block_migration: 'auto' } }, version: 'latest' });
    });
    await waitNoneIn(client, 'admin', ['MIGRATING'], 180_000, '&all_tenants=1');
    const s = (performance.now() - l0) / 1000;
    const after = await listAllServers(client, 'admin', '&all_tenants=1');
    const moved = after.filter((x) => x.status === 'ACTIVE' && where.get(x.id) !== undefined && where.get(x.id) !== x['OS-EXT-SRV-ATTR:host']).length;
    const of = rounds > 1 ? ` (round ${round} of ${rounds})` : '';
    log(`  ${label}: ${moved}/${active.length} live migrations in ${s.toFixed(2)} s = ${(moved / s).toFixed(1)}/s${of} ${JSON.stringify(countBy(after, (x) => String(x.status)))}`);
    requested += active.length;
    completed += moved;
    seconds += s;
  }
  return { requested, completed, seconds };
}
