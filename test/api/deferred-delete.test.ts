// Deferred delete actions without a reclaim interval (nothing is
// soft-deleted): `restore` (Nova's state conflict after lookup, policy and
// lock) and `forceDelete` (an immediate delete in any state, after lookup,
// policy and lock). soft-delete.test.ts covers them with soft delete on.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud, PAST_SERVICE_DOWN_TIME_MS } from '../support/cloud.js';
import { act } from '../support/actions.js';
import { setInstanceColumns } from '../support/db.js';

const NO_SERVER = '9a3c1b8e-0d2a-4c59-9a7e-3b5d2f0e8a11';

describe('deferred delete', () => {
  let c: Cloud;
  before(async () => {
    c = await startCloud();
  });
  after(async () => {
    await c.stop();
  });

  const actions = async (id: string): Promise<string[]> =>
    (await c.req('admin', 'GET', `/servers/${id}/os-instance-actions`)).body.instanceActions.map((a: any) => a.action);

  describe('restore', () => {
    let server: any;
    before(async () => {
      server = await c.bootServer('demo');
    });

    it('is 404 for an unknown server or another project\'s, before policy', async () => {
      let r = await act(c, 'demo', NO_SERVER, { restore: null });
      assert.equal(r.status, 404);
      assert.equal(r.body.itemNotFound.message, `Instance ${NO_SERVER} could not be found.`);
      r = await act(c, 'alt_demo', server.id, { restore: null });
      assert.equal(r.status, 404);
      r = await act(c, 'demo_reader', NO_SERVER, { restore: null });
      assert.equal(r.status, 404);
    });

    it('is refused by policy to readers', async () => {
      const r = await act(c, 'demo_reader', server.id, { restore: null });
      assert.equal(r.status, 403);
      assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:os-deferred-delete:restore to be performed.");
    });

    it('conflicts for a server that is not soft-deleted, naming the id as sent; nothing changes or is recorded', async () => {
      let r = await act(c, 'demo', server.id, { restore: {} });
      assert.equal(r.status, 409);
      assert.equal(r.body.conflictingRequest.message, `Cannot 'restore' instance ${server.id} while it is in vm_state active`);
      const upper = server.id.toUpperCase();
      r = await act(c, 'admin', upper, { restore: null });
      assert.equal(r.status, 409);
      assert.equal(r.body.conflictingRequest.message, `Cannot 'restore' instance ${upper} while it is in vm_state active`);
      assert.ok(!(await actions(server.id)).includes('restore'));
      const s = (await c.req('demo', 'GET', `/servers/${server.id}`)).body.server;
      assert.equal(s.status, 'ACTIVE');

      const stopped = await c.bootServer('demo');
      assert.equal((await act(c, 'demo', stopped.id, { 'os-stop': null })).status, 202);
      await c.waitServer(stopped.id, (x) => x.status === 'SHUTOFF');
      r = await act(c, 'demo', stopped.id, { restore: null });
      assert.equal(r.status, 409);
      assert.equal(r.body.conflictingRequest.message, `Cannot 'restore' instance ${stopped.id} while it is in vm_state stopped`);
    });

    it('checks the lock before the state: a locked server is 409 locked for its project, the state conflict for an admin', async () => {
      const s = await c.bootServer('demo');
      assert.equal((await act(c, 'demo', s.id, { lock: null })).status, 202);
      let r = await act(c, 'demo', s.id, { restore: null });
      assert.equal(r.status, 409);
      assert.equal(r.body.conflictingRequest.message, `Instance ${s.id} is locked`);
      r = await act(c, 'admin', s.id, { restore: null });
      assert.equal(r.status, 409);
      assert.match(r.body.conflictingRequest.message, /while it is in vm_state active$/);
    });

    it('takes a body of the restore key alone', async () => {
      const r = await act(c, 'demo', server.id, { restore: null, extra: 1 });
      assert.equal(r.status, 400);
      assert.equal(r.body.badRequest.message, 'Malformed request body');
    });
  });

  describe('forceDelete', () => {
    it('is 404 for an unknown server or another project\'s, and 403 for readers; the server stays', async () => {
      const s = await c.bootServer('demo');
      let r = await act(c, 'demo', NO_SERVER, { forceDelete: null });
      assert.equal(r.status, 404);
      assert.equal(r.body.itemNotFound.message, `Instance ${NO_SERVER} could not be found.`);
      r = await act(c, 'alt_demo', s.id, { forceDelete: null });
      assert.equal(r.status, 404);
      r = await act(c, 'demo_reader', s.id, { forceDelete: null });
      assert.equal(r.status, 403);
      assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:os-deferred-delete:force to be performed.");
      assert.equal((await c.req('demo', 'GET', `/servers/${s.id}`)).body.server.status, 'ACTIVE');
    });

    it('deletes an active server: 202, a delete action, the server gone and its capacity given back', async () => {
      const s = await c.bootServer('demo');
      const host = s['OS-EXT-SRV-ATTR:host'];
      const r = await act(c, 'demo', s.id, { forceDelete: null });
      assert.equal(r.status, 202, r.text);
      assert.equal(r.text, '');
      await c.waitServer(s.id, (x) => x.gone === true);
      const del = await c.req('admin', 'GET', `/servers/${s.id}/os-instance-actions`, { version: '2.21' });
      assert.deepEqual(del.body.instanceActions.map((a: any) => a.action), ['delete', 'create']);
      assert.equal(del.body.instanceActions[0].request_id, r.headers.get('x-openstack-request-id'));
      assert.equal(c.aio.agents.get(host)!.ctx.driver.getGuest(s.id), undefined);
      const alloc = await c.aio.base.db.kysely.selectFrom('allocations').selectAll().where('consumer_uuid', '=', s.id).execute();
      assert.deepEqual(alloc, []);
    });

    it('deletes in any vm_state and task_state, including a server mid-task or in error', async () => {
      for (const values of [{ task_state: 'rebooting' }, { vm_state: 'error' }, { vm_state: 'stopped', power_state: 4 }]) {
        const s = await c.bootServer('demo');
        await setInstanceColumns(c, s.id, values);
        const r = await act(c, 'demo', s.id, { forceDelete: null });
        assert.equal(r.status, 202, `${JSON.stringify(values)}: ${r.text}`);
        await c.waitServer(s.id, (x) => x.gone === true);
      }
    });

    it('refuses a locked server to its project (409) and lets an admin force it', async () => {
      const s = await c.bootServer('demo');
      assert.equal((await act(c, 'demo', s.id, { lock: null })).status, 202);
      let r = await act(c, 'demo', s.id, { forceDelete: null });
      assert.equal(r.status, 409);
      assert.equal(r.body.conflictingRequest.message, `Instance ${s.id} is locked`);
      assert.equal((await c.req('demo', 'GET', `/servers/${s.id}`)).status, 200);
      r = await act(c, 'admin', s.id, { forceDelete: null });
      assert.equal(r.status, 202);
      await c.waitServer(s.id, (x) => x.gone === true);
    });

    it('deletes a server whose host is down at once, in the database', async () => {
      const s = await c.bootServer('demo');
      const host = s['OS-EXT-SRV-ATTR:host'];
      await c.aio.stopHost(host);
      try {
        await new Promise((res) => setTimeout(res, PAST_SERVICE_DOWN_TIME_MS)); // past service_down_time
        const r = await act(c, 'admin', s.id, { forceDelete: null });
        assert.equal(r.status, 202, r.text);
        assert.equal((await c.req('admin', 'GET', `/servers/${s.id}`)).status, 404);
      } finally {
        await c.aio.startHost(host);
      }
    });

    it('takes a body of the forceDelete key alone', async () => {
      const s = await c.bootServer('demo');
      const r = await act(c, 'demo', s.id, { forceDelete: null, extra: true });
      assert.equal(r.status, 400);
      assert.equal(r.body.badRequest.message, 'Malformed request body');
      assert.equal((await c.req('demo', 'GET', `/servers/${s.id}`)).status, 200);
    });
  });
});
