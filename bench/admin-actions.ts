// Benchmark 3 — administrative actions at size: with zero simulated delays,
// 100 simulated hosts and 1,000 servers, complete cold migrate + confirm
// cycles per second and complete live migrations per second, all fired
// concurrently through the HTTP API and polled until done; plus the RSS of
// the all-in-one process.
import { notImplemented, type ComputeClient } from './lib/client.js';
import { CLIENT_CONCURRENCY, HOSTS, countBy, listAllServers, waitNoneIn, type CloudAtSize, type MemorySample } from './lib/cloud-at-size.js';
import { sqliteUpdatesPerSecond } from './lib/db-baseline.js';
import { cpuSecondsOf } from './lib/processes.js';
import { inPool, ratio, round } from './lib/stats.js';

const PHASE_DEADLINE_MS = 180_000;
const HOST_ATTR = 'OS-EXT-SRV-ATTR:host';

export interface PhaseResult {
  readonly available: boolean;
  readonly note?: string;
  /** Servers the action was requested for. */
  readonly requested?: number;
  /** HTTP answers to the action requests, by status code. */
  readonly answers?: Record<string, number>;
  /** Servers that ended ACTIVE on another host. */
  readonly completed?: number;
  /** Server statuses at the end. */
  readonly endStatuses?: Record<string, number>;
  readonly seconds?: number;
  readonly perSecond?: number;
  readonly finishedInTime?: boolean;
  /** CPU time of the all-in-one process during the phase, per completed operation. */
  readonly serverCpuMsPerOperation?: number;
  /** Completions per second of the process's CPU time: the rate if it never waited for a core. */
  readonly perCpuSecond?: number;
  readonly detail?: Record<string, number>;
}

/** The plain node:http server of the same run: the yardstick for ratios. */
export interface Yardstick {
  readonly plainRequestsPerSecond: number;
  readonly plainCpuMsPerRequest: number;
}

export interface AdminActionsResult {
  readonly available: boolean;
  readonly note?: string;
  readonly hosts: number;
  readonly servers: number;
  readonly clientConcurrency: number;
  readonly coldMigrateConfirm: PhaseResult;
  readonly liveMigration: PhaseResult;
  readonly migrationRecords: Record<string, number> | null;
  readonly memory: MemorySample[];
  readonly peakRssMb: number | null;
  readonly baselines: {
    readonly plainHttpRequestsPerSecond: number | null;
    readonly plainHttpCpuMsPerRequest: number | null;
    readonly sqliteUpdatesPerSecond: number;
  };
  /**
   * Operations/s ÷ plain requests/s and ÷ SQLite updates/s (wall time), and
   * plain CPU ms per request ÷ CPU ms per operation (CPU time).
   */
  readonly ratios: {
    readonly liveVsPlainHttp: number | null;
    readonly liveVsSqliteUpdate: number | null;
    readonly liveCpuVsPlainHttp: number | null;
    readonly coldCycleVsPlainHttp: number | null;
    readonly coldCycleVsSqliteUpdate: number | null;
    readonly coldCycleCpuVsPlainHttp: number | null;
  };
  readonly aims: { readonly liveMigrationsPerSecond: number; readonly rssMb: number };
  readonly meetsAims: { readonly live: boolean | null; readonly rss: boolean | null };
}

type Hosts = Map<string, string>;

/** Where every server is now, and which servers are ACTIVE (the ones an action can move). */
async function snapshot(c: ComputeClient, ids: readonly string[]): Promise<{ hosts: Hosts; active: string[] }> {
  const all = await listAllServers(c, 'admin', '&all_tenants=1');
  const hosts: Hosts = new Map(all.map((s) => [s.id as string, String(s[HOST_ATTR])]));
  const activeSet = new Set(all.filter((s) => s.status === 'ACTIVE').map((s) => s.id as string));
  return { hosts, active: ids.filter((id) => activeSet.has(id)) };
}

function movedAndActive(before: Hosts, after: Awaited<ReturnType<typeof listAllServers>>, ids: readonly string[]): number {
  const want = new Set(ids);
  return after.filter((s) => want.has(s.id) && s.status === 'ACTIVE' && before.get(s.id) !== undefined && s[HOST_ATTR] !== before.get(s.id)).length;
}

/** Fires `body` at every server (first alone, to see whether the action exists). */
async function fire(
  c: ComputeClient,
  ids: readonly string[],
  body: unknown,
  version: string,
): Promise<{ available: boolean; answers: Record<string, number>; accepted: string[]; sample?: string }> {
  const answers: Record<string, number> = {};
  const accepted: string[] = [];
  let sample: string | undefined;
  const one = async (id: string): Promise<boolean> => {
    const r = await c.req('admin', 'POST', `/servers/${id}/action`, { body, version });
    answers[r.status] = (answers[r.status] ?? 0) + 1;
    if (r.status >= 200 && r.status < 300) accepted.push(id);
    else sample ??= `${r.status} ${r.text.slice(0, 200)}`;
    return !notImplemented(r);
  };
  if (ids.length === 0) return { available: true, answers, accepted };
  if (!(await one(ids[0]!))) return { available: false, answers, accepted, sample };
  await inPool(ids.slice(1), CLIENT_CONCURRENCY, one);
  return { available: true, answers, accepted, sample };
}

async function coldMigrateConfirm(cloud: CloudAtSize, log: (s: string) => void): Promise<PhaseResult> {
  const c = cloud.client;
  const before = await snapshot(c, cloud.serverIds);
  const ids = before.active;
  if (ids.length === 0) return { available: false, note: 'no ACTIVE server to migrate' };
  const cpu0 = cpuSecondsOf(cloud.proc.pid);
  const t0 = performance.now();
  const mig = await fire(c, ids, { migrate: null }, 'latest');
  if (!mig.available) return { available: false, note: `migrate is not available yet (${mig.sample})` };
  const tAccepted = performance.now();
  const migrated = await waitNoneIn(c, 'admin', ['RESIZE'], PHASE_DEADLINE_MS, '&all_tenants=1');
  const tMigrated = performance.now();
  const mid = await listAllServers(c, 'admin', '&all_tenants=1');
  const verify = mid.filter((s) => s.status === 'VERIFY_RESIZE').map((s) => s.id as string);
  log(`  cold migrate: ${mig.accepted.length} accepted ${JSON.stringify(mig.answers)}, ${verify.length} in VERIFY_RESIZE after ${((tMigrated - t0) / 1000).toFixed(1)} s`);
  const conf = await fire(c, verify, { confirmResize: null }, 'latest');
  if (!conf.available) {
    return {
      available: false,
      note: `confirmResize is not available yet (${conf.sample}); migrate alone: ${verify.length} servers reached VERIFY_RESIZE in ${((tMigrated - t0) / 1000).toFixed(2)} s`,
      requested: ids.length,
      answers: mig.answers,
      detail: { migrateSeconds: round((tMigrated - t0) / 1000, 2), reachedVerifyResize: verify.length },
    };
  }
  const confirmed = await waitNoneIn(c, 'admin', ['VERIFY_RESIZE', 'RESIZE'], PHASE_DEADLINE_MS, '&all_tenants=1');
  const t1 = performance.now();
  const cpu = cpuSecondsOf(cloud.proc.pid) - cpu0;
  const after = await listAllServers(c, 'admin', '&all_tenants=1');
  const completed = movedAndActive(before.hosts, after, ids);
  const seconds = (t1 - t0) / 1000;
  return {
    available: true,
    requested: ids.length,
    answers: { ...Object.fromEntries(Object.entries(mig.answers).map(([k, v]) => [`migrate ${k}`, v])), ...Object.fromEntries(Object.entries(conf.answers).map(([k, v]) => [`confirmResize ${k}`, v])) },
    completed,
    endStatuses: countBy(after, (s) => String(s.status)),
    seconds: round(seconds, 2),
    perSecond: round(completed / seconds, 1),
    finishedInTime: migrated && confirmed,
    serverCpuMsPerOperation: round((cpu * 1000) / completed, 3),
    perCpuSecond: round(completed / cpu, 1),
    detail: {
      migratesAcceptedAfterSeconds: round((tAccepted - t0) / 1000, 2),
      migratePhaseSeconds: round((tMigrated - t0) / 1000, 2),
      confirmPhaseSeconds: round((t1 - tMigrated) / 1000, 2),
    },
  };
}

async function liveMigrate(cloud: CloudAtSize): Promise<PhaseResult> {
  const c = cloud.client;
  const before = await snapshot(c, cloud.serverIds);
  const targets = before.active;
  if (targets.length === 0) return { available: false, note: 'no ACTIVE server to live-migrate' };
  const cpu0 = cpuSecondsOf(cloud.proc.pid);
  const t0 = performance.now();
  const live = await fire(c, targets, { 'os-migrateLive': { host: null, block_migration: 'auto' } }, 'latest');
  if (!live.available) return { available: false, note: `os-migrateLive is not available yet (${live.sample})` };
  const tAccepted = performance.now();
  const done = await waitNoneIn(c, 'admin', ['MIGRATING'], PHASE_DEADLINE_MS, '&all_tenants=1');
  const seconds = (performance.now() - t0) / 1000;
  const cpu = cpuSecondsOf(cloud.proc.pid) - cpu0;
  const after = await listAllServers(c, 'admin', '&all_tenants=1');
  const completed = movedAndActive(before.hosts, after, targets);
  return {
    available: true,
    requested: targets.length,
    answers: live.answers,
    completed,
    endStatuses: countBy(after, (s) => String(s.status)),
    seconds: round(seconds, 2),
    perSecond: round(completed / seconds, 1),
    finishedInTime: done,
    serverCpuMsPerOperation: round((cpu * 1000) / completed, 3),
    perCpuSecond: round(completed / cpu, 1),
    detail: { allAcceptedAfterSeconds: round((tAccepted - t0) / 1000, 2) },
  };
}

/** Migration records by type and status, through GET /os-migrations. */
async function migrationRecords(c: ComputeClient): Promise<Record<string, number> | null> {
  const out: any[] = [];
  let path = '/os-migrations?limit=1000';
  for (;;) {
    const r = await c.req('admin', 'GET', path, { version: 'latest' });
    if (notImplemented(r)) return null;
    if (r.status !== 200) return { [`error ${r.status}`]: 1 };
    out.push(...(r.body.migrations as any[]));
    const next = (r.body.migrations_links as Array<{ rel: string; href: string }> | undefined)?.find((l) => l.rel === 'next');
    if (!next) break;
    path = next.href.replace(/^.*?\/v2\.1(\/[0-9a-f]{32})?/, '');
  }
  return countBy(out, (m) => `${m.migration_type} ${m.status}`);
}

export async function benchAdminActions(cloud: CloudAtSize, yardstick: Yardstick | null, log: (s: string) => void): Promise<AdminActionsResult> {
  const plainHttpRate = yardstick?.plainRequestsPerSecond ?? null;
  const plainCpuMs = yardstick?.plainCpuMsPerRequest ?? null;
  const dbRate = round(sqliteUpdatesPerSecond(), 0);
  log(`  baseline: ${dbRate} trivial SQLite updates/s`);
  const common = {
    hosts: HOSTS,
    servers: cloud.serverIds.length,
    clientConcurrency: CLIENT_CONCURRENCY,
    aims: { liveMigrationsPerSecond: 200, rssMb: 300 },
  };
  const baselines = { plainHttpRequestsPerSecond: plainHttpRate, plainHttpCpuMsPerRequest: plainCpuMs, sqliteUpdatesPerSecond: dbRate };
  if (cloud.unavailable) {
    const na = { available: false, note: cloud.unavailable };
    return {
      ...common,
      available: false,
      note: cloud.unavailable,
      coldMigrateConfirm: na,
      liveMigration: na,
      migrationRecords: null,
      memory: cloud.memory,
      peakRssMb: null,
      baselines,
      ratios: {
        liveVsPlainHttp: null,
        liveVsSqliteUpdate: null,
        liveCpuVsPlainHttp: null,
        coldCycleVsPlainHttp: null,
        coldCycleVsSqliteUpdate: null,
        coldCycleCpuVsPlainHttp: null,
      },
      meetsAims: { live: null, rss: null },
    };
  }
  // Live migrations first: they are the headline figure, and a cold phase
  // that cannot confirm would leave servers that cannot live-migrate.
  const live = await liveMigrate(cloud);
  log(`  live migration: ${live.available ? `${live.completed}/${live.requested} in ${live.seconds} s = ${live.perSecond}/s, server CPU ${live.serverCpuMsPerOperation} ms each ${JSON.stringify(live.endStatuses)}` : live.note}`);
  cloud.sampleMemory('after live migrations');
  const cold = await coldMigrateConfirm(cloud, log);
  log(`  cold migrate+confirm: ${cold.available ? `${cold.completed}/${cold.requested} in ${cold.seconds} s = ${cold.perSecond}/s, server CPU ${cold.serverCpuMsPerOperation} ms each ${JSON.stringify(cold.endStatuses)}` : cold.note}`);
  const mem = cloud.sampleMemory('after cold migrate + confirm');
  const records = await migrationRecords(cloud.client);
  if (records) log(`  migration records: ${JSON.stringify(records)}`);
  const perSec = (p: PhaseResult): number | null => (p.available && p.perSecond !== undefined ? p.perSecond : null);
  const rel = (v: number | null, base: number | null): number | null => (v === null || base === null ? null : ratio(v, base));
  const cpuMs = (p: PhaseResult): number | null => (p.available && p.serverCpuMsPerOperation !== undefined ? p.serverCpuMsPerOperation : null);
  return {
    ...common,
    available: cold.available || live.available,
    coldMigrateConfirm: cold,
    liveMigration: live,
    migrationRecords: records,
    memory: cloud.memory,
    peakRssMb: mem.peakRssMb,
    baselines,
    ratios: {
      liveVsPlainHttp: rel(perSec(live), plainHttpRate),
      liveVsSqliteUpdate: rel(perSec(live), dbRate),
      liveCpuVsPlainHttp: rel(plainCpuMs, cpuMs(live)),
      coldCycleVsPlainHttp: rel(perSec(cold), plainHttpRate),
      coldCycleVsSqliteUpdate: rel(perSec(cold), dbRate),
      coldCycleCpuVsPlainHttp: rel(plainCpuMs, cpuMs(cold)),
    },
    meetsAims: { live: perSec(live) === null ? null : perSec(live)! >= 200, rss: mem.peakRssMb < 300 },
  };
}
