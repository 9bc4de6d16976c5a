// Benchmark 6 — the distributed mode at size: PostgreSQL and RabbitMQ with
// one api, one scheduler, one conductor and ONE `magnetar compute` process
// running N hosts (--host repeated), for N = 100, 1,000 and 3,000 — a fresh
// database and RabbitMQ virtual host each. A thousand agent processes would
// not fit this machine; one process serving every host's topic queue, service
// record and heartbeats puts the same load on the broker and the database as
// far as queues and rows go, and the notes of the report (SCALE-DISTRIBUTED.md)
// turn the figures into those of a deployment with one process per host.
//
// For each size: ready time (spawn of the compute process → all N compute
// services up in os-services), RSS of each process, its CPU and the
// database's commits, row writes and new sessions per second while idle over
// two heartbeat periods, RabbitMQ's queues and the memory they hold,
// placement from POST to the scheduler's claim for servers booted one at a
// time, and those servers all live-migrated at once. Once per run, a
// single-host `magnetar compute` process beside them: what one agent of a
// real deployment costs.
import { ComputeClient } from './lib/client.js';
import { countBy, waitReady } from './lib/cloud-at-size.js';
import { DistributedDeployment, PG_ADMIN_URL, type RoleProcess } from './lib/distributed-roles.js';
import { PgStats, pgRates, type PgRates } from './lib/pg-stats.js';
import { cpuSecondsOf, memoryOf } from './lib/processes.js';
import { connectionsTo } from './lib/sockets.js';
import { brokerMemory, brokerSocketLimit, connectionCount, listQueues, rabbitmqctlWorks, type BrokerMemory, type QueueRow } from './lib/rabbitmq.js';

const PG_PORT = 5432;
const AMQP_PORT = 5672;
import { round, sleep } from './lib/stats.js';
import { collectClaims, type Claim } from './lib/claims.js';
import { liveMigrateAll, timePlacements, warmUp } from './lib/placement.js';

export const DISTRIBUTED_SIZES: readonly number[] = (process.env['BENCH_SCALE_DISTRIBUTED_SIZES'] ?? '100,1000,3000').split(',').map(Number);
/** Servers placed one at a time per size (the latency sample); then all live-migrated at once. */
const PLACEMENTS = 50;
/** Servers booted and deleted first, untimed. */
const WARM_UP_PLACEMENTS = 5;
/** The heartbeat period ([DEFAULT] report_interval, its default) and how many of them the idle window spans. */
const REPORT_INTERVAL_S = 10;
const IDLE_SECONDS = 2 * REPORT_INTERVAL_S;
/**
 * Wait after start-up before an idle window: a PostgreSQL backend that goes idle hands its
 * statistics over within 10 s, so the start-up's writes are not counted in the window.
 */
const SETTLE_MS = 11_000;
const ROLES = ['api', 'scheduler', 'conductor', 'compute'] as const;
type Role = (typeof ROLES)[number];

const SETTINGS = [
  ...['spawn', 'destroy', 'power', 'migrate', 'live_migration', 'precheck'].map((s) => `fake.${s}_delay=0`),
  'quota.instances=-1',
  'quota.cores=-1',
  'quota.ram=-1',
  `DEFAULT.report_interval=${REPORT_INTERVAL_S}`,
];

export interface ProcessFigures {
  readonly rssMb: number;
  /** CPU share of one core over the idle window, in %. */
  readonly idleCpuPercent: number;
  /** Connections it holds, once idle, to PostgreSQL and to RabbitMQ. */
  readonly pgConnections: number;
  readonly amqpConnections: number;
}

export interface QueueFigures {
  readonly count: number;
  /** Queues by kind: compute.<host>, hostctl.<host>, reply (one per bus), other. */
  readonly byKind: Record<string, number>;
  readonly totalMemoryKb: number;
  /** Mean of the compute.<host> and hostctl.<host> queues. */
  readonly perHostQueueKb: number;
  readonly connections: number;
  /** The broker's memory (all virtual hosts) now and before the deployment of this size was started. */
  readonly broker: { readonly before: BrokerMemory; readonly after: BrokerMemory } | null;
}

export interface DistributedSizeResult {
  readonly hosts: number;
  /** api, scheduler, conductor started one after another: spawn of the first → the last's ready line. */
  readonly controlPlaneReadyMs: number;
  /** Spawn of the compute process → its ready line (every agent started). */
  readonly computeReadyMs: number;
  /** Spawn of the compute process → all N compute services up in `GET /os-services`. */
  readonly servicesUpMs: number;
  readonly processes: Record<Role, ProcessFigures>;
  readonly idleSeconds: number;
  readonly pgIdle: PgRates;
  /** Connections open to the database once idle (the benchmark's own left out). */
  readonly pgConnections: number;
  readonly queues: QueueFigures | null;
  readonly placements: number;
  readonly placementP50Ms: number;
  readonly placementP99Ms: number;
  readonly schedulerP50Ms: number;
  readonly schedulerP99Ms: number;
  readonly liveMigrations: { readonly requested: number; readonly completed: number; readonly seconds: number; readonly perSecond: number };
  /** RSS at the end, after the placements and migrations. */
  readonly rssEndMb: Record<Role, number>;
}

/** One `magnetar compute --host H` process beside the others: one agent of a deployment with a process per host. */
export interface SingleHostFigures {
  /** The size of the deployment it joined. */
  readonly besideHosts: number;
  readonly readyMs: number;
  readonly rssMb: number;
  readonly idleCpuPercent: number;
  /** Queues and connections the broker gained when it started. */
  readonly queuesAdded: number;
  readonly queueKinds: Record<string, number>;
  readonly connectionsAdded: number;
  /** Its connections to PostgreSQL (its pool, once idle) and RabbitMQ. */
  readonly pgConnections: number;
  readonly amqpConnections: number;
  /** Over its idle window, less the same figures of the window before it started. */
  readonly pgCommitsPerSecond: number;
  readonly pgSessionsPerSecond: number;
  readonly heartbeatsPerSecond: number;
}

export interface DistributedScaleResult {
  readonly available: boolean;
  readonly note?: string;
  readonly reportIntervalSeconds: number;
  readonly sizes: DistributedSizeResult[];
  readonly singleHost: SingleHostFigures | null;
  /** What this machine's PostgreSQL and RabbitMQ are set to take: `max_connections`, and the broker's `sockets_limit`. */
  readonly limits?: { readonly pgMaxConnections: number; readonly brokerSocketLimit: number | null };
  readonly growth: Array<{
    readonly from: number;
    readonly to: number;
    readonly hostsRatio: number;
    readonly servicesUpMs: number;
    readonly computeRssMb: number;
    readonly computeIdleCpuPercent: number;
    readonly schedulerRssMb: number;
    readonly schedulerIdleCpuPercent: number;
    readonly pgCommitsPerSecond: number;
    readonly pgRowsWrittenPerSecond: number;
    readonly queues: number;
    readonly queueMemoryKb: number;
    readonly placementP50Ms: number;
    readonly placementP99Ms: number;
    readonly liveMigrationsPerSecond: number;
  }>;
}

function queueKind(name: string, d: DistributedDeployment): string {
  if (name.startsWith(d.queueName('compute.'))) return 'compute.<host>';
  if (name.startsWith(d.queueName('hostctl.'))) return 'hostctl.<host>';
  if (name.startsWith('amq.gen-')) return 'reply';
  return 'other';
}

async function queueFigures(d: DistributedDeployment, before: BrokerMemory | null): Promise<QueueFigures | null> {
  if (!d.vhost) return null;
  const rows = await listQueues(d.vhost);
  const perHost = rows.filter((q) => ['compute.<host>', 'hostctl.<host>'].includes(queueKind(q.name, d)));
  return {
    count: rows.length,
    byKind: countKinds(rows, d),
    totalMemoryKb: round(rows.reduce((s, q) => s + q.memory, 0) / 1024, 0),
    perHostQueueKb: round(perHost.reduce((s, q) => s + q.memory, 0) / 1024 / Math.max(1, perHost.length), 1),
    connections: await connectionCount(d.vhost),
    broker: before ? { before, after: await brokerMemory() } : null,
  };
}

function countKinds(rows: readonly QueueRow[], d: DistributedDeployment): Record<string, number> {
  return countBy(rows, (q) => queueKind(q.name, d));
}

/** CPU share of one core each process used while `during` ran, in %. */
async function cpuDuring(pids: Record<string, number>, during: () => Promise<void>): Promise<Record<string, number>> {
  const c0 = Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSecondsOf(pid)]));
  const w0 = performance.now();
  await during();
  const s = (performance.now() - w0) / 1000;
  return Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, round((100 * (cpuSecondsOf(pid) - c0[k]!)) / s, 2)]));
}

const hostNames = (n: number): string[] => Array.from({ length: n }, (_, i) => `compute${i + 1}`);

async function waitServicesUp(client: ComputeClient, n: number, ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const r = await client.req('admin', 'GET', '/os-services?binary=nova-compute');
    const up = r.status === 200 ? (r.body.services as Array<{ state: string }>).filter((s) => s.state === 'up').length : 0;
    if (up >= n) return;
    if (Date.now() > end) throw new Error(`only ${up} of ${n} compute services up after ${ms} ms`);
    await sleep(100);
  }
}

async function oneSize(hosts: number, useVhost: boolean, withSingleHost: boolean, log: (s: string) => void): Promise<{ size: DistributedSizeResult; single: SingleHostFigures | null }> {
  const d = new DistributedDeployment(useVhost);
  const brokerBefore = useVhost ? await brokerMemory() : null;
  await d.create(SETTINGS);
  let stats: PgStats | undefined;
  try {
    const c0 = performance.now();
    const api = await d.start('api', ['api'], /compute API on port/);
    // The claims are logged at debug level by the scheduler only.
    const [scheduler, conductor] = await Promise.all([
      d.start('scheduler', ['scheduler'], /scheduler running/, { logLevel: 'debug' }),
      d.start('conductor', ['conductor'], /conductor running/),
    ]);
    const controlPlaneReadyMs = performance.now() - c0;
    const claims = new Map<string, Claim[]>();
    scheduler.onLine((line) => collectClaims([line], claims));
    const client = new ComputeClient(d.identityUrl, d.computeUrl, d.imageUrl);
    await waitReady(client, 60_000);

    const t0 = performance.now();
    const compute = await d.start('compute', ['compute', ...hostNames(hosts).flatMap((h) => ['--host', h])], /compute agents? .*running/, { timeoutMs: 300_000 });
    await waitServicesUp(client, hosts, 300_000);
    const servicesUpMs = performance.now() - t0;
    const procs: Record<Role, RoleProcess> = { api, scheduler, conductor, compute };
    const rss = (): Record<Role, number> => Object.fromEntries(ROLES.map((r) => [r, round(memoryOf(procs[r].pid).rssMb, 0)])) as Record<Role, number>;
    const rssReady = rss();
    log(`  ${hosts} hosts: control plane ready in ${controlPlaneReadyMs.toFixed(0)} ms; compute process ready in ${compute.readyMs.toFixed(0)} ms, all services up in ${servicesUpMs.toFixed(0)} ms; RSS ${JSON.stringify(rssReady)} MB`);

    // Idle: let start-up settle, then watch two heartbeat periods.
    await sleep(SETTLE_MS);
    stats = await PgStats.open(d.dbUrl, d.dbName);
    const p0 = await stats.read();
    const cpu = await cpuDuring(Object.fromEntries(ROLES.map((r) => [r, procs[r].pid])), () => sleep(IDLE_SECONDS * 1000));
    const p1 = await stats.read();
    const pgIdle = pgRates(p0, p1);
    const queues = await queueFigures(d, brokerBefore);
    const conns = Object.fromEntries(ROLES.map((r) => [r, connectionsTo(procs[r].pid, [PG_PORT, AMQP_PORT])]));
    log(`  ${hosts} hosts: idle CPU % ${JSON.stringify(cpu)}; PostgreSQL ${JSON.stringify(pgIdle)}, ${p1.backends} connections; queues ${queues ? `${queues.count} ${JSON.stringify(queues.byKind)}, ${queues.totalMemoryKb} kB (${queues.perHostQueueKb} kB per host queue), ${queues.connections} connections` : 'n/a'}`);
    // Measured before any server exists, so its idle window is like the one above; it is then disabled and stopped.
    const single = withSingleHost ? await singleHost(d, client, stats, pgIdle, hosts, log) : null;

    await warmUp(client, WARM_UP_PLACEMENTS);
    const { latencies, p50, p99, s50, s99 } = await timePlacements(client, () => claims, PLACEMENTS, 'dscale', log, `${hosts} hosts`);
    const { requested, completed, seconds } = await liveMigrateAll(client, log, `${hosts} hosts`);
    const rssEnd = rss();

    return {
      size: {
        hosts,
        controlPlaneReadyMs: round(controlPlaneReadyMs, 0),
        computeReadyMs: round(compute.readyMs, 0),
        servicesUpMs: round(servicesUpMs, 0),
        processes: Object.fromEntries(
          ROLES.map((r) => [r, { rssMb: rssReady[r], idleCpuPercent: cpu[r]!, pgConnections: conns[r]![PG_PORT]!, amqpConnections: conns[r]![AMQP_PORT]! }]),
        ) as Record<Role, ProcessFigures>,
        idleSeconds: IDLE_SECONDS,
        pgIdle,
        pgConnections: p1.backends - 1,
        queues,
        placements: latencies.length,
        placementP50Ms: round(p50, 2),
        placementP99Ms: round(p99, 2),
        schedulerP50Ms: round(s50, 2),
        schedulerP99Ms: round(s99, 2),
        liveMigrations: { requested, completed, seconds: round(seconds, 2), perSecond: round(completed / seconds, 1) },
        rssEndMb: rssEnd,
      },
      single,
    };
  } catch (e) {
    const tails = d.roles.map((r) => `--- ${r.name}\n${r.output().slice(-1500)}`).join('\n');
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n${tails}`);
  } finally {
    await stats?.close();
    await d.destroy();
  }
}

/** Starts `magnetar compute --host single-1` beside the deployment and measures it, idle, as one agent of a real deployment. */
async function singleHost(d: DistributedDeployment, client: ComputeClient, stats: PgStats, without: PgRates, besideHosts: number, log: (s: string) => void): Promise<SingleHostFigures> {
  const queuesBefore = d.vhost ? await listQueues(d.vhost) : [];
  const connsBefore = d.vhost ? await connectionCount(d.vhost) : 0;
  const proc = await d.start('compute-single', ['compute', '--host', 'single-1'], /compute agent single-1 running/);
  try {
    await waitServicesUp(client, besideHosts + 1, 60_000);
    const rssMb = round(memoryOf(proc.pid).rssMb, 0);
    await sleep(SETTLE_MS);
    const p0 = await stats.read();
    const cpu = await cpuDuring({ single: proc.pid }, () => sleep(IDLE_SECONDS * 1000));
    const p1 = await stats.read();
    const rates = pgRates(p0, p1);
    const conns = connectionsTo(proc.pid, [PG_PORT, AMQP_PORT]);
    const known = new Set(queuesBefore.map((q) => q.name));
    const added = d.vhost ? (await listQueues(d.vhost)).filter((q) => !known.has(q.name)) : [];
    const figures: SingleHostFigures = {
      besideHosts,
      readyMs: round(proc.readyMs, 0),
      rssMb,
      idleCpuPercent: cpu['single']!,
      queuesAdded: added.length,
      queueKinds: countKinds(added, d),
      connectionsAdded: d.vhost ? (await connectionCount(d.vhost)) - connsBefore : NaN,
      pgConnections: conns[PG_PORT]!,
      amqpConnections: conns[AMQP_PORT]!,
      pgCommitsPerSecond: round(rates.commitsPerSecond - without.commitsPerSecond, 2),
      pgSessionsPerSecond: round(rates.sessionsPerSecond - without.sessionsPerSecond, 2),
      heartbeatsPerSecond: round(rates.heartbeatsPerSecond - without.heartbeatsPerSecond, 2),
    };
    log(`  a single-host compute process: ${JSON.stringify(figures)}`);
    return figures;
  } finally {
    // Out of the scheduler's choice from now on: its service would otherwise look up for service_down_time after it stops.
    const svc = (await client.req('admin', 'GET', '/os-services?binary=nova-compute&host=single-1', { version: '2.53' })).body?.services?.[0];
    if (svc) await client.req('admin', 'PUT', `/os-services/${svc.id}`, { version: '2.53', body: { status: 'disabled', disabled_reason: 'benchmark: measured and stopped' } });
    await proc.stop();
  }
}

export async function benchScaleDistributed(log: (s: string) => void): Promise<DistributedScaleResult> {
  const empty = { reportIntervalSeconds: REPORT_INTERVAL_S, sizes: [], singleHost: null, growth: [] };
  let pgMaxConnections: number;
  try {
    const pg = await PgStats.open(PG_ADMIN_URL, 'postgres');
    pgMaxConnections = await pg.maxConnections();
    await pg.close();
  } catch (e) {
    return { available: false, note: `PostgreSQL at 127.0.0.1:5432 is not reachable: ${e instanceof Error ? e.message : String(e)}`, ...empty };
  }
  const useVhost = await rabbitmqctlWorks();
  if (!useVhost) log('  rabbitmqctl does not reach the broker: queues are kept apart by prefix on /, and not counted');
  const limits = { pgMaxConnections, brokerSocketLimit: useVhost ? await brokerSocketLimit() : null };
  const sizes: DistributedSizeResult[] = [];
  let single: SingleHostFigures | null = null;
  for (const [i, n] of DISTRIBUTED_SIZES.entries()) {
    const r = await oneSize(n, useVhost, i === 0, log);
    sizes.push(r.size);
    single ??= r.single;
  }
  const ratio = (a: number, b: number): number => (b > 0 ? round(a / b, 2) : NaN);
  const growth = sizes.slice(1).map((to, i) => {
    const from = sizes[i]!;
    return {
      from: from.hosts,
      to: to.hosts,
      hostsRatio: ratio(to.hosts, from.hosts),
      servicesUpMs: ratio(to.servicesUpMs, from.servicesUpMs),
      computeRssMb: ratio(to.processes.compute.rssMb, from.processes.compute.rssMb),
      computeIdleCpuPercent: ratio(to.processes.compute.idleCpuPercent, from.processes.compute.idleCpuPercent),
      schedulerRssMb: ratio(to.processes.scheduler.rssMb, from.processes.scheduler.rssMb),
      schedulerIdleCpuPercent: ratio(to.processes.scheduler.idleCpuPercent, from.processes.scheduler.idleCpuPercent),
      pgCommitsPerSecond: ratio(to.pgIdle.commitsPerSecond, from.pgIdle.commitsPerSecond),
      pgRowsWrittenPerSecond: ratio(to.pgIdle.rowsWrittenPerSecond, from.pgIdle.rowsWrittenPerSecond),
      queues: ratio(to.queues?.count ?? NaN, from.queues?.count ?? NaN),
      queueMemoryKb: ratio(to.queues?.totalMemoryKb ?? NaN, from.queues?.totalMemoryKb ?? NaN),
      placementP50Ms: ratio(to.placementP50Ms, from.placementP50Ms),
      placementP99Ms: ratio(to.placementP99Ms, from.placementP99Ms),
      liveMigrationsPerSecond: ratio(to.liveMigrations.perSecond, from.liveMigrations.perSecond),
    };
  });
  return { available: true, reportIntervalSeconds: REPORT_INTERVAL_S, sizes, singleHost: single, limits, growth };
}
