// A real `magnetar serve` child process on free ports with its own data
// directory, for end-to-end tests that drive it with the real OpenStack
// command-line clients. One process per test file.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CliRunner } from './openstack-cli.js';
import { ComputeHttp } from './compute-http.js';
import { freePort } from '../../support/ports.js';

/** Root of the checkout (this file is compiled to dist/test/e2e/support/). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');
/** The command as users run it: the bundle bin/magnetar starts (scripts/bundle.sh). */
export const MAIN_JS = join(REPO_ROOT, 'dist/src/magnetar.js');

/** Delays short enough that the clients' first status poll usually sees the end state
 * (their `--wait` sleeps 5 s between polls). */
const FAST = [
  'fake.spawn_delay=0.05',
  'fake.destroy_delay=0.02',
  'fake.power_delay=0.02',
  'fake.migrate_delay=0.02',
  'fake.live_migration_delay=0.1',
  'fake.precheck_delay=0.01',
  'DEFAULT.report_interval=1',
  'DEFAULT.service_down_time=10',
  'DEFAULT.periodic_interval=1',
];

export interface MagnetarOptions {
  /** Extra `section.name=value` settings passed with --set. */
  readonly set?: readonly string[];
  /** Run on this data directory (e.g. a previous process's, to restart it); it is then left in place on stop. */
  readonly dataDir?: string;
  /** Listen on these ports (a restarted process on its predecessor's). */
  readonly ports?: { readonly compute: number; readonly identity: number; readonly image: number; readonly network: number };
}

export interface Magnetar {
  readonly dataDir: string;
  readonly cloudsFile: string;
  readonly ports: { readonly compute: number; readonly identity: number; readonly image: number; readonly network: number };
  /** Everything the process printed on stdout up to the ready banner (and after). */
  output(): string;
  readonly cli: CliRunner;
  /** Direct HTTP, for waiting on asynchronous work between commands. */
  readonly http: ComputeHttp;
  /** What the process logged on stderr. */
  logs(): string;
  /** The process's pid. */
  readonly pid: number;
  stop(): Promise<void>;
  /** Kills the process at once (SIGKILL), leaving its data directory as it was. */
  kill(): Promise<void>;
}

/** Waits until `pattern` appears on the child's stdout; fails on early exit or timeout. */
export function waitForOutput(child: ChildProcess, out: () => string, pattern: RegExp, ms: number): Promise<void> {
  return new Promise((res, rej) => {
    const done = (err?: Error): void => {
      clearInterval(poll);
      clearTimeout(timer);
      child.off('exit', onExit);
      if (err) rej(err);
      else res();
    };
    const poll = setInterval(() => {
      if (pattern.test(out())) done();
    }, 20);
    const timer = setTimeout(() => done(new Error(`no ${pattern} within ${ms} ms; output:\n${out()}`)), ms);
    const onExit = (code: number | null): void => done(new Error(`process exited (${code}) before ${pattern}; output:\n${out()}`));
    child.on('exit', onExit);
  });
}

/** Stops a child: SIGTERM, then SIGKILL if it has not exited after `ms`. */
export async function stopChild(child: ChildProcess, ms = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((res) => child.once('exit', () => res()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  await exited;
  clearTimeout(timer);
}

export async function startMagnetar(opts: MagnetarOptions = {}): Promise<Magnetar> {
  const ownDir = opts.dataDir === undefined;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'magnetar-e2e-'));
  const ports = opts.ports ?? { compute: await freePort(), identity: await freePort(), image: await freePort(), network: await freePort() };
  const args = [
    MAIN_JS,
    'serve',
    '--data-dir',
    dataDir,
    ...[
      `magnetar.compute_port=${ports.compute}`,
      `magnetar.identity_port=${ports.identity}`,
      `magnetar.image_port=${ports.image}`,
      `magnetar.network_port=${ports.network}`,
      'magnetar.console_port=-1',
      ...FAST,
      ...(opts.set ?? []),
    ].flatMap((s) => ['--set', s]),
  ];
  const env = { ...process.env };
  delete env['MAGNETAR_CONFIG'];
  const child = spawn(process.execPath, args, { cwd: dataDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  // Never leave a Magnetar behind if the test process ends without stop().
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  try {
    await waitForOutput(child, () => stdout, /Magnetar is ready/, 30_000);
  } catch (e) {
    await stopChild(child);
    process.off('exit', killOnExit);
    if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    throw new Error(`${(e as Error).message}\nstderr:\n${stderr.slice(-4000)}`);
  }
  const cloudsFile = join(dataDir, 'clouds.yaml');
  const cloudsText = readFileSync(cloudsFile, 'utf8');
  const cli = new CliRunner(cloudsFile, cloudsText);
  return {
    dataDir,
    cloudsFile,
    ports,
    output: () => stdout,
    cli,
    http: new ComputeHttp(cloudsText, () => `${stdout}\n${stderr}`),
    logs: () => stderr,
    pid: child.pid!,
    async stop() {
      await stopChild(child);
      process.off('exit', killOnExit);
      if (ownDir && process.env['MAGNETAR_E2E_KEEP'] !== '1') rmSync(dataDir, { recursive: true, force: true });
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((res) => child.once('exit', () => res()));
        child.kill('SIGKILL');
        await exited;
      }
      process.off('exit', killOnExit);
    },
  };
}
