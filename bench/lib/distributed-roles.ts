// A distributed Magnetar for the benchmarks: a fresh PostgreSQL database and
// a RabbitMQ virtual host of its own (or, without rabbitmqctl, a queue
// prefix of its own on /), and role processes (`magnetar api`, `scheduler`,
// `conductor`, `compute --host …`) started on them one by one, each
// watched for its ready line.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { MAGNETAR_MAIN } from './paths.js';
import { freePort, stopChild } from './processes.js';
import { addVhost, deleteVhost } from './rabbitmq.js';

export const PG_ADMIN_URL = 'postgresql://postgres@127.0.0.1:5432/postgres';

async function pgAdmin(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

export interface RoleProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** Spawn → its ready line, in ms. */
  readonly readyMs: number;
  /** Calls `fn` with each whole line the process writes (stdout and stderr), from now on. */
  onLine(fn: (line: string) => void): void;
  output(): string;
  stop(): Promise<void>;
}

export class DistributedDeployment {
  readonly id = randomBytes(4).toString('hex');
  readonly dbName = `magnetar_bench_${this.id}`;
  readonly dbUrl = `postgresql://postgres@127.0.0.1:5432/${this.dbName}`;
  /** The virtual host, or null when the queues are kept apart by prefix on /. */
  readonly vhost: string | null;
  readonly dataDir = mkdtempSync(join(tmpdir(), 'magnetar-bench-dist-'));
  readonly roles: RoleProcess[] = [];
  identityUrl = '';
  computeUrl = '';
  imageUrl = '';
  private settings: string[] = [];

  constructor(useVhost: boolean) {
    this.vhost = useVhost ? `magnetar-bench-${this.id}` : null;
  }

  /** Creates the database and virtual host; `extra`: section.name=value for every role. */
  async create(extra: readonly string[]): Promise<void> {
    await pgAdmin(`CREATE DATABASE ${this.dbName}`);
    if (this.vhost) await addVhost(this.vhost);
    const [cp, ip, gp, np] = [await freePort(), await freePort(), await freePort(), await freePort()];
    this.identityUrl = `http://127.0.0.1:${ip}`;
    this.computeUrl = `http://127.0.0.1:${cp}`;
    this.imageUrl = `http://127.0.0.1:${gp}`;
    this.settings = [
      `database.connection=${this.dbUrl}`,
      `DEFAULT.transport_url=rabbit://guest:guest@127.0.0.1:5672/${this.vhost ? encodeURIComponent(this.vhost) : ''}`,
      `DEFAULT.control_exchange=${this.vhost ? 'magnetar' : this.dbName}`,
      `magnetar.compute_port=${cp}`,
      `magnetar.identity_port=${ip}`,
      `magnetar.image_port=${gp}`,
      `magnetar.network_port=${np}`,
      'magnetar.console_port=-1',
      ...extra,
    ];
  }

  /** The queue name of a topic (the prefix is [DEFAULT] control_exchange). */
  queueName(topic: string): string {
    return `${this.vhost ? 'magnetar' : this.dbName}.${topic}`;
  }

  /** Starts a role process and waits for `ready` in its output; `logLevel` sets MAGNETAR_LOG_LEVEL (default warn). */
  start(name: string, args: readonly string[], ready: RegExp, opts: { logLevel?: string; timeoutMs?: number } = {}): Promise<RoleProcess> {
    const env: NodeJS.ProcessEnv = { ...process.env, MAGNETAR_LOG_LEVEL: opts.logLevel ?? 'warn' };
    delete env['MAGNETAR_CONFIG'];
    const t0 = performance.now();
    const child = spawn(process.execPath, [MAGNETAR_MAIN, ...args, '--data-dir', this.dataDir, ...this.settings.flatMap((s) => ['--set', s])], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
    let out = '';
    const listeners: Array<(line: string) => void> = [];
    // Each stream keeps its unfinished last line until the rest arrives.
    const lineReader = (): ((d: Buffer) => void) => {
      let partial = '';
      return (d: Buffer) => {
        const text = partial + d.toString();
        const lines = text.split('\n');
        partial = lines.pop()!;
        for (const l of lines) for (const fn of [...listeners]) fn(l);
      };
    };
    // Keep only the tail of a chatty process's output, for error messages.
    const keep = (d: Buffer): void => {
      out = (out + d.toString()).slice(-20_000);
    };
    child.stdout!.on('data', keep).on('data', lineReader());
    child.stderr!.on('data', keep).on('data', lineReader());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} did not start within ${opts.timeoutMs ?? 120_000} ms: ${out.slice(-2000)}`)), opts.timeoutMs ?? 120_000);
      const onExit = (code: number | null): void => {
        clearTimeout(timer);
        reject(new Error(`${name} exited with ${code}: ${out.slice(-2000)}`));
      };
      child.once('exit', onExit);
      const readyWatch = (line: string): void => {
        if (!ready.test(line)) return;
        clearTimeout(timer);
        child.off('exit', onExit);
        listeners.splice(listeners.indexOf(readyWatch), 1);
        const role: RoleProcess = {
          name,
          child,
          pid: child.pid!,
          readyMs: performance.now() - t0,
          onLine: (fn) => listeners.push(fn),
          output: () => out,
          stop: () => stopChild(child, 30_000),
        };
        this.roles.push(role);
        resolve(role);
      };
      listeners.push(readyWatch);
    });
  }

  /** Stops every role (the last started first), drops the database and the virtual host. */
  async destroy(): Promise<void> {
    for (const r of [...this.roles].reverse()) await r.stop();
    await pgAdmin(`DROP DATABASE IF EXISTS ${this.dbName} WITH (FORCE)`).catch(() => undefined);
    if (this.vhost) await deleteVhost(this.vhost);
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
