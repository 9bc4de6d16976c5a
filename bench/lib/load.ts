// Runs the load generator process against a URL and returns its figures;
// starts and stops the plain node:http baseline server.
import { LOAD_GENERATOR, PLAIN_SERVER } from './paths.js';
import { cpuSecondsOf, firstJsonLine, spawnNode, stopChild } from './processes.js';

export interface LoadSpec {
  /** Origin, e.g. http://127.0.0.1:8774 */
  readonly url: string;
  /** Paths requested in turn. */
  readonly paths: readonly string[];
  /** GET unless given; a body is sent with every request. */
  readonly method?: string;
  readonly body?: string;
  readonly headers: Record<string, string>;
  readonly connections: number;
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
}

export interface LoadResult {
  readonly requestsPerSecond: number;
  readonly latencyMs: { avg: number; p50: number; p90: number; p99: number; max: number };
  readonly requests: number;
  readonly durationSeconds: number;
  readonly bytesPerSecond: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly statusCodes: Record<string, number>;
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const gen = spawnNode([LOAD_GENERATOR, JSON.stringify(spec)]);
  try {
    return await firstJsonLine<LoadResult>(gen.child, (spec.warmupSeconds + spec.durationSeconds) * 1000 + 60_000);
  } catch (e) {
    throw new Error(`load generator failed: ${e instanceof Error ? e.message : String(e)}\n${gen.output()}`);
  } finally {
    await stopChild(gen.child);
  }
}

export interface MeasuredLoad extends LoadResult {
  /** CPU time the server process used during the measured run, per request. */
  readonly serverCpuMsPerRequest: number;
}

/**
 * A warm-up run, then the measured run with the server's CPU time taken
 * around it (the warm-up is a separate run so its requests are not counted).
 */
export async function runMeasuredLoad(spec: LoadSpec, serverPid: number): Promise<MeasuredLoad> {
  if (spec.warmupSeconds > 0) await runLoad({ ...spec, durationSeconds: spec.warmupSeconds, warmupSeconds: 0 });
  const cpu0 = cpuSecondsOf(serverPid);
  const r = await runLoad({ ...spec, warmupSeconds: 0 });
  const cpu = cpuSecondsOf(serverPid) - cpu0;
  return { ...r, serverCpuMsPerRequest: r.requests > 0 ? (cpu * 1000) / r.requests : NaN };
}

/** Runs `fn` against a plain node:http server answering `bodyBytes` of JSON. */
export async function withPlainServer<T>(bodyBytes: number, fn: (origin: string, pid: number) => Promise<T>): Promise<T> {
  const srv = spawnNode([PLAIN_SERVER, String(bodyBytes)]);
  try {
    const { port } = await firstJsonLine<{ port: number }>(srv.child);
    return await fn(`http://127.0.0.1:${port}`, srv.child.pid!);
  } finally {
    await stopChild(srv.child);
  }
}

/**
 * `rounds` measured runs of a plain node:http server answering `bodyBytes`,
 * loaded as the read benchmark loads Magnetar (10 connections, 1 s warm-up,
 * then 3 s): the yardstick the other benchmarks take their ratios against.
 */
export async function plainServerRounds(bodyBytes: number, rounds: number): Promise<MeasuredLoad[]> {
  return withPlainServer(bodyBytes, async (origin, pid) => {
    const out: MeasuredLoad[] = [];
    for (let i = 0; i < rounds; i++) out.push(await runMeasuredLoad({ url: origin, paths: ['/'], headers: {}, connections: 10, warmupSeconds: 1, durationSeconds: 3 }, pid));
    return out;
  });
}
