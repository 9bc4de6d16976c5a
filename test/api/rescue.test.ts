// rescue / unrescue: the request checks in Nova's order and messages, the
// admin password in the answer, the guest booted from the rescue image and
// back, failures, and the instance actions recorded.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud } from '../support/cloud.js';
import { act, actionOf, requestIdOf } from '../support/actions.js';
import { until } from '../support/wait.js';
import { assertAuditClean } from '../support/audit.js';

let c: Cloud;
before(async () => {
  c = await startCloud();
});
after(async () => {
  await c.stop();
});

const HOST = 'OS-EXT-SRV-ATTR:host';
const guestOf = (s: any) => c.aio.agents.get(s[HOST])!.ctx.driver.getGuest(s.id);
const settled = (status: string) => (x: any) => x.status === status && x['OS-EXT-STS:task_state'] === null;
async function imageId(name: string): Promise<string> {
  const r = await fetch(`${c.imageUrl}/v2/images?name=${name}`, { headers: { 'X-Auth-Token': await c.token('demo') } });
  return ((await r.json()) as { images: Array<{ id: string }> }).images[0]!.id;
}

describe('rescue and unrescue', () => {
  it('rescues from the server\'s own image with a generated password, and unrescues', async () => {
    const s = await c.bootServer('demo');
    const r = await act(c, 'demo', s.id, { rescue: null });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.body), ['adminPass']);
    assert.match(r.body.adminPass, /^[2-9A-HJ-NP-Za-km-z]{12}$/);
    const rescued = await c.waitServer(s.id, settled('RESCUE'));
    assert.equal(rescued['OS-EXT-STS:vm_state'], 'rescued');
    assert.equal(rescued['OS-EXT-STS:power_state'], 1);
    assert.equal(guestOf(rescued)?.rescueImageRef, await imageId('cirros'));
    const events = (await until('the rescue to be recorded', () => actionOf(c, s.id, requestIdOf(r)), (a) => a.events.every((e: any) => e.finish_time !== null) && a.events.length === 1));
    assert.equal(events.action, 'rescue');
    assert.equal(events.events[0].event, 'compute_rescue_instance');
    assert.equal(events.events[0].result, 'Success');

    const u = await act(c, 'demo', s.id, { unrescue: null });
    assert.equal(u.status, 202, u.text);
    assert.equal(u.text, '');
    const back = await c.waitServer(s.id, settled('ACTIVE'));
    assert.equal(guestOf(back)?.rescueImageRef, null);
    assert.equal((await actionOf(c, s.id, requestIdOf(u))).action, 'unrescue');
    await assertAuditClean(c);
  });

  it('uses the given password and rescue image; a stopped server is rescued too', async () => {
    const s = await c.bootServer('demo');
    assert.equal((await act(c, 'demo', s.id, { 'os-stop': null })).status, 202);
    await c.waitServer(s.id, settled('SHUTOFF'));
    const other = await imageId('ubuntu-24.04');
    const r = await act(c, 'demo', s.id, { rescue: { adminPass: 'MySecretPass', rescue_image_ref: other } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body, { adminPass: 'MySecretPass' });
    const rescued = await c.waitServer(s.id, settled('RESCUE'));
    assert.equal(guestOf(rescued)?.rescueImageRef, other);
    assert.equal(guestOf(rescued)?.powerState, 1);
  });

  it('refuses in Nova\'s order: schema, policy, lock, state, image, and changes nothing', async () => {
    const s = await c.bootServer('demo');
    const bad = await act(c, 'demo', s.id, { rescue: { rescue_image_ref: 'not-a-uuid' } });
    assert.equal(bad.status, 400);
    assert.equal((await act(c, 'demo', s.id, { rescue: { extra: 1 } })).status, 400);
    const unknown = '00000000-0000-4000-8000-000000000000';
    const noImage = await act(c, 'demo', s.id, { rescue: { rescue_image_ref: unknown } });
    assert.equal(noImage.status, 400);
    assert.equal(noImage.body.badRequest.message, `Requested rescue image '${unknown}' is not supported`);
    const reader = await act(c, 'demo_reader', s.id, { rescue: null });
    assert.equal(reader.status, 403);
    assert.equal(reader.body.forbidden.message, "Policy doesn't allow os_compute_api:os-rescue to be performed.");
    assert.equal((await act(c, 'alt_demo', s.id, { rescue: null })).status, 404);
    const notRescued = await act(c, 'demo', s.id, { unrescue: null });
    assert.equal(notRescued.status, 409);
    assert.equal(notRescued.body.conflictingRequest.message, `Cannot 'unrescue' instance ${s.id} while it is in vm_state active`);

    assert.equal((await act(c, 'admin', s.id, { lock: null })).status, 202);
    const locked = await act(c, 'demo', s.id, { rescue: null });
    assert.equal(locked.status, 409);
    assert.equal(locked.body.conflictingRequest.message, `Instance ${s.id} is locked`);
    assert.equal((await act(c, 'admin', s.id, { unlock: null })).status, 202);

    assert.equal((await act(c, 'demo', s.id, { rescue: null })).status, 200);
    await c.waitServer(s.id, settled('RESCUE'));
    const twice = await act(c, 'demo', s.id, { rescue: null });
    assert.equal(twice.status, 409);
    assert.equal(twice.body.conflictingRequest.message, `Cannot 'rescue' instance ${s.id} while it is in vm_state rescued`);
  });

  it('a rescue that fails on the host puts the server in ERROR with a fault; a failed unrescue leaves it rescued', async () => {
    const s = await c.bootServer('demo');
    c.aio.faults.add({ step: 'rescue', server: s.id, count: 1, message: 'no rescue disk' });
    assert.equal((await act(c, 'demo', s.id, { rescue: null })).status, 200);
    const failed = await c.waitServer(s.id, settled('ERROR'));
    assert.equal(failed.fault.message, 'no rescue disk');

    const t = await c.bootServer('demo');
    assert.equal((await act(c, 'demo', t.id, { rescue: null })).status, 200);
    await c.waitServer(t.id, settled('RESCUE'));
    c.aio.faults.add({ step: 'unrescue', server: t.id, count: 1, message: 'stuck in rescue' });
    const u = await act(c, 'demo', t.id, { unrescue: null });
    assert.equal(u.status, 202);
    const action = await until('the unrescue to fail', () => actionOf(c, t.id, requestIdOf(u)), (a) => a.events[0]?.result === 'Error');
    assert.equal(action.message, 'Error');
    const still = await c.waitServer(t.id, (x) => x['OS-EXT-STS:task_state'] === null);
    assert.equal(still.status, 'RESCUE', 'a server not in ERROR shows no fault: the action tells what failed');
  });

  it('answers an empty object when [api] enable_instance_password is off', async () => {
    const s = await c.bootServer('demo');
    c.aio.base.conf.set('api', 'enable_instance_password', 'false');
    try {
      const r = await act(c, 'demo', s.id, { rescue: {} });
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, {});
    } finally {
      c.aio.base.conf.set('api', 'enable_instance_password', 'true');
    }
  });
});
