// Magnetar as separate processes — api, scheduler, conductor and two compute
// agents — sharing a fresh PostgreSQL database and RabbitMQ, as it runs
// across machines. A server is built, live-migrated and deleted through them.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import pg from 'pg';

const MAIN = resolve('dist/src/cli/main.js');

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
    s.on('error', rej);
  });
}

function startRole(args: string[], ready: RegExp): Promise<ChildProcess> {
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => rej(new Error(`${args[0]} did not start: ${out}`)), 15_000);
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (ready.test(out)) {
        clearTimeout(timer);
        res(p);
      }
    };
    p.stdout!.on('data', onData);
    p.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    p.on('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`${args[0]} exited with ${code}: ${out}`));
    });
  });
}

describe('distributed deployment on PostgreSQL and RabbitMQ', () => {
  const dbName = `magnetar_d_${randomBytes(5).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'magnetar-dist-'));
  const procs: ChildProcess[] = [];
  let computeUrl = '';
  let identityUrl = '';
  let token = '';

  const api = async (method: string, path: string, body?: unknown, version = '2.latest'): Promise<{ status: number; body: any }> => {
    const r = await fetch(`${computeUrl}/v2.1${path}`, {
      method,
      headers: {
        'X-Auth-Token': token,
        'OpenStack-API-Version': `compute ${version === '2.latest' ? 'latest' : version}`,
        ...(body ? { 'Content-Type': 'application/json' } : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : undefined };
  };

  const waitFor = async (path: string, pred: (b: any) => boolean, ms = 20_000): Promise<any> => {
    const end = Date.now() + ms;
    let last: any;
    while (Date.now() < end) {
      last = await api('GET', path);
      if (pred(last)) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out on ${path}: ${JSON.stringify(last)}`);
  };

  before(async () => {
    const admin = new pg.Client({ connectionString: 'postgresql://postgres@127.0.0.1:5432/postgres' });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    await admin.end();
    const [cp, ip, gp] = [await freePort(), await freePort(), await freePort()];
    computeUrl = `http://127.0.0.1:${cp}`;
    identityUrl = `http://127.0.0.1:${ip}`;
    const common = [
      '--data-dir', dir,
      '--set', `database.connection=postgresql://postgres@127.0.0.1:5432/${dbName}`,
      '--set', 'DEFAULT.transport_url=rabbit://guest:guest@127.0.0.1:5672/',
      '--set', `DEFAULT.control_exchange=${dbName}`,
      '--set', `magnetar.compute_port=${cp}`,
      '--set', `magnetar.identity_port=${ip}`,
      '--set', `magnetar.image_port=${gp}`,
      '--set', 'DEFAULT.report_interval=1',
      '--set', 'fake.spawn_delay=0.05',
      '--set', 'fake.live_migration_delay=0.1',
    ];
    procs.push(await startRole(['api', ...common], /compute API on port/));
    procs.push(await startRole(['scheduler', ...common], /scheduler running/));
    procs.push(await startRole(['conductor', ...common], /conductor running/));
    procs.push(await startRole(['compute', '--host', 'node-a', ...common], /compute agent node-a running/));
    procs.push(await startRole(['compute', '--host', 'node-b', ...common], /compute agent node-b running/));
    const r = await fetch(`${identityUrl}/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password: 'admin' } } } } }),
    });
    assert.equal(r.status, 201);
    token = r.headers.get('x-subject-token')!;
  });

  after(async () => {
    for (const p of procs.reverse()) {
      p.kill('SIGTERM');
      await new Promise((r) => (p.exitCode !== null ? r(null) : p.once('exit', r)));
    }
    const admin = new pg.Client({ connectionString: 'postgresql://postgres@127.0.0.1:5432/postgres' });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
    rmSync(dir, { recursive: true, force: true });
  });

  it('builds, live-migrates and deletes a server across processes', async () => {
    const create = await api('POST', '/servers', { server: { name: 'd1', flavorRef: '1', imageRef: await cirrosId(), networks: 'none' } }, '2.37');
    assert.equal(create.status, 202, JSON.stringify(create.body));
    const id = create.body.server.id;
    const active = await waitFor(`/servers/${id}`, (b) => b.body?.server?.status === 'ACTIVE');
    const src = active.body.server['OS-EXT-SRV-ATTR:host'];
    assert.ok(['node-a', 'node-b'].includes(src));
    const mig = await api('POST', `/servers/${id}/action`, { 'os-migrateLive': { host: null, block_migration: 'auto' } });
    assert.equal(mig.status, 202, JSON.stringify(mig.body));
    const moved = await waitFor(`/servers/${id}`, (b) => b.body?.server?.status === 'ACTIVE' && b.body.server['OS-EXT-SRV-ATTR:host'] !== src);
    assert.notEqual(moved.body.server['OS-EXT-SRV-ATTR:host'], src);
    const del = await api('DELETE', `/servers/${id}`);
    assert.equal(del.status, 204);
    await waitFor(`/servers/${id}`, (b) => b.status === 404);
  });

  it('lists both compute agents as services', async () => {
    const services = await api('GET', '/os-services');
    assert.equal(services.status, 200);
    const hosts = services.body.services.filter((s: any) => s.binary === 'nova-compute').map((s: any) => s.host).sort();
    assert.deepEqual(hosts, ['node-a', 'node-b']);
  });

  /** The image id, found as a client would: through the catalog and the image API. */
  async function cirrosId(): Promise<string> {
    const r = await fetch(`${identityUrl}/v3/auth/catalog`, { headers: { 'X-Auth-Token': token } });
    const cat = (await r.json()) as any;
    const imageUrl = cat.catalog.find((e: any) => e.type === 'image').endpoints[0].url;
    const imgs = (await (await fetch(`${imageUrl}/v2/images?name=cirros`, { headers: { 'X-Auth-Token': token } })).json()) as any;
    return imgs.images[0].id;
  }
});
