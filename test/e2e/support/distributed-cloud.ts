// Magnetar as separate processes — api, scheduler, conductor and compute
// agents — on a fresh PostgreSQL database and RabbitMQ (a queue prefix of
// its own), as it runs across machines. Each role can be killed with
// SIGKILL and started again, with extra options (e.g. an armed crash point).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import amqp from 'amqplib';
import { MAIN_JS } from './magnetar-process.js';
import { logWarnings, serverHistory } from './server-history.js';
import { freePort } from '../../support/ports.js';

const PG_ADMIN = 'postgresql://postgres@127.0.0.1:5432/postgres';

async function pgAdmin(sqlText: string): Promise<void> {
  const c = new pg.Client({ connectionString: PG_ADMIN });
  await c.connect();
  try {
    await c.query(sqlText);
  } finally {
    await c.end();
  }
}

/** The hosts of a `compute:<host>[,<host>…]` role. */
const computeHostsOf = (role: string): string[] => role.slice('compute:'.length).split(',');

/** How each role says it is ready. */
function readyLine(role: string): RegExp {
  if (role === 'api') return /compute API on port/;
  if (role === 'network') return /network running on port/;
  if (role.startsWith('compute:')) {
    const hosts = computeHostsOf(role);
    return hosts.length === 1 ? new RegExp(`compute agent ${hosts[0]} running`) : new RegExp(`compute agents of ${hosts.length} hosts running: ${hosts.join(', ')}`);
  }
  return new RegExp(`${role} running`);
}

function roleArgs(role: string): string[] {
  return role.startsWith('compute:') ? ['compute', ...computeHostsOf(role).flatMap((h) => ['--host', h])] : [role];
}

/**
 * The notifications exchange the roles declared (named after [DEFAULT] control_exchange, here the database's name),
 * and the topic queues they served under that prefix: they outlive their consumers.
 */
async function dropBrokerState(name: string, topics: readonly string[]): Promise<void> {
  const conn = await amqp.connect('amqp://guest:guest@127.0.0.1:5672/').catch(() => undefined);
  if (!conn) return;
  try {
    const ch = await conn.createChannel();
    await ch.deleteExchange(name).catch(() => undefined);
    // A failed delete closes the channel; the queues are deleted one channel each.
    for (const t of topics) {
      const qch = await conn.createChannel();
      await qch.deleteQueue(`${name}.${t}`).catch(() => undefined);
      await qch.close().catch(() => undefined);
    }
  } finally {
    await conn.close().catch(() => undefined);
  }
}

export interface Reply {
  readonly status: number;
  readonly body: any;
}

export class DistributedCloud {
  readonly dbName = `magnetar_d_${randomBytes(5).toString('hex')}`;
  /** The state directory every role shares, unless `roleDataDirs` gives a role its own. */
  readonly dir = mkdtempSync(join(tmpdir(), 'magnetar-dist-'));
  /** Roles with a state directory of their own (as on another machine); removed by stop(). */
  readonly roleDataDirs = new Map<string, string>();
  private readonly procs = new Map<string, ChildProcess>();
  private readonly logs = new Map<string, string>();
  private common: string[] = [];
  /** How long a role has to say it is ready. */
  startTimeoutMs = 20_000;
  computeUrl = '';
  identityUrl = '';
  networkUrl = '';
  private token = '';

  /** `roles`: api, scheduler, conductor, compute:<host>… (compute:<host>,<host>… runs several hosts in one process); `options`: section.name=value for every role. */
  async start(roles: readonly string[], options: readonly string[] = []): Promise<void> {
    await pgAdmin(`CREATE DATABASE ${this.dbName}`);
    const [cp, ip, gp, np] = [await freePort(), await freePort(), await freePort(), await freePort()];
    this.computeUrl = `http://127.0.0.1:${cp}`;
    this.identityUrl = `http://127.0.0.1:${ip}`;
    this.networkUrl = `http://127.0.0.1:${np}`;
    const set = [
      `database.connection=postgresql://postgres@127.0.0.1:5432/${this.dbName}`,
      'DEFAULT.transport_url=rabbit://guest:guest@127.0.0.1:5672/',
      `DEFAULT.control_exchange=${this.dbName}`,
      `magnetar.compute_port=${cp}`,
      `magnetar.identity_port=${ip}`,
      `magnetar.image_port=${gp}`,
      `magnetar.network_port=${np}`,
      'magnetar.console_port=-1',
      ...options,
    ];
    this.common = ['--data-dir', this.dir, ...set.flatMap((s) => ['--set', s])];
    for (const role of roles) await this.startRole(role);
  }

  /** Starts a role (again), with `extra` options for this run only. */
  startRole(role: string, extra: readonly string[] = []): Promise<void> {
    return new Promise((res, rej) => {
      const own = this.roleDataDirs.get(role);
      const common = own !== undefined ? ['--data-dir', own, ...this.common.slice(2)] : this.common;
      const p = spawn(process.execPath, [MAIN_JS, ...roleArgs(role), ...common, ...extra.flatMap((s) => ['--set', s])], { stdio: ['ignore', 'pipe', 'pipe'] });
      this.procs.set(role, p);
      let out = '';
      const timer = setTimeout(() => rej(new Error(`${role} did not start: ${out}`)), this.startTimeoutMs);
      const onData = (d: Buffer): void => {
        out += d.toString();
        this.logs.set(role, (this.logs.get(role) ?? '') + d.toString());
        if (readyLine(role).test(out)) {
          clearTimeout(timer);
          res();
        }
      };
      p.stdout!.on('data', onData);
      p.stderr!.on('data', onData);
      p.on('exit', (code) => {
        clearTimeout(timer);
        rej(new Error(`${role} exited with ${code}: ${out}`));
      });
    });
  }

  /** Resolves once the role's process has exited (e.g. killed itself at a crash point). */
  async exited(role: string, ms = 30_000): Promise<NodeJS.Signals | number | null> {
    const p = this.procs.get(role);
    if (!p) throw new Error(`no process for ${role}`);
    if (p.exitCode !== null || p.signalCode !== null) return p.signalCode ?? p.exitCode;
    return new Promise((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`${role} is still running`)), ms);
      p.once('exit', (code, signal) => {
        clearTimeout(timer);
        res(signal ?? code);
      });
    });
  }

  async kill(role: string): Promise<void> {
    const p = this.procs.get(role);
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    p.kill('SIGKILL');
    await this.exited(role);
  }

  log(role: string): string {
    return this.logs.get(role) ?? '';
  }

  /** What a failed wait on a server should say: its history and every role's warnings and errors. */
  async explain(serverId: string): Promise<string> {
    const history = await serverHistory((path) => this.api('GET', path), serverId);
    return [...history, ...[...this.logs].flatMap(([role, text]) => logWarnings(role, text, 20))].join('\n');
  }

  async api(method: string, path: string, body?: unknown, version = 'latest'): Promise<Reply> {
    if (!this.token) this.token = await this.login();
    const r = await fetch(`${this.computeUrl}/v2.1${path}`, {
      method,
      headers: {
        'X-Auth-Token': this.token,
        'OpenStack-API-Version': `compute ${version}`,
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : undefined };
  }

  /** Polls `path` until `pred` holds for the reply. */
  async waitFor(path: string, pred: (r: Reply) => boolean, ms = 30_000): Promise<Reply> {
    const end = Date.now() + ms;
    let last: Reply | undefined;
    while (Date.now() < end) {
      try {
        last = await this.api('GET', path);
        if (pred(last)) return last;
      } catch {
        // The API may be restarting.
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out on ${path}: ${JSON.stringify(last)}`);
  }

  async imageId(name: string): Promise<string> {
    if (!this.token) this.token = await this.login();
    const r = await fetch(`${this.identityUrl}/v3/auth/catalog`, { headers: { 'X-Auth-Token': this.token } });
    const cat = (await r.json()) as any;
    const imageUrl = cat.catalog.find((e: any) => e.type === 'image').endpoints[0].url;
    const imgs = (await (await fetch(`${imageUrl}/v2/images?name=${name}`, { headers: { 'X-Auth-Token': this.token } })).json()) as any;
    return imgs.images[0].id;
  }

  /** Boots a server and waits until it is ACTIVE; returns its body. */
  /** Boots a server (on no network unless `networks` is given) and waits until it is ACTIVE. */
  async boot(name: string, networks: unknown = 'none'): Promise<any> {
    const r = await this.api('POST', '/servers', { server: { name, flavorRef: '1', imageRef: await this.imageId('cirros'), networks } }, '2.37');
    if (r.status !== 202) throw new Error(`boot failed: ${JSON.stringify(r.body)}`);
    return (await this.waitFor(`/servers/${r.body.server.id}`, (x) => x.body?.server?.status === 'ACTIVE')).body.server;
  }

  /** A direct connection to the deployment's database, for checks a client cannot make. */
  async query<T>(text: string, values: unknown[] = []): Promise<T[]> {
    const c = new pg.Client({ connectionString: `postgresql://postgres@127.0.0.1:5432/${this.dbName}` });
    await c.connect();
    try {
      return (await c.query(text, values)).rows as T[];
    } finally {
      await c.end();
    }
  }

  async stop(): Promise<void> {
    for (const p of [...this.procs.values()].reverse()) {
      if (p.exitCode !== null || p.signalCode !== null) continue;
      p.kill('SIGTERM');
      // A process that does not stop within 10 s (a busy machine, a hung shutdown) is killed.
      const timer = setTimeout(() => p.kill('SIGKILL'), 10_000);
      await new Promise((r) => (p.exitCode !== null || p.signalCode !== null ? r(null) : p.once('exit', r)));
      clearTimeout(timer);
    }
    await pgAdmin(`DROP DATABASE IF EXISTS ${this.dbName} WITH (FORCE)`);
    const hosts = [...this.procs.keys()].filter((r) => r.startsWith('compute:')).flatMap(computeHostsOf);
    await dropBrokerState(this.dbName, ['scheduler', 'conductor', ...hosts.flatMap((h) => [`compute.${h}`, `hostctl.${h}`])]);
    rmSync(this.dir, { recursive: true, force: true });
    for (const d of this.roleDataDirs.values()) rmSync(d, { recursive: true, force: true });
  }

  /** The admin's token (the one api() uses). */
  async adminToken(): Promise<string> {
    if (!this.token) this.token = await this.login();
    return this.token;
  }

  private async login(): Promise<string> {
    const r = await fetch(`${this.identityUrl}/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password: 'admin' } } } } }),
    });
    if (r.status !== 201) throw new Error(`login failed: ${r.status}`);
    return r.headers.get('x-subject-token')!;
  }
}
