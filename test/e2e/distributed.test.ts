// Magnetar as separate processes — api, scheduler, conductor and two compute
// agents — sharing a fresh PostgreSQL database and RabbitMQ, as it runs
// across machines. A server is built, live-migrated and deleted through them.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DistributedCloud } from './support/distributed-cloud.js';

describe('distributed deployment on PostgreSQL and RabbitMQ', () => {
  const d = new DistributedCloud();

  before(async () => {
    await d.start(['api', 'scheduler', 'conductor', 'compute:node-a', 'compute:node-b'], [
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
});
