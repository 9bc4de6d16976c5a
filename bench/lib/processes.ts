// Child processes of the benchmarks: a `magnetar serve`, a plain node:http
// server, the load generator. The server under test and the load generator are
// always separate processes so they use separate cores.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAGNETAR_MAIN } from './paths.js';

/** A port nobody listens on right now (bound to 0, then released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/** Resident and peak resident memory of a process, from /proc (Linux). */
export function memoryOf(pid: number): { rssMb: number; peakRssMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, peakRssMb: kb('VmHWM') / 1024 };
}

const CLOCK_TICKS_PER_SECOND = ((): number => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU time (user + system, seconds) a process has used so far, from /proc.
 * Less disturbed by other work on a shared machine than wall time.
 */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14 and 15 of the line (utime, stime); this slice starts at field 3.
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** Ends a child we started: SIGTERM, then SIGKILL if it lingers. */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export interface MagnetarProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly dataDir: string;
  readonly identityUrl: string;
  readonly computeUrl: string;
  readonly imageUrl: string;
  /** Everything the process wrote so far (stdout + stderr). */
  output(): string;
  /** Ends the process and, unless kept for a restart, removes its data directory. */
  stop(opts?: { keepData?: boolean }): Promise<void>;
}

/**
 * Starts `node dist/src/magnetar.js serve` on free ports with a fresh data
 * directory (or the one given) and the given `section.name=value` overrides. Returns at once;
 * readiness is the caller's to poll.
 */
export async function spawnMagnetar(sets: readonly string[] = [], opts: { dataDir?: string } = {}): Promise<MagnetarProcess> {
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'magnetar-bench-'));
  const [identityPort, computePort, imagePort] = [await freePort(), await freePort(), await freePort()];
  // BENCH_PROFILE_DIR=<dir>: the server writes a V8 CPU profile there when it stops.
  const profileDir = process.env['BENCH_PROFILE_DIR'];
  const args = [
    ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
    MAGNETAR_MAIN,
    'serve',
    '--data-dir',
    dataDir,
    '--set',
    `magnetar.identity_port=${identityPort}`,
    '--set',
    `magnetar.compute_port=${computePort}`,
    '--set',
    `magnetar.image_port=${imagePort}`,
    '--set',
    'magnetar.network_port=0',
    '--set',
    'magnetar.console_port=-1',
    ...sets.flatMap((s) => ['--set', s]),
  ];
  const env = { ...process.env };
  delete env['MAGNETAR_CONFIG'];
  // Measured as before INFO became the default: a log line per request would weigh on the figures.
  env['MAGNETAR_LOG_LEVEL'] ??= 'warn';
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return {
    child,
    pid: child.pid!,
    dataDir,
    identityUrl: `http://127.0.0.1:${identityPort}`,
    computeUrl: `http://127.0.0.1:${computePort}`,
    imageUrl: `http://127.0.0.1:${imagePort}`,
    output: () => out,
    async stop(o) {
      await stopChild(child);
      if (!o?.keepData) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Starts a node process and collects its output; used for the baselines. */
export function spawnNode(args: readonly string[]): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  return { child, output: () => out };
}

/** Waits for the first line a child prints on stdout and parses it as JSON. */
export function firstJsonLine<T>(child: ChildProcess, timeoutMs = 30_000): Promise<T> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('child printed nothing in time')), timeoutMs);
    const onData = (d: Buffer): void => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      try {
        resolve(JSON.parse(buf.slice(0, nl)) as T);
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`child exited (${code}) before printing a result`));
    });
  });
}
