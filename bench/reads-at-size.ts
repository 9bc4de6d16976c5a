// Benchmark 6 — reads at size: the per-request cost of the server and
// migration lists (pages, filters, markers, sorting) and of one server, with
// 1,000 and with 100,000 servers in the same run, and the growth between the
// two as ratios. A page should cost the same whatever the table size.
//
// The servers are not created through the API (it creates about a hundred a
// second): the API creates two reference servers (one of them then
// live-migrated), the process stops, the servers are copied from the
// references' rows straight into its SQLite file (bench/lib/seed-servers.ts),
// and the process starts again on the same data directory. Before measuring,
// a seeded server, its actions and its migration are read through the API and
// their fields compared with the references'.
import { ComputeClient } from './lib/client.js';
import { waitNoneIn, waitReady } from './lib/cloud-at-size.js';
import { runMeasuredLoad } from './lib/load.js';
import { cpuSecondsOf, spawnMagnetar, stopChild, type MagnetarProcess } from './lib/processes.js';
import { seedServers } from './lib/seed-servers.js';
import { round, sleep } from './lib/stats.js';

export const READ_SIZES: readonly number[] = (process.env['BENCH_READS_SIZES'] ?? '1000,100000').split(',').map(Number);
const HOSTS = 100;
const HOST_NAMES = Array.from({ length: HOSTS }, (_, i) => `compute${i + 1}`);
/** Every tenth seeded server has a completed live migration. */
const MIGRATED_EVERY = 10;
/** Sequential requests per case (after WARMUP not counted). */
const REQUESTS = 40;
const WARMUP = 5;
/** A walk through every page stops after this long (and says so). */
const WALK_BUDGET_MS = 60_000;
const VERSION = 'latest';

const SETTINGS: readonly string[] = [
  `magnetar.compute_hosts=${HOST_NAMES.join(',')}`,
  ...['spawn', 'destroy', 'power', 'migrate', 'live_migration', 'precheck'].map((s) => `fake.${s}_delay=0`),
  // 1,000 m1.tiny servers per host fit.
  'fake.memory_mb=1048576',
  'fake.vcpus=4096',
  'fake.local_gb=8192',
  'quota.instances=-1',
  'quota.cores=-1',
  'quota.ram=-1',
];

export interface CaseResult {
  readonly name: string;
  readonly user: string;
  /** The request (the first one, for cases rotating over servers). */
  readonly path: string;
  /** Items in the answer (the first one). */
  readonly items: number;
  readonly requests: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Requests/s with the load generator (10 connections), for the cases it runs. */
  readonly requestsPerSecond?: number;
  readonly skipped?: string;
}

export interface WalkResult {
  readonly name: string;
  readonly pageSize: number;
  readonly pages: number;
  readonly items: number;
  readonly firstPageMs: number;
  /** The median of the last five pages. */
  readonly lastPagesMs: number;
  readonly seconds: number;
  /** Set when the walk ran out of time before the last page. */
  readonly cutShort?: string;
}

export interface SizeReads {
  readonly servers: number;
  readonly migrations: number;
  readonly seedSeconds: number;
  /** Spawn on the seeded data directory → `GET /v2.1` = 200. */
  readonly restartMs: number;
  /** From ready until the process used under a fifth of a core over a second (its hosts' start-up work done). */
  readonly settleMs?: number;
  /** The process's CPU share of one core over the last second of that wait, in %. */
  readonly settledCpuPercent?: number;
  readonly cases: CaseResult[];
  readonly walks: WalkResult[];
}

export interface ReadsAtSizeResult {
  readonly population: string;
  readonly hosts: number;
  readonly microversion: string;
  /** What was compared between the seeded server and the API-created reference. */
  readonly verified: string[];
  readonly sizes: SizeReads[];
  /** The biggest size ÷ the smallest, per case. */
  readonly growth: Array<{ readonly name: string; readonly p50: number; readonly p99: number; readonly requestsPerSecond?: number }>;
  readonly walkGrowth: Array<{ readonly name: string; readonly firstPage: number; readonly lastPages: number; readonly lastOverFirstSmall: number; readonly lastOverFirstBig: number }>;
}

const quantile = (xs: readonly number[], q: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)]!;
};

/** One request, timed to its last byte; the body parsed after the clock stops. */
async function timedGet(c: ComputeClient, user: string, path: string): Promise<{ ms: number; status: number; body: any; text: string }> {
  const { token } = await c.login(user);
  const t0 = performance.now();
  const r = await fetch(`${c.computeUrl}/v2.1${path}`, { headers: { 'X-Auth-Token': token, 'OpenStack-API-Version': `compute ${VERSION}` } });
  const text = await r.text();
  const ms = performance.now() - t0;
  let body: any;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { ms, status: r.status, body, text };
}

interface CaseDef {
  readonly name: string;
  readonly user: string;
  readonly paths: readonly string[];
  /** The collection key in the answer (an item count), or null for one object. */
  readonly key: string | null;
  readonly load?: boolean;
  readonly skipped?: string;
}

async function measure(c: ComputeClient, proc: MagnetarProcess, d: CaseDef): Promise<CaseResult> {
  if (d.skipped) return { name: d.name, user: d.user, path: d.paths[0] ?? '', items: 0, requests: 0, p50Ms: NaN, p99Ms: NaN, skipped: d.skipped };
  const times: number[] = [];
  let items = 0;
  for (let i = 0; i < WARMUP + REQUESTS; i++) {
    const path = d.paths[i % d.paths.length]!;
    const r = await timedGet(c, d.user, path);
    if (r.status !== 200) throw new Error(`${d.name}: GET ${path}: ${r.status} ${r.text.slice(0, 300)}`);
    if (i === 0) items = d.key === null ? 1 : (r.body[d.key] as unknown[]).length;
    if (i >= WARMUP) times.push(r.ms);
  }
  let requestsPerSecond: number | undefined;
  if (d.load) {
    const { token } = await c.login(d.user);
    const headers = { 'X-Auth-Token': token, 'OpenStack-API-Version': `compute ${VERSION}` };
    const m = await runMeasuredLoad(
      { url: proc.computeUrl, paths: d.paths.map((p) => `/v2.1${p}`), headers, connections: 10, warmupSeconds: 1, durationSeconds: 3 },
      proc.pid,
    );
    if (m.non2xx + m.errors > 0) throw new Error(`${d.name}: ${m.non2xx} non-2xx, ${m.errors} errors under load`);
    requestsPerSecond = round(m.requestsPerSecond, 1);
  }
  return {
    name: d.name,
    user: d.user,
    path: d.paths[0]!,
    items,
    requests: times.length,
    p50Ms: round(quantile(times, 0.5), 2),
    p99Ms: round(quantile(times, 0.99), 2),
    ...(requestsPerSecond !== undefined && { requestsPerSecond }),
  };
}

/** Follows `next` links from `path` to the last page (or until the budget runs out); the markers met on the way. */
async function walk(c: ComputeClient, name: string, user: string, path: string, key: string, pageSize: number): Promise<{ result: WalkResult; markers: string[] }> {
  const times: number[] = [];
  const markers: string[] = [];
  let items = 0;
  let next: string | undefined = path;
  const t0 = performance.now();
  let cutShort: string | undefined;
  while (next !== undefined) {
    const r = await timedGet(c, user, next);
    if (r.status !== 200) throw new Error(`${name}: GET ${next}: ${r.status} ${r.text.slice(0, 300)}`);
    times.push(r.ms);
    const page = r.body[key] as Array<{ id?: string; uuid?: string }>;
    items += page.length;
    const link = (r.body[`${key}_links`] as Array<{ rel: string; href: string }> | undefined)?.find((l) => l.rel === 'next');
    next = link ? link.href.replace(/^.*?\/v2\.1(\/[0-9a-f]{32})?/, '') : undefined;
    if (next) markers.push(new URL(`http://x${next}`).searchParams.get('marker')!);
    if (next && performance.now() - t0 > WALK_BUDGET_MS) {
      cutShort = `stopped after ${times.length} pages (${WALK_BUDGET_MS / 1000} s)`;
      break;
    }
  }
  const last = times.slice(-5);
  return {
    markers,
    result: {
      name,
      pageSize,
      pages: times.length,
      items,
      firstPageMs: round(times[0]!, 2),
      lastPagesMs: round(quantile(last, 0.5), 2),
      seconds: round((performance.now() - t0) / 1000, 2),
      ...(cutShort && { cutShort }),
    },
  };
}

const sortedKeys = (o: unknown): string[] => (o && typeof o === 'object' ? Object.keys(o).sort() : []);

/** The field names of a seeded item against the reference's, one level down as well. */
function sameShape(what: string, seeded: any, ref: any): string {
  const a = sortedKeys(seeded).join(',');
  const b = sortedKeys(ref).join(',');
  if (a !== b) throw new Error(`seeded ${what} has fields [${a}], the API-created one [${b}]`);
  for (const k of sortedKeys(ref)) {
    if (ref[k] && typeof ref[k] === 'object' && !Array.isArray(ref[k])) {
      const x = sortedKeys(seeded[k]).join(',');
      const y = sortedKeys(ref[k]).join(',');
      if (x !== y) throw new Error(`seeded ${what}.${k} has fields [${x}], the API-created one [${y}]`);
    }
  }
  return `${what}: the same ${sortedKeys(ref).length} fields as the API-created one`;
}

async function verifySeeded(c: ComputeClient, refs: { server: string; migrated: string }, seeded: string, seededName: string, seededHost: string): Promise<string[]> {
  const get = async (user: string, path: string): Promise<any> => {
    const r = await timedGet(c, user, path);
    if (r.status !== 200) throw new Error(`verify: GET ${path}: ${r.status} ${r.text.slice(0, 300)}`);
    return r.body;
  };
  const out: string[] = [];
  const s = (await get('admin', `/servers/${seeded}`)).server;
  const ref = (await get('admin', `/servers/${refs.server}`)).server;
  out.push(sameShape('GET /servers/{id} (admin)', s, ref));
  if (s.status !== 'ACTIVE' || s.name !== seededName || s['OS-EXT-SRV-ATTR:host'] !== seededHost || s['OS-EXT-STS:power_state'] !== ref['OS-EXT-STS:power_state'])
    throw new Error(`seeded server reads as ${s.status} ${s.name} on ${s['OS-EXT-SRV-ATTR:host']} power ${s['OS-EXT-STS:power_state']}`);
  out.push(`the seeded server reads ACTIVE, named ${seededName}, on ${seededHost}, power state ${s['OS-EXT-STS:power_state']} (its guest runs there)`);
  const a = (await get('demo', `/servers/${seeded}/os-instance-actions`)).instanceActions;
  const ra = (await get('demo', `/servers/${refs.migrated}/os-instance-actions`)).instanceActions;
  if (a.length === 0) throw new Error('the seeded server has no instance actions');
  out.push(`${sameShape('GET /servers/{id}/os-instance-actions item', a[0], ra[0])}; actions ${a.map((x: any) => x.action).join(', ')}`);
  return out;
}

async function start(dataDir?: string): Promise<{ proc: MagnetarProcess; client: ComputeClient; ms: number }> {
  const t0 = performance.now();
  const proc = await spawnMagnetar(SETTINGS, dataDir ? { dataDir } : {});
  const client = new ComputeClient(proc.identityUrl, proc.computeUrl, proc.imageUrl);
  try {
    await waitReady(client, 300_000);
  } catch (e) {
    await proc.stop();
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n${proc.output().slice(-2000)}`);
  }
  return { proc, client, ms: performance.now() - t0 };
}

async function waitActive(c: ComputeClient, id: string): Promise<void> {
  const end = Date.now() + 60_000;
  for (;;) {
    const r = await c.req('admin', 'GET', `/servers/${id}`, { version: VERSION });
    if (r.body?.server?.status === 'ACTIVE' && r.body.server['OS-EXT-STS:task_state'] === null) return;
    if (r.body?.server?.status === 'ERROR' || Date.now() > end) throw new Error(`server ${id}: ${r.text.slice(0, 300)}`);
    await sleep(50);
  }
}

 /** Waits (at most a minute) until the process is nearly idle: measuring during its hosts' start-up work would measure that work. */
async function settle(proc: MagnetarProcess): Promise<{ ms: number; cpuPercent: number }> {
  const t0 = performance.now();
  for (;;) {
    const c0 = cpuSecondsOf(proc.pid);
    const w0 = performance.now();
    await sleep(1000);
    const cpuPercent = (100 * (cpuSecondsOf(proc.pid) - c0)) / ((performance.now() - w0) / 1000);
    if (cpuPercent < 20 || performance.now() - t0 > 60_000) return { ms: performance.now() - t0, cpuPercent };
  }
}

const isoSeconds = (d: Date): string => `${d.toISOString().slice(0, 19)}Z`;

export async function benchReadsAtSize(log: (s: string) => void): Promise<ReadsAtSizeResult> {
  // The references, created and moved through the API.
  let { proc, client } = await start();
  const dataDir = proc.dataDir;
  const newest = new Date(Date.now() - 3600_000);
  try {
    const imageRef = await client.imageId('cirros');
    const refs: string[] = [];
    for (const name of ['reference', 'reference-migrated']) {
      const r = await client.req('demo', 'POST', '/servers', { version: VERSION, body: { server: { name, flavorRef: '1', imageRef, networks: 'none' } } });
      if (r.status !== 202) throw new Error(`POST /servers: ${r.status} ${r.text.slice(0, 300)}`);
      refs.push(r.body.server.id as string);
    }
    for (const id of refs) await waitActive(client, id);
    const lm = await client.req('admin', 'POST', `/servers/${refs[1]}/action`, { version: VERSION, body: { 'os-migrateLive': { host: null, block_migration: 'auto' } } });
    if (lm.status !== 202) throw new Error(`live migration: ${lm.status} ${lm.text.slice(0, 300)}`);
    await waitNoneIn(client, 'admin', ['MIGRATING'], 60_000, '&all_tenants=1');
    await waitActive(client, refs[1]!);
    const done = await client.req('admin', 'GET', `/os-migrations?instance_uuid=${refs[1]}`, { version: VERSION });
    if (done.body?.migrations?.[0]?.status !== 'completed') throw new Error(`reference live migration: ${done.text.slice(0, 300)}`);
    const refMigration = done.body.migrations[0];
    const references = { server: refs[0]!, migrated: refs[1]! };
    log(`  references created through the API: ${references.server}, ${references.migrated} (live-migrated)`);

    const sizes: SizeReads[] = [];
    let verified: string[] = [];
    let seeded: string[] = [];
    for (const size of READ_SIZES) {
      await stopChild(proc.child);
      const s0 = performance.now();
      seeded = seeded.concat(await seedServers({ dataDir, refs: references, from: seeded.length, to: size, newest, hosts: HOST_NAMES, migratedEvery: MIGRATED_EVERY }));
      const seedSeconds = (performance.now() - s0) / 1000;
      let restartMs: number;
      ({ proc, client, ms: restartMs } = await start(dataDir));
      const migrations = Math.ceil(size / MIGRATED_EVERY) + 1;
      const settled = await settle(proc);
      log(
        `  ${size.toLocaleString('en')} servers seeded (${seedSeconds.toFixed(1)} s), ${migrations.toLocaleString('en')} migrations; restarted in ${restartMs.toFixed(0)} ms, ` +
          `settled after ${settled.ms.toFixed(0)} ms more (${settled.cpuPercent.toFixed(0)} % of a core)`,
      );

      // Seeded server 7 lives on compute8 (round robin from compute1).
      const probe = 7;
      verified = await verifySeeded(client, references, seeded[probe]!, `srv-${probe}`, HOST_NAMES[probe % HOSTS]!);
      const migList = (await timedGet(client, 'admin', `/os-migrations?instance_uuid=${seeded[0]}`)).body.migrations;
      if (migList.length !== 1 || migList[0].status !== 'completed') throw new Error(`seeded migration reads as ${JSON.stringify(migList)}`);
      verified.push(sameShape('GET /os-migrations item', migList[0], refMigration));
      const total = (await timedGet(client, 'admin', '/servers?all_tenants=1&limit=1000')).body.servers.length;
      if (total !== Math.min(1000, size + 2)) throw new Error(`the first page holds ${total} servers`);

      // Deep pages, reached by markers: the cost of the last against the first.
      const walks: WalkResult[] = [];
      const sw = await walk(client, 'GET /servers?limit=100, every page by marker', 'demo', '/servers?limit=100', 'servers', 100);
      walks.push(sw.result);
      const mw = await walk(client, 'GET /os-migrations?limit=100, every page by marker (admin)', 'admin', '/os-migrations?limit=100', 'migrations', 100);
      walks.push(mw.result);
      if (!sw.result.cutShort && sw.result.items !== size + 2) throw new Error(`the walk met ${sw.result.items} servers, not ${size + 2}`);
      for (const w of walks) log(`  ${w.name}: ${w.pages} pages, first ${w.firstPageMs} ms, last ${w.lastPagesMs} ms, ${w.seconds} s${w.cutShort ? ` (${w.cutShort})` : ''}`);
      const deepMarker = sw.markers[sw.markers.length - 1];
      const deepMigrationMarker = mw.markers[mw.markers.length - 1];
      const onePage = 'everything fits on one page: no marker to page by';

      const sample = Array.from({ length: 50 }, (_, i) => seeded[Math.floor((i * seeded.length) / 50)]!);
      const migratedSample = Array.from({ length: 20 }, (_, i) => seeded[Math.floor((i * seeded.length) / 20 / MIGRATED_EVERY) * MIGRATED_EVERY]!);
      const since = isoSeconds(new Date(newest.getTime() - 50_000));
      const defs: CaseDef[] = [
        { name: 'GET /servers (default page)', user: 'demo', paths: ['/servers'], key: 'servers' },
        { name: 'GET /servers?limit=100', user: 'demo', paths: ['/servers?limit=100'], key: 'servers' },
        { name: 'GET /servers/detail?limit=100', user: 'demo', paths: ['/servers/detail?limit=100'], key: 'servers', load: true },
        { name: 'status=ACTIVE', user: 'demo', paths: ['/servers/detail?status=ACTIVE&limit=100'], key: 'servers' },
        { name: 'name regex (names ending in 7: a tenth)', user: 'demo', paths: ['/servers/detail?name=7%24&limit=100'], key: 'servers' },
        { name: 'changes-since (the newest 50)', user: 'demo', paths: [`/servers/detail?changes-since=${since}&limit=100`], key: 'servers' },
        { name: 'sort_key=display_name asc', user: 'demo', paths: ['/servers/detail?sort_key=display_name&sort_dir=asc&limit=100'], key: 'servers' },
        { name: 'marker on the last page', user: 'demo', paths: [`/servers?limit=100&marker=${deepMarker}`], key: 'servers', ...(!deepMarker && { skipped: onePage }) },
        { name: 'all_tenants=1 (admin)', user: 'admin', paths: ['/servers/detail?all_tenants=1&limit=100'], key: 'servers' },
        { name: 'host=compute8 (admin)', user: 'admin', paths: [`/servers/detail?all_tenants=1&host=${HOST_NAMES[7]}&limit=100`], key: 'servers' },
        { name: 'ip=<prefix>', user: 'demo', paths: ['/servers?ip=10.'], key: 'servers', skipped: 'the servers have no networks (networks none, no embedded network service in these benchmarks): no addresses to match' },
        { name: 'GET /servers/{id}', user: 'demo', paths: sample.map((id) => `/servers/${id}`), key: null, load: true },
        { name: 'GET /os-migrations?limit=100 (admin)', user: 'admin', paths: ['/os-migrations?limit=100'], key: 'migrations' },
        { name: 'GET /os-migrations, marker on the last page (admin)', user: 'admin', paths: [`/os-migrations?limit=100&marker=${deepMigrationMarker}`], key: 'migrations', ...(!deepMigrationMarker && { skipped: onePage }) },
        { name: 'GET /os-migrations?instance_uuid= (admin)', user: 'admin', paths: migratedSample.map((id) => `/os-migrations?instance_uuid=${id}`), key: 'migrations' },
        { name: `GET /os-migrations?host=${HOST_NAMES[10]}&limit=100 (admin)`, user: 'admin', paths: [`/os-migrations?host=${HOST_NAMES[10]}&limit=100`], key: 'migrations' },
        { name: 'GET /servers/{id}/migrations (admin)', user: 'admin', paths: migratedSample.map((id) => `/servers/${id}/migrations`), key: 'migrations' },
      ];
      const cases: CaseResult[] = [];
      for (const d of defs) {
        const r = await measure(client, proc, d);
        cases.push(r);
        log(`  ${size.toLocaleString('en')}: ${r.name}: ${r.skipped ? `skipped: ${r.skipped}` : `${r.items} items, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms${r.requestsPerSecond !== undefined ? `, ${r.requestsPerSecond} req/s` : ''}`}`);
      }
      sizes.push({ servers: size, migrations, seedSeconds: round(seedSeconds, 1), restartMs: round(restartMs, 0), settleMs: round(settled.ms, 0), settledCpuPercent: round(settled.cpuPercent, 1), cases, walks });
    }

    const small = sizes[0]!;
    const big = sizes[sizes.length - 1]!;
    const r = (a: number, b: number): number => (b > 0 ? round(a / b, 2) : NaN);
    const growth = big.cases.map((b) => {
      const s = small.cases.find((x) => x.name === b.name)!;
      return {
        name: b.name,
        p50: r(b.p50Ms, s.p50Ms),
        p99: r(b.p99Ms, s.p99Ms),
        ...(b.requestsPerSecond !== undefined && s.requestsPerSecond !== undefined && { requestsPerSecond: r(b.requestsPerSecond, s.requestsPerSecond) }),
      };
    });
    const walkGrowth = big.walks.map((b) => {
      const s = small.walks.find((x) => x.name === b.name)!;
      return { name: b.name, firstPage: r(b.firstPageMs, s.firstPageMs), lastPages: r(b.lastPagesMs, s.lastPagesMs), lastOverFirstSmall: r(s.lastPagesMs, s.firstPageMs), lastOverFirstBig: r(b.lastPagesMs, b.firstPageMs) };
    });
    return {
      population:
        `2 servers created through the API as demo (m1.tiny, networks none; one then live-migrated); the others seeded into the SQLite file as copies of their rows ` +
        `(instance, allocations, instance actions and events, guests in the fake hosts' tables; every ${MIGRATED_EVERY}th with a completed live-migration record and action), ` +
        `all in project demo, round robin over ${HOSTS} hosts, one second apart, the added ones older`,
      hosts: HOSTS,
      microversion: VERSION,
      verified,
      sizes,
      growth,
      walkGrowth,
    };
  } finally {
    await proc.stop();
  }
}
