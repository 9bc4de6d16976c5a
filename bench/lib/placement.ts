// The two measurements both scale benchmarks make on a running cloud: servers
// placed one at a time, each timed from just before its POST to the
// scheduler's claim; then every ACTIVE server live-migrated at once, the
// scheduler choosing, counted until none is MIGRATING.
import type { ComputeClient } from './client.js';
import { CLIENT_CONCURRENCY, countBy, listAllServers, waitNoneIn } from './cloud-at-size.js';
import { waitForClaim, type Claim } from './claims.js';
import { inPool, quantile } from './stats.js';

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

export async function timePlacements(client: ComputeClient, claims: () => Map<string, Claim[]>, count: number, namePrefix: string, log: (s: string) => void, label: string): Promise<Placements> {
  const imageRef = await client.imageId('cirros');
  const latencies: number[] = [];
  const inScheduler: number[] = [];
  for (let i = 0; i < count; i++) {
    const before = nowMs();
    const r = await client.req('demo', 'POST', '/servers', { version: '2.37', body: { server: { name: `${namePrefix}-${i}`, flavorRef: '1', imageRef, networks: 'none' } } });
    if (r.status !== 202) throw new Error(`POST /servers: ${r.status} ${r.text.slice(0, 300)}`);
    const c = await waitForClaim(claims, r.body.server.id as string, before);
    latencies.push(c.at - before);
    inScheduler.push(c.selectMs);
  }
  const [p50, p99, s50, s99] = [quantile(latencies, 0.5), quantile(latencies, 0.99), quantile(inScheduler, 0.5), quantile(inScheduler, 0.99)];
  log(`  ${label}: placement POST → claim p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms; in the scheduler p50 ${s50.toFixed(2)} ms, p99 ${s99.toFixed(2)} ms`);
  return { latencies, inScheduler, p50, p99, s50, s99 };
}

export interface LiveMigrations {
  readonly requested: number;
  /** Servers ACTIVE afterwards on another host than before. */
  readonly completed: number;
  readonly seconds: number;
}

/** Waits for the builds, then live-migrates every ACTIVE server at once and counts those that moved. */
export async function liveMigrateAll(client: ComputeClient, log: (s: string) => void, label: string): Promise<LiveMigrations> {
  await waitNoneIn(client, 'demo', ['BUILD'], 120_000);
  const listed = await listAllServers(client, 'admin', '&all_tenants=1');
  const where = new Map(listed.map((s) => [s.id as string, String(s['OS-EXT-SRV-ATTR:host'])]));
  const active = listed.filter((s) => s.status === 'ACTIVE').map((s) => s.id as string);
  const l0 = performance.now();
  await inPool(active, CLIENT_CONCURRENCY, async (id) => {
    await client.req('admin', 'POST', `/servers/${id}/action`, { body: { 'os-migrateLive': { host: null, block_migration: 'auto' } }, version: 'latest' });
  });
  await waitNoneIn(client, 'admin', ['MIGRATING'], 180_000, '&all_tenants=1');
  const seconds = (performance.now() - l0) / 1000;
  const after = await listAllServers(client, 'admin', '&all_tenants=1');
  const completed = after.filter((s) => s.status === 'ACTIVE' && where.get(s.id) !== undefined && where.get(s.id) !== s['OS-EXT-SRV-ATTR:host']).length;
  log(`  ${label}: ${completed}/${active.length} live migrations in ${seconds.toFixed(2)} s = ${(completed / seconds).toFixed(1)}/s ${JSON.stringify(countBy(after, (s) => String(s.status)))}`);
  return { requested: active.length, completed, seconds };
}
