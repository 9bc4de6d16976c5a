// A whole Magnetar in the test process: real HTTP listeners on free ports, a
// real database (SQLite in a temp dir, or a fresh PostgreSQL database when
// MAGNETAR_TEST_DB=postgres), the in-process bus, simulated hosts with short
// delays. Tests talk to it only over HTTP, as a client would.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { loadConfig } from '../../src/config/config.js';
import { startAllInOne, type AllInOne } from '../../src/cli/all-in-one.js';
import { openBase, startApi } from '../../src/cli/roles.js';
import { openDb } from '../../src/db/connect.js';
import { until } from './wait.js';

export interface CloudOptions {
  /** `section.name=value` overrides on top of the test defaults. */
  readonly overrides?: readonly string[];
}

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly body: any;
  readonly text: string;
}

export interface RequestOptions {
  readonly body?: unknown;
  /** Raw body text (sent as is). */
  readonly raw?: string;
  /** Microversion sent in OpenStack-API-Version. */
  readonly version?: string;
  readonly headers?: Record<string, string>;
  /** Token to use instead of the user's. */
  readonly token?: string | null;
}

/** An API-only process (compute, identity, image) beside a cloud, as `magnetar api` runs. */
export interface ApiProcess {
  readonly computeUrl: string;
  readonly identityUrl: string;
  stop(): Promise<void>;
}

export interface Cloud {
  /** The running all-in-one (a new one after restart()). */
  readonly aio: AllInOne;
  readonly computeUrl: string;
  readonly identityUrl: string;
  readonly imageUrl: string;
  readonly networkUrl: string;
  /** The operator console. */
  readonly consoleUrl: string;
  readonly stateDir: string;
  token(user: string): Promise<string>;
  projectId(user: string): Promise<string>;
  /** An HTTP request to the compute API (path below /v2.1) as `user`. */
  req(user: string, method: string, path: string, opts?: RequestOptions): Promise<Reply>;
  /** Polls a server until `pred` holds (or fails after `ms`). */
  waitServer(id: string, pred: (s: any) => boolean, ms?: number): Promise<any>;
  /** Creates a server as `user` and waits for ACTIVE. */
  bootServer(user: string, extra?: Record<string, unknown>): Promise<any>;
  /** Stops every role and starts them again on the same database, state directory and ports. */
  restart(): Promise<void>;
  /**
   * Starts another API process on this cloud's database and state directory.
   * PostgreSQL only: the all-in-one holds a SQLite file for itself.
   */
  startApiProcess(): Promise<ApiProcess>;
  stop(): Promise<void>;
}

/**
 * The test cloud's service_down_time, in seconds: ten missed heartbeats
 * (report_interval 0.2 s), so that a host busy under a loaded test run is
 * not taken for down.
 */
export const SERVICE_DOWN_TIME_S = 2;
/** A wait long enough for a stopped host to count as down. */
export const PAST_SERVICE_DOWN_TIME_MS = SERVICE_DOWN_TIME_S * 1000 + 300;

const FAST = [
  'fake.spawn_delay=0.02',
  'fake.destroy_delay=0.01',
  'fake.power_delay=0.01',
  'fake.migrate_delay=0.02',
  'fake.live_migration_delay=0.05',
  'fake.precheck_delay=0.01',
  'DEFAULT.report_interval=0.2',
  `DEFAULT.service_down_time=${SERVICE_DOWN_TIME_S}`,
  'DEFAULT.periodic_interval=0.2',
  'DEFAULT.rpc_response_timeout=10',
  'DEFAULT.running_deleted_instance_poll_interval=0.5',
  'magnetar.job_retry_interval=1',
  'magnetar.job_lease_time=3',
  // Most tests boot more servers and keys than Nova's default quotas allow;
  // the quota tests set the limits they mean to test.
  'quota.instances=-1',
  'quota.cores=-1',
  'quota.ram=-1',
  'quota.key_pairs=-1',
];

/** The test cloud makes these quotas unlimited for most tests; quota tests restore Nova's defaults with it. */
export const NOVA_QUOTA_DEFAULTS: readonly string[] = ['quota.instances=10', 'quota.cores=20', 'quota.ram=51200', 'quota.key_pairs=100'];

const PG_SERVER = 'postgresql://postgres@127.0.0.1:5432';

/**
 * A database holding the schema, made once for each version of the
 * migrations and copied for every test cloud: a copy is a file copy, where
 * running the migrations cost PostgreSQL about a quarter of a second per cloud.
 */
async function schemaTemplate(admin: pg.Client): Promise<string> {
  if (templateMade !== undefined) return templateMade;
  const dir = fileURLToPath(new URL('../../src/db/migrations/', import.meta.url));
  const digest = createHash('sha256');
  for (const f of readdirSync(dir).sort()) digest.update(f).update(readFileSync(join(dir, f)));
  const name = `magnetar_tpl_${digest.digest('hex').slice(0, 16)}`;
  // Test processes run side by side: one makes it, the others wait for it.
  await admin.query('SELECT pg_advisory_lock(7405332)');
  try {
    if ((await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 0) {
      const making = `${name}_${randomBytes(3).toString('hex')}`;
      await admin.query(`CREATE DATABASE ${making}`);
      const db = await openDb(`${PG_SERVER}/${making}`, tmpdir());
      await db.close();
      // Renamed once whole: a process that died making it leaves only a name no one copies.
      await until(`the template ${making} to be free`, () => admin.query(`ALTER DATABASE ${making} RENAME TO ${name}`).then(() => true, () => false), (done) => done);
    }
  } finally {
    await admin.query('SELECT pg_advisory_unlock(7405332)');
  }
  return (templateMade = name);
}

/** The template this process found or made: the migrations do not change while it runs. */
let templateMade: string | undefined;

async function freshPostgres(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `magnetar_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: `${PG_SERVER}/postgres` });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name} TEMPLATE ${await schemaTemplate(admin)}`);
  // Tests kill Magnetar's processes, never PostgreSQL: a commit need not wait
  // for its WAL to reach the disk (what other sessions see is the same).
  await admin.query(`ALTER DATABASE ${name} SET synchronous_commit = off`);
  await admin.end();
  return {
    url: `${PG_SERVER}/${name}`,
    drop: async () => {
      const c = new pg.Client({ connectionString: `${PG_SERVER}/postgres` });
      await c.connect();
      // The pool's connections may still be closing: wait for them rather than
      // force them, since a forced drop kills a connection mid-close.
      for (let i = 0; ; i++) {
        try {
          await c.query(`DROP DATABASE IF EXISTS ${name}`);
          break;
        } catch (err) {
          if (i >= 50) {
            await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
            break;
          }
          void err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      await c.end();
    },
  };
}

// Magnetar logs each API request and action step at INFO, as Nova does; the
// in-process test clouds keep to warnings unless a test asks for more.
process.env['MAGNETAR_LOG_LEVEL'] ??= 'warn';

export const TEST_DIALECT = process.env['MAGNETAR_TEST_DB'] === 'postgres' ? 'postgres' : 'sqlite';

export async function startCloud(opts: CloudOptions = {}): Promise<Cloud> {
  const stateDir = mkdtempSync(join(tmpdir(), 'magnetar-test-'));
  const pgdb = TEST_DIALECT === 'postgres' ? await freshPostgres() : null;
  const newConf = () =>
    loadConfig({
      env: {},
      overrides: [
        `DEFAULT.state_path=${stateDir}`,
        'magnetar.compute_port=0',
        'magnetar.identity_port=0',
        'magnetar.image_port=0',
        'magnetar.network_port=0',
        'magnetar.console_port=0',
        ...(pgdb ? [`database.connection=${pgdb.url}`] : []),
        ...FAST,
        ...(opts.overrides ?? []),
      ],
    });
  // The listeners write their ports back into conf, so a restart reuses them.
  const conf = newConf();
  let aio = await startAllInOne(conf);
  const computeUrl = `http://127.0.0.1:${aio.api.computePort}`;
  const identityUrl = `http://127.0.0.1:${aio.api.identityPort}`;
  const imageUrl = `http://127.0.0.1:${aio.api.imagePort}`;
  const networkUrl = `http://127.0.0.1:${aio.api.networkPort}`;
  const consoleUrl = `http://127.0.0.1:${aio.api.consolePort}`;
  const tokens = new Map<string, { token: string; projectId: string }>();

  const login = async (user: string) => {
    let t = tokens.get(user);
    if (t) return t;
    const r = await fetch(`${identityUrl}/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password: user } } },
        },
      }),
    });
    if (r.status !== 201) throw new Error(`login of ${user} failed: ${r.status} ${await r.text()}`);
    const body = (await r.json()) as { token: { project: { id: string } } };
    t = { token: r.headers.get('x-subject-token')!, projectId: body.token.project.id };
    tokens.set(user, t);
    return t;
  };

  const req = async (user: string, method: string, path: string, o: RequestOptions = {}): Promise<Reply> => {
    const headers: Record<string, string> = { ...(o.headers ?? {}) };
    const token = o.token !== undefined ? o.token : (await login(user)).token;
    if (token !== null) headers['X-Auth-Token'] = token;
    if (o.version) headers['OpenStack-API-Version'] = `compute ${o.version}`;
    let body: string | undefined;
    if (o.raw !== undefined) body = o.raw;
    else if (o.body !== undefined) body = JSON.stringify(o.body);
    if (body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json';
    const url = path.startsWith('http') ? path : `${computeUrl}${path.startsWith('/v2') || path === '/' ? '' : '/v2.1'}${path}`;
    const r = await fetch(url, { method, headers, body });
    const text = await r.text();
    let parsed: unknown = undefined;
    try {
      parsed = text === '' ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: r.status, headers: r.headers, body: parsed, text };
  };

  const waitServer = async (id: string, pred: (s: any) => boolean, ms = 10_000): Promise<any> => {
    const end = Date.now() + ms;
    let last: any;
    while (Date.now() < end) {
      const r = await req('admin', 'GET', `/servers/${id}`, { version: 'latest' });
      last = r.status === 404 ? { status: 'DELETED', gone: true } : r.body?.server;
      if (last && pred(last)) return last;
      await new Promise((res) => setTimeout(res, 20));
    }
    throw new Error(`server ${id} did not reach the expected state; last: ${JSON.stringify(last)}`);
  };

  const bootServer = async (user: string, extra: Record<string, unknown> = {}): Promise<any> => {
    const imageId = '' + (await imageIdOf('cirros'));
    const r = await req(user, 'POST', '/servers', {
      version: '2.37',
      body: { server: { name: `vm-${randomBytes(3).toString('hex')}`, flavorRef: '1', imageRef: imageId, networks: 'none', ...extra } },
    });
    if (r.status !== 202) throw new Error(`boot failed: ${r.status} ${r.text}`);
    return waitServer(r.body.server.id, (s) => s.status === 'ACTIVE' || s.status === 'ERROR');
  };

  const imageIdOf = async (name: string): Promise<string> => {
    const t = (await login('admin')).token;
    const r = await fetch(`${imageUrl}/v2/images?name=${name}`, { headers: { 'X-Auth-Token': t } });
    const b = (await r.json()) as { images: Array<{ id: string }> };
    return b.images[0]!.id;
  };

  return {
    get aio() {
      return aio;
    },
    computeUrl,
    identityUrl,
    imageUrl,
    networkUrl,
    consoleUrl,
    stateDir,
    token: async (u) => (await login(u)).token,
    projectId: async (u) => (await login(u)).projectId,
    req,
    waitServer,
    bootServer,
    async restart() {
      await aio.stop();
      // Let this process's HTTP client see its kept-alive sockets closed, so
      // that the next request opens a new one instead of writing to a dead one.
      await new Promise((r) => setTimeout(r, 50));
      aio = await startAllInOne(conf);
    },
    async startApiProcess() {
      if (!pgdb) throw new Error('another API process needs the PostgreSQL test database');
      const base = await openBase(newConf(), 'api');
      const api = await startApi(base);
      return {
        computeUrl: `http://127.0.0.1:${api.computePort}`,
        identityUrl: `http://127.0.0.1:${api.identityPort}`,
        async stop() {
          await api.close();
          await base.bus.close();
          await base.db.close();
        },
      };
    },
    async stop() {
      await aio.stop();
      if (pgdb) await pgdb.drop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
