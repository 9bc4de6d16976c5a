// The load generator, run as its own process so it does not share a core with
// the server under test. Reads a LoadSpec (JSON) from argv[2], runs
// autocannon (a warm-up, then the measured run) and prints one JSON line: a
// LoadResult.
import { createRequire } from 'node:module';
import type { LoadSpec, LoadResult } from './lib/load.js';

interface Histogram {
  readonly average: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly total: number;
}
interface AutocannonResult {
  readonly requests: Histogram;
  readonly latency: Histogram;
  readonly throughput: Histogram;
  readonly duration: number;
  readonly errors: number;
  readonly timeouts: number;
  readonly non2xx: number;
  readonly statusCodeStats?: Record<string, { count: number }>;
}
interface AutocannonRequest {
  path: string;
  [k: string]: unknown;
}
interface AutocannonOptions {
  readonly url: string;
  readonly connections: number;
  readonly duration: number;
  readonly headers: Record<string, string>;
  readonly requests?: ReadonlyArray<{ setupRequest?: (req: AutocannonRequest) => AutocannonRequest }>;
}
type Autocannon = (opts: AutocannonOptions) => Promise<AutocannonResult>;

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
  let next = 0;
  // Each request takes the next path of the list, so a run touches every server.
  const rotate = (req: AutocannonRequest): AutocannonRequest => {
    req.path = spec.paths[next++ % spec.paths.length]!;
    if (spec.method !== undefined) req['method'] = spec.method;
    if (spec.body !== undefined) req['body'] = spec.body;
    return req;
  };
  const opts = (duration: number): AutocannonOptions => ({
    url: spec.url,
    connections: spec.connections,
    duration,
    headers: spec.headers,
    requests: [{ setupRequest: rotate }],
  });
  if (spec.warmupSeconds > 0) await autocannon(opts(spec.warmupSeconds));
  const r = await autocannon(opts(spec.durationSeconds));
  const result: LoadResult = {
    requestsPerSecond: r.requests.total / r.duration,
    latencyMs: { avg: r.latency.average, p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max },
    requests: r.requests.total,
    durationSeconds: r.duration,
    bytesPerSecond: r.throughput.average,
    errors: r.errors,
    timeouts: r.timeouts,
    non2xx: r.non2xx,
    statusCodes: Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([k, v]) => [k, Number(v.count)])),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`load generator: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
