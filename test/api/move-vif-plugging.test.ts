// Moves wait for the network service to report the server's ports plugged,
// where Nova waits for Neutron: a live migration's source before the
// transfer (for the ports bound on the destination; `[compute]
// live_migration_wait_for_vif_plug`), an evacuation's destination after its
// spawn, a resize reverted on its source, an unshelve; a cold migration's
// finish does not wait. Here the network service wires nothing, so the only
// plug events are the ones the test posts to os-server-external-events: a
// move that did not wait would finish without them. A timeout (`[DEFAULT]
// vif_plugging_timeout`, fatal with `vif_plugging_is_fatal`) fails the move
// where Nova leaves it. Last, with the network service wiring ports itself:
// the destination's L2 agent plugging a live migration's inactive binding
// sends the event the source waits for.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud } from '../support/cloud.js';
import { allocationHosts, setForcedDown } from '../support/db.js';
import { listMigrations } from '../support/migrations.js';
import { assertAuditClean } from '../support/audit.js';
import { sleep, until } from '../support/wait.js';

const HOST = 'OS-EXT-SRV-ATTR:host';
const TASK = 'OS-EXT-STS:task_state';

const fixture = (cloud: () => Cloud) => {
  const net = (method: string, path: string, body?: unknown) => cloud().req('admin', method, `${cloud().networkUrl}/v2.0${path}`, body === undefined ? {} : { body });
  const portOf = async (id: string): Promise<any> => (await net('GET', `/ports?device_id=${id}`)).body.ports[0];
  const bindingsOf = async (portId: string): Promise<Array<[string, string]>> =>
    (await net('GET', `/ports/${portId}/bindings`)).body.bindings.map((b: any) => [b.host, b.status]);
  const act = (id: string, body: unknown, version = '2.1') => cloud().req('admin', 'POST', `/servers/${id}/action`, { version, body });
  const otherHost = (host: string): string => [...cloud().aio.agents.keys()].find((h) => h !== host)!;
  const newestMigration = async (id: string): Promise<any> => (await listMigrations(cloud(), id))[0];
  /** What the network service would send once the port is plugged. */
  const plug = async (id: string, portId: string, status = 'completed') => {
    const r = await cloud().req('admin', 'POST', '/os-server-external-events', { body: { events: [{ name: 'network-vif-plugged', server_uuid: id, tag: portId, status }] } });
    assert.equal(r.status, 200, r.text);
  };
  return { net, portOf, bindingsOf, act, otherHost, newestMigration, plug };
};

describe('moves wait for plug events', () => {
  let c: Cloud;
  const { portOf, bindingsOf, act, otherHost, newestMigration, plug } = fixture(() => c);
  const conf = () => c.aio.base.conf;
  /** Sets the wait for the test's moves (builds below do not wait). */
  const waitUpTo = (seconds: number) => conf().set('DEFAULT', 'vif_plugging_timeout', seconds);

  before(async () => {
    // Nothing wires ports: a port is plugged only when the test says so.
    c = await startCloud({ overrides: ['magnetar.port_wiring_delay=-1', 'DEFAULT.vif_plugging_timeout=0', 'DEFAULT.shelved_offload_time=0'] });
  });
  after(async () => c?.stop());

  /** A server of demo's with one port on private, built without waiting for it. */
  const boot = async (): Promise<{ s: any; port: any }> => {
    waitUpTo(0);
    const netId = (await c.req('demo', 'GET', `${c.networkUrl}/v2.0/networks?name=private`)).body.networks[0].id;
    const s = await c.bootServer('demo', { networks: [{ uuid: netId }] });
    assert.equal(s.status, 'ACTIVE');
    return { s, port: await portOf(s.id) };
  };

  it('a live migration transfers the guest only once the destination\'s plug is reported', async () => {
    const { s, port } = await boot();
    const source = s[HOST];
    const dest = otherHost(source);
    waitUpTo(30);
    assert.equal((await act(s.id, { 'os-migrateLive': { host: dest, block_migration: 'auto' } }, '2.25')).status, 202);
    // The destination bound the port beside the source's binding; the source waits for its plug before the transfer.
    await until('the destination binding', () => bindingsOf(port.id), (b) => b.length === 2);
    await sleep(400);
    assert.equal((await newestMigration(s.id)).status, 'preparing');
    const waiting = (await c.req('admin', 'GET', `/servers/${s.id}`)).body.server;
    assert.deepEqual([waiting[HOST], waiting[TASK]], [source, 'migrating']);
    await plug(s.id, port.id);
    const moved = await c.waitServer(s.id, (x) => x[HOST] === dest && x[TASK] === null, 10_000);
    assert.equal(moved.status, 'ACTIVE');
    assert.equal((await newestMigration(s.id)).status, 'completed');
    await until('the source binding dropped', () => bindingsOf(port.id), (b) => b.length === 1);
    assert.deepEqual(await bindingsOf(port.id), [[dest, 'ACTIVE']]);
  });

  it('one whose plug is not reported in time fails before the transfer: ACTIVE on the source, migration failed, nothing held on the destination', async () => {
    const { s, port } = await boot();
    const source = s[HOST];
    waitUpTo(1);
    assert.equal((await act(s.id, { 'os-migrateLive': { host: otherHost(source), block_migration: 'auto' } }, '2.25')).status, 202);
    const m = await until('the migration to fail', () => newestMigration(s.id), (x) => ['failed', 'error', 'completed'].includes(x.status), 10_000);
    assert.equal(m.status, 'failed');
    const back = await c.waitServer(s.id, (x) => x[TASK] === null);
    assert.deepEqual([back.status, back[HOST], back.fault], ['ACTIVE', source, undefined]);
    assert.deepEqual(await allocationHosts(c, s.id), [source]);
    assert.deepEqual(await allocationHosts(c, m.uuid), []);
    await until('the destination binding dropped', () => bindingsOf(port.id), (b) => b.length === 1);
    assert.deepEqual(await bindingsOf(port.id), [[source, 'ACTIVE']]);
    await assertAuditClean(c);
  });

  it('without vif_plugging_is_fatal it transfers after the timeout; with live_migration_wait_for_vif_plug off it does not wait', async () => {
    const { s } = await boot();
    waitUpTo(1);
    conf().set('DEFAULT', 'vif_plugging_is_fatal', false);
    try {
      const dest = otherHost(s[HOST]);
      assert.equal((await act(s.id, { 'os-migrateLive': { host: dest, block_migration: 'auto' } }, '2.25')).status, 202);
      assert.equal((await c.waitServer(s.id, (x) => x[HOST] === dest && x[TASK] === null, 10_000)).status, 'ACTIVE');
    } finally {
      conf().set('DEFAULT', 'vif_plugging_is_fatal', true);
    }
    waitUpTo(30);
    conf().set('compute', 'live_migration_wait_for_vif_plug', false);
    try {
      const dest = otherHost((await c.req('admin', 'GET', `/servers/${s.id}`)).body.server[HOST]);
      assert.equal((await act(s.id, { 'os-migrateLive': { host: dest, block_migration: 'auto' } }, '2.25')).status, 202);
      assert.equal((await c.waitServer(s.id, (x) => x[HOST] === dest && x[TASK] === null, 5_000)).status, 'ACTIVE');
    } finally {
      conf().set('compute', 'live_migration_wait_for_vif_plug', true);
    }
  });

  it('an evacuation\'s destination waits after its spawn for the port bound there, though the server is still recorded on the failed host', async () => {
    const { s, port } = await boot();
    const failed = s[HOST];
    await setForcedDown(c, failed, true);
    try {
      waitUpTo(30);
      assert.equal((await act(s.id, { evacuate: {} }, '2.29')).status, 200);
      const spawning = await c.waitServer(s.id, (x) => x[TASK] === 'rebuild_spawning');
      await sleep(400);
      const waiting = (await c.req('admin', 'GET', `/servers/${s.id}`)).body.server;
      assert.deepEqual([waiting[HOST], waiting[TASK]], [failed, 'rebuild_spawning'], `${spawning.status}`);
      const dest = (await portOf(s.id))['binding:host_id'];
      assert.notEqual(dest, failed);
      await plug(s.id, port.id);
      const moved = await c.waitServer(s.id, (x) => x[TASK] === null, 10_000);
      assert.deepEqual([moved.status, moved[HOST]], ['ACTIVE', dest]);
      assert.equal((await newestMigration(s.id)).status, 'done');
    } finally {
      // The failed host comes back and drops its copy.
      await setForcedDown(c, failed, false);
      await c.aio.stopHost(failed);
      await c.aio.startHost(failed);
    }
  });

  it('an evacuation\'s destination stopped while it waits: its next life runs the rebuild again, finds the guest and waits anew', async () => {
    const { s, port } = await boot();
    const failed = s[HOST];
    await setForcedDown(c, failed, true);
    try {
      waitUpTo(30);
      assert.equal((await act(s.id, { evacuate: {} }, '2.29')).status, 200);
      await c.waitServer(s.id, (x) => x[TASK] === 'rebuild_spawning');
      const dest = (await portOf(s.id))['binding:host_id'];
      await c.aio.stopHost(dest);
      await c.aio.startHost(dest);
      // The rerun waits for the port, still DOWN; an event before it expects it would be lost with the old life.
      await until('the rerun to wait', async () => c.aio.agents.get(dest)?.ctx.driver.getGuest(s.id), (g) => g !== undefined);
      await sleep(300);
      assert.equal((await c.req('admin', 'GET', `/servers/${s.id}`)).body.server[TASK], 'rebuild_spawning');
      const moved = await until(
        'the evacuation to complete once plugged',
        async () => {
          await plug(s.id, port.id);
          return (await c.req('admin', 'GET', `/servers/${s.id}`)).body.server;
        },
        (x) => x[TASK] === null,
        15_000,
      );
      assert.deepEqual([moved.status, moved[HOST]], ['ACTIVE', dest]);
      assert.equal((await newestMigration(s.id)).status, 'done');
    } finally {
      await setForcedDown(c, failed, false);
      await c.aio.stopHost(failed);
      await c.aio.startHost(failed);
    }
    await assertAuditClean(c);
  });

  it('an evacuation whose plug is not reported in time fails: ERROR on the failed host, migration failed, the destination claim dropped', async () => {
    const { s } = await boot();
    const failed = s[HOST];
    await setForcedDown(c, failed, true);
    try {
      waitUpTo(1);
      assert.equal((await act(s.id, { evacuate: {} }, '2.29')).status, 200);
      const errored = await c.waitServer(s.id, (x) => x.status === 'ERROR', 10_000);
      assert.deepEqual([errored[HOST], errored[TASK]], [failed, null]);
      assert.equal(errored.fault.message, 'Virtual Interface creation failed');
      const m = await newestMigration(s.id);
      assert.equal(m.status, 'failed');
      assert.deepEqual(await allocationHosts(c, s.id), [failed]);
      assert.deepEqual(await allocationHosts(c, m.uuid), []);
    } finally {
      await setForcedDown(c, failed, false);
    }
    await assertAuditClean(c);
  });

  it('a cold migration finishes without waiting; its revert waits on the source for the port bound back there', async () => {
    const { s, port } = await boot();
    const source = s[HOST];
    waitUpTo(30);
    assert.equal((await act(s.id, { migrate: null })).status, 202);
    // Nothing plugs the port on the destination, and the move is not held up for it, as in Nova.
    const moved = await c.waitServer(s.id, (x) => x.status === 'VERIFY_RESIZE', 10_000);
    assert.equal((await portOf(s.id)).status, 'DOWN');
    assert.equal((await act(s.id, { revertResize: null })).status, 202);
    await c.waitServer(s.id, (x) => x[HOST] === source && x[TASK] === 'resize_reverting');
    await sleep(400);
    assert.equal((await c.req('admin', 'GET', `/servers/${s.id}`)).body.server.status, 'REVERT_RESIZE', `moved to ${moved[HOST]}`);
    await plug(s.id, port.id);
    const back = await c.waitServer(s.id, (x) => x[TASK] === null, 10_000);
    assert.deepEqual([back.status, back[HOST]], ['ACTIVE', source]);
    assert.equal((await newestMigration(s.id)).status, 'reverted');
  });

  it('a revert whose plug is not reported in time leaves the server in ERROR on the source and the migration in error', async () => {
    const { s } = await boot();
    const source = s[HOST];
    assert.equal((await act(s.id, { migrate: null })).status, 202);
    await c.waitServer(s.id, (x) => x.status === 'VERIFY_RESIZE', 10_000);
    waitUpTo(1);
    assert.equal((await act(s.id, { revertResize: null })).status, 202);
    const errored = await c.waitServer(s.id, (x) => x.status === 'ERROR', 10_000);
    assert.deepEqual([errored[HOST], errored[TASK]], [source, null]);
    assert.equal(errored.fault.message, 'Virtual Interface creation failed');
    const m = await newestMigration(s.id);
    assert.equal(m.status, 'error');
    assert.deepEqual(await allocationHosts(c, s.id), [source]);
    assert.deepEqual(await allocationHosts(c, m.uuid), []);
    await assertAuditClean(c);
  });

  it('an unshelve waits for the port bound on its new host', async () => {
    const { s, port } = await boot();
    assert.equal((await act(s.id, { shelve: null })).status, 202);
    await c.waitServer(s.id, (x) => x.status === 'SHELVED_OFFLOADED', 10_000);
    waitUpTo(30);
    assert.equal((await act(s.id, { unshelve: null })).status, 202);
    await c.waitServer(s.id, (x) => x[TASK] === 'spawning');
    await sleep(400);
    assert.equal((await c.req('admin', 'GET', `/servers/${s.id}`)).body.server.status, 'SHELVED_OFFLOADED');
    await plug(s.id, port.id);
    assert.equal((await c.waitServer(s.id, (x) => x[TASK] === null, 10_000)).status, 'ACTIVE');
  });
});

describe('moves wait for plug events: the network service\'s own', () => {
  let c: Cloud;
  const { portOf, bindingsOf, act, otherHost, newestMigration } = fixture(() => c);
  before(async () => {
    // Wiring takes long enough for a transfer that did not wait to be over before it.
    c = await startCloud({ overrides: ['magnetar.port_wiring_delay=0.6', 'DEFAULT.vif_plugging_timeout=10'] });
  });
  after(async () => c?.stop());

  it('the destination\'s L2 agent plugging the inactive binding sends the event a live migration waits for', async () => {
    const netId = (await c.req('demo', 'GET', `${c.networkUrl}/v2.0/networks?name=private`)).body.networks[0].id;
    const s = await c.bootServer('demo', { networks: [{ uuid: netId }] });
    assert.equal(s.status, 'ACTIVE');
    const port = await portOf(s.id);
    const dest = otherHost(s[HOST]);
    assert.equal((await act(s.id, { 'os-migrateLive': { host: dest, block_migration: 'auto' } }, '2.25')).status, 202);
    await until('the destination binding', () => bindingsOf(port.id), (b) => b.length === 2);
    assert.equal((await newestMigration(s.id)).status, 'preparing');
    const moved = await c.waitServer(s.id, (x) => x[HOST] === dest && x[TASK] === null, 10_000);
    assert.equal(moved.status, 'ACTIVE');
    assert.equal((await newestMigration(s.id)).status, 'completed');
    const after = await portOf(s.id);
    assert.deepEqual([after['binding:host_id'], after.status], [dest, 'ACTIVE']);
  });
});
