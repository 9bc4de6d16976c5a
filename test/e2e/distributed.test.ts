// Magnetar as separate processes — api, scheduler, conductor and two compute
// agents — sharing a fresh PostgreSQL database and RabbitMQ, as it runs
// across machines. A server is built, live-migrated and deleted through them.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DistributedCloud } from './support/distributed-cloud.js';

describe('distributed deployment on PostgreSQL and RabbitMQ', () => {
  const d = new DistributedCloud();

  before(async () => {
    // The network API runs as its own role; the compute side finds it in the catalog.
    await d.start(['api', 'network', 'scheduler', 'conductor', 'compute:node-a', 'compute:node-b'], [
      'magnetar.api_serves_network=false',
      'DEFAULT.report_interval=1',
      'fake.spawn_delay=0.05',
      'fake.live_migration_delay=0.1',
    ]);
  });
  after(async () => {
    await d.stop();
  });

  it('builds, live-migrates and deletes a server across processes', async () => {
    const server = await d.boot('d1');
    const src = server['OS-EXT-SRV-ATTR:host'];
    assert.ok(['node-a', 'node-b'].includes(src));
    const mig = await d.api('POST', `/servers/${server.id}/action`, { 'os-migrateLive': { host: null, block_migration: 'auto' } });
    assert.equal(mig.status, 202, JSON.stringify(mig.body));
    const moved = await d.waitFor(`/servers/${server.id}`, (b) => b.body?.server?.status === 'ACTIVE' && b.body.server['OS-EXT-SRV-ATTR:host'] !== src);
    assert.notEqual(moved.body.server['OS-EXT-SRV-ATTR:host'], src);
    const del = await d.api('DELETE', `/servers/${server.id}`);
    assert.equal(del.status, 204);
    await d.waitFor(`/servers/${server.id}`, (b) => b.status === 404);
  });

  it('lists both compute agents as services', async () => {
    const services = await d.api('GET', '/os-services');
    assert.equal(services.status, 200);
    const hosts = services.body.services.filter((s: any) => s.binary === 'nova-compute').map((s: any) => s.host).sort();
    assert.deepEqual(hosts, ['node-a', 'node-b']);
  });

  it('gives a server a port from the network role, and moves its binding with a live migration', async () => {
    const token = await d.adminToken();
    const net = async (method: string, path: string, body?: unknown) => {
      const r = await fetch(`${d.networkUrl}/v2.0${path}`, { method, headers: { 'X-Auth-Token': token, 'Content-Type': 'application/json' }, ...(body !== undefined && { body: JSON.stringify(body) }) });
      return { status: r.status, body: (await r.json().catch(() => undefined)) as any };
    };
    const made = await net('POST', '/networks', { network: { name: 'd-net', shared: true } });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.equal((await net('POST', '/subnets', { subnet: { network_id: made.body.network.id, ip_version: 4, cidr: '10.77.0.0/24' } })).status, 201);
    const server = await d.boot('d-net-vm', [{ uuid: made.body.network.id }]);
    assert.match(JSON.stringify(server.addresses), /10\.77\.0\./);
    const src = server['OS-EXT-SRV-ATTR:host'];
    const portHost = async () => (await net('GET', `/ports?device_id=${server.id}`)).body.ports[0]['binding:host_id'];
    assert.equal(await portHost(), src);
    assert.equal((await d.api('POST', `/servers/${server.id}/action`, { 'os-migrateLive': { host: null, block_migration: 'auto' } })).status, 202);
    const moved = await d.waitFor(`/servers/${server.id}`, (b) => b.body?.server?.status === 'ACTIVE' && b.body.server['OS-EXT-SRV-ATTR:host'] !== src);
    assert.equal(await portHost(), moved.body.server['OS-EXT-SRV-ATTR:host']);
    assert.equal((await d.api('DELETE', `/servers/${server.id}`)).status, 204);
    await d.waitFor(`/servers/${server.id}`, (b) => b.status === 404);
    assert.deepEqual((await net('GET', `/ports?device_id=${server.id}`)).body.ports, []);
  });
});
