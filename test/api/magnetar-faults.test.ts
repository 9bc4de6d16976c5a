// Magnetar's fault-injection extension: /v2.1/magnetar/faults. Admin-only;
// rules reach the fake drivers of the compute agents, including the ones
// from `[fake] faults`.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud } from '../support/cloud.js';
import { setForcedDown } from '../support/db.js';
import { startComputeHosts } from '../../src/cli/roles.js';
import { FaultRules } from '../../src/virt/fake/faults.js';
import { CRASH_POINTS } from '../../src/crash/points.js';

let c: Cloud;

before(async () => {
  c = await startCloud({ overrides: ['fake.faults=reboot@nohost*3'] });
});
after(async () => {
  await c.stop();
});

const faults = (user = 'admin') => c.req(user, 'GET', '/magnetar/faults');
const addFault = (fault: unknown, user = 'admin') => c.req(user, 'POST', '/magnetar/faults', { body: { fault } });

describe('magnetar faults', () => {
  it('lists the rules from configuration', async () => {
    const r = await faults();
    assert.equal(r.status, 200);
    assert.deepEqual(
      r.body.faults.map((f: any) => ({ ...f, id: undefined })),
      [{ id: undefined, step: 'reboot', host: 'nohost', server: null, count: 3, message: null }],
    );
    assert.equal(typeof r.body.faults[0].id, 'string');
  });

  it('adds (201), lists, removes one (204) and 404s an unknown id', async () => {
    const r = await addFault({ step: 'power_off', host: 'compute1', count: 2, message: 'no power' });
    assert.equal(r.status, 201, r.text);
    const f = r.body.fault;
    assert.deepEqual({ ...f, id: undefined }, { id: undefined, step: 'power_off', host: 'compute1', server: null, count: 2, message: 'no power' });
    assert.ok(c.aio.faults.list().some((x) => x.id === f.id && x.step === 'power_off'), 'the drivers see it');

    const listed = (await faults()).body.faults;
    assert.ok(listed.some((x: any) => x.id === f.id && x.count === 2));
    // Only the rules the drivers hold are listed.
    assert.equal(listed.length, c.aio.faults.list().length);

    const del = await c.req('admin', 'DELETE', `/magnetar/faults/${f.id}`);
    assert.equal(del.status, 204);
    assert.equal(del.text, '');
    assert.ok(!c.aio.faults.list().some((x) => x.id === f.id));
    const again = await c.req('admin', 'DELETE', `/magnetar/faults/${f.id}`);
    assert.equal(again.status, 404);
    assert.equal(again.body.itemNotFound.message, `Fault ${f.id} could not be found.`);
  });

  it('rejects an unknown step with the list of valid ones, and malformed bodies', async () => {
    const r = await addFault({ step: 'explode' });
    assert.equal(r.status, 400);
    const lastPoint = CRASH_POINTS[CRASH_POINTS.length - 1]!.name.replaceAll('.', '\\.');
    assert.match(
      r.body.badRequest.message,
      new RegExp(`^Invalid fault step 'explode'. Valid steps: spawn, destroy, power_off, .*live_migration, post_live_migration_at_destination, crash:api\\.create\\.after_commit, .*crash:${lastPoint}\\.$`),
    );
    const badPoint = await addFault({ step: 'crash:compute.nowhere' });
    assert.equal(badPoint.status, 400);
    const noStep = await addFault({ host: 'compute1' });
    assert.equal(noStep.status, 400);
    assert.match(noStep.body.badRequest.message, /'step' is a required property/);
    const badCount = await addFault({ step: 'spawn', count: 0 });
    assert.equal(badCount.status, 400);
    assert.match(badCount.body.badRequest.message, /count/);
    const extra = await addFault({ step: 'spawn', when: 'now' });
    assert.equal(extra.status, 400);
    assert.match(extra.body.badRequest.message, /'when' was unexpected/);
    const none = await c.req('admin', 'POST', '/magnetar/faults', { body: {} });
    assert.equal(none.status, 400);
  });

  it('is admin-only (rule magnetar:faults)', async () => {
    for (const user of ['demo', 'demo_manager', 'demo_reader', 'alt_demo']) {
      for (const [method, path, body] of [
        ['GET', '/magnetar/faults', undefined],
        ['POST', '/magnetar/faults', { fault: { step: 'spawn' } }],
        ['DELETE', '/magnetar/faults', undefined],
        ['DELETE', '/magnetar/faults/1', undefined],
      ] as const) {
        const r = await c.req(user, method, path, body === undefined ? {} : { body });
        assert.equal(r.status, 403, `${user} ${method} ${path}`);
        assert.equal(r.body.forbidden.message, "Policy doesn't allow magnetar:faults to be performed.");
      }
    }
    assert.ok(c.aio.faults.list().length >= 1, 'nothing was cleared by a non-admin');
  });

  it('a rule added through the API makes a build fail: server ERROR with the message as fault', async () => {
    const r = await addFault({ step: 'spawn', count: 1, message: 'injected spawn failure' });
    assert.equal(r.status, 201);
    const s = await c.bootServer('demo');
    assert.equal(s.status, 'ERROR');
    assert.equal(s.fault.message, 'injected spawn failure');
    // count 1: the rule is used up and gone.
    assert.ok(!(await faults()).body.faults.some((f: any) => f.id === r.body.fault.id));
    const next = await c.bootServer('demo');
    assert.equal(next.status, 'ACTIVE');
  });

  it('a rule for one server only fails that server', async () => {
    const s = await c.bootServer('demo');
    const r = await addFault({ step: 'power_off', server: s.id });
    assert.equal(r.status, 201);
    assert.equal(r.body.fault.server, s.id);
    const other = await c.bootServer('demo');
    const stopOther = await c.req('demo', 'POST', `/servers/${other.id}/action`, { body: { 'os-stop': null } });
    assert.equal(stopOther.status, 202);
    await c.waitServer(other.id, (x) => x.status === 'SHUTOFF');
    const stop = await c.req('demo', 'POST', `/servers/${s.id}/action`, { body: { 'os-stop': null } });
    assert.equal(stop.status, 202);
    const end = await c.waitServer(s.id, (x) => x['OS-EXT-STS:task_state'] === null);
    assert.equal(end.status, 'ACTIVE', 'the stop failed and the server kept running');
    await c.req('admin', 'DELETE', `/magnetar/faults/${r.body.fault.id}`);
  });

  it('DELETE /magnetar/faults clears every rule (config ones too)', async () => {
    await addFault({ step: 'destroy' });
    const r = await c.req('admin', 'DELETE', '/magnetar/faults');
    assert.equal(r.status, 204);
    assert.deepEqual((await faults()).body.faults, []);
    assert.deepEqual(c.aio.faults.list(), []);
  });

  it('works while a host is stopped or forced down (any running agent reaches the shared rules)', async () => {
    await c.aio.stopHost('compute1');
    // Once it counts as down the API stops asking (and waiting for) that agent.
    await new Promise((r) => setTimeout(r, 1100));
    await setForcedDown(c, 'compute2', true);
    try {
      const r = await addFault({ step: 'rebuild', host: 'compute1' });
      assert.equal(r.status, 201, r.text);
      assert.deepEqual((await faults()).body.faults.map((f: any) => f.id), [r.body.fault.id]);
      assert.equal(c.aio.faults.list().length, 1, 'added once, not once per agent');
      assert.equal((await c.req('admin', 'DELETE', `/magnetar/faults/${r.body.fault.id}`)).status, 204);
    } finally {
      await setForcedDown(c, 'compute2', false);
      await c.aio.startHost('compute1');
    }
  });

  it('an agent with its own rule store (another compute process) gets rules too; ids name the store', async () => {
    const own = new FaultRules();
    const hosts = await startComputeHosts({ ...c.aio.base, faults: own }, ['compute9'], { crashKillsProcess: false });
    try {
      // Each store is seeded from [fake] faults when its first driver is made.
      assert.deepEqual(own.list().map((r) => r.step), ['reboot']);
      own.clear();
      const all = await addFault({ step: 'destroy', message: 'everywhere' });
      assert.equal(all.status, 201, all.text);
      const ids: string[] = all.body.fault.id.split(',');
      assert.equal(ids.length, 2);
      assert.ok(ids.every((id) => /^\d+@compute\d$/.test(id)), all.body.fault.id);
      assert.equal(c.aio.faults.list().length, 1, 'once in the shared store');
      assert.equal(own.list().length, 1, 'once in the separate store');

      const one = await addFault({ step: 'spawn', host: 'compute9' });
      assert.equal(one.status, 201);
      assert.match(one.body.fault.id, /^\d+@compute9$/);
      assert.equal(own.list().length, 2);
      assert.equal(c.aio.faults.list().length, 1, 'a host-specific rule goes only where that host is');

      const listed = (await faults()).body.faults.map((f: any) => f.id).sort();
      assert.deepEqual(listed, [...ids, one.body.fault.id].sort());

      assert.equal((await c.req('admin', 'DELETE', `/magnetar/faults/${all.body.fault.id}`)).status, 204);
      assert.equal(c.aio.faults.list().length, 0);
      assert.deepEqual(own.list().map((r) => r.step), ['spawn']);
      assert.equal((await c.req('admin', 'DELETE', '/magnetar/faults')).status, 204);
      assert.deepEqual(own.list(), []);
    } finally {
      await hosts.close();
    }
  });
});
