// Benchmark 1 — ready time: from spawning `magnetar serve` (fresh data
// directory, free ports) to the first successful token issue followed by
// `GET /v2.1`, against the start-up of a trivial node:http process.
import { issueToken } from './lib/client.js';
import { freePort, spawnMagnetar, spawnNode, stopChild } from './lib/processes.js';
import { median, ratio, round, sleep } from './lib/stats.js';

const RUNS = 5;
const POLL_MS = 5;
const DEADLINE_MS = 30_000;

export interface ReadyResult {
  readonly runs: number;
  readonly magnetarMs: number[];
  readonly magnetarMedianMs: number;
  /** The figure `serve` prints itself ("ready (N ms)"), from its own start. */
  readonly selfReportedMedianMs: number | null;
  readonly baselineMs: number[];
  readonly baselineMedianMs: number;
  readonly ratio: number;
  readonly aimMs: number;
  readonly meetsAim: boolean;
}

async function pollUntil(fn: () => Promise<boolean>, label: string): Promise<void> {
  const end = Date.now() + DEADLINE_MS;
  for (;;) {
    try {
      if (await fn()) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > end) throw new Error(`${label} not ready within ${DEADLINE_MS} ms`);
    await sleep(POLL_MS);
  }
}

async function magnetarOnce(): Promise<{ ms: number; self: number | null }> {
  const t0 = performance.now();
  const p = await spawnMagnetar();
  try {
    let token = '';
    await pollUntil(async () => {
      token ||= (await issueToken(p.identityUrl, 'admin')).token;
      const r = await fetch(`${p.computeUrl}/v2.1`, { headers: { 'X-Auth-Token': token } });
      await r.arrayBuffer();
      return r.status === 200;
    }, 'magnetar');
    const ms = performance.now() - t0;
    // Let serve finish printing its banner before reading it.
    await pollUntil(async () => /ready \(\d+ ms\)/.test(p.output()), 'banner').catch(() => undefined);
    const self = /ready \((\d+) ms\)/.exec(p.output());
    return { ms, self: self ? Number(self[1]) : null };
  } catch (e) {
    throw new Error(`${e instanceof Error ? e.message : String(e)}\n${p.output()}`);
  } finally {
    await p.stop();
  }
}

async function baselineOnce(): Promise<number> {
  const port = await freePort();
  const t0 = performance.now();
  const n = spawnNode([
    '-e',
    `require('node:http').createServer((q, s) => { s.setHeader('Content-Type', 'application/json'); s.end('{}'); }).listen(${port}, '127.0.0.1')`,
  ]);
  try {
    await pollUntil(async () => {
      const r = await fetch(`http://127.0.0.1:${port}/`);
      await r.arrayBuffer();
      return r.status === 200;
    }, 'baseline');
    return performance.now() - t0;
  } finally {
    await stopChild(n.child);
  }
}

export async function benchReady(log: (s: string) => void): Promise<ReadyResult> {
  const magnetarMs: number[] = [];
  const baselineMs: number[] = [];
  const self: number[] = [];
  // Interleaved, so a noisy moment on the machine hits both sides alike.
  for (let i = 0; i < RUNS; i++) {
    baselineMs.push(round(await baselineOnce(), 1));
    const m = await magnetarOnce();
    magnetarMs.push(round(m.ms, 1));
    if (m.self !== null) self.push(m.self);
    log(`  run ${i + 1}/${RUNS}: magnetar ${m.ms.toFixed(0)} ms, plain node ${baselineMs[i]!.toFixed(0)} ms`);
  }
  const mm = median(magnetarMs);
  const bm = median(baselineMs);
  return {
    runs: RUNS,
    magnetarMs,
    magnetarMedianMs: round(mm, 1),
    selfReportedMedianMs: self.length ? median(self) : null,
    baselineMs,
    baselineMedianMs: round(bm, 1),
    ratio: ratio(mm, bm),
    aimMs: 1000,
    meetsAim: mm < 1000,
  };
}
