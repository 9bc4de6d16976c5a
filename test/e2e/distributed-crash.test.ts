// Role processes of a distributed Magnetar (PostgreSQL, RabbitMQ) killed by
// SIGKILL at a crash point in the middle of a move, then started again: the
// move ends once, cleanly — one migration record, the server where its guest
// is, exactly its own allocation, no work left queued.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { DistributedCloud } from './support/distributed-cloud.js';

const HOST = 'OS-EXT-SRV-ATTR:host';

describe('a distributed deployment whose processes are killed in the middle of moves', () => {
  const d = new DistributedCloud();

  before(async () => {
    await d.start(['api', 'scheduler', 'conductor', 'compute:node-a', 'compute:node-b'], [
      'DEFAULT.report_interval=0.5',
      'DEFAULT.periodic_interval=0.5',
      'DEFAULT.service_down_time=3',
      'fake.spawn_delay=0.05',
      'fake.migrate_delay=0.1',
      'fake.live_migration_delay=0.2',
      'magnetar.job_retry_interval=1',
      'magnetar.job_lease_time=2',
    ]);
  });
  after(async () => {
    await d.stop();
  });

  /** The server's migrations, jobs and allocations as the database has them. */
  async function records(id: string) {
    const migrations = await d.query<{ uuid: string; status: string }>('SELECT uuid, status FROM migrations WHERE instance_uuid = $1 ORDER BY id', [id]);
    const jobs = await d.query<{ id: number }>('SELECT id FROM jobs WHERE instance_uuid = $1', [id]);
    const allocations = await d.query<{ consumer_uuid: string; host: string }>(
      'SELECT a.consumer_uuid, n.host FROM allocations a JOIN compute_nodes n ON n.uuid = a.node_uuid WHERE a.consumer_uuid = $1 OR a.consumer_uuid IN (SELECT uuid FROM migrations WHERE instance_uuid = $1)',
      [id],
    );
    return { migrations, jobs, allocations };
  }

  async function settled(id: string): Promise<{ server: any; migrations: Array<{ uuid: string; status: string }>; allocations: Array<{ consumer_uuid: string; host: string }> }> {
    const end = Date.now() + 40_000;
    for (;;) {
      // The records read on both sides of the GET must agree, or the GET may show a moment the records have left.
      const before = await records(id);
      const r = await d.api('GET', `/servers/${id}`).catch(() => undefined);
      const rec = await records(id);
      const server = r?.body?.server;
      if (server && JSON.stringify(before) === JSON.stringify(rec) && server['OS-EXT-STS:task_state'] === null && rec.jobs.length === 0 && rec.migrations.every((m) => !['accepted', 'queued', 'preparing', 'running', 'post-migrating', 'pre-migrating', 'migrating', 'confirming', 'reverting'].includes(m.status)))
        return { server, migrations: rec.migrations, allocations: rec.allocations };
      if (Date.now() > end) throw new Error(`not settled: ${JSON.stringify({ server, rec })}`);
      await new Promise((res) => setTimeout(res, 200));
    }
  }

  it('the conductor killed after claiming a live migration\'s destination: restarted, it carries the same migration through once', async () => {
    const s = await d.boot('lm');
    await d.kill('conductor');
    await d.startRole('conductor', ['fake.faults=crash:conductor.live_migrate.after_claim*1']);
    const r = await d.api('POST', `/servers/${s.id}/action`, { 'os-migrateLive': { host: null, block_migration: 'auto' } });
    assert.equal(r.status, 202);
    assert.equal(await d.exited('conductor'), 'SIGKILL');
    await d.startRole('conductor');
    const { server, migrations, allocations } = await settled(s.id);
    assert.equal(migrations.length, 1, 'one migration record, not a second one for the redelivered message');
    assert.equal(migrations[0]!.status, 'completed');
    assert.notEqual(server[HOST], s[HOST]);
    assert.deepEqual(allocations.map((a) => `${a.consumer_uuid === s.id ? 'server' : 'migration'}@${a.host}`), [`server@${server[HOST]}`]);
  });

  it('the API killed right after accepting a cold migration: the conductor finds the queued work and the move completes', async () => {
    const s = await d.boot('cm');
    await d.kill('api');
    await d.startRole('api', ['fake.faults=crash:api.migrate.after_commit*1']);
    await d.api('POST', `/servers/${s.id}/action`, { migrate: null }).catch(() => undefined);
    assert.equal(await d.exited('api'), 'SIGKILL');
    await d.startRole('api');
    const { server, migrations } = await settled(s.id);
    assert.equal(server.status, 'VERIFY_RESIZE', server.status === 'VERIFY_RESIZE' ? '' : await d.explain(s.id));
    assert.equal(migrations.length, 1);
    assert.equal(migrations[0]!.status, 'finished');
    assert.equal((await d.api('POST', `/servers/${s.id}/action`, { confirmResize: null })).status, 204);
    const done = await settled(s.id);
    assert.equal(done.server.status, 'ACTIVE');
    assert.deepEqual(done.allocations.map((a) => a.host), [done.server[HOST]]);
  });

  it('the scheduler killed: moves asked for meanwhile wait for it and complete once it is back', async () => {
    const s = await d.boot('sch');
    await d.kill('scheduler');
    assert.equal((await d.api('POST', `/servers/${s.id}/action`, { migrate: null })).status, 202);
    await new Promise((res) => setTimeout(res, 1500));
    await d.startRole('scheduler');
    const { server, migrations } = await settled(s.id);
    assert.equal(server.status, 'VERIFY_RESIZE');
    assert.equal(migrations.length, 1);
    assert.equal((await d.api('POST', `/servers/${s.id}/action`, { confirmResize: null })).status, 204);
    const done = await settled(s.id);
    assert.deepEqual(done.allocations.map((a) => a.host), [done.server[HOST]]);
  });

  it('the source compute killed after sending the disk: restarted, it hands the server to the destination', async () => {
    const s = await d.boot('rs');
    const source = `compute:${s[HOST]}`;
    await d.kill(source);
    await d.startRole(source, ['fake.faults=crash:compute.resize_instance.after_driver*1']);
    assert.equal((await d.api('POST', `/servers/${s.id}/action`, { migrate: null })).status, 202);
    assert.equal(await d.exited(source), 'SIGKILL');
    await d.startRole(source);
    const { server } = await settled(s.id);
    assert.equal(server.status, 'VERIFY_RESIZE');
    assert.notEqual(server[HOST], s[HOST]);
    assert.equal((await d.api('POST', `/servers/${s.id}/action`, { revertResize: null })).status, 202);
    const back = await settled(s.id);
    assert.equal(back.server.status, 'ACTIVE');
    assert.equal(back.server[HOST], s[HOST]);
    assert.deepEqual(back.allocations.map((a) => a.host), [s[HOST]]);
  });
});
