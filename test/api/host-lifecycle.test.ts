// Simulated hosts stopped, crashed and started at run time through
// Magnetar's host lifecycle extension, with the real agents behind it: a
// stopped host goes down and comes back, a crashed host's servers come back
// SHUTOFF (or running again with resume_guests_state_on_host_boot), and an
// evacuation round trip ends with the failed host cleaned up and forced up.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud } from '../support/cloud.js';
import { act } from '../support/actions.js';
import { migrationRows } from '../support/db.js';
import { until, waitServiceDown } from '../support/wait.js';
import { assertAuditClean } from '../support/audit.js';

const HOST = 'OS-EXT-SRV-ATTR:host';
let c: Cloud;
before(async () => {
  c = await startCloud();
});
after(async () => {
  await c.stop();
});

const hostAction = (host: string, verb: string) => c.req('admin', 'POST', `/magnetar/hosts/${host}/action`, { body: { [verb]: null } });
const guestOn = (host: string, id: string) => c.aio.agents.get(host)?.ctx.driver.getGuest(id);
const service = async (host: string) => {
  const r = await c.req('admin', 'GET', '/os-services?binary=nova-compute', { version: '2.53' });
  return r.body.services.find((s: any) => s.host === host);
};

describe('simulated host lifecycle', () => {
  it('stop: the host goes down and its guests run on; start: it is up again; wrong transitions are 409', async () => {
    const s = await c.bootServer('demo');
    const host = s[HOST];
    let r = await hostAction(host, 'stop');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body, { host: { host, state: 'stopped' } });
    assert.equal((await hostAction(host, 'stop')).status, 409);
    const listed = await c.req('admin', 'GET', '/magnetar/hosts');
    assert.deepEqual(listed.body.hosts.find((h: any) => h.host === host), { host, state: 'stopped' });
    await waitServiceDown(c, host);
    r = await hostAction(host, 'start');
    assert.deepEqual(r.body, { host: { host, state: 'running' } });
    assert.equal((await hostAction(host, 'start')).status, 409);
    await until('the service to be up', () => service(host), (x) => x.state === 'up');
    const after = await c.waitServer(s.id, () => true);
    assert.equal(after.status, 'ACTIVE');
    assert.equal(guestOn(host, s.id)?.powerState, 1, 'the guest ran on while its agent was away');
    await assertAuditClean(c);
  });

  it('crash: after a power loss the host\'s servers come back SHUTOFF, their guests defined but off', async () => {
    const s = await c.bootServer('demo');
    const host = s[HOST];
    const r = await hostAction(host, 'crash');
    assert.deepEqual(r.body, { host: { host, state: 'crashed' } });
    assert.equal((await hostAction(host, 'crash')).status, 409);
    assert.equal((await hostAction(host, 'start')).status, 200);
    const off = await c.waitServer(s.id, (x) => x.status === 'SHUTOFF');
    assert.equal(off['OS-EXT-STS:power_state'], 4);
    assert.equal(guestOn(host, s.id)?.powerState, 4);
    assert.equal((await act(c, 'demo', s.id, { 'os-start': null })).status, 202);
    await c.waitServer(s.id, (x) => x.status === 'ACTIVE' && x['OS-EXT-STS:task_state'] === null);
    await assertAuditClean(c);
  });

  it('crash with resume_guests_state_on_host_boot: the guests run again and the servers stay ACTIVE', async () => {
    const s = await c.bootServer('demo');
    const host = s[HOST];
    c.aio.base.conf.set('DEFAULT', 'resume_guests_state_on_host_boot', 'true');
    try {
      assert.equal((await hostAction(host, 'crash')).status, 200);
      assert.equal((await hostAction(host, 'start')).status, 200);
    } finally {
      c.aio.base.conf.set('DEFAULT', 'resume_guests_state_on_host_boot', 'false');
    }
    const back = await c.waitServer(s.id, () => true);
    assert.equal(back.status, 'ACTIVE');
    assert.equal(guestOn(host, s.id)?.powerState, 1);
    await assertAuditClean(c);
  });

  it('an evacuation round trip: crash a host, force it down, evacuate, start it again — it cleans up and can be forced up', async () => {
    const s = await c.bootServer('demo');
    const failed = s[HOST];
    assert.equal((await hostAction(failed, 'crash')).status, 200);
    const id = (await service(failed)).id;
    assert.equal((await c.req('admin', 'PUT', `/os-services/${id}`, { version: '2.53', body: { forced_down: true } })).status, 200);
    assert.equal((await act(c, 'admin', s.id, { evacuate: {} }, '2.68')).status, 200);
    const moved = await c.waitServer(s.id, (x) => x.status === 'ACTIVE' && x[HOST] !== failed);
    assert.equal((await migrationRows(c, s.id)).at(-1)!.status, 'done');
    const refused = await c.req('admin', 'PUT', `/os-services/${id}`, { version: '2.53', body: { forced_down: false } });
    assert.equal(refused.status, 400, 'not before the failed host has cleaned up');
    assert.equal((await hostAction(failed, 'start')).status, 200);
    await until('the evacuation to complete', async () => (await migrationRows(c, s.id)).at(-1)!.status, (st) => st === 'completed');
    assert.equal(guestOn(failed, s.id), undefined, 'the failed host dropped its old guest');
    assert.equal((await c.req('admin', 'PUT', `/os-services/${id}`, { version: '2.53', body: { forced_down: false } })).status, 200);
    assert.equal(guestOn(moved[HOST], s.id)?.powerState, 1);
    await assertAuditClean(c);
  });
});
