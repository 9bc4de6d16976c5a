// Benchmark 2 — read throughput with 1,000 servers: requests/s and p99 of
// `GET /v2.1/servers/{id}` (rotating over every server) and
// `GET /v2.1/servers/detail` (default page), each next to a plain node:http
// server answering a fixed JSON body of the same size, measured in the same
// run by the same load generator (a separate process).
import type { CloudAtSize } from './lib/cloud-at-size.js';
import { runMeasuredLoad, withPlainServer, type MeasuredLoad } from './lib/load.js';
import { median, ratio, round } from './lib/stats.js';

const CONNECTIONS = 10;
const WARMUP_S = 1;
const DURATION_S = 3;
/** Magnetar and the plain server take turns this many times; medians are reported. */
const ROUNDS = 3;
const VERSION = 'latest';
/**
 * Nova's os-resetState rate on this machine kind (Zed, 4 API workers, the
 * same load), measured once beside a plain node:http server answering a
 * fixed body, which did 54,568 req/s in that run. Nova does not run here,
 * so it stands as a fixed reference; as machines of this kind differ in
 * speed, it is compared through the plain server of each run.
 */
export const NOVA_RESET_STATE_PER_SECOND = 53;
export const NOVA_RUN_PLAIN_PER_SECOND = 54_568;

export interface ReadCase {
  readonly name: string;
  readonly path: string;
  readonly bodyBytes: number;
  readonly magnetar: LoadFigures;
  readonly plain: LoadFigures;
  /** Magnetar requests/s ÷ plain server requests/s. */
  readonly rateRatio: number;
  /** Magnetar p99 ÷ plain server p99. */
  readonly p99Ratio: number;
  /** Server CPU time per request: plain ÷ Magnetar (comparable to rateRatio, less disturbed by other work). */
  readonly cpuRatio: number;
}

export interface LoadFigures {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly requests: number;
  readonly errors: number;
  readonly non2xx: number;
  /** CPU time the server process spent per request. */
  readonly cpuMsPerRequest: number;
}

export interface ReadResult {
  readonly available: boolean;
  readonly note?: string;
  readonly servers: number;
  readonly population: string;
  readonly microversion: string;
  readonly connections: number;
  readonly durationSeconds: number;
  readonly rounds: number;
  /** Creating the servers through the API: wall time until none is in BUILD. */
  readonly setup?: CloudAtSize['populate'];
  readonly cases: ReadCase[];
  readonly aim: string;
  readonly meetsAim: boolean | null;
  /** os-resetState req/s ÷ Nova's reference rate (absent in older records). */
  readonly resetStateVsNova?: {
    readonly novaPerSecond: number;
    /** Magnetar req/s ÷ Nova's req/s, each on its own machine. */
    readonly ratio: number;
    /** The plain server of Nova's run (absent in older records). */
    readonly novaRunPlainPerSecond?: number;
    /** (Magnetar ÷ the plain server of this run) ÷ (Nova ÷ the plain server of Nova's run) (absent in older records). */
    readonly sameRunRatio?: number;
    readonly aim: string;
    /** Judged on sameRunRatio (on ratio in older records). */
    readonly meetsAim: boolean;
  };
}

/** The median round by rate, with errors summed over every round. */
function figures(rounds: readonly MeasuredLoad[]): LoadFigures {
  const byRate = [...rounds].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  const mid = byRate[Math.floor(byRate.length / 2)]!;
  return {
    requestsPerSecond: round(median(rounds.map((r) => r.requestsPerSecond)), 1),
    p50Ms: median(rounds.map((r) => r.latencyMs.p50)),
    p99Ms: median(rounds.map((r) => r.latencyMs.p99)),
    requests: mid.requests,
    errors: rounds.reduce((n, r) => n + r.errors, 0),
    non2xx: rounds.reduce((n, r) => n + r.non2xx, 0),
    cpuMsPerRequest: round(median(rounds.map((r) => r.serverCpuMsPerRequest)), 4),
  };
}

export async function benchRead(cloud: CloudAtSize, log: (s: string) => void): Promise<ReadResult> {
  const common = {
    servers: cloud.serverIds.length,
    population:
      'created through the compute API (POST /servers as demo, m1.tiny, networks none) with zero simulated delays on 100 simulated hosts; reads as demo, the owner',
    microversion: VERSION,
    connections: CONNECTIONS,
    durationSeconds: DURATION_S,
    rounds: ROUNDS,
    setup: cloud.populate,
    aim: 'GET /servers/{id} at least 0.25 of the plain server rate',
  };
  if (cloud.unavailable) return { ...common, available: false, note: cloud.unavailable, cases: [], meetsAim: null };

  const headersOf = async (user: 'demo' | 'admin'): Promise<Record<string, string>> => ({
    'X-Auth-Token': (await cloud.client.login(user)).token,
    'OpenStack-API-Version': `compute ${VERSION}`,
    'Content-Type': 'application/json',
  });
  const ids = cloud.serverIds;
  // The servers are ACTIVE: resetting them to active leaves them as they were, and every request still does the whole update.
  const resetBody = { 'os-resetState': { state: 'active' } };
  const defs: Array<{ name: string; paths: string[]; user: 'demo' | 'admin'; method?: string; body?: unknown; status: number }> = [
    { name: 'GET /v2.1/servers/{id}', paths: ids.map((id) => `/v2.1/servers/${id}`), user: 'demo', status: 200 },
    { name: 'GET /v2.1/servers/detail', paths: ['/v2.1/servers/detail'], user: 'demo', status: 200 },
    { name: 'POST /v2.1/servers/{id}/action os-resetState (admin)', paths: ids.map((id) => `/v2.1/servers/${id}/action`), user: 'admin', method: 'POST', body: resetBody, status: 202 },
  ];
  const cases: ReadCase[] = [];
  for (const d of defs) {
    const sample = await cloud.client.req(d.user, d.method ?? 'GET', d.paths[0]!.replace('/v2.1', ''), { version: VERSION, ...(d.body !== undefined && { body: d.body }) });
    if (sample.status !== d.status) throw new Error(`${d.name}: ${sample.status} ${sample.text.slice(0, 300)}`);
    const bodyBytes = Buffer.byteLength(sample.text);
    const spec = {
      paths: d.paths,
      headers: await headersOf(d.user),
      ...(d.method !== undefined && { method: d.method }),
      ...(d.body !== undefined && { body: JSON.stringify(d.body) }),
      connections: CONNECTIONS,
      warmupSeconds: WARMUP_S,
      durationSeconds: DURATION_S,
    };
    const mr: MeasuredLoad[] = [];
    const pr: MeasuredLoad[] = [];
    // Taking turns, so a noisy moment on the shared machine hits both sides alike.
    await withPlainServer(bodyBytes, async (origin, plainPid) => {
      for (let i = 0; i < ROUNDS; i++) {
        mr.push(await runMeasuredLoad({ url: cloud.proc.computeUrl, ...spec }, cloud.proc.pid));
        pr.push(await runMeasuredLoad({ url: origin, ...spec, paths: ['/'] }, plainPid));
      }
    });
    const magnetar = figures(mr);
    const plain = figures(pr);
    const c: ReadCase = {
      name: d.name,
      path: d.paths[0]!,
      bodyBytes,
      magnetar,
      plain,
      rateRatio: ratio(magnetar.requestsPerSecond, plain.requestsPerSecond),
      p99Ratio: ratio(magnetar.p99Ms, Math.max(plain.p99Ms, 1)),
      cpuRatio: ratio(plain.cpuMsPerRequest, magnetar.cpuMsPerRequest),
    };
    cases.push(c);
    log(
      `  ${d.name} (${bodyBytes} B): magnetar ${c.magnetar.requestsPerSecond} req/s p99 ${c.magnetar.p99Ms} ms` +
        ` | plain ${c.plain.requestsPerSecond} req/s p99 ${c.plain.p99Ms} ms | ratio ${c.rateRatio}` +
        ` | CPU ms/request ${c.magnetar.cpuMsPerRequest} vs ${c.plain.cpuMsPerRequest} (ratio ${c.cpuRatio})` +
        (magnetar.non2xx + magnetar.errors > 0 ? ` | ${magnetar.non2xx} non-2xx, ${magnetar.errors} errors` : ''),
    );
  }
  cloud.sampleMemory('after the read benchmark');
  const reset = cases[2]!.magnetar.requestsPerSecond / NOVA_RESET_STATE_PER_SECOND;
  const resetSameRun = cases[2]!.rateRatio / (NOVA_RESET_STATE_PER_SECOND / NOVA_RUN_PLAIN_PER_SECOND);
  return {
    ...common,
    available: true,
    cases,
    meetsAim: cases[0]!.rateRatio >= 0.25,
    resetStateVsNova: {
      novaPerSecond: NOVA_RESET_STATE_PER_SECOND,
      ratio: round(reset, 1),
      novaRunPlainPerSecond: NOVA_RUN_PLAIN_PER_SECOND,
      sameRunRatio: round(resetSameRun, 1),
      aim: 'os-resetState at least 100 times Nova\'s rate, each against the plain server of its own run',
      meetsAim: resetSameRun >= 100,
    },
  };
}
