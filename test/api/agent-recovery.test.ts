// Start-up recovery of a compute agent: servers it left in a transitional
// task when it stopped are settled, and power_state follows the hypervisor.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud } from '../support/cloud.js';
import { allocationHosts, insertMigration, setInstanceColumns } from '../support/db.js';
import { sleep } from '../support/wait.js';
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
const show = async (id: string) => (await c.req('admin', 'GET', `/servers/${id}`, { version: '2.84' })).body?.server;
const migrationStatus = async (uuid: string) => (await db().selectFrom('migrations').select('status').where('uuid', '=', uuid).executeTakeFirstOrThrow()).status;
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

    await setInstanceColumns(c, building.id, { vm_state: 'building', task_state: 'spawning' });
    await setInstanceColumns(c, rebuilding.id, { task_state: 'rebuild_spawning' });
    await setInstanceColumns(c, resizePrep.id, { task_state: 'resize_prep' });
    // Cold migration away from here, interrupted while the disk was copied: the
    // migration holds this host, the server a claim on the destination.
    await setInstanceColumns(c, resizeMigrating.id, { task_state: 'resize_migrating' });
    const coldSource = await insertMigration(c, { instanceUuid: resizeMigrating.id, status: 'migrating', sourceCompute: H, sourceNode: H, destCompute: 'compute3', destNode: 'compute3' });
    await db().updateTable('allocations').set({ consumer_uuid: coldSource }).where('consumer_uuid', '=', resizeMigrating.id).execute();
    await db().insertInto('allocations').values({ consumer_uuid: resizeMigrating.id, node_uuid: await nodeUuid('compute3'), vcpus: 1, memory_mb: 512, disk_gb: 1, created_at: dbTime(new Date()) }).execute();
    await setInstanceColumns(c, resizeFinish.id, { task_state: 'resize_finish' });
    const coldDest = await insertMigration(c, { instanceUuid: resizeFinish.id, status: 'post-migrating', sourceCompute: 'compute3', destCompute: H });
    await setInstanceColumns(c, poweringOff.id, { task_state: 'powering-off' });
    await setInstanceColumns(c, poweringOn.id, { vm_state: 'stopped', power_state: 4, task_state: 'powering-on' });
    await setInstanceColumns(c, rebootRunning.id, { task_state: 'reboot_started_hard' });
    await setInstanceColumns(c, rebootPending.id, { task_state: 'reboot_pending', power_state: 4 });
    await setInstanceColumns(c, deleting.id, { task_state: 'deleting' });
    await setInstanceColumns(c, migrating.id, { task_state: 'migrating' });
    const live = await insertMigration(c, { instanceUuid: migrating.id, migrationType: 'live-migration', status: 'running', sourceCompute: H, destCompute: 'compute2' });
    // Being evacuated away from this host: not this agent's to settle.
    await setInstanceColumns(c, evacuating.id, { task_state: 'rebuilding' });
    await insertMigration(c, { instanceUuid: evacuating.id, migrationType: 'evacuation', status: 'accepted', sourceCompute: H, sourceNode: H, oldInstanceTypeId: null, newInstanceTypeId: null });
    await setInstanceColumns(c, other.id, { task_state: 'spawning', vm_state: 'building' });
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
    assert.deepEqual(await allocationHosts(c, resizeMigrating.id), [H], 'the server holds its own host again');
    assert.deepEqual(await allocationHosts(c, coldSource), []);
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
    assert.deepEqual(await allocationHosts(c, deleting.id), []);
    assert.deepEqual(await st(migrating), { status: 'ACTIVE', task: null, power: 1 });
    assert.equal(await migrationStatus(live), 'error');
    assert.deepEqual(await st(evacuating), { status: 'REBUILD', task: 'rebuilding', power: 1 });
    assert.deepEqual(await st(vanished), { status: 'ACTIVE', task: null, power: 0 });
    assert.deepEqual(await st(poweredOff), { status: 'ACTIVE', task: null, power: 4 });
    assert.deepEqual(await st(stable), { status: 'ACTIVE', task: null, power: 1 });
    assert.deepEqual(await st(other), { status: 'BUILD', task: 'spawning', power: 1 }, 'another host\'s server is not touched');
    await setInstanceColumns(c, other.id, { task_state: null, vm_state: 'active' });
    await setInstanceColumns(c, evacuating.id, { task_state: null });
    await db().updateTable('migrations').set({ status: 'error' }).where('instance_uuid', '=', evacuating.id).execute();
  });

  it('an evacuation this host was rebuilding when it stopped fails: server ERROR on its old host, claims put back', async () => {
    const [s] = await bootOn('compute2', 1);
    await c.aio.stopHost(H);
    const mig = await insertMigration(c, {
      instanceUuid: s.id,
      migrationType: 'evacuation',
      status: 'pre-migrating',
      sourceCompute: 'compute2',
      sourceNode: 'compute2',
      destCompute: H,
      destNode: H,
      oldInstanceTypeId: null,
      newInstanceTypeId: null,
    });
    await setInstanceColumns(c, s.id, { task_state: 'rebuild_spawning' });
    await db().updateTable('allocations').set({ consumer_uuid: mig }).where('consumer_uuid', '=', s.id).execute();
    await db().insertInto('allocations').values({ consumer_uuid: s.id, node_uuid: await nodeUuid(H), vcpus: 1, memory_mb: 512, disk_gb: 1, created_at: dbTime(new Date()) }).execute();

    await c.aio.startHost(H);
    const x = await show(s.id);
    assert.equal(x.status, 'ERROR');
    assert.equal(x[HOST], 'compute2');
    assert.match(x.fault.message, /interrupted/);
    assert.equal(await migrationStatus(mig), 'failed');
    assert.deepEqual(await allocationHosts(c, s.id), ['compute2']);
    assert.deepEqual(await allocationHosts(c, mig), []);
  });
});
