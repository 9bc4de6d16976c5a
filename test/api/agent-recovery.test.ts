// Start-up recovery of a compute agent: servers it left in a transitional
// task when it stopped are settled, and power_state follows the hypervisor.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startCloud, type Cloud } from '../support/cloud.js';
import { dbTime } from '../../src/db/time.js';

let c: Cloud;
const H = 'compute1';

before(async () => {
  c = await startCloud();
});
after(async () => {
  await c.stop();
});

const HOST = 'OS-EXT-SRV-ATTR:host';
const db = () => c.aio.base.db.kysely;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const driverOf = (host: string) => c.aio.agents.get(host)!.ctx.driver;

async function onlyHost(host: string | null): Promise<void> {
  for (const h of ['compute1', 'compute2', 'compute3'])
    await db().updateTable('services').set({ disabled: host === null || h === host ? 0 : 1 }).where('host', '=', h).execute();
}
/** Boots `n` servers of demo on host `host`. */
async function bootOn(host: string, n: number): Promise<any[]> {
  await onlyHost(host);
  try {
    const out = [];
    for (let i = 0; i < n; i++) {
      const s = await c.bootServer('demo');
      assert.equal(s[HOST], host);
      out.push(s);
    }
    return out;
  } finally {
    await onlyHost(null);
  }
}
const setState = (id: string, values: Record<string, unknown>) => db().updateTable('instances').set(values).where('uuid', '=', id).execute();
const show = async (id: string) => (await c.req('admin', 'GET', `/servers/${id}`, { version: '2.84' })).body?.server;
async function insertMigration(values: Record<string, unknown>): Promise<string> {
  const uuid = randomUUID();
  const t = dbTime(new Date());
  await db()
    .insertInto('migrations')
    .values({
      uuid,
      instance_uuid: '',
      migration_type: 'migration',
      status: 'migrating',
      source_compute: null,
      source_node: null,
      dest_compute: null,
      dest_node: null,
      dest_host: null,
      old_instance_type_id: 1,
      new_instance_type_id: 1,
      user_id: null,
      project_id: null,
      hidden: 0,
      memory_total: null,
      memory_processed: null,
      memory_remaining: null,
      disk_total: null,
      disk_processed: null,
      disk_remaining: null,
      created_at: t,
      updated_at: t,
      deleted: 0,
      ...values,
    } as never)
    .execute();
  return uuid;
}
const migrationStatus = async (uuid: string) => (await db().selectFrom('migrations').select('status').where('uuid', '=', uuid).executeTakeFirstOrThrow()).status;
const allocationHosts = async (consumer: string) =>
  (
    await db()
      .selectFrom('allocations')
      .innerJoin('compute_nodes', 'compute_nodes.uuid', 'allocations.node_uuid')
      .select('compute_nodes.host')
      .where('consumer_uuid', '=', consumer)
      .execute()
  ).map((r) => r.host);
const nodeUuid = async (host: string) => (await db().selectFrom('compute_nodes').select('uuid').where('host', '=', host).executeTakeFirstOrThrow()).uuid;

describe('agent start-up recovery', () => {
  it('a build interrupted by the agent stopping ends in ERROR, and stays there', async () => {
    // Make this host slow to spawn (delays are read when its driver is made).
    const conf = c.aio.base.conf;
    conf.set('fake', 'spawn_delay', '1');
    await c.aio.stopHost(H);
    await c.aio.startHost(H);
    conf.set('fake', 'spawn_delay', '0.02');
    await onlyHost(H);
    let id: string;
    try {
      const images = await fetch(`${c.imageUrl}/v2/images?name=cirros`, { headers: { 'X-Auth-Token': await c.token('demo') } });
      const imageRef = ((await images.json()) as { images: Array<{ id: string }> }).images[0]!.id;
      const r = await c.req('demo', 'POST', '/servers', {
        version: '2.37',
        body: { server: { name: 'slow', flavorRef: '1', imageRef, networks: 'none' } },
      });
      assert.equal(r.status, 202, r.text);
      id = r.body.server.id;
      await c.waitServer(id, (s) => s['OS-EXT-STS:task_state'] === 'spawning');
    } finally {
      await onlyHost(null);
    }
    await c.aio.stopHost(H);
    await c.aio.startHost(H);
    const s = await show(id);
    assert.equal(s.status, 'ERROR');
    assert.equal(s['OS-EXT-STS:task_state'], null);
    assert.equal(s['OS-EXT-STS:power_state'], 0);
    // The spawn the stopped agent had under way finishing later changes nothing.
    await sleep(1200);
    const later = await show(id);
    assert.equal(later.status, 'ERROR');
    assert.equal(driverOf(H).getGuest(id), undefined);
  });

  it('settles each interrupted task the way Nova does, and reconciles power_state', async () => {
    const [
      building, rebuilding, resizePrep, resizeMigrating, resizeFinish, poweringOff, poweringOn, rebootRunning, rebootPending,
      deleting, migrating, evacuating, vanished, poweredOff, stable,
    ] = await bootOn(H, 15);
    const other = (await bootOn('compute2', 1))[0];
    const drv = driverOf(H);
    await drv.powerOff(poweringOn.id);
    await drv.powerOff(rebootPending.id);
    await c.aio.stopHost(H);

    await setState(building.id, { vm_state: 'building', task_state: 'spawning' });
    await setState(rebuilding.id, { task_state: 'rebuild_spawning' });
    await setState(resizePrep.id, { task_state: 'resize_prep' });
    // Cold migration away from here, interrupted while the disk was copied: the
    // migration holds this host, the server a claim on the destination.
    await setState(resizeMigrating.id, { task_state: 'resize_migrating' });
    const coldSource = await insertMigration({ instance_uuid: resizeMigrating.id, status: 'migrating', source_compute: H, source_node: H, dest_compute: 'compute3', dest_node: 'compute3' });
    await db().updateTable('allocations').set({ consumer_uuid: coldSource }).where('consumer_uuid', '=', resizeMigrating.id).execute();
    await db().insertInto('allocations').values({ consumer_uuid: resizeMigrating.id, node_uuid: await nodeUuid('compute3'), vcpus: 1, memory_mb: 512, disk_gb: 1, created_at: dbTime(new Date()) }).execute();
    await setState(resizeFinish.id, { task_state: 'resize_finish' });
    const coldDest = await insertMigration({ instance_uuid: resizeFinish.id, status: 'post-migrating', source_compute: 'compute3', dest_compute: H });
    await setState(poweringOff.id, { task_state: 'powering-off' });
    await setState(poweringOn.id, { vm_state: 'stopped', power_state: 4, task_state: 'powering-on' });
    await setState(rebootRunning.id, { task_state: 'reboot_started_hard' });
    await setState(rebootPending.id, { task_state: 'reboot_pending', power_state: 4 });
    await setState(deleting.id, { task_state: 'deleting' });
    await setState(migrating.id, { task_state: 'migrating' });
    const live = await insertMigration({ instance_uuid: migrating.id, migration_type: 'live-migration', status: 'running', source_compute: H, dest_compute: 'compute2' });
    // Being evacuated away from this host: not this agent's to settle.
    await setState(evacuating.id, { task_state: 'rebuilding' });
    await insertMigration({ instance_uuid: evacuating.id, migration_type: 'evacuation', status: 'accepted', source_compute: H, source_node: H, old_instance_type_id: null, new_instance_type_id: null });
    await setState(other.id, { task_state: 'spawning', vm_state: 'building' });
    // The hypervisor changed behind the database's back.
    const stateFile = `${c.stateDir}/fake-${H}.json`;
    const { readFileSync, writeFileSync } = await import('node:fs');
    const table = JSON.parse(readFileSync(stateFile, 'utf8'));
    table.guests = table.guests.filter((g: any) => g.spec.uuid !== vanished.id);
    for (const g of table.guests) if (g.spec.uuid === poweredOff.id) g.powerState = 4;
    writeFileSync(stateFile, JSON.stringify(table));

    await c.aio.startHost(H);
    const st = async (s: any) => {
      const x = await show(s.id);
      return x && { status: x.status, task: x['OS-EXT-STS:task_state'], power: x['OS-EXT-STS:power_state'] };
    };
    const drv2 = driverOf(H);
    assert.deepEqual(await st(building), { status: 'ERROR', task: null, power: 1 });
    assert.deepEqual(await st(rebuilding), { status: 'ERROR', task: null, power: 1 });
    assert.deepEqual(await st(resizePrep), { status: 'ACTIVE', task: null, power: 1 });
    assert.deepEqual(await st(resizeMigrating), { status: 'ACTIVE', task: null, power: 1 });
    assert.equal(await migrationStatus(coldSource), 'error');
    assert.deepEqual(await allocationHosts(resizeMigrating.id), [H], 'the server holds its own host again');
    assert.deepEqual(await allocationHosts(coldSource), []);
    assert.deepEqual(await st(resizeFinish), { status: 'ERROR', task: null, power: 1 });
    assert.equal(await migrationStatus(coldDest), 'error');
    assert.deepEqual(await st(poweringOff), { status: 'SHUTOFF', task: null, power: 4 });
    assert.equal(drv2.getGuest(poweringOff.id)?.powerState, 4);
    assert.deepEqual(await st(poweringOn), { status: 'ACTIVE', task: null, power: 1 });
    assert.equal(drv2.getGuest(poweringOn.id)?.powerState, 1);
    assert.deepEqual(await st(rebootRunning), { status: 'ACTIVE', task: null, power: 1 });
    assert.deepEqual(await st(rebootPending), { status: 'ACTIVE', task: null, power: 1 });
    assert.equal(drv2.getGuest(rebootPending.id)?.powerState, 1, 'rebooted');
    assert.equal(await show(deleting.id), undefined, 'the deletion was completed');
    assert.equal(drv2.getGuest(deleting.id), undefined);
    assert.deepEqual(await allocationHosts(deleting.id), []);
    assert.deepEqual(await st(migrating), { status: 'ACTIVE', task: null, power: 1 });
    assert.equal(await migrationStatus(live), 'error');
    assert.deepEqual(await st(evacuating), { status: 'REBUILD', task: 'rebuilding', power: 1 });
    assert.deepEqual(await st(vanished), { status: 'ACTIVE', task: null, power: 0 });
    assert.deepEqual(await st(poweredOff), { status: 'ACTIVE', task: null, power: 4 });
    assert.deepEqual(await st(stable), { status: 'ACTIVE', task: null, power: 1 });
    assert.deepEqual(await st(other), { status: 'BUILD', task: 'spawning', power: 1 }, 'another host\'s server is not touched');
    await setState(other.id, { task_state: null, vm_state: 'active' });
    await setState(evacuating.id, { task_state: null });
    await db().updateTable('migrations').set({ status: 'error' }).where('instance_uuid', '=', evacuating.id).execute();
  });

  it('an evacuation this host was rebuilding when it stopped fails: server ERROR on its old host, claims put back', async () => {
    const [s] = await bootOn('compute2', 1);
    await c.aio.stopHost(H);
    const mig = await insertMigration({
      instance_uuid: s.id,
      migration_type: 'evacuation',
      status: 'pre-migrating',
      source_compute: 'compute2',
      source_node: 'compute2',
      dest_compute: H,
      dest_node: H,
      old_instance_type_id: null,
      new_instance_type_id: null,
    });
    await setState(s.id, { task_state: 'rebuild_spawning' });
    await db().updateTable('allocations').set({ consumer_uuid: mig }).where('consumer_uuid', '=', s.id).execute();
    await db().insertInto('allocations').values({ consumer_uuid: s.id, node_uuid: await nodeUuid(H), vcpus: 1, memory_mb: 512, disk_gb: 1, created_at: dbTime(new Date()) }).execute();

    await c.aio.startHost(H);
    const x = await show(s.id);
    assert.equal(x.status, 'ERROR');
    assert.equal(x[HOST], 'compute2');
    assert.match(x.fault.message, /interrupted/);
    assert.equal(await migrationStatus(mig), 'failed');
    assert.deepEqual(await allocationHosts(s.id), ['compute2']);
    assert.deepEqual(await allocationHosts(mig), []);
  });
});
