// Soft delete with [DEFAULT] reclaim_instance_interval > 0: DELETE leaves the
// server SOFT_DELETED with its guest off and its resources held; `restore`
// brings it back, `forceDelete` ends it, and its host reclaims it once the
// interval has passed.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud, PAST_SERVICE_DOWN_TIME_MS } from '../support/cloud.js';
import { act, actionOf, requestIdOf } from '../support/actions.js';
import { migrationRows, setInstanceColumns } from '../support/db.js';
import { until } from '../support/wait.js';

describe('soft delete', () => {
  let c: Cloud;
  before(async () => {
    c = await startCloud({ overrides: ['DEFAULT.reclaim_instance_interval=3600'] });
  });
  after(async () => {
    await c.stop();
  });

  const allocations = (id: string) => c.aio.base.db.kysely.selectFrom('allocations').selectAll().where('consumer_uuid', '=', id).execute();
  const guestOf = (s: any) => c.aio.agents.get(s['OS-EXT-SRV-ATTR:host'])!.ctx.driver.getGuest(s.id);

  async function softDeleted(): Promise<any> {
    const s = await c.bootServer('demo');
    const r = await c.req('demo', 'DELETE', `/servers/${s.id}`);
    assert.equal(r.status, 204, r.text);
    await c.waitServer(s.id, (x) => x.status === 'SOFT_DELETED' && x['OS-EXT-STS:task_state'] === null);
    return s;
  }

  it('DELETE soft-deletes: SOFT_DELETED, guest off, resources held, out of the list, a delete action with its host event', async () => {
    const s = await c.bootServer('demo');
    const r = await c.req('demo', 'DELETE', `/servers/${s.id}`);
    assert.equal(r.status, 204);
    const after = await c.waitServer(s.id, (x) => x.status === 'SOFT_DELETED' && x['OS-EXT-STS:task_state'] === null);
    assert.equal(after['OS-EXT-STS:vm_state'], 'soft-delete');
    assert.equal(after['OS-EXT-STS:power_state'], 4);
    assert.equal(guestOf(s)?.powerState, 4);
    assert.equal((await allocations(s.id)).length > 0, true);
    assert.equal((await c.req('demo', 'GET', `/servers/${s.id}`)).body.server.status, 'SOFT_DELETED');
    const list = await c.req('demo', 'GET', '/servers');
    assert.ok(!list.body.servers.some((x: any) => x.id === s.id));
    const deleted = await c.req('admin', 'GET', `/servers?deleted=true&all_tenants=1`);
    assert.ok(deleted.body.servers.some((x: any) => x.id === s.id));
    const action = await actionOf(c, s.id, requestIdOf(r));
    assert.equal(action.action, 'delete');
    assert.deepEqual(action.events.map((e: any) => [e.event, e.result]), [['compute_soft_delete_instance', 'Success']]);
  });

  it('restore brings a soft-deleted server back: ACTIVE, guest running, a restore action', async () => {
    const s = await softDeleted();
    const r = await act(c, 'demo', s.id, { restore: null });
    assert.equal(r.status, 202, r.text);
    assert.equal(r.text, '');
    const back = await c.waitServer(s.id, (x) => x.status === 'ACTIVE' && x['OS-EXT-STS:task_state'] === null);
    assert.equal(back['OS-EXT-STS:power_state'], 1);
    assert.equal(guestOf(s)?.powerState, 1);
    const action = await actionOf(c, s.id, requestIdOf(r));
    assert.equal(action.action, 'restore');
    assert.deepEqual(action.events.map((e: any) => e.event), ['compute_restore_instance']);
    const again = await act(c, 'demo', s.id, { restore: null });
    assert.equal(again.status, 409);
    assert.equal(again.body.conflictingRequest.message, `Cannot 'restore' instance ${s.id} while it is in vm_state active`);
  });

  it('restore is refused while a task runs, to readers, and to the project when locked', async () => {
    const s = await softDeleted();
    let r = await act(c, 'demo_reader', s.id, { restore: null });
    assert.equal(r.status, 403);
    await setInstanceColumns(c, s.id, { task_state: 'deleting' });
    r = await act(c, 'demo', s.id, { restore: null });
    assert.equal(r.status, 409);
    assert.equal(r.body.conflictingRequest.message, `Cannot 'restore' instance ${s.id} while it is in task_state deleting`);
    await setInstanceColumns(c, s.id, { task_state: null, locked_by: 'admin' });
    r = await act(c, 'demo', s.id, { restore: null });
    assert.equal(r.status, 409);
    assert.equal(r.body.conflictingRequest.message, `Instance ${s.id} is locked`);
    r = await act(c, 'admin', s.id, { restore: null });
    assert.equal(r.status, 202);
    await c.waitServer(s.id, (x) => x.status === 'ACTIVE');
  });

  it('forceDelete ends a soft-deleted server: gone, guest destroyed, resources given back', async () => {
    const s = await softDeleted();
    const r = await act(c, 'demo', s.id, { forceDelete: null });
    assert.equal(r.status, 202, r.text);
    await c.waitServer(s.id, (x) => x.gone === true);
    assert.equal(guestOf(s), undefined);
    assert.deepEqual(await allocations(s.id), []);
  });

  it('deletes outright a server never launched, and one whose host is down', async () => {
    const s = await c.bootServer('demo');
    await setInstanceColumns(c, s.id, { launched_at: null });
    assert.equal((await c.req('demo', 'DELETE', `/servers/${s.id}`)).status, 204);
    await c.waitServer(s.id, (x) => x.gone === true);

    const d = await c.bootServer('demo');
    const host = d['OS-EXT-SRV-ATTR:host'];
    await c.aio.stopHost(host);
    try {
      await new Promise((res) => setTimeout(res, PAST_SERVICE_DOWN_TIME_MS)); // past service_down_time
      assert.equal((await c.req('demo', 'DELETE', `/servers/${d.id}`)).status, 204);
      assert.equal((await c.req('admin', 'GET', `/servers/${d.id}`)).status, 404);
    } finally {
      await c.aio.startHost(host);
    }
  });

  it('a DELETE of a server being soft-deleted, or already soft-deleted, leaves it soft-deleted', async () => {
    const s = await softDeleted();
    assert.equal((await c.req('demo', 'DELETE', `/servers/${s.id}`)).status, 204);
    await new Promise((res) => setTimeout(res, 200));
    const x = await c.waitServer(s.id, (v) => v['OS-EXT-STS:task_state'] === null);
    assert.equal(x.status, 'SOFT_DELETED');
  });

  it('soft-deletes a server waiting for its resize to be confirmed: the resize is confirmed, the server ends SOFT_DELETED', async () => {
    for (let round = 0; round < 3; round++) {
      const s = await c.bootServer('demo');
      assert.equal((await act(c, 'demo', s.id, { resize: { flavorRef: '2' } })).status, 202);
      await c.waitServer(s.id, (x) => x.status === 'VERIFY_RESIZE' && x['OS-EXT-STS:task_state'] === null);
      assert.equal((await c.req('demo', 'DELETE', `/servers/${s.id}`)).status, 204);
      const after = await c.waitServer(s.id, (x) => x['OS-EXT-STS:task_state'] === null && x.status !== 'VERIFY_RESIZE');
      assert.equal(after.status, 'SOFT_DELETED', `round ${round}`);
      await until('resize confirmed', async () => (await migrationRows(c, s.id)).map((m) => m.status), (st) => st.includes('confirmed'));
      assert.equal(guestOf(after)?.powerState, 4);
    }
  });

  it('the host reclaims servers soft-deleted longer ago than the interval, and only those', async () => {
    const old = await softDeleted();
    const recent = await softDeleted();
    const twoHoursAgo = new Date(Date.now() - 2 * 3600 * 1000).toISOString().replace('T', ' ').replace('Z', '000');
    await setInstanceColumns(c, old.id, { deleted_at: twoHoursAgo });
    await c.waitServer(old.id, (x) => x.gone === true);
    assert.equal(guestOf(old), undefined);
    assert.deepEqual(await allocations(old.id), []);
    await new Promise((res) => setTimeout(res, 500));
    assert.equal((await c.req('admin', 'GET', `/servers/${recent.id}`)).body.server.status, 'SOFT_DELETED');
  });
});
