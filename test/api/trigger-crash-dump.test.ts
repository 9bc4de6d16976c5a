// trigger_crash_dump (2.17+): 202 and the host's step recorded on the
// instance action; the version gate, body, policy, lock, host and state
// guards with Nova's messages; a failing step leaves the server as it was.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud } from '../support/cloud.js';
import { setInstanceColumns } from '../support/db.js';
import { actionOf, requestIdOf } from '../support/actions.js';
import { until } from '../support/wait.js';

const BODY = { trigger_crash_dump: null };

describe('trigger_crash_dump', () => {
  let c: Cloud;
  let server: any;
  before(async () => {
    c = await startCloud();
    server = await c.bootServer('demo');
  });
  after(async () => {
    await c.stop();
  });

  const dump = (user: string, id: string, body: unknown = BODY, version = '2.17') => c.req(user, 'POST', `/servers/${id}/action`, { body, version });

  it('does not exist before 2.17', async () => {
    const r = await dump('demo', server.id, BODY, '2.16');
    assert.equal(r.status, 404);
  });

  it('answers 202 and the host injects the NMI, recorded on the instance action; the server is unchanged', async () => {
    const r = await dump('demo', server.id);
    assert.equal(r.status, 202, r.text);
    assert.equal(r.text, '');
    const a = await until('the crash dump step', () => actionOf(c, server.id, requestIdOf(r)), (x) => x.events.length === 1 && x.events[0].finish_time !== null);
    assert.equal(a.action, 'trigger_crash_dump');
    assert.equal(a.events[0].event, 'compute_trigger_crash_dump');
    assert.equal(a.events[0].result, 'Success');
    const s = (await c.req('demo', 'GET', `/servers/${server.id}`)).body.server;
    assert.equal(s.status, 'ACTIVE');
    assert.equal(s['OS-EXT-STS:task_state'], null);
  });

  it('takes only null', async () => {
    const r = await dump('demo', server.id, { trigger_crash_dump: {} });
    assert.equal(r.status, 400);
    assert.match(r.body.badRequest.message, /is not of type 'null'/);
  });

  it('is for members (and admins), not readers', async () => {
    const r = await dump('demo_reader', server.id);
    assert.equal(r.status, 403);
    assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:servers:trigger_crash_dump to be performed.");
    assert.equal((await dump('alt_demo', server.id)).status, 404);
    assert.equal((await dump('admin', server.id)).status, 202);
  });

  it('409s a locked server for members, not for admins', async () => {
    const s = await c.bootServer('demo');
    assert.equal((await c.req('demo', 'POST', `/servers/${s.id}/action`, { body: { lock: null } })).status, 202);
    const r = await dump('demo', s.id);
    assert.equal(r.status, 409);
    assert.equal(r.body.conflictingRequest.message, `Instance ${s.id} is locked`);
    assert.equal((await dump('admin', s.id)).status, 202);
  });

  it('409s a stopped server, a server with a task, and one without a host', async () => {
    const s = await c.bootServer('demo');
    assert.equal((await c.req('demo', 'POST', `/servers/${s.id}/action`, { body: { 'os-stop': null } })).status, 202);
    await c.waitServer(s.id, (x) => x.status === 'SHUTOFF' && x['OS-EXT-STS:task_state'] === null);
    let r = await dump('demo', s.id);
    assert.equal(r.status, 409);
    assert.equal(r.body.conflictingRequest.message, `Cannot 'trigger_crash_dump' instance ${s.id} while it is in vm_state stopped`);
    await setInstanceColumns(c, s.id, { vm_state: 'active', task_state: 'rebooting' });
    r = await dump('demo', s.id);
    assert.equal(r.status, 409);
    assert.equal(r.body.conflictingRequest.message, `Cannot 'trigger_crash_dump' instance ${s.id} while it is in task_state rebooting`);
    await setInstanceColumns(c, s.id, { task_state: null, host: null });
    r = await dump('demo', s.id);
    assert.equal(r.status, 409);
    assert.equal(r.body.conflictingRequest.message, `Instance ${s.id} is not ready`);
  });

  it('records a failing step on the event and leaves the server as it was', async () => {
    const s = await c.bootServer('demo');
    const f = await c.req('admin', 'POST', '/magnetar/faults', { body: { fault: { step: 'trigger_crash_dump', server: s.id, count: 1, message: 'no NMI for you' } } });
    assert.equal(f.status, 201, f.text);
    const r = await dump('demo', s.id);
    assert.equal(r.status, 202);
    const a = await until('the failed step', () => actionOf(c, s.id, requestIdOf(r)), (x) => x.events.length === 1 && x.events[0].finish_time !== null);
    assert.equal(a.events[0].result, 'Error');
    const after = (await c.req('admin', 'GET', `/servers/${s.id}`)).body.server;
    assert.equal(after.status, 'ACTIVE');
    assert.equal(after['OS-EXT-STS:task_state'], null);
  });
});
