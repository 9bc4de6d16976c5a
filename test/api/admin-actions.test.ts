// Server admin actions (admin-actions.md §1–§3): os-resetState,
// injectNetworkInfo and the removed resetNetwork — body checks, lookup,
// policy, lock, effects, and what is (not) recorded.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCloud, type Cloud } from '../support/cloud.js';
import { act } from '../support/actions.js';
import { setInstanceColumns } from '../support/db.js';
import { until } from '../support/wait.js';

const NO_SERVER = '6f1c4b8e-0d2a-4c59-9a7e-3b5d2f0e8a11';
const GONE = 'This resource is no longer available. No forwarding address is given.';

async function actionNames(c: Cloud, id: string): Promise<string[]> {
  const r = await c.req('admin', 'GET', `/servers/${id}/os-instance-actions`);
  assert.equal(r.status, 200, r.text);
  return r.body.instanceActions.map((a: any) => a.action);
}

const injections = (c: Cloud, server: any): number =>
  c.aio.agents.get(server['OS-EXT-SRV-ATTR:host'])!.ctx.driver.getGuest(server.id)?.networkInjections ?? -1;

describe('admin actions', () => {
  let c: Cloud;
  before(async () => {
    c = await startCloud();
  });
  after(async () => {
    await c.stop();
  });

  describe('os-resetState', () => {
    it('sets vm_state, clears task_state and records a finished resetState action without events', async () => {
      const s = await c.bootServer('demo');
      let r = await act(c, 'admin', s.id, { 'os-resetState': { state: 'error' } });
      assert.equal(r.status, 202, r.text);
      assert.equal(r.text, '');
      const rid = r.headers.get('x-openstack-request-id')!;
      let got = (await c.req('admin', 'GET', `/servers/${s.id}`, { version: 'latest' })).body.server;
      assert.equal(got.status, 'ERROR');
      assert.equal(got['OS-EXT-STS:vm_state'], 'error');
      assert.equal(got['OS-EXT-STS:task_state'], null);
      assert.equal(got['OS-EXT-STS:power_state'], 1);
      assert.equal(got['OS-EXT-SRV-ATTR:host'], s['OS-EXT-SRV-ATTR:host']);

      const show = await c.req('admin', 'GET', `/servers/${s.id}/os-instance-actions/${rid}`, { version: '2.84' });
      assert.equal(show.status, 200, show.text);
      const a = show.body.instanceAction;
      assert.equal(a.action, 'resetState');
      assert.equal(a.request_id, rid);
      assert.equal(a.project_id, await c.projectId('admin'));
      assert.equal(a.message, null);
      assert.deepEqual(a.events, []);
      const row = await c.aio.base.db.kysely.selectFrom('instance_actions').selectAll().where('request_id', '=', rid).executeTakeFirstOrThrow();
      assert.notEqual(row.finish_time, null);

      r = await act(c, 'admin', s.id, { 'os-resetState': { state: 'active' } }, 'latest');
      assert.equal(r.status, 202);
      got = (await c.req('admin', 'GET', `/servers/${s.id}`)).body.server;
      assert.equal(got.status, 'ACTIVE');
    });

    it('a stopped server reset to active shows ACTIVE and keeps power_state 4', async () => {
      const s = await c.bootServer('demo');
      assert.equal((await act(c, 'demo', s.id, { 'os-stop': null })).status, 202);
      await c.waitServer(s.id, (x) => x.status === 'SHUTOFF');
      assert.equal((await act(c, 'admin', s.id, { 'os-resetState': { state: 'active' } })).status, 202);
      const got = (await c.req('admin', 'GET', `/servers/${s.id}`, { version: 'latest' })).body.server;
      assert.equal(got.status, 'ACTIVE');
      assert.equal(got['OS-EXT-STS:power_state'], 4);
    });

    it('works on locked, migrating and building servers', async () => {
      const s = await c.bootServer('demo');
      assert.equal((await act(c, 'demo', s.id, { lock: null })).status, 202);
      assert.equal((await act(c, 'admin', s.id, { 'os-resetState': { state: 'error' } })).status, 202);
      let got = (await c.req('admin', 'GET', `/servers/${s.id}`, { version: 'latest' })).body.server;
      assert.equal(got.status, 'ERROR');
      assert.equal(got.locked, true, 'the lock stays');

      await setInstanceColumns(c, s.id, { vm_state: 'active', task_state: 'migrating' });
      assert.equal((await act(c, 'admin', s.id, { 'os-resetState': { state: 'active' } })).status, 202);
      got = (await c.req('admin', 'GET', `/servers/${s.id}`, { version: 'latest' })).body.server;
      assert.equal(got.status, 'ACTIVE');
      assert.equal(got['OS-EXT-STS:task_state'], null);

      await setInstanceColumns(c, s.id, { vm_state: 'building', task_state: 'spawning' });
      assert.equal((await c.req('admin', 'GET', `/servers/${s.id}`)).body.server.status, 'BUILD');
      assert.equal((await act(c, 'admin', s.id, { 'os-resetState': { state: 'error' } })).status, 202);
      got = (await c.req('admin', 'GET', `/servers/${s.id}`, { version: 'latest' })).body.server;
      assert.equal(got.status, 'ERROR');
      assert.equal(got['OS-EXT-STS:task_state'], null);
    });

    it('rejects a bad body with 400 before lookup and policy', async () => {
      const s = await c.bootServer('demo');
      const bad: Array<[unknown, RegExp]> = [
        [{ 'os-resetState': { state: 'ACTIVE' } }, /^Invalid input for field\/attribute state\. .*is not one of \['active', 'error'\]$/],
        [{ 'os-resetState': { state: 'deleted' } }, /field\/attribute state/],
        [{ 'os-resetState': { state: 1 } }, /field\/attribute state/],
        [{ 'os-resetState': {} }, /'state' is a required property/],
        [{ 'os-resetState': { state: 'active', force: true } }, /Additional properties are not allowed \('force' was unexpected\)/],
        [{ 'os-resetState': null }, /os-resetState/],
        [{ 'os-resetState': 'active' }, /os-resetState/],
      ];
      for (const [body, msg] of bad) {
        for (const [user, id] of [
          ['admin', s.id],
          ['demo', s.id],
          ['admin', NO_SERVER],
        ] as const) {
          const r = await act(c, user, id, body);
          assert.equal(r.status, 400, `${user} ${JSON.stringify(body)}: ${r.text}`);
          assert.match(r.body.badRequest.message, msg);
        }
      }
      assert.deepEqual(await actionNames(c, s.id), ['create']);
      assert.equal((await c.req('admin', 'GET', `/servers/${s.id}`)).body.server.status, 'ACTIVE');
    });

    it('looks the server up (404) before the policy check (403); refusals record nothing', async () => {
      const s = await c.bootServer('demo');
      const body = { 'os-resetState': { state: 'error' } };
      for (const id of [NO_SERVER, 'not-a-uuid']) {
        const r = await act(c, 'admin', id, body);
        assert.equal(r.status, 404);
        assert.equal(r.body.itemNotFound.message, `Instance ${id} could not be found.`);
      }
      assert.equal((await act(c, 'alt_demo', s.id, body)).status, 404);
      for (const user of ['demo', 'demo_manager', 'demo_reader']) {
        const r = await act(c, user, s.id, body, 'latest');
        assert.equal(r.status, 403, user);
        assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:os-admin-actions:reset_state to be performed.");
      }
      assert.deepEqual(await actionNames(c, s.id), ['create']);
      assert.equal((await c.req('admin', 'GET', `/servers/${s.id}`)).body.server.status, 'ACTIVE');
    });
  });

  describe('injectNetworkInfo', () => {
    it('202; the server host injects the network info; nothing is recorded', async () => {
      const s = await c.bootServer('demo');
      const before = injections(c, s);
      assert.equal(before, 0);
      const r = await act(c, 'admin', s.id, { injectNetworkInfo: null });
      assert.equal(r.status, 202, r.text);
      assert.equal(r.text, '');
      await until('an injection', async () => injections(c, s), (n) => n === 1, 5000);
      // Any value is accepted and ignored.
      for (const v of [{ anything: [1, 2] }, 'x', 7]) assert.equal((await act(c, 'admin', s.id, { injectNetworkInfo: v }, 'latest')).status, 202);
      await until('four injections', async () => injections(c, s), (n) => n === 4, 5000);
      assert.deepEqual(await actionNames(c, s.id), ['create']);
      const got = (await c.req('admin', 'GET', `/servers/${s.id}`, { version: 'latest' })).body.server;
      assert.equal(got.status, 'ACTIVE');
      assert.equal(got['OS-EXT-STS:task_state'], null);
    });

    it('works in any state, and admins pass a lock', async () => {
      const s = await c.bootServer('demo');
      assert.equal((await act(c, 'demo', s.id, { 'os-stop': null })).status, 202);
      await c.waitServer(s.id, (x) => x.status === 'SHUTOFF');
      assert.equal((await act(c, 'demo', s.id, { lock: null })).status, 202);
      assert.equal((await act(c, 'admin', s.id, { 'os-resetState': { state: 'error' } })).status, 202);
      const r = await act(c, 'admin', s.id, { injectNetworkInfo: null });
      assert.equal(r.status, 202, r.text);
      await until('an injection', async () => injections(c, s), (n) => n === 1, 5000);
    });

    it('lookup 404, then policy 403', async () => {
      const s = await c.bootServer('demo');
      assert.equal((await act(c, 'admin', NO_SERVER, { injectNetworkInfo: null })).status, 404);
      assert.equal((await act(c, 'alt_demo', s.id, { injectNetworkInfo: null })).status, 404);
      for (const user of ['demo', 'demo_manager']) {
        const r = await act(c, user, s.id, { injectNetworkInfo: null });
        assert.equal(r.status, 403);
        assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:os-admin-actions:inject_network_info to be performed.");
      }
      await new Promise((res) => setTimeout(res, 100));
      assert.equal(injections(c, s), 0);
    });

    it('a server without a host is a conflict (409), not a 500', async () => {
      const s = await c.bootServer('demo');
      await setInstanceColumns(c, s.id, { host: null, node: null });
      const r = await act(c, 'admin', s.id, { injectNetworkInfo: null });
      assert.equal(r.status, 409);
      assert.equal(r.body.conflictingRequest.message, `Instance ${s.id} is not ready`);
    });
  });

  describe('resetNetwork', () => {
    it('is gone (410) at every version, for everyone, for any server id, before any lookup or policy', async () => {
      const s = await c.bootServer('demo');
      for (const version of ['2.1', '2.55', 'latest']) {
        for (const [user, id] of [
          ['admin', s.id],
          ['demo', s.id],
          ['alt_demo', s.id],
          ['demo_reader', NO_SERVER],
          ['admin', 'not-a-uuid'],
        ] as const) {
          for (const value of [null, {}, 'x']) {
            const r = await act(c, user, id, { resetNetwork: value }, version);
            assert.equal(r.status, 410, `${version} ${user} ${id}`);
            assert.deepEqual(r.body, { computeFault: { code: 410, message: GONE } });
          }
        }
      }
      assert.deepEqual(await actionNames(c, s.id), ['create']);
    });
  });
});

describe('injectNetworkInfo lock guard (policy opened to members)', () => {
  // Only a caller who passes the policy but is not admin meets the lock guard.
  let c: Cloud;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'magnetar-policy-'));
    writeFileSync(join(dir, 'policy.yaml'), '"os_compute_api:os-admin-actions:inject_network_info": "rule:project_member_or_admin"\n');
    c = await startCloud({ overrides: [`oslo_policy.policy_file=${join(dir, 'policy.yaml')}`] });
  });
  after(async () => {
    await c.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('409 Instance <uuid> is locked for a non-admin; 202 once unlocked', async () => {
    const s = await c.bootServer('demo');
    assert.equal((await act(c, 'demo', s.id, { lock: null })).status, 202);
    let r = await act(c, 'demo', s.id, { injectNetworkInfo: null });
    assert.equal(r.status, 409);
    assert.equal(r.body.conflictingRequest.message, `Instance ${s.id} is locked`);
    assert.equal((await act(c, 'demo', s.id, { unlock: null })).status, 202);
    r = await act(c, 'demo', s.id, { injectNetworkInfo: null });
    assert.equal(r.status, 202);
    await until('an injection', async () => injections(c, s), (n) => n === 1, 5000);
  });
});
