// One `magnetar compute` process running three hosts (--host repeated) beside
// the api, scheduler and conductor on PostgreSQL and RabbitMQ: each host is
// its own compute service and hypervisor, with its own topic queue, takes
// servers and live migrations as a host of its own process would, and a
// crash point fired on one of them kills the process, so all three.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import amqp from 'amqplib';
import { DistributedCloud } from './support/distributed-cloud.js';
import { MAIN_JS } from './support/magnetar-process.js';

const HOSTS = ['mh-a', 'mh-b', 'mh-c'];
const ROLE = `compute:${HOSTS.join(',')}`;
const HOST = 'OS-EXT-SRV-ATTR:host';

describe('one compute process running several hosts', () => {
  const d = new DistributedCloud();

  before(async () => {
    await d.start(['api', 'scheduler', 'conductor', ROLE], [
      'DEFAULT.report_interval=0.5',
      'DEFAULT.service_down_time=3',
      'fake.spawn_delay=0.05',
      'fake.power_delay=0.05',
      'fake.live_migration_delay=0.1',
    ]);
  });
  after(async () => {
    await d.stop();
  });

  const computeServices = async (): Promise<Array<{ host: string; state: string; status: string }>> => {
    const r = await d.api('GET', '/os-services?binary=nova-compute');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return (r.body.services as any[]).map((s) => ({ host: s.host, state: s.state, status: s.status })).sort((a, b) => a.host.localeCompare(b.host));
  };

  it('lists each host as a compute service that is up, and as a hypervisor', async () => {
    assert.deepEqual(await computeServices(), HOSTS.map((host) => ({ host, state: 'up', status: 'enabled' })));
    const hv = await d.api('GET', '/os-hypervisors/detail', undefined, '2.53');
    assert.equal(hv.status, 200);
    assert.deepEqual((hv.body.hypervisors as any[]).map((h) => [h.hypervisor_hostname, h.state, h.status]).sort(), HOSTS.map((h) => [h, 'up', 'enabled']));
  });

  it('serves each host on a RabbitMQ topic queue of its own, consumed', async () => {
    const conn = await amqp.connect('amqp://guest:guest@127.0.0.1:5672/');
    try {
      const ch = await conn.createChannel();
      for (const h of HOSTS) {
        const q = await ch.checkQueue(`${d.dbName}.compute.${h}`);
        assert.equal(q.consumerCount, 1, `compute.${h} has its consumer`);
      }
    } finally {
      await conn.close();
    }
  });

  it('places a server on each host, and live-migrates one between two of them', async () => {
    const image = await d.imageId('cirros');
    const ids: string[] = [];
    for (const host of HOSTS) {
      const r = await d.api('POST', '/servers', { server: { name: `on-${host}`, flavorRef: '1', imageRef: image, networks: 'none', host } }, '2.74');
      assert.equal(r.status, 202, JSON.stringify(r.body));
      ids.push(r.body.server.id);
    }
    for (const [i, id] of ids.entries()) {
      const s = (await d.waitFor(`/servers/${id}`, (x) => x.body?.server?.status === 'ACTIVE')).body.server;
      assert.equal(s[HOST], HOSTS[i]);
    }
    const mig = await d.api('POST', `/servers/${ids[0]}/action`, { 'os-migrateLive': { host: 'mh-b', block_migration: 'auto' } }, '2.30');
    assert.equal(mig.status, 202, JSON.stringify(mig.body));
    const moved = await d.waitFor(`/servers/${ids[0]}`, (x) => x.body?.server?.status === 'ACTIVE' && x.body.server[HOST] !== 'mh-a');
    assert.equal(moved.body.server[HOST], 'mh-b');
    const migrations = await d.api('GET', `/os-migrations?instance_uuid=${ids[0]}`, undefined, '2.59');
    assert.deepEqual((migrations.body.migrations as any[]).map((m) => [m.migration_type, m.source_compute, m.dest_compute, m.status]), [['live-migration', 'mh-a', 'mh-b', 'completed']]);
    for (const id of ids) assert.equal((await d.api('DELETE', `/servers/${id}`)).status, 204);
    for (const id of ids) await d.waitFor(`/servers/${id}`, (x) => x.status === 404);
  });

  it('dies whole at a crash point fired on one host; started again, all its hosts are up and the work settles', async () => {
    const image = await d.imageId('cirros');
    const r = await d.api('POST', '/servers', { server: { name: 'crash-c', flavorRef: '1', imageRef: image, networks: 'none', host: 'mh-c' } }, '2.74');
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const id = r.body.server.id as string;
    await d.waitFor(`/servers/${id}`, (x) => x.body?.server?.status === 'ACTIVE');
    const armed = await d.api('POST', '/magnetar/faults', { fault: { step: 'crash:compute.power.after_driver', host: 'mh-c', count: 1 } });
    assert.equal(armed.status, 201, JSON.stringify(armed.body));
    assert.equal((await d.api('POST', `/servers/${id}/action`, { 'os-stop': null })).status, 202);
    assert.equal(await d.exited(ROLE), 'SIGKILL');
    // No host of the process heartbeats any more.
    const down = await d.waitFor('/os-services?binary=nova-compute', (x) => (x.body?.services as any[] | undefined)?.every((s) => s.state === 'down') === true, 15_000);
    assert.deepEqual((down.body.services as any[]).map((s) => s.host).sort(), HOSTS);
    await d.startRole(ROLE);
    await d.waitFor('/os-services?binary=nova-compute', (x) => (x.body?.services as any[] | undefined)?.every((s) => s.state === 'up') === true, 15_000);
    assert.deepEqual(await computeServices(), HOSTS.map((host) => ({ host, state: 'up', status: 'enabled' })));
    // The stop the crash cut short is finished by the host's start-up recovery: the guest is off, so is the server.
    const settled = await d.waitFor(`/servers/${id}`, (x) => x.body?.server?.['OS-EXT-STS:task_state'] === null && x.body.server.status === 'SHUTOFF');
    assert.equal(settled.body.server[HOST], 'mh-c');
  });

  it('refuses a host named twice, or none, before it touches the database or the bus', () => {
    const run = (args: string[]) => spawnSync(process.execPath, [MAIN_JS, 'compute', ...args, '--set', 'database.connection=postgresql://nobody@127.0.0.1:1/none'], { encoding: 'utf8', timeout: 20_000 });
    const twice = run(['--host', 'x1', '--host', 'x2', '--host', 'x1']);
    assert.equal(twice.status, 1);
    assert.match(twice.stderr, /--host x1 is given twice/);
    const none = run([]);
    assert.equal(none.status, 1);
    assert.match(none.stderr, /required option '--host <name>' not specified/);
    const empty = run(['--host', '']);
    assert.equal(empty.status, 1);
    assert.match(empty.stderr, /may not be empty/);
  });
});

describe('one compute process running more hosts than one RabbitMQ connection has channels for', () => {
  // Two topics a host, one channel a topic: 1,100 hosts are 2,200 channels, past RabbitMQ's 2,047 per connection.
  const BULK = Array.from({ length: 1100 }, (_, i) => `bulk${i + 1}`);
  const d = new DistributedCloud();
  d.startTimeoutMs = 120_000;

  before(async () => {
    await d.start(['api', `compute:${BULK.join(',')}`]);
  });
  after(async () => {
    await d.stop();
  });

  it('serves every host\'s topics and keeps every host up', async () => {
    const r = await d.api('GET', '/os-services?binary=nova-compute');
    assert.equal(r.status, 200);
    const up = (r.body.services as any[]).filter((s) => s.state === 'up').map((s) => s.host);
    assert.equal(up.length, BULK.length);
    const conn = await amqp.connect('amqp://guest:guest@127.0.0.1:5672/');
    try {
      const ch = await conn.createChannel();
      for (const h of ['bulk1', 'bulk500', 'bulk501', 'bulk1100']) {
        for (const topic of ['compute', 'hostctl']) assert.equal((await ch.checkQueue(`${d.dbName}.${topic}.${h}`)).consumerCount, 1, `${topic}.${h} has its consumer`);
      }
    } finally {
      await conn.close();
    }
  });
});
