// The start of many hosts at once: services registered together (once, even
// when started again), heartbeated, and only hosts with something to settle
// marked for their start-up tasks.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb, type Db } from '../../../src/db/connect.js';
import { dbTime } from '../../../src/db/time.js';
import { registerService } from '../../../src/db/services.js';
import { serviceIsUp } from '../../../src/compute/service-liveness.js';
import { prepareHostStarts } from '../../../src/agent/start-batch.js';
import { seedHost, seedInstance } from '../scheduler/seed.js';
import { Config } from '../../../src/config/config.js';
import type { HostInventory } from '../../../src/virt/driver.js';

describe('prepareHostStarts', () => {
  let db: Db;
  let tmp: string;
  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'magnetar-start-'));
    db = await openDb(`sqlite:///${tmp}/x.sqlite`, tmp);
  });
  after(async () => {
    await db.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('registers every service once, heartbeats them, and marks quiet only the hosts with nothing to settle', async () => {
    const now = new Date('2030-01-01T00:00:00Z');
    const t = dbTime(now);
    const earlier = await registerService(db.kysely, 'old', 'nova-compute', 'compute', new Date('2029-12-31T00:00:00Z'));
    await seedInstance(db, now, 'with-server');
    await db.kysely
      .insertInto('migrations')
      .values({
        uuid: randomUUID(), instance_uuid: randomUUID(), migration_type: 'evacuation', status: 'accepted',
        source_compute: 'evacuated', source_node: 'evacuated', dest_compute: 'old', dest_node: 'old', dest_host: null,
        old_instance_type_id: null, new_instance_type_id: null, user_id: null, project_id: null, hidden: 0,
        memory_total: null, memory_processed: null, memory_remaining: null, disk_total: null, disk_processed: null, disk_remaining: null,
        created_at: t, updated_at: null, deleted: 0,
      })
      .execute();
    await db.kysely
      .insertInto('jobs')
      .values({ topic: 'compute.with-job', method: 'x', args: '{}', request_id: null, instance_uuid: null, attempts: 0, sends: 1, available_at: t, lease_owner: null, lease_until: null, created_at: t })
      .execute();
    const oldNode = await seedHost(db, now, { host: 'with-node' });
    const hosts = ['old', 'with-server', 'evacuated', 'with-job', 'empty', 'with-node'];
    const inv: HostInventory = { vcpus: 4, memoryMb: 2048, localGb: 20, hypervisorType: 'fake', hypervisorVersion: 1000, hostIp: '192.0.2.9', cpuInfo: {} };
    const first = await prepareHostStarts(db.kysely, new Config(), hosts, () => inv, now);
    assert.deepEqual(
      hosts.map((h) => [h, first.get(h)?.quiet]),
      [['old', true], ['with-server', false], ['evacuated', false], ['with-job', false], ['empty', true], ['with-node', true]],
    );
    // Nodes are registered for hosts without one; an existing node is kept and brought up to date.
    assert.equal(first.get('with-node')?.nodeUuid, oldNode);
    const nodes = await db.kysely.selectFrom('compute_nodes').selectAll().where('deleted', '=', 0).where('host', 'in', hosts).execute();
    assert.deepEqual(nodes.map((n) => n.host).sort(), [...hosts].sort());
    assert.equal(nodes.find((n) => n.host === 'with-node')?.uuid, oldNode);
    const fresh = nodes.find((n) => n.host === 'empty')!;
    assert.equal(fresh.uuid, first.get('empty')?.nodeUuid);
    assert.deepEqual([fresh.vcpus, fresh.memory_mb, fresh.local_gb, fresh.host_ip, fresh.hypervisor_hostname, fresh.service_id], [4, 2048, 20, '192.0.2.9', 'empty', first.get('empty')?.service.id]);
    assert.equal(first.get('old')?.service.id, earlier.id, 'an existing service is reused');
    const updated = nodes.find((n) => n.host === 'with-node')!;
    assert.deepEqual([updated.vcpus, updated.memory_mb, updated.host_ip, updated.updated_at], [4, 2048, '192.0.2.9', t], 'the earlier node takes the inventory reported now');
    const later = new Date('2030-01-01T00:05:00Z');
    const grown = { ...inv, vcpus: 8 };
    const again = await prepareHostStarts(db.kysely, new Config(), hosts, (h) => (h === 'empty' ? grown : inv), later);
    assert.deepEqual(hosts.map((h) => again.get(h)?.nodeUuid), hosts.map((h) => first.get(h)?.nodeUuid ?? oldNode), 'no node registered twice');
    const nodesAgain = await db.kysely.selectFrom('compute_nodes').selectAll().where('deleted', '=', 0).where('host', 'in', hosts).execute();
    assert.equal(nodesAgain.length, hosts.length);
    assert.deepEqual(nodesAgain.find((n) => n.host === 'empty')?.vcpus, 8, 'a changed inventory is written');
    assert.ok(nodesAgain.every((n) => n.updated_at === dbTime(later)), 'every node is marked updated, changed or not');
    assert.deepEqual(hosts.map((h) => again.get(h)?.service.id), hosts.map((h) => first.get(h)?.service.id), 'no service registered twice');
    const rows = await db.kysely.selectFrom('services').selectAll().where('host', 'in', hosts).execute();
    assert.equal(rows.length, hosts.length);
    assert.ok(rows.filter((r) => r.host !== 'with-node').every((r) => r.report_count === 2 && serviceIsUp(r, later, 60)), 'each heartbeated once per start');
  });
});
