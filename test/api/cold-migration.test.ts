// Cold migration (`migrate`) end to end: microversioned body, policy, the
// check order of admin-actions.md §4, the conductor and host steps with their
// migration record, allocations and instance-action events, failures at each
// stage, confirm/revert of a migration, concurrent requests, and the
// resize_confirm_window auto-confirm.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud } from '../support/cloud.js';
import { act, actionOf } from '../support/actions.js';
import { allocations, migrationRows, setInstanceColumns } from '../support/db.js';
import { until, waitServiceDown } from '../support/wait.js';

const HOSTS = ['compute1', 'compute2', 'compute3'];
/** [DEFAULT] host of the test cloud: the conductor's events carry it. */
const CONDUCTOR = 'magnetar';

/** Waits until the action has `count` events, none running, and returns them as `event:result@host` in start order. */
async function settledEvents(c: Cloud, id: string, requestId: string, count: number): Promise<{ action: any; events: string[] }> {
  const action = await until(
    `${count} finished events of ${requestId}`,
    () => actionOf(c, id, requestId),
    (a) => a.events.length >= count && a.events.every((e: any) => e.finish_time !== null),
  );
  // Listed newest first; reversed they are in the order they started.
  const events = [...action.events].reverse().map((e: any) => `${e.event}:${e.result}${e.host ? `@${e.host}` : ''}`);
  return { action, events };
}

const hostOf = (s: any): string => s['OS-EXT-SRV-ATTR:host'];
const otherThan = (h: string): string => HOSTS.find((x) => x !== h)!;

describe('cold migration (migrate)', () => {
  let c: Cloud;
  let admin: { project: string };
  before(async () => {
    c = await startCloud();
    admin = { project: await c.projectId('admin') };
  });
  after(async () => {
    await c.stop();
  });

  const verifyResize = (id: string) => c.waitServer(id, (s) => s.status === 'VERIFY_RESIZE' || s.status === 'ERROR');

  it('moves an active server: RESIZE, then VERIFY_RESIZE on another host, with the migration, allocations and events', async () => {
    const s = await c.bootServer('demo');
    const source = hostOf(await c.waitServer(s.id, () => true));
    // Below 2.56 the body is not validated and a host in it is ignored.
    const r = await act(c, 'admin', s.id, { migrate: { host: 'no-such-host', anything: 1 } }, '2.55');
    assert.equal(r.status, 202, r.text);
    assert.equal(r.text, '');
    const rid = r.headers.get('x-openstack-request-id')!;
    const during = await c.req('admin', 'GET', `/servers/${s.id}`, { version: '2.1' });
    assert.ok(['RESIZE', 'VERIFY_RESIZE'].includes(during.body.server.status), during.body.server.status);

    const done = await verifyResize(s.id);
    assert.equal(done.status, 'VERIFY_RESIZE');
    assert.equal(done['OS-EXT-STS:vm_state'], 'resized');
    assert.equal(done['OS-EXT-STS:task_state'], null);
    assert.equal(done['OS-EXT-STS:power_state'], 1);
    const dest = hostOf(done);
    assert.notEqual(dest, source);
    assert.equal(done['OS-EXT-SRV-ATTR:hypervisor_hostname'], dest);

    const [m, ...more] = await migrationRows(c, s.id);
    assert.equal(more.length, 0);
    assert.equal(m!.migration_type, 'migration');
    assert.equal(m!.status, 'finished');
    assert.equal(m!.source_compute, source);
    assert.equal(m!.source_node, source);
    assert.equal(m!.dest_compute, dest);
    assert.equal(m!.dest_node, dest);
    assert.equal(m!.dest_host, '127.0.0.1');
    const tiny = await c.aio.base.db.kysely.selectFrom('flavors').select('id').where('flavorid', '=', '1').executeTakeFirstOrThrow();
    assert.equal(m!.old_instance_type_id, tiny.id);
    assert.equal(m!.new_instance_type_id, tiny.id);
    // The requester, not the server's owner.
    assert.equal(m!.project_id, admin.project);
    assert.notEqual(m!.project_id, await c.projectId('demo'));

    // The migration holds the source, the server the destination.
    assert.deepEqual(await allocations(c, s.id), [`${dest}:512`]);
    assert.deepEqual(await allocations(c, m!.uuid), [`${source}:512`]);
    assert.equal(c.aio.agents.get(dest)!.ctx.driver.getGuest(s.id)?.powerState, 1);

    const { action, events } = await settledEvents(c, s.id, rid, 5);
    assert.equal(action.action, 'migrate');
    assert.equal(action.message, null);
    assert.equal(action.project_id, admin.project);
    assert.deepEqual(events, [
      `conductor_migrate_server:Success@${CONDUCTOR}`,
      `cold_migrate:Success@${CONDUCTOR}`,
      `compute_prep_resize:Success@${dest}`,
      `compute_resize_instance:Success@${source}`,
      `compute_finish_resize:Success@${dest}`,
    ]);
  });

  it('confirmResize: 204, the source guest and allocation go, the server stays on the destination', async () => {
    const s = await c.bootServer('demo');
    await act(c, 'admin', s.id, { migrate: null });
    const moved = await verifyResize(s.id);
    const [m] = await migrationRows(c, s.id);
    const source = m!.source_compute!;
    const r = await act(c, 'demo', s.id, { confirmResize: null });
    assert.equal(r.status, 204, r.text);
    assert.equal(r.text, '');
    const rid = r.headers.get('x-openstack-request-id')!;
    const after = await c.waitServer(s.id, (x) => x.status !== 'VERIFY_RESIZE');
    assert.equal(after.status, 'ACTIVE');
    assert.equal(after['OS-EXT-STS:task_state'], null);
    assert.equal(hostOf(after), hostOf(moved));
    assert.equal((await migrationRows(c, s.id))[0]!.status, 'confirmed');
    assert.deepEqual(await allocations(c, s.id), [`${hostOf(moved)}:512`]);
    assert.deepEqual(await allocations(c, m!.uuid), []);
    assert.equal(c.aio.agents.get(source)!.ctx.driver.getGuest(s.id), undefined);
    const { action, events } = await settledEvents(c, s.id, rid, 1);
    assert.equal(action.action, 'confirmResize');
    assert.equal(action.project_id, await c.projectId('demo'));
    assert.deepEqual(events, [`compute_confirm_resize:Success@${source}`]);
  });

  it('revertResize: 202, REVERT_RESIZE, back on the source with the migration reverted', async () => {
    const s = await c.bootServer('demo');
    await act(c, 'admin', s.id, { migrate: null });
    const moved = await verifyResize(s.id);
    const [m] = await migrationRows(c, s.id);
    const source = m!.source_compute!;
    const r = await act(c, 'demo', s.id, { revertResize: null });
    assert.equal(r.status, 202, r.text);
    const rid = r.headers.get('x-openstack-request-id')!;
    const during = await c.req('admin', 'GET', `/servers/${s.id}`, { version: '2.1' });
    assert.ok(['REVERT_RESIZE', 'ACTIVE'].includes(during.body.server.status), during.body.server.status);
    const back = await c.waitServer(s.id, (x) => x.status === 'ACTIVE' || x.status === 'ERROR');
    assert.equal(back.status, 'ACTIVE');
    assert.equal(hostOf(back), source);
    assert.equal(back['OS-EXT-STS:power_state'], 1);
    assert.equal((await migrationRows(c, s.id))[0]!.status, 'reverted');
    assert.deepEqual(await allocations(c, s.id), [`${source}:512`]);
    assert.deepEqual(await allocations(c, m!.uuid), []);
    assert.equal(c.aio.agents.get(hostOf(moved))!.ctx.driver.getGuest(s.id), undefined);
    assert.equal(c.aio.agents.get(source)!.ctx.driver.getGuest(s.id)?.powerState, 1);
    const { action, events } = await settledEvents(c, s.id, rid, 2);
    assert.equal(action.action, 'revertResize');
    assert.deepEqual(events, [`compute_revert_resize:Success@${hostOf(moved)}`, `compute_finish_revert_resize:Success@${source}`]);
  });

  it('a stopped server stays powered off through migrate (VERIFY_RESIZE), confirm (SHUTOFF) and revert (SHUTOFF, with a stop event)', async () => {
    for (const finish of ['confirmResize', 'revertResize'] as const) {
      const s = await c.bootServer('demo');
      assert.equal((await act(c, 'demo', s.id, { 'os-stop': null })).status, 202);
      await c.waitServer(s.id, (x) => x.status === 'SHUTOFF');
      assert.equal((await act(c, 'admin', s.id, { migrate: null })).status, 202);
      const moved = await verifyResize(s.id);
      assert.equal(moved.status, 'VERIFY_RESIZE');
      assert.equal(moved['OS-EXT-STS:power_state'], 4);
      assert.equal(c.aio.agents.get(hostOf(moved))!.ctx.driver.getGuest(s.id)?.powerState, 4);
      const r = await act(c, 'demo', s.id, { [finish]: null });
      assert.ok([202, 204].includes(r.status), r.text);
      const end = await c.waitServer(s.id, (x) => x.status === 'SHUTOFF' || x.status === 'ERROR' || x.status === 'ACTIVE');
      assert.equal(end.status, 'SHUTOFF', finish);
      assert.equal(end['OS-EXT-STS:vm_state'], 'stopped');
      assert.equal(end['OS-EXT-STS:power_state'], 4);
      if (finish === 'revertResize') {
        const { events } = await settledEvents(c, s.id, r.headers.get('x-openstack-request-id')!, 3);
        assert.ok(events.some((e) => e.startsWith('compute_stop_instance:Success')), events.join());
      }
    }
  });

  it('at 2.56 migrates to the named host; the body schema applies', async () => {
    const s = await c.bootServer('demo');
    const target = otherThan(hostOf(await c.waitServer(s.id, () => true)));
    for (const bad of [{ migrate: { host: '' } }, { migrate: { host: 'bad host!' } }, { migrate: { foo: 1 } }, { migrate: 'x' }, { migrate: { host: 5 } }, {}]) {
      const r = await act(c, 'admin', s.id, bad, '2.56');
      assert.equal(r.status, 400, JSON.stringify(bad) + r.text);
      assert.ok(r.body.badRequest, r.text);
    }
    // A bad body is 400 before the server is even looked up.
    assert.equal((await act(c, 'admin', '00000000-0000-0000-0000-000000000000', { migrate: { foo: 1 } }, '2.56')).status, 400);
    const r = await act(c, 'admin', s.id, { migrate: { host: target } }, '2.56');
    assert.equal(r.status, 202, r.text);
    assert.equal(hostOf(await verifyResize(s.id)), target);
    assert.equal((await act(c, 'admin', s.id, { confirmResize: null })).status, 204);
    await c.waitServer(s.id, (x) => x.status === 'ACTIVE');
    for (const ok of [{ migrate: {} }, { migrate: { host: null } }]) {
      assert.equal((await act(c, 'admin', s.id, ok, 'latest')).status, 202);
      await verifyResize(s.id);
      assert.equal((await act(c, 'admin', s.id, { confirmResize: null })).status, 204);
      await c.waitServer(s.id, (x) => x.status === 'ACTIVE');
    }
  });

  it('policy: a manager may migrate without a host only; members and readers may not; other projects see 404', async () => {
    const s = await c.bootServer('demo');
    const host = otherThan(hostOf(await c.waitServer(s.id, () => true)));
    const rule = (r: any) => r.body.forbidden.message;
    let r = await act(c, 'demo_manager', s.id, { migrate: { host } }, '2.56');
    assert.equal(r.status, 403);
    assert.equal(rule(r), "Policy doesn't allow os_compute_api:os-migrate-server:migrate:host to be performed.");
    for (const user of ['demo', 'demo_reader']) {
      r = await act(c, user, s.id, { migrate: null });
      assert.equal(r.status, 403, user);
      assert.equal(rule(r), "Policy doesn't allow os_compute_api:os-migrate-server:migrate to be performed.");
    }
    r = await act(c, 'alt_demo', s.id, { migrate: null });
    assert.equal(r.status, 404);
    assert.equal(r.body.itemNotFound.message, `Instance ${s.id} could not be found.`);
    assert.equal((await act(c, 'admin', '00000000-0000-0000-0000-000000000000', { migrate: null })).status, 404);
    // Nothing was recorded for the refusals.
    const actions = await c.req('admin', 'GET', `/servers/${s.id}/os-instance-actions`);
    assert.deepEqual(actions.body.instanceActions.map((a: any) => a.action), ['create']);
    r = await act(c, 'demo_manager', s.id, { migrate: null }, '2.56');
    assert.equal(r.status, 202, r.text);
    const m = await until('migration', () => migrationRows(c, s.id), (x) => x.length > 0);
    assert.equal(m[0]!.project_id, await c.projectId('demo_manager'));
    await verifyResize(s.id);
  });

  it('checks in order: lock, state, host up, same host, unknown host', async () => {
    const s = await c.bootServer('demo');
    const source = hostOf(await c.waitServer(s.id, () => true));
    assert.equal((await act(c, 'demo', s.id, { lock: null })).status, 202);
    let r = await act(c, 'demo_manager', s.id, { migrate: null });
    assert.equal(r.status, 409);
    assert.equal(r.body.conflictingRequest.message, `Instance ${s.id} is locked`);
    // Admins are not held by a lock; the host checks come after the lock.
    r = await act(c, 'admin', s.id, { migrate: { host: source } }, '2.56');
    assert.equal(r.status, 400);
    assert.equal(r.body.badRequest.message, 'Cannot migrate to the host where the server exists.');
    r = await act(c, 'admin', s.id, { migrate: { host: 'nowhere' } }, '2.56');
    assert.equal(r.status, 400);
    assert.equal(r.body.badRequest.message, 'Compute host nowhere could not be found.');
    assert.equal((await act(c, 'demo', s.id, { unlock: null })).status, 202);

    // A second request while the first is running meets the task state.
    r = await act(c, 'admin', s.id, { migrate: null });
    assert.equal(r.status, 202);
    r = await act(c, 'admin', s.id, { migrate: null });
    assert.equal(r.status, 409);
    assert.match(r.body.conflictingRequest.message, new RegExp(`^Cannot 'migrate' instance ${s.id} while it is in (task_state resize_\\w+|vm_state resized)$`));
    await verifyResize(s.id);
    r = await act(c, 'admin', s.id, { migrate: { host: 'nowhere' } }, '2.56');
    assert.equal(r.status, 409, 'state guard before host validation');
    assert.equal(r.body.conflictingRequest.message, `Cannot 'migrate' instance ${s.id} while it is in vm_state resized`);
    assert.equal((await act(c, 'admin', s.id, { confirmResize: null })).status, 204);
    await c.waitServer(s.id, (x) => x.status === 'ACTIVE');

    // Named by the id the client sent.
    await act(c, 'admin', s.id, { migrate: null });
    r = await act(c, 'admin', s.id.toUpperCase(), { migrate: null });
    assert.equal(r.status, 409);
    assert.match(r.body.conflictingRequest.message, new RegExp(`^Cannot 'migrate' instance ${s.id.toUpperCase()} while it is in`));
    await verifyResize(s.id);
    assert.equal((await act(c, 'admin', s.id, { confirmResize: null })).status, 204);
    await c.waitServer(s.id, (x) => x.status === 'ACTIVE');

    // No host to move from.
    const host = hostOf(await c.waitServer(s.id, () => true));
    await setInstanceColumns(c, s.id, { host: null });
    r = await act(c, 'admin', s.id, { migrate: null });
    assert.equal(r.status, 409);
    assert.equal(r.body.conflictingRequest.message, `Instance ${s.id} is not ready`);
    await setInstanceColumns(c, s.id, { host });

    // A server that never launched (still building) is not migrated.
    await setInstanceColumns(c, s.id, { launched_at: null });
    r = await act(c, 'admin', s.id, { migrate: null });
    assert.equal(r.status, 409);
    assert.equal(r.body.conflictingRequest.message, `Instance ${s.id} is in an invalid state for 'migrate'`);
  });

  it('source compute down: 409 Service is unavailable at this time. (and no record)', async () => {
    const s = await c.bootServer('demo');
    const source = hostOf(await c.waitServer(s.id, () => true));
    await c.aio.stopHost(source);
    try {
      await waitServiceDown(c, source);
      const r = await act(c, 'admin', s.id, { migrate: null });
      assert.equal(r.status, 409);
      assert.equal(r.body.conflictingRequest.message, 'Service is unavailable at this time.');
      assert.deepEqual(await migrationRows(c, s.id), []);
      const got = await c.req('admin', 'GET', `/servers/${s.id}`);
      assert.equal(got.body.server.status, 'ACTIVE');
    } finally {
      await c.aio.startHost(source);
    }
  });

  it('no valid host: migration error, server back to ACTIVE with no task, action Error, allocation back to the server', async () => {
    const s = await c.bootServer('demo');
    const source = hostOf(await c.waitServer(s.id, () => true));
    const target = otherThan(source);
    await c.aio.stopHost(target);
    try {
      await waitServiceDown(c, target);
      const r = await act(c, 'admin', s.id, { migrate: { host: target } }, '2.56');
      assert.equal(r.status, 202, r.text);
      const rid = r.headers.get('x-openstack-request-id')!;
      const [m] = await until('migration error', () => migrationRows(c, s.id), (x) => x[0]?.status === 'error');
      const back = await c.waitServer(s.id, (x) => x.status !== 'RESIZE');
      assert.equal(back.status, 'ACTIVE');
      assert.equal(back['OS-EXT-STS:task_state'], null);
      assert.equal(hostOf(back), source);
      const { action, events } = await settledEvents(c, s.id, rid, 2);
      assert.equal(action.message, 'Error');
      assert.deepEqual(events, [`conductor_migrate_server:Error@${CONDUCTOR}`, `cold_migrate:Error@${CONDUCTOR}`]);
      assert.match(action.events.find((e: any) => e.event === 'cold_migrate').details, /No valid host/);
      assert.deepEqual(await allocations(c, s.id), [`${source}:512`]);
      assert.deepEqual(await allocations(c, m!.uuid), []);
    } finally {
      await c.aio.startHost(target);
    }
  });

  it('failure on the source (migrate_disk_and_power_off): ERROR with a fault, migration error, only the source allocation left', async () => {
    const s = await c.bootServer('demo');
    const source = hostOf(await c.waitServer(s.id, () => true));
    c.aio.faults.add({ step: 'migrate_disk_and_power_off', server: s.id, count: 1 });
    const r = await act(c, 'admin', s.id, { migrate: null });
    assert.equal(r.status, 202);
    const rid = r.headers.get('x-openstack-request-id')!;
    const failed = await c.waitServer(s.id, (x) => x.status === 'ERROR');
    assert.equal(failed['OS-EXT-STS:task_state'], null);
    assert.equal(hostOf(failed), source);
    assert.equal(failed.fault.code, 500);
    assert.match(failed.fault.message, /Simulated failure of migrate_disk_and_power_off/);
    const [m] = await until('migration error', () => migrationRows(c, s.id), (x) => x[0]?.status === 'error');
    assert.deepEqual(await allocations(c, s.id), [`${source}:512`]);
    assert.deepEqual(await allocations(c, m!.uuid), []);
    const { action, events } = await settledEvents(c, s.id, rid, 4);
    assert.equal(action.message, 'Error');
    assert.equal(events[3], `compute_resize_instance:Error@${source}`);
  });

  it('failure on the destination (finish_migration): the server goes back to its source and its guest there, in ERROR; migration error; only the source allocation left', async () => {
    const s = await c.bootServer('demo');
    const source = hostOf(await c.waitServer(s.id, () => true));
    const target = otherThan(source);
    c.aio.faults.add({ step: 'finish_migration', host: target, server: s.id, count: 1 });
    const r = await act(c, 'admin', s.id, { migrate: { host: target } }, '2.56');
    assert.equal(r.status, 202);
    const failed = await c.waitServer(s.id, (x) => x.status === 'ERROR' && x['OS-EXT-STS:task_state'] === null);
    // Nova would leave it recorded on the destination, which holds no guest; here it is where its guest is.
    assert.equal(hostOf(failed), source);
    assert.equal(c.aio.agents.get(source)!.ctx.driver.getGuest(s.id)?.powerState, 1, 'the old guest runs again');
    assert.equal(c.aio.agents.get(target)!.ctx.driver.getGuest(s.id), undefined);
    assert.match(failed.fault.message, /Simulated failure of finish_migration/);
    const [m] = await until('migration error', () => migrationRows(c, s.id), (x) => x[0]?.status === 'error');
    assert.deepEqual(await allocations(c, s.id), [`${source}:512`]);
    assert.deepEqual(await allocations(c, m!.uuid), []);
    const { events } = await settledEvents(c, s.id, r.headers.get('x-openstack-request-id')!, 5);
    assert.equal(events[4], `compute_finish_resize:Error@${target}`);
  });

  it('confirm/revert checks: state, not resized, lock, source down (confirm only), policy', async () => {
    const s = await c.bootServer('demo');
    let r = await act(c, 'demo', s.id, { confirmResize: null });
    assert.equal(r.status, 409);
    assert.equal(r.body.conflictingRequest.message, `Cannot 'confirmResize' instance ${s.id} while it is in vm_state active`);
    r = await act(c, 'demo', s.id, { revertResize: null });
    assert.equal(r.status, 409);
    assert.equal(r.body.conflictingRequest.message, `Cannot 'revertResize' instance ${s.id} while it is in vm_state active`);

    await act(c, 'admin', s.id, { migrate: null });
    const moved = await verifyResize(s.id);
    const [m] = await migrationRows(c, s.id);
    for (const name of ['confirmResize', 'revertResize']) {
      r = await act(c, 'demo_reader', s.id, { [name]: null });
      assert.equal(r.status, 403);
      assert.match(r.body.forbidden.message, /os_compute_api:servers:(confirm|revert)_resize/);
      assert.equal((await act(c, 'alt_demo', s.id, { [name]: null })).status, 404);
    }
    assert.equal((await act(c, 'demo', s.id, { lock: null })).status, 202);
    for (const name of ['confirmResize', 'revertResize']) {
      r = await act(c, 'demo_manager', s.id, { [name]: null });
      assert.equal(r.status, 409);
      assert.equal(r.body.conflictingRequest.message, `Instance ${s.id} is locked`);
    }
    assert.equal((await act(c, 'demo', s.id, { unlock: null })).status, 202);

    // Source compute down: confirm is refused, the migration untouched; revert needs no source check.
    await c.aio.stopHost(m!.source_compute!);
    try {
      await waitServiceDown(c, m!.source_compute!);
      r = await act(c, 'demo', s.id, { confirmResize: null });
      assert.equal(r.status, 409);
      assert.equal(r.body.conflictingRequest.message, 'Service is unavailable at this time.');
      assert.equal((await migrationRows(c, s.id))[0]!.status, 'finished');
      r = await act(c, 'demo', s.id, { revertResize: null });
      assert.equal(r.status, 202);
      const during = await c.waitServer(s.id, (x) => x.status === 'REVERT_RESIZE');
      assert.equal(during['OS-EXT-STS:task_state'], 'resize_reverting');
      r = await act(c, 'demo', s.id, { revertResize: null });
      assert.equal(r.status, 409);
      assert.equal(r.body.conflictingRequest.message, `Cannot 'revertResize' instance ${s.id} while it is in task_state resize_reverting`);
    } finally {
      await c.aio.startHost(m!.source_compute!);
    }
    const back = await c.waitServer(s.id, (x) => x.status === 'ACTIVE');
    assert.equal(hostOf(back), m!.source_compute);
    assert.notEqual(hostOf(back), hostOf(moved));

    // Resized in name only, with no finished migration behind it.
    await setInstanceColumns(c, s.id, { vm_state: 'resized' });
    for (const name of ['confirmResize', 'revertResize']) {
      r = await act(c, 'demo', s.id, { [name]: null });
      assert.equal(r.status, 400);
      assert.equal(r.body.badRequest.message, 'Instance has not been resized.');
    }
  });

  it('revertResize needs the old flavor (400); confirm does not', async () => {
    const s = await c.bootServer('demo');
    await act(c, 'admin', s.id, { migrate: null });
    await verifyResize(s.id);
    await setInstanceColumns(c, s.id, { old_flavor: null });
    const r = await act(c, 'demo', s.id, { revertResize: null });
    assert.equal(r.status, 400);
    assert.equal(r.body.badRequest.message, 'Flavor used by the instance could not be found.');
    assert.equal((await migrationRows(c, s.id))[0]!.status, 'finished');
    assert.equal((await act(c, 'demo', s.id, { confirmResize: null })).status, 204);
    assert.equal((await c.waitServer(s.id, (x) => x.status !== 'VERIFY_RESIZE')).status, 'ACTIVE');
  });

  it('confirm and revert of one migration race: exactly one wins', async () => {
    const s = await c.bootServer('demo');
    await act(c, 'admin', s.id, { migrate: null });
    await verifyResize(s.id);
    const replies = await Promise.all(
      Array.from({ length: 10 }, (_, i) => act(c, i % 2 ? 'admin' : 'demo', s.id, i % 2 ? { confirmResize: null } : { revertResize: null })),
    );
    const won = replies.filter((r) => r.status === 202 || r.status === 204);
    assert.equal(won.length, 1, replies.map((r) => r.status).join());
    for (const r of replies) if (!won.includes(r)) assert.ok([400, 409].includes(r.status), r.text);
    const end = await c.waitServer(s.id, (x) => x.status === 'ACTIVE' || x.status === 'ERROR');
    assert.equal(end.status, 'ACTIVE');
    const [m] = await migrationRows(c, s.id);
    assert.ok(['confirmed', 'reverted'].includes(m!.status), m!.status);
    assert.deepEqual(await allocations(c, s.id), [`${hostOf(end)}:512`]);
    assert.deepEqual(await allocations(c, m!.uuid), []);
  });

  it('20 parallel migrate/resize requests: exactly one proceeds, the others get 409', async () => {
    const s = await c.bootServer('demo');
    const source = hostOf(await c.waitServer(s.id, () => true));
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => act(c, 'admin', s.id, i % 2 ? { migrate: null } : { resize: { flavorRef: '2' } })),
    );
    const statuses = replies.map((r) => r.status);
    assert.equal(statuses.filter((x) => x === 202).length, 1, statuses.join());
    assert.equal(statuses.filter((x) => x === 409).length, 19, statuses.join());
    for (const r of replies.filter((x) => x.status === 409)) assert.match(r.body.conflictingRequest.message, /^Cannot '(migrate|resize)' instance .* while it is in (task_state resize_\w+|vm_state resized)$/);
    const end = await verifyResize(s.id);
    assert.equal(end.status, 'VERIFY_RESIZE');
    const ms = await migrationRows(c, s.id);
    assert.equal(ms.length, 1);
    assert.equal(ms[0]!.status, 'finished');
    const mem = ms[0]!.migration_type === 'resize' ? 2048 : 512;
    assert.deepEqual(await allocations(c, s.id), [`${hostOf(end)}:${mem}`]);
    assert.deepEqual(await allocations(c, ms[0]!.uuid), [`${source}:512`]);
    const actions = await c.req('admin', 'GET', `/servers/${s.id}/os-instance-actions`);
    assert.equal(actions.body.instanceActions.filter((a: any) => a.action !== 'create').length, 1);
  });

  it('20 parallel requests mixing resetState with migrate/resize leave consistent records and allocations', async () => {
    const s = await c.bootServer('demo');
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        act(c, 'admin', s.id, i % 4 === 0 ? { 'os-resetState': { state: 'active' } } : i % 2 ? { migrate: null } : { resize: { flavorRef: '2' } }),
      ),
    );
    const resets = replies.filter((_, i) => i % 4 === 0);
    assert.ok(resets.every((r) => r.status === 202));
    const moves = replies.filter((_, i) => i % 4 !== 0);
    assert.ok(moves.every((r) => r.status === 202 || r.status === 409), moves.map((r) => r.status).join());
    const accepted = moves.filter((r) => r.status === 202).length;
    assert.ok(accepted >= 1);
    // Let every accepted request run to its end.
    await until(
      'every move to settle',
      async () => ({ ms: await migrationRows(c, s.id), srv: (await c.req('admin', 'GET', `/servers/${s.id}`)).body.server }),
      (x) => x.srv['OS-EXT-STS:task_state'] === null && x.ms.every((m) => ['finished', 'error'].includes(m.status)),
    );
    await new Promise((r) => setTimeout(r, 300));
    const ms = await migrationRows(c, s.id);
    // Never two moves at once: at most one migration per accepted request, at most one finished.
    assert.ok(ms.length <= accepted, `${ms.length} migrations for ${accepted} accepted`);
    assert.ok(ms.filter((m) => m.status === 'finished').length <= 1);
    assert.ok(ms.every((m) => ['finished', 'error'].includes(m.status)), ms.map((m) => m.status).join());
    const srv = (await c.req('admin', 'GET', `/servers/${s.id}`)).body.server;
    const mine = await allocations(c, s.id);
    assert.equal(mine.length, 1, mine.join());
    assert.ok(mine[0]!.startsWith(`${hostOf(srv)}:`));
    for (const m of ms) assert.deepEqual(await allocations(c, m.uuid), m.status === 'finished' && srv.status === 'VERIFY_RESIZE' ? [`${m.source_compute}:512`] : []);
  });
});

describe('resize_confirm_window auto-confirm', () => {
  // Its own cloud: the window would confirm every other test's migrations too.
  let c: Cloud;
  before(async () => {
    c = await startCloud({ overrides: ['DEFAULT.resize_confirm_window=0.5'] });
  });
  after(async () => {
    await c.stop();
  });

  it('confirms a finished migration after the window, as the system', async () => {
    const s = await c.bootServer('demo');
    assert.equal((await act(c, 'admin', s.id, { migrate: null })).status, 202);
    const moved = await c.waitServer(s.id, (x) => x.status === 'VERIFY_RESIZE');
    const finishedAt = Date.now();
    const done = await c.waitServer(s.id, (x) => x.status === 'ACTIVE', 5000);
    assert.ok(Date.now() - finishedAt >= 300, 'not before the window');
    assert.equal(hostOf(done), hostOf(moved));
    const [m] = await until('confirmed', () => migrationRows(c, s.id), (x) => x[0]?.status === 'confirmed');
    assert.deepEqual(await allocations(c, m!.uuid), []);
    const list = await c.req('admin', 'GET', `/servers/${s.id}/os-instance-actions`);
    const confirm = list.body.instanceActions.find((a: any) => a.action === 'confirmResize');
    assert.ok(confirm, JSON.stringify(list.body));
    assert.equal(confirm.user_id, null);
    assert.equal(confirm.project_id, null);
    assert.match(confirm.request_id, /^req-/);
    const { events } = await settledEvents(c, s.id, confirm.request_id, 1);
    assert.deepEqual(events, [`compute_confirm_resize:Success@${m!.source_compute}`]);
  });

  it('confirms a locked server too, and fails migrations of servers in ERROR', async () => {
    const s = await c.bootServer('demo');
    await act(c, 'admin', s.id, { migrate: null });
    await c.waitServer(s.id, (x) => x.status === 'VERIFY_RESIZE');
    assert.equal((await act(c, 'demo', s.id, { lock: null })).status, 202);
    await c.waitServer(s.id, (x) => x.status === 'ACTIVE', 5000);

    const e = await c.bootServer('demo');
    await act(c, 'admin', e.id, { migrate: null });
    await c.waitServer(e.id, (x) => x.status === 'VERIFY_RESIZE');
    assert.equal((await act(c, 'admin', e.id, { 'os-resetState': { state: 'error' } })).status, 202);
    const [failed] = await until('migration error', () => migrationRows(c, e.id), (x) => x[0]?.status === 'error', 5000);
    assert.equal((await c.req('admin', 'GET', `/servers/${e.id}`)).body.server.status, 'ERROR');
    // Nova leaves the source share allocated and the old guest there; here both go.
    assert.deepEqual(await allocations(c, failed!.uuid), []);
    assert.equal(c.aio.agents.get(failed!.source_compute!)!.ctx.driver.getGuest(e.id), undefined);

    // Reset to active while waiting: no longer RESIZED/None, so the migration fails and the server is left alone.
    const a = await c.bootServer('demo');
    await act(c, 'admin', a.id, { migrate: null });
    await c.waitServer(a.id, (x) => x.status === 'VERIFY_RESIZE');
    assert.equal((await act(c, 'admin', a.id, { 'os-resetState': { state: 'active' } })).status, 202);
    await until('migration error', () => migrationRows(c, a.id), (x) => x[0]?.status === 'error', 5000);
    assert.equal((await c.req('admin', 'GET', `/servers/${a.id}`)).body.server.status, 'ACTIVE');
  });
});
