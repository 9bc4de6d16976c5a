// The cloud the throughput benchmarks share: one `magnetar serve` process
// (SQLite) with 100 simulated hosts, zero simulated delays, and 1,000 servers
// created through the compute API as user demo.
import { ComputeClient, notImplemented } from './client.js';
import { memoryOf, spawnMagnetar, type MagnetarProcess } from './processes.js';
import { inPool, round, sleep } from './stats.js';

export const HOSTS = 100;
export const SERVERS = 1000;
/** Requests a client keeps in flight when it fires many at once. */
export const CLIENT_CONCURRENCY = 32;
/**
 * Pause between two polls for completion. A poll is itself work for the
 * server (a list request), so polling faster would slow down what it measures.
 */
export const POLL_MS = 100;

const ZERO_DELAYS = ['spawn', 'destroy', 'power', 'migrate', 'live_migration', 'precheck'].map((s) => `fake.${s}_delay=0`);
export const HOST_NAMES = Array.from({ length: HOSTS }, (_, i) => `compute${i + 1}`);
export const CLOUD_SETTINGS: readonly string[] = [
  `magnetar.compute_hosts=${HOST_NAMES.join(',')}`,
  ...ZERO_DELAYS,
  // 128 GiB per host: 1,000 m1.tiny servers fit many times over, also while
  // every migration holds its source and destination at once.
  'fake.memory_mb=131072',
  'fake.vcpus=256',
  'fake.local_gb=4096',
  // 1,000 servers of one project are far beyond Nova's default quotas.
  'quota.instances=-1',
  'quota.cores=-1',
  'quota.ram=-1',
];

export interface MemorySample {
  readonly at: string;
  readonly rssMb: number;
  readonly peakRssMb: number;
}

export interface CloudAtSize {
  readonly proc: MagnetarProcess;
  readonly client: ComputeClient;
  readonly serverIds: readonly string[];
  /** Why the servers could not be created, when they could not. */
  readonly unavailable: string | null;
  readonly populate: { seconds: number; serversPerSecond: number; statuses: Record<string, number> } | null;
  readonly memory: MemorySample[];
  sampleMemory(at: string): MemorySample;
  stop(): Promise<void>;
}

export async function waitReady(c: ComputeClient, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    try {
      if ((await c.req('admin', 'GET', '')).status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > end) throw new Error('magnetar did not become ready');
    await sleep(20);
  }
}

/** Every server a user sees (detail view), following next links. */
export async function listAllServers(c: ComputeClient, user: string, query = ''): Promise<any[]> {
  const out: any[] = [];
  let path = `/servers/detail?limit=1000${query}`;
  for (;;) {
    const r = await c.req(user, 'GET', path, { version: 'latest' });
    if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${r.text.slice(0, 300)}`);
    out.push(...(r.body.servers as any[]));
    const next = (r.body.servers_links as Array<{ rel: string; href: string }> | undefined)?.find((l) => l.rel === 'next');
    if (!next) return out;
    path = next.href.replace(/^.*?\/v2\.1(\/[0-9a-f]{32})?/, '');
  }
}

export function countBy<T>(xs: readonly T[], key: (x: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of xs) out[key(x)] = (out[key(x)] ?? 0) + 1;
  return out;
}

/**
 * Waits until no server visible to `user` has one of `statuses` (or the
 * deadline passes). Polls cheaply with `?status=S&limit=1`; if the API does
 * not honour the status filter it counts the full list instead.
 */
export async function waitNoneIn(
  c: ComputeClient,
  user: string,
  statuses: readonly string[],
  deadlineMs: number,
  extraQuery = '',
  pollMs = POLL_MS,
): Promise<boolean> {
  const end = Date.now() + deadlineMs;
  let filterWorks = true;
  for (;;) {
    let busy = false;
    if (filterWorks) {
      for (const s of statuses) {
        const r = await c.req(user, 'GET', `/servers/detail?status=${s}&limit=1${extraQuery}`, { version: 'latest' });
        const first = (r.body?.servers as any[] | undefined)?.[0];
        if (first && first.status !== s) {
          filterWorks = false;
          break;
        }
        if (first) {
          busy = true;
          break;
        }
      }
    }
    if (!filterWorks) {
      const all = await listAllServers(c, user, extraQuery);
      busy = all.some((s) => statuses.includes(s.status));
    }
    if (!busy) return true;
    if (Date.now() > end) return false;
    await sleep(pollMs);
  }
}

export async function startCloudAtSize(log: (s: string) => void): Promise<CloudAtSize> {
  const proc = await spawnMagnetar(CLOUD_SETTINGS);
  const client = new ComputeClient(proc.identityUrl, proc.computeUrl, proc.imageUrl);
  const memory: MemorySample[] = [];
  const sampleMemory = (at: string): MemorySample => {
    const m = memoryOf(proc.pid);
    const s = { at, rssMb: round(m.rssMb, 1), peakRssMb: round(m.peakRssMb, 1) };
    memory.push(s);
    return s;
  };
  const base = { proc, client, memory, sampleMemory, stop: () => proc.stop() };
  try {
    await waitReady(client);
  } catch (e) {
    await proc.stop();
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n${proc.output()}`);
  }
  sampleMemory(`ready, ${HOSTS} hosts, no servers`);

  const probe = await client.req('demo', 'GET', '/servers', { version: 'latest' });
  if (notImplemented(probe)) return { ...base, serverIds: [], unavailable: 'the servers API is not available yet', populate: null };

  const imageRef = await client.imageId('cirros');
  const t0 = performance.now();
  const failures: string[] = [];
  const created = await inPool(
    Array.from({ length: SERVERS }, (_, i) => i),
    CLIENT_CONCURRENCY,
    async (i) => {
      const r = await client.req('demo', 'POST', '/servers', {
        version: '2.37',
        body: { server: { name: `bench-${i}`, flavorRef: '1', imageRef, networks: 'none' } },
      });
      if (r.status !== 202) {
        failures.push(`${r.status} ${r.text.slice(0, 200)}`);
        return null;
      }
      return r.body.server.id as string;
    },
  );
  if (failures.length > 0) {
    await proc.stop();
    throw new Error(`${failures.length} server creations failed, first: ${failures[0]}`);
  }
  const done = await waitNoneIn(client, 'demo', ['BUILD'], 300_000);
  const seconds = (performance.now() - t0) / 1000;
  const servers = await listAllServers(client, 'demo');
  const statuses = countBy(servers, (s) => String(s.status));
  log(`  created ${created.length} servers in ${seconds.toFixed(1)} s ${JSON.stringify(statuses)}${done ? '' : ' (gave up waiting)'}`);
  sampleMemory(`${SERVERS} servers`);
  return {
    ...base,
    serverIds: created.filter((x): x is string => x !== null),
    unavailable: null,
    populate: { seconds: round(seconds, 2), serversPerSecond: round(SERVERS / seconds, 1), statuses },
  };
}
