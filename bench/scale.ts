// Benchmark 5 — scale: one `magnetar serve` after another with 100, 1,000 and
// 10,000 simulated hosts (zero simulated delays). For each: ready time,
// RSS, idle CPU, placement latency from POST to the scheduler's claim (one
// server at a time, so it is the latency of one request, not of a queue) and
// live migrations per second, the sizes' rounds taking turns; then the
// growth between sizes as ratios.
//
// POST → claim: the client notes the wall-clock time just before each POST;
// the scheduler logs every claim it makes with its own wall-clock time
// (`claimed`, at debug level, which this benchmark turns on). Both run on
// this machine, so the clocks are the same.
import { ComputeClient } from './lib/client.js';
import { listAllServers, waitNoneIn, waitReady } from './lib/cloud-at-size.js';
import { cpuSecondsOf, memoryOf, spawnMagnetar, type MagnetarProcess } from './lib/processes.js';
import { round, sleep } from './lib/stats.js';
import { claimsIn, type Claim } from './lib/claims.js';
import { fillEveryHost, type Saturation } from './lib/saturation.js';
import { liveMigrateAll, timeMultiServerRequests, timePlacements, warmUp, type Pace } from './lib/placement.js';
import { plainServerRounds, type MeasuredLoad } from './lib/load.js';
import { median } from './lib/stats.js';

export const SCALE_SIZES: readonly number[] = (process.env['BENCH_SCALE_SIZES'] ?? '100,1000,10000').split(',').map(Number);
/** Servers placed one at a time per size (the latency sample), each ACTIVE before the next is asked for. */
const PLACEMENTS = 300;
/** Then as many again back to back (the next asked for at the last one's claim, its build still running), then deleted. */
const BACK_TO_BACK_PLACEMENTS = 300;
/**
 * Members of a server group placed one at a time per size and policy, then
 * deleted (the live migrations move the ungrouped servers only): a hard
 * policy is a filter's, a soft one a weigher's.
 */
const GROUP_PLACEMENTS = 50;
const GROUP_POLICIES = ['anti-affinity', 'soft-anti-affinity'] as const;
/** Requests for several servers at once (min_count = max_count) per size, then deleted. */
const MULTI_REQUESTS = 20;
const SERVERS_PER_MULTI_REQUEST = 10;
/** Servers booted and deleted first, untimed, as in the distributed benchmark. */
const WARM_UP_PLACEMENTS = 20;
/** How long the idle process is watched: one heartbeat period ([DEFAULT] report_interval). */
const IDLE_SECONDS = 10;
/** The placed servers are live-migrated all at once this many times, the sizes taking turns; the rate is over all of them. */
const LIVE_MIGRATION_ROUNDS = 6;

const ZERO_DELAYS = ['spawn', 'destroy', 'power', 'migrate', 'live_migration', 'precheck'].map((s) => `fake.${s}_delay=0`);

export interface GroupPlacements {
  readonly policy: string;
  readonly placements: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly schedulerP50Ms: number;
  readonly schedulerP99Ms: number;
}

export interface MultiServerResult {
  readonly requests: number;
  readonly perRequest: number;
  /** POST → the request's last claim. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly schedulerP50Ms: number;
  readonly schedulerP99Ms: number;
}

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
  /** When the next placement was asked for (absent in older records: 'claim'). */
  readonly placementPace?: Pace;
  /** Placements back to back, when the others waited for ACTIVE (absent in older records). */
  readonly backToBack?: { readonly placements: number; readonly p50Ms: number; readonly p99Ms: number; readonly schedulerP50Ms: number; readonly schedulerP99Ms: number };
  /** Of the placement, the part from the request reaching the scheduler to its claim (absent in older records). */
  readonly schedulerP50Ms?: number;
  readonly schedulerP99Ms?: number;
  /** Members of a new server group of each policy, placed one at a time, timed the same way (absent in older records). */
  readonly groupPlacements?: GroupPlacements[];
  /** Requests for several servers at once, timed to their last claim (absent in older records). */
  readonly multiServerPlacements?: MultiServerResult;
  /** The placed servers, all live-migrated at once (host chosen by the scheduler) until none is MIGRATING. */
  readonly liveMigrations: {
    readonly requested: number;
    readonly completed: number;
    readonly seconds: number;
    readonly perSecond: number;
    /** Each round's rate, in the order run (absent in older records). */
    readonly roundsPerSecond?: number[];
    /** The process's CPU time per completed migration (absent in older records). */
    readonly cpuMsEach?: number;
  };
  readonly rssEndMb: number;
  readonly peakRssMb: number;
  /** The same process started again on its data (services, nodes and the placed servers there): spawn → ready, and RSS then (absent in older records). */
  readonly restartReadyMs?: number;
  readonly restartRssMb?: number;
  /** Every host filled by requests in flight at once, in a process of its own (absent in older records). */
  readonly saturation?: Saturation;
}

/**
 * How fast this machine is, in the unit the aims were set in: the plain
 * node:http server beside which the aims' figures were measured did
 * 54,568 req/s (wrk, 8 connections); machines of this kind differ by up to
 * three times, so the time aims are also shown scaled by that rate ÷ this
 * run's.
 */
export const REFERENCE_PLAIN_PER_SECOND = 54_568;

export interface Yardstick {
  /** The plain node:http server of this run, loaded as the read benchmark loads it: the median of nine rounds at its start, middle and end. */
  readonly plainRequestsPerSecond: number;
  readonly plainCpuMsPerRequest: number;
  readonly referencePlainPerSecond: number;
}

export interface ScaleResult {
  /** Absent in records before 2026-12-07. */
  readonly yardstick?: Yardstick;
  readonly sizes: SizeResult[];
  /** Each size against the previous one (the bigger ÷ the smaller). */
  readonly growth: Array<{ readonly from: number; readonly to: number; readonly hostsRatio: number; readonly readyMs: number; readonly rssReadyMb: number; readonly idleCpuPercent: number; readonly placementP50Ms: number; readonly placementP99Ms: number; readonly liveMigrationsPerSecond: number }>;
}

/** A size's process, up and measured up to its placements; its live migrations and restart come later. */
interface RunningSize {
  readonly hosts: number;
  readonly proc: MagnetarProcess;
  readonly client: ComputeClient;
  readonly settings: readonly string[];
  readonly measured: Omit<SizeResult, 'liveMigrations' | 'rssEndMb' | 'peakRssMb' | 'restartReadyMs' | 'restartRssMb'>;
}

/** Starts a size's process and measures its ready time, idle CPU and placements; the process is left running. */
async function startSize(hosts: number, log: (s: string) => void): Promise<RunningSize> {
  const names = Array.from({ length: hosts }, (_, i) => `compute${i + 1}`);
  const t0 = performance.now();
  // The claims are logged at debug level; the server otherwise logs at the level the other benchmarks use.
  const level = process.env['MAGNETAR_LOG_LEVEL'];
  process.env['MAGNETAR_LOG_LEVEL'] = 'debug';
  const settings = [`magnetar.compute_hosts=${names.join(',')}`, ...ZERO_DELAYS, 'quota.instances=-1', 'quota.cores=-1', 'quota.ram=-1', 'quota.server_group_members=-1'];
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
    const claims = claimsIn(() => proc.output());
    const { latencies, p50, p99, s50, s99 } = await timePlacements(client, claims, PLACEMENTS, 'scale', log, `${hosts} hosts`, { pace: 'active' });
    const backToBack = await timeBackToBack(client, claims, log, `${hosts} hosts`);
    const groupPlacements: GroupPlacements[] = [];
    for (const policy of GROUP_POLICIES) groupPlacements.push(await timeGroupPlacements(client, claims, policy, log, `${hosts} hosts`));
    const multiServerPlacements = await timeMultiServerPlacements(client, claims, log, `${hosts} hosts`);
    const measured = {
      hosts,
      readyMs: round(readyMs, 0),
      rssReadyMb: round(rssReady, 0),
      idleCpuPercent: round(idle, 2),
      idleSeconds: IDLE_SECONDS,
      placements: latencies.length,
      placementP50Ms: round(p50, 2),
      placementP99Ms: round(p99, 2),
      placementMaxMs: round(Math.max(...latencies), 2),
      placementPace: 'active' as const,
      backToBack,
      schedulerP50Ms: round(s50, 2),
      schedulerP99Ms: round(s99, 2),
      groupPlacements,
      multiServerPlacements,
    };
    return { hosts, proc, client, settings, measured };
  } catch (e) {
    await proc.stop();
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n${proc.output().slice(-2000)}`);
  }
}

/** Members of a new group of `policy` placed one at a time and timed, then deleted. */
async function timeGroupPlacements(client: ComputeClient, claims: () => Map<string, Claim[]>, policy: string, log: (s: string) => void, label: string): Promise<GroupPlacements> {
  const g = await client.req('demo', 'POST', '/os-server-groups', { version: '2.64', body: { server_group: { name: `scale-${policy}`, policy } } });
  if (g.status !== 200) throw new Error(`POST /os-server-groups: ${g.status} ${g.text.slice(0, 300)}`);
  const before = new Set((await listAllServers(client, 'demo')).map((s) => s.id as string));
  const p = await timePlacements(client, claims, GROUP_PLACEMENTS, `scale-${policy}`, log, `${label}, members of a group (${policy})`, {
    hints: { group: g.body.server_group.id },
    pace: 'active',
  });
  await deleteServersSince(client, before, `the ${policy} group's servers`);
  return { policy, placements: p.latencies.length, p50Ms: round(p.p50, 2), p99Ms: round(p.p99, 2), schedulerP50Ms: round(p.s50, 2), schedulerP99Ms: round(p.s99, 2) };
}

/** Servers placed back to back, timed, then deleted. */
async function timeBackToBack(client: ComputeClient, claims: () => Map<string, Claim[]>, log: (s: string) => void, label: string): Promise<NonNullable<SizeResult['backToBack']>> {
  const before = new Set((await listAllServers(client, 'demo')).map((s) => s.id as string));
  const p = await timePlacements(client, claims, BACK_TO_BACK_PLACEMENTS, 'scale-b2b', log, label, { pace: 'claim' });
  await deleteServersSince(client, before, 'the servers placed back to back');
  return { placements: p.latencies.length, p50Ms: round(p.p50, 2), p99Ms: round(p.p99, 2), schedulerP50Ms: round(p.s50, 2), schedulerP99Ms: round(p.s99, 2) };
}

/** Requests for several servers at once, timed, then their servers deleted. */
async function timeMultiServerPlacements(client: ComputeClient, claims: () => Map<string, Claim[]>, log: (s: string) => void, label: string): Promise<MultiServerResult> {
  const before = new Set((await listAllServers(client, 'demo')).map((s) => s.id as string));
  const p = await timeMultiServerRequests(client, claims, MULTI_REQUESTS, SERVERS_PER_MULTI_REQUEST, 'scale-multi', log, label);
  await deleteServersSince(client, before, 'the servers of the multi-server requests');
  return { requests: p.latencies.length, perRequest: p.perRequest, p50Ms: round(p.p50, 2), p99Ms: round(p.p99, 2), schedulerP50Ms: round(p.s50, 2), schedulerP99Ms: round(p.s99, 2) };
}

/** Deletes every server of demo's not in `before`, once built, and waits until they are gone. */
async function deleteServersSince(client: ComputeClient, before: ReadonlySet<string>, what: string): Promise<void> {
  await waitNoneIn(client, 'demo', ['BUILD'], 120_000);
  for (const s of await listAllServers(client, 'demo')) if (!before.has(s.id)) await client.req('demo', 'DELETE', `/servers/${s.id}`);
  const end = Date.now() + 120_000;
  while ((await listAllServers(client, 'demo')).length > before.size) {
    if (Date.now() > end) throw new Error(`${what} were not deleted within 120 s`);
    await sleep(100);
  }
}

interface Tally {
  requested: number;
  completed: number;
  seconds: number;
  cpuSeconds: number;
  readonly rounds: number[];
}

/**
 * Every size's live-migration rounds, taking turns: 100, 1,000, 10,000, then
 * back again, so a slower stretch of the shared machine falls on every size
 * alike instead of on whichever ran last.
 */
async function liveMigrationsInTurn(running: readonly RunningSize[], log: (s: string) => void): Promise<Map<number, Tally>> {
  const tallies = new Map(running.map((r) => [r.hosts, { requested: 0, completed: 0, seconds: 0, cpuSeconds: 0, rounds: [] } as Tally]));
  for (let turn = 0; turn < LIVE_MIGRATION_ROUNDS; turn++) {
    const order = turn % 2 === 0 ? running : [...running].reverse();
    for (const r of order) {
      const t = tallies.get(r.hosts)!;
      const c0 = cpuSecondsOf(r.proc.pid);
      const m = await liveMigrateAll(r.client, log, `${r.hosts} hosts, round ${turn + 1} of ${LIVE_MIGRATION_ROUNDS}`, 1);
      t.cpuSeconds += cpuSecondsOf(r.proc.pid) - c0;
      t.requested += m.requested;
      t.completed += m.completed;
      t.seconds += m.seconds;
      t.rounds.push(round(m.completed / m.seconds, 1));
    }
  }
  return tallies;
}

/** The rest of a size's figures, then a restart on its data, then the process stopped. */
async function finishSize(r: RunningSize, t: Tally, log: (s: string) => void): Promise<SizeResult> {
  try {
    const mem = memoryOf(r.proc.pid);
    const restart = await restartOn(r.proc, r.settings);
    log(`  ${r.hosts} hosts: ready again in ${restart.readyMs.toFixed(0)} ms after a restart, RSS ${restart.rssMb.toFixed(0)} MB`);
    return {
      ...r.measured,
      liveMigrations: {
        requested: t.requested,
        completed: t.completed,
        seconds: round(t.seconds, 2),
        perSecond: round(t.completed / t.seconds, 1),
        roundsPerSecond: t.rounds,
        cpuMsEach: round((t.cpuSeconds * 1000) / t.completed, 2),
      },
      rssEndMb: round(mem.rssMb, 0),
      peakRssMb: round(mem.peakRssMb, 0),
      restartReadyMs: round(restart.readyMs, 0),
      restartRssMb: round(restart.rssMb, 0),
    };
  } finally {
    await r.proc.stop();
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

/** Three rounds of the plain server, loaded as the read benchmark loads it. */
async function plainRounds(log: (s: string) => void, when: string): Promise<MeasuredLoad[]> {
  const rounds = await plainServerRounds(1445, 3);
  log(`  yardstick ${when}: a plain node:http server did ${rounds.map((r) => Math.round(r.requestsPerSecond)).join(', ')} req/s`);
  return rounds;
}

/** The yardstick of the run: the median of its rounds, taken at its start, middle and end (one moment of the shared machine can be a slow one). */
function yardstickOf(rounds: readonly MeasuredLoad[]): Yardstick {
  return {
    plainRequestsPerSecond: round(median(rounds.map((r) => r.requestsPerSecond)), 0),
    plainCpuMsPerRequest: round(median(rounds.map((r) => r.serverCpuMsPerRequest)), 4),
    referencePlainPerSecond: REFERENCE_PLAIN_PER_SECOND,
  };
}

export async function benchScale(log: (s: string) => void): Promise<ScaleResult> {
  const plain = await plainRounds(log, 'at the start');
  // Each size is started and measured alone, the earlier ones idling meanwhile
  // (a share of a percent of a core); their live migrations then take turns.
  const running: RunningSize[] = [];
  const sizes: SizeResult[] = [];
  try {
    for (const n of SCALE_SIZES) running.push(await startSize(n, log));
    plain.push(...(await plainRounds(log, 'between the placements and the live migrations')));
    const tallies = await liveMigrationsInTurn(running, log);
    while (running.length > 0) {
      const r = running.shift()!;
      sizes.push(await finishSize(r, tallies.get(r.hosts)!, log));
    }
    // Claims at every size, each in a process of its own once the others have stopped.
    for (const [i, s] of sizes.entries()) sizes[i] = { ...s, saturation: await fillEveryHost(s.hosts, log) };
  } finally {
    for (const r of running) await r.proc.stop();
  }
  plain.push(...(await plainRounds(log, 'at the end')));
  const yardstick = yardstickOf(plain);
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
  return { yardstick, sizes, growth };
}
