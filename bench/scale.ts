// Benchmark 5 — scale: one `magnetar serve` after another with 100, 1,000 and
// 10,000 simulated hosts (zero simulated delays). For each: ready time,
// RSS, idle CPU, placement latency from POST to the scheduler's claim (one
// server at a time, so it is the latency of one request, not of a queue) and
// live migrations per second; then the growth between sizes as ratios.
//
// POST → claim: the client notes the wall-clock time just before each POST;
// the scheduler logs every claim it makes with its own wall-clock time
// (`claimed`, at debug level, which this benchmark turns on). Both run on
// this machine, so the clocks are the same.
import { ComputeClient } from './lib/client.js';
import { waitReady } from './lib/cloud-at-size.js';
import { cpuSecondsOf, memoryOf, spawnMagnetar, type MagnetarProcess } from './lib/processes.js';
import { round, sleep } from './lib/stats.js';
import { claimsIn } from './lib/claims.js';
import { liveMigrateAll, timePlacements, warmUp } from './lib/placement.js';

export const SCALE_SIZES: readonly number[] = (process.env['BENCH_SCALE_SIZES'] ?? '100,1000,10000').split(',').map(Number);
/** Servers placed one at a time per size (the latency sample). */
const PLACEMENTS = 300;
/** Servers booted and deleted first, untimed, as in the distributed benchmark. */
const WARM_UP_PLACEMENTS = 20;
/** How long the idle process is watched: one heartbeat period ([DEFAULT] report_interval). */
const IDLE_SECONDS = 10;
/** The placed servers are live-migrated all at once this many times; the rate is over all of them. */
const LIVE_MIGRATION_ROUNDS = 3;

const ZERO_DELAYS = ['spawn', 'destroy', 'power', 'migrate', 'live_migration', 'precheck'].map((s) => `fake.${s}_delay=0`);

export interface SizeResult {
  readonly hosts: number;
  /** Spawn → token issued and `GET /v2.1` = 200. */
  readonly readyMs: number;
  readonly rssReadyMb: number;
  /** CPU share of one core while idle, in %. */
  readonly idleCpuPercent: number;
  readonly idleSeconds: number;
  readonly placements: number;
  readonly placementP50Ms: number;
  readonly placementP99Ms: number;
  readonly placementMaxMs: number;
  /** Of the placement, the part from the request reaching the scheduler to its claim (absent in older records). */
  readonly schedulerP50Ms?: number;
  readonly schedulerP99Ms?: number;
  /** The placed servers, all live-migrated at once (host chosen by the scheduler) until none is MIGRATING. */
  readonly liveMigrations: { readonly requested: number; readonly completed: number; readonly seconds: number; readonly perSecond: number };
  readonly rssEndMb: number;
  readonly peakRssMb: number;
  /** The same process started again on its data (services, nodes and the placed servers there): spawn → ready, and RSS then (absent in older records). */
  readonly restartReadyMs?: number;
  readonly restartRssMb?: number;
}

export interface ScaleResult {
  readonly sizes: SizeResult[];
  /** Each size against the previous one (the bigger ÷ the smaller). */
  readonly growth: Array<{ readonly from: number; readonly to: number; readonly hostsRatio: number; readonly readyMs: number; readonly rssReadyMb: number; readonly idleCpuPercent: number; readonly placementP50Ms: number; readonly placementP99Ms: number; readonly liveMigrationsPerSecond: number }>;
}

async function oneSize(hosts: number, log: (s: string) => void): Promise<SizeResult> {
  const names = Array.from({ length: hosts }, (_, i) => `compute${i + 1}`);
  const t0 = performance.now();
  // The claims are logged at debug level; the server otherwise logs at the level the other benchmarks use.
  const level = process.env['MAGNETAR_LOG_LEVEL'];
  process.env['MAGNETAR_LOG_LEVEL'] = 'debug';
  const settings = [`magnetar.compute_hosts=${names.join(',')}`, ...ZERO_DELAYS, 'quota.instances=-1', 'quota.cores=-1', 'quota.ram=-1'];
  const proc = await spawnMagnetar(settings);
  if (level === undefined) delete process.env['MAGNETAR_LOG_LEVEL'];
  else process.env['MAGNETAR_LOG_LEVEL'] = level;
  try {
    const client = new ComputeClient(proc.identityUrl, proc.computeUrl, proc.imageUrl);
    await waitReady(client, 120_000);
    const readyMs = performance.now() - t0;
    const rssReady = memoryOf(proc.pid).rssMb;
    log(`  ${hosts} hosts: ready in ${readyMs.toFixed(0)} ms, RSS ${rssReady.toFixed(0)} MB`);

    // Idle: let start-up settle, then watch one heartbeat period.
    await sleep(2000);
    const c0 = cpuSecondsOf(proc.pid);
    const w0 = performance.now();
    await sleep(IDLE_SECONDS * 1000);
    const idle = (100 * (cpuSecondsOf(proc.pid) - c0)) / ((performance.now() - w0) / 1000);
    log(`  ${hosts} hosts: idle CPU ${idle.toFixed(1)} % of a core over ${IDLE_SECONDS} s`);

    await warmUp(client, WARM_UP_PLACEMENTS);
    const { latencies, p50, p99, s50, s99 } = await timePlacements(client, claimsIn(() => proc.output()), PLACEMENTS, 'scale', log, `${hosts} hosts`);
    const { requested, completed, seconds } = await liveMigrateAll(client, log, `${hosts} hosts`, LIVE_MIGRATION_ROUNDS);
    const mem = memoryOf(proc.pid);
    const restart = await restartOn(proc, settings);
    log(`  ${hosts} hosts: ready again in ${restart.readyMs.toFixed(0)} ms after a restart, RSS ${restart.rssMb.toFixed(0)} MB`);
    return {
      hosts,
      readyMs: round(readyMs, 0),
      rssReadyMb: round(rssReady, 0),
      idleCpuPercent: round(idle, 2),
      idleSeconds: IDLE_SECONDS,
      placements: latencies.length,
      placementP50Ms: round(p50, 2),
      placementP99Ms: round(p99, 2),
      placementMaxMs: round(Math.max(...latencies), 2),
      schedulerP50Ms: round(s50, 2),
      schedulerP99Ms: round(s99, 2),
      liveMigrations: { requested, completed, seconds: round(seconds, 2), perSecond: round(completed / seconds, 1) },
      rssEndMb: round(mem.rssMb, 0),
      peakRssMb: round(mem.peakRssMb, 0),
      restartReadyMs: round(restart.readyMs, 0),
      restartRssMb: round(restart.rssMb, 0),
    };
  } catch (e) {
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n${proc.output().slice(-2000)}`);
  } finally {
    await proc.stop();
  }
}

/** Stops the process and starts it again on the same data, as after a crash or an upgrade: every host registered, servers on some. */
async function restartOn(proc: MagnetarProcess, settings: readonly string[]): Promise<{ readyMs: number; rssMb: number }> {
  await proc.stop({ keepData: true });
  const t0 = performance.now();
  const again = await spawnMagnetar(settings, { dataDir: proc.dataDir });
  try {
    await waitReady(new ComputeClient(again.identityUrl, again.computeUrl, again.imageUrl), 120_000);
    return { readyMs: performance.now() - t0, rssMb: memoryOf(again.pid).rssMb };
  } finally {
    await again.stop();
  }
}

export async function benchScale(log: (s: string) => void): Promise<ScaleResult> {
  const sizes: SizeResult[] = [];
  for (const n of SCALE_SIZES) sizes.push(await oneSize(n, log));
  const r = (a: number, b: number): number => (b > 0 ? round(a / b, 2) : NaN);
  const growth = sizes.slice(1).map((to, i) => {
    const from = sizes[i]!;
    return {
      from: from.hosts,
      to: to.hosts,
      hostsRatio: r(to.hosts, from.hosts),
      readyMs: r(to.readyMs, from.readyMs),
      rssReadyMb: r(to.rssReadyMb, from.rssReadyMb),
      idleCpuPercent: r(to.idleCpuPercent, from.idleCpuPercent),
      placementP50Ms: r(to.placementP50Ms, from.placementP50Ms),
      placementP99Ms: r(to.placementP99Ms, from.placementP99Ms),
      liveMigrationsPerSecond: r(to.liveMigrations.perSecond, from.liveMigrations.perSecond),
    };
  });
  return { sizes, growth };
}
