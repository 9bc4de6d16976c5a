// os-stop, os-start, pause, unpause, suspend, resume and reboot as a client
// sees them: status changes, state guards, locks, policy, instance actions.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud } from '../support/cloud.js';

describe('server power actions', () => {
  let c: Cloud;
  before(async () => {
    c = await startCloud();
  });
  after(async () => {
    await c.stop();
  });

  const act = (user: string, id: string, body: unknown, version?: string) =>
    c.req(user, 'POST', `/servers/${id}/action`, { body, version });
  const waitStatus = (id: string, status: string) => c.waitServer(id, (s) => s.status === status && s['OS-EXT-STS:task_state'] === null);

  it('stops, starts, pauses, unpauses, suspends, resumes and reboots', async () => {
    const s = await c.bootServer('demo');
    const steps: Array<[unknown, string, number]> = [
      [{ 'os-stop': null }, 'SHUTOFF', 4],
      [{ 'os-start': null }, 'ACTIVE', 1],
      [{ pause: null }, 'PAUSED', 3],
      [{ unpause: null }, 'ACTIVE', 1],
      [{ suspend: null }, 'SUSPENDED', 7],
      [{ resume: null }, 'ACTIVE', 1],
      [{ reboot: { type: 'SOFT' } }, 'ACTIVE', 1],
      [{ reboot: { type: 'hard' } }, 'ACTIVE', 1],
    ];
    for (const [body, status, power] of steps) {
      const r = await act('demo', s.id, body);
      assert.equal(r.status, 202, `${JSON.stringify(body)}: ${r.text}`);
      assert.equal(r.text, '');
      const after = await waitStatus(s.id, status);
      assert.equal(after['OS-EXT-STS:power_state'], power, JSON.stringify(body));
    }
    const actions = await c.req('demo', 'GET', `/servers/${s.id}/os-instance-actions`);
    assert.equal(actions.status, 200);
    assert.deepEqual(
      actions.body.instanceActions.map((a: any) => a.action).reverse(),
      ['create', 'stop', 'start', 'pause', 'unpause', 'suspend', 'resume', 'reboot', 'reboot'],
    );
    const stop = actions.body.instanceActions.find((a: any) => a.action === 'stop');
    const shown = await c.req('admin', 'GET', `/servers/${s.id}/os-instance-actions/${stop.request_id}`);
    assert.deepEqual(shown.body.instanceAction.events.map((e: any) => [e.event, e.result]), [['compute_stop_instance', 'Success']]);
  });

  it('answers 409 with the state that forbids the action', async () => {
    const s = await c.bootServer('demo');
    let r = await act('demo', s.id, { 'os-start': null });
    assert.equal(r.status, 409);
    assert.equal(r.body.conflictingRequest.message, `Cannot 'start' instance ${s.id} while it is in vm_state active`);
    r = await act('demo', s.id, { unpause: null });
    assert.equal(r.body.conflictingRequest.message, `Cannot 'unpause' instance ${s.id} while it is in vm_state active`);
    await act('demo', s.id, { 'os-stop': null });
    await waitStatus(s.id, 'SHUTOFF');
    r = await act('demo', s.id, { reboot: { type: 'SOFT' } });
    assert.equal(r.status, 409);
    r = await act('demo', s.id, { reboot: { type: 'HARD' } });
    assert.equal(r.status, 202);
    await waitStatus(s.id, 'ACTIVE');
  });

  it('lets only one of two racing stops through', async () => {
    const s = await c.bootServer('demo');
    const rs = await Promise.all([act('demo', s.id, { 'os-stop': null }), act('demo', s.id, { 'os-stop': null }), act('demo', s.id, { pause: null })]);
    assert.equal(rs.filter((r) => r.status === 202).length, 1, rs.map((r) => r.status).join());
    assert.ok(rs.filter((r) => r.status !== 202).every((r) => r.status === 409));
  });

  it('validates the reboot body, honours locks and policy', async () => {
    const s = await c.bootServer('demo');
    let r = await act('demo', s.id, { reboot: { type: 'WARM' } });
    assert.equal(r.status, 400);
    r = await act('demo', s.id, { reboot: {} });
    assert.equal(r.status, 400);
    assert.match(r.body.badRequest.message, /'type' is a required property/);
    r = await act('demo_reader', s.id, { 'os-stop': null });
    assert.equal(r.status, 403);
    assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:servers:stop to be performed.");
    r = await act('alt_demo', s.id, { 'os-stop': null });
    assert.equal(r.status, 404);
    assert.equal((await act('admin', s.id, { lock: null })).status, 202);
    r = await act('demo', s.id, { pause: null });
    assert.equal(r.status, 409);
    assert.equal(r.body.conflictingRequest.message, `Instance ${s.id} is locked`);
    r = await act('admin', s.id, { pause: null });
    assert.equal(r.status, 202);
    await waitStatus(s.id, 'PAUSED');
  });

  it('clears the task and keeps the state when the hypervisor fails the step', async () => {
    const s = await c.bootServer('demo');
    c.aio.faults.add({ step: 'power_off', server: s.id, count: 1 });
    const r = await act('demo', s.id, { 'os-stop': null });
    assert.equal(r.status, 202);
    const after = await waitStatus(s.id, 'ACTIVE');
    assert.equal(after['OS-EXT-STS:power_state'], 1);
  });
});
