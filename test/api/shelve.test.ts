// shelve, shelveOffload and unshelve: the shelved image, SHELVED and
// SHELVED_OFFLOADED (host, guest and allocation given up), unshelve back onto
// a host (scheduled, to a zone at 2.77, to a host at 2.91, within its group),
// the body schemas per microversion, the checks in Nova's order with its
// messages, quotas, deletes of shelved servers and failures.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startCloud, type Cloud } from '../support/cloud.js';
import { act, actionOf, requestIdOf } from '../support/actions.js';
import { allocationHosts } from '../support/db.js';
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
const HOSTS = ['compute1', 'compute2', 'compute3'];
const conf = () => c.aio.base.conf;
const settled = (status: string) => (x: any) => x.status === status && x['OS-EXT-STS:task_state'] === null;
const guestOn = (host: string, id: string) => c.aio.agents.get(host)?.ctx.driver.getGuest(id);
const guestsOf = (id: string) => HOSTS.filter((h) => guestOn(h, id) !== undefined);

/** The images named `name` the user sees in the image service. */
async function imagesNamed(user: string, name: string): Promise<any[]> {
  const r = await fetch(`${c.imageUrl}/v2/images?name=${encodeURIComponent(name)}`, { headers: { 'X-Auth-Token': await c.token(user) } });
  return ((await r.json()) as { images: any[] }).images;
}
async function imageStatus(user: string, id: string): Promise<number> {
  return (await fetch(`${c.imageUrl}/v2/images/${id}`, { headers: { 'X-Auth-Token': await c.token(user) } })).status;
}

/** Shelves as `user` and waits for the server to settle in `status`. */
async function shelveTo(s: any, status: 'SHELVED' | 'SHELVED_OFFLOADED', user = 'demo'): Promise<any> {
  const r = await act(c, user, s.id, { shelve: null });
  assert.equal(r.status, 202, r.text);
  assert.equal(r.text, '');
  return c.waitServer(s.id, settled(status));
}

/** Runs `fn` with [DEFAULT] shelved_offload_time set to `value`. */
async function withOffloadTime<T>(value: number, fn: () => Promise<T>): Promise<T> {
  conf().set('DEFAULT', 'shelved_offload_time', String(value));
  try {
    return await fn();
  } finally {
    conf().set('DEFAULT', 'shelved_offload_time', '0');
  }
}

describe('unshelve to a host (2.91)', () => {
  it('2.91: a host (admins) must exist and be in the zone the server is pinned to; a null zone unpins', async () => {
    const agg = await c.req('admin', 'POST', '/os-aggregates', { body: { aggregate: { name: 'shelf-zone', availability_zone: 'shelf' } } });
    assert.equal(agg.status, 200, agg.text);
    const aggId = agg.body.aggregate.id;
    try {
      // First in the file: compute3 runs no server yet, so it may change zone.
      assert.equal((await c.req('admin', 'POST', `/os-aggregates/${aggId}/action`, { body: { add_host: { host: 'compute3' } } })).status, 200);
      const s = await c.bootServer('demo', { availability_zone: 'nova' });
      assert.notEqual(s[HOST], 'compute3');
      await shelveTo(s, 'SHELVED_OFFLOADED');
      const unknown = await act(c, 'admin', s.id, { unshelve: { host: 'nowhere' } }, '2.91');
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.badRequest.message, 'Compute host nowhere could not be found.');
      const outside = await act(c, 'admin', s.id, { unshelve: { host: 'compute3' } }, '2.91');
      assert.equal(outside.status, 409);
      assert.equal(outside.body.conflictingRequest.message, 'Host "compute3" is not in the availability zone "nova".');
      const wrongZone = await act(c, 'admin', s.id, { unshelve: { availability_zone: 'nova', host: 'compute3' } }, '2.91');
      assert.equal(wrongZone.status, 409);

      assert.equal((await act(c, 'admin', s.id, { unshelve: { availability_zone: null, host: 'compute3' } }, '2.91')).status, 202);
      const back = await c.waitServer(s.id, settled('ACTIVE'));
      assert.equal(back[HOST], 'compute3');
      assert.equal(back['OS-EXT-AZ:availability_zone'], 'shelf');
      assert.equal(back.pinned_availability_zone, null);
      assert.deepEqual(await allocationHosts(c, s.id), ['compute3']);

      // To a host in the zone it asks for, and then back to its old host.
      await shelveTo(s, 'SHELVED_OFFLOADED');
      assert.equal((await act(c, 'admin', s.id, { unshelve: { availability_zone: 'shelf', host: 'compute3' } }, '2.91')).status, 202);
      assert.equal((await c.waitServer(s.id, settled('ACTIVE')))[HOST], 'compute3');
      await shelveTo(s, 'SHELVED_OFFLOADED');
      assert.equal((await act(c, 'admin', s.id, { unshelve: { availability_zone: null, host: s[HOST] } }, '2.91')).status, 202);
      assert.equal((await c.waitServer(s.id, settled('ACTIVE')))[HOST], s[HOST]);
      await assertAuditClean(c);
      assert.equal((await c.req('admin', 'DELETE', `/servers/${s.id}`)).status, 204);
      await c.waitServer(s.id, (x) => x.gone === true);
    } finally {
      await c.req('admin', 'POST', `/os-aggregates/${aggId}/action`, { body: { remove_host: { host: 'compute3' } } });
      await c.req('admin', 'DELETE', `/os-aggregates/${aggId}`);
    }
  });
});

describe('shelve and unshelve', () => {
  it('shelve offloads at once (shelved_offload_time 0): image, no host, no guest, no allocation; unshelve brings it back and deletes the image', async () => {
    const s = await c.bootServer('demo');
    const r = await act(c, 'demo', s.id, { shelve: null });
    assert.equal(r.status, 202, r.text);
    const off = await c.waitServer(s.id, settled('SHELVED_OFFLOADED'));
    assert.equal(off['OS-EXT-STS:vm_state'], 'shelved_offloaded');
    assert.equal(off[HOST], null);
    assert.equal(off['OS-EXT-SRV-ATTR:hypervisor_hostname'], null);
    assert.equal(off['OS-EXT-STS:power_state'], 4);
    assert.deepEqual(guestsOf(s.id), []);
    assert.deepEqual(await allocationHosts(c, s.id), []);
    const [image] = await imagesNamed('demo', `${s.name}-shelved`);
    assert.equal(image?.status, 'active');
    assert.equal(image.instance_uuid, s.id);
    assert.equal(image.image_type, 'snapshot');
    const shelveAction = await until('the shelve to be recorded', () => actionOf(c, s.id, requestIdOf(r)), (a) => a.events.every((e: any) => e.finish_time !== null));
    assert.equal(shelveAction.action, 'shelve');
    assert.deepEqual(shelveAction.events.map((e: any) => [e.event, e.result]), [['compute_shelve_instance', 'Success']]);
    await assertAuditClean(c);

    const u = await act(c, 'demo', s.id, { unshelve: null });
    assert.equal(u.status, 202, u.text);
    assert.equal(u.text, '');
    const back = await c.waitServer(s.id, settled('ACTIVE'));
    assert.ok(HOSTS.includes(back[HOST]));
    assert.equal(back['OS-EXT-STS:power_state'], 1);
    assert.deepEqual(guestsOf(s.id), [back[HOST]]);
    assert.deepEqual(await allocationHosts(c, s.id), [back[HOST]]);
    assert.equal(await imageStatus('demo', image.id), 404);
    const unshelveAction = await until('the unshelve to be recorded', () => actionOf(c, s.id, requestIdOf(u)), (a) => a.events.length === 3 && a.events.every((e: any) => e.finish_time !== null));
    assert.equal(unshelveAction.action, 'unshelve');
    assert.deepEqual(
      unshelveAction.events.map((e: any) => e.event).sort(),
      ['compute_unshelve_instance', 'get_image_info', 'schedule_instances'],
    );
    await assertAuditClean(c);
  });

  it('with shelved_offload_time -1 the guest stays off on its host; shelveOffload (admin) frees it; a shelved server unshelves in place', async () => {
    await withOffloadTime(-1, async () => {
      const s = await c.bootServer('demo', { name: `vm-${randomBytes(3).toString('hex')}` });
      const shelved = await shelveTo(s, 'SHELVED');
      assert.equal(shelved[HOST], s[HOST]);
      assert.equal(shelved['OS-EXT-STS:power_state'], 4);
      assert.equal(guestOn(s[HOST], s.id)?.powerState, 4);
      assert.deepEqual(await allocationHosts(c, s.id), [s[HOST]]);
      await assertAuditClean(c);

      const member = await act(c, 'demo', s.id, { shelveOffload: null });
      assert.equal(member.status, 403);
      assert.equal(member.body.forbidden.message, "Policy doesn't allow os_compute_api:os-shelve:shelve_offload to be performed.");
      const o = await act(c, 'admin', s.id, { shelveOffload: null });
      assert.equal(o.status, 202, o.text);
      const off = await c.waitServer(s.id, settled('SHELVED_OFFLOADED'));
      assert.equal(off[HOST], null);
      assert.deepEqual(guestsOf(s.id), []);
      assert.deepEqual(await allocationHosts(c, s.id), []);
      const offload = await until('the offload to be recorded', () => actionOf(c, s.id, requestIdOf(o)), (a) => a.events[0]?.finish_time != null);
      assert.equal(offload.action, 'shelveOffload');
      assert.equal(offload.events[0].event, 'compute_shelve_offload_instance');

      const t = await c.bootServer('demo');
      await shelveTo(t, 'SHELVED');
      const [image] = await imagesNamed('demo', `${t.name}-shelved`);
      assert.equal((await act(c, 'demo', t.id, { unshelve: null })).status, 202);
      const back = await c.waitServer(t.id, settled('ACTIVE'));
      assert.equal(back[HOST], t[HOST]);
      assert.equal(guestOn(t[HOST], t.id)?.powerState, 1);
      assert.equal(await imageStatus('demo', image.id), 404);
      await assertAuditClean(c);
    });
  });

  it('a host offloads its servers shelved longer than shelved_offload_time, every shelved_poll_interval', async () => {
    const s = await c.bootServer('demo');
    await withOffloadTime(-1, () => shelveTo(s, 'SHELVED'));
    conf().set('DEFAULT', 'shelved_offload_time', '1');
    conf().set('DEFAULT', 'shelved_poll_interval', '1');
    try {
      const off = await c.waitServer(s.id, settled('SHELVED_OFFLOADED'), 8000);
      assert.equal(off[HOST], null);
      assert.deepEqual(guestsOf(s.id), []);
      assert.deepEqual(await allocationHosts(c, s.id), []);
    } finally {
      conf().set('DEFAULT', 'shelved_offload_time', '0');
      conf().set('DEFAULT', 'shelved_poll_interval', '3600');
    }
  });

  it('a paused, suspended or stopped server is shelved too', async () => {
    for (const [action, status] of [['pause', 'PAUSED'], ['suspend', 'SUSPENDED'], ['os-stop', 'SHUTOFF']] as const) {
      const s = await c.bootServer('demo');
      assert.equal((await act(c, 'demo', s.id, { [action]: null })).status, 202);
      await c.waitServer(s.id, settled(status));
      await shelveTo(s, 'SHELVED_OFFLOADED');
    }
    await assertAuditClean(c);
  });
});

describe('request checks, in Nova\'s order and words', () => {
  it('body schemas per microversion', async () => {
    const s = await c.bootServer('demo');
    const missing = '00000000-0000-4000-8000-000000000000';
    assert.equal((await act(c, 'demo', missing, { shelve: null })).status, 404);
    assert.equal((await act(c, 'demo', missing, { unshelve: null })).status, 404);
    assert.equal((await act(c, 'alt_demo', s.id, { shelve: null })).status, 404);
    assert.equal((await act(c, 'demo', s.id, { shelve: null, extra: 1 })).status, 400);
    assert.equal((await act(c, 'admin', s.id, { shelveOffload: null, extra: 1 })).status, 400);
    await shelveTo(s, 'SHELVED_OFFLOADED');
    for (const [version, body] of [
      ['2.1', { unshelve: null, extra: 1 }],
      ['2.77', { unshelve: {} }],
      ['2.77', { unshelve: { availability_zone: '' } }],
      ['2.77', { unshelve: { availability_zone: null } }],
      ['2.77', { unshelve: { availability_zone: 'nova', host: 'compute1' } }],
      ['2.91', { unshelve: { foo: 'bar' } }],
      ['2.91', { unshelve: { host: 1 } }],
      ['2.91', { unshelve: 'compute1' }],
    ] as const) {
      const r = await act(c, 'admin', s.id, body, version);
      assert.equal(r.status, 400, `${version} ${JSON.stringify(body)}: ${r.text}`);
    }
    const still = await c.waitServer(s.id, () => true);
    assert.equal(still.status, 'SHELVED_OFFLOADED');
    assert.equal(still['OS-EXT-STS:task_state'], null);
    // Below 2.77 the value is not looked at: an unknown zone in it is ignored.
    assert.equal((await act(c, 'demo', s.id, { unshelve: { availability_zone: 'nowhere' } }, '2.76')).status, 202);
    await c.waitServer(s.id, settled('ACTIVE'));
  });

  it('policy, lock and state guards answer 403 and 409 and change nothing', async () => {
    const s = await c.bootServer('demo');
    const reader = await act(c, 'demo_reader', s.id, { shelve: null });
    assert.equal(reader.status, 403);
    assert.equal(reader.body.forbidden.message, "Policy doesn't allow os_compute_api:os-shelve:shelve to be performed.");
    const active = await act(c, 'demo', s.id, { unshelve: null });
    assert.equal(active.status, 409);
    assert.equal(active.body.conflictingRequest.message, `Cannot 'unshelve' instance ${s.id} while it is in vm_state active`);
    const notShelved = await act(c, 'admin', s.id, { shelveOffload: null });
    assert.equal(notShelved.status, 409);
    assert.equal(notShelved.body.conflictingRequest.message, `Cannot 'shelveOffload' instance ${s.id} while it is in vm_state active`);

    assert.equal((await act(c, 'admin', s.id, { lock: null })).status, 202);
    const locked = await act(c, 'demo', s.id, { shelve: null });
    assert.equal(locked.status, 409);
    assert.equal(locked.body.conflictingRequest.message, `Instance ${s.id} is locked`);
    assert.equal((await act(c, 'admin', s.id, { unlock: null })).status, 202);
    assert.equal((await c.waitServer(s.id, () => true)).status, 'ACTIVE');
    assert.equal((await imagesNamed('demo', `${s.name}-shelved`)).length, 0, 'a refused shelve leaves no image');

    await shelveTo(s, 'SHELVED_OFFLOADED');
    const twice = await act(c, 'demo', s.id, { shelve: null });
    assert.equal(twice.status, 409);
    assert.equal(twice.body.conflictingRequest.message, `Cannot 'shelve' instance ${s.id} while it is in vm_state shelved_offloaded`);
    assert.equal((await imagesNamed('demo', `${s.name}-shelved`)).length, 1);
    const readerUnshelve = await act(c, 'demo_reader', s.id, { unshelve: null });
    assert.equal(readerUnshelve.status, 403);
    assert.equal(readerUnshelve.body.forbidden.message, "Policy doesn't allow os_compute_api:os-shelve:unshelve to be performed.");
    const toHost = await act(c, 'demo', s.id, { unshelve: { host: 'compute1' } }, '2.91');
    assert.equal(toHost.status, 403);
    assert.equal(toHost.body.forbidden.message, "Policy doesn't allow os_compute_api:os-shelve:unshelve_to_host to be performed.");
    const still = await c.waitServer(s.id, () => true);
    assert.equal(still.status, 'SHELVED_OFFLOADED');
    assert.equal(still['OS-EXT-STS:task_state'], null);
  });

  it('2.77: a zone only for an offloaded server, and only an available one; the server is pinned to it', async () => {
    const s = await c.bootServer('demo');
    await withOffloadTime(-1, () => shelveTo(s, 'SHELVED'));
    const shelved = await act(c, 'demo', s.id, { unshelve: { availability_zone: 'nova' } }, '2.77');
    assert.equal(shelved.status, 409);
    assert.equal(
      shelved.body.conflictingRequest.message,
      `Specifying an availability zone or a host when unshelving server "${s.id}" with status "shelved" is not supported. The server status must be SHELVED_OFFLOADED.`,
    );
    assert.equal((await act(c, 'admin', s.id, { shelveOffload: null })).status, 202);
    await c.waitServer(s.id, settled('SHELVED_OFFLOADED'));
    const unknown = await act(c, 'demo', s.id, { unshelve: { availability_zone: 'atlantis' } }, '2.77');
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.badRequest.message, 'The requested availability zone is not available');
    assert.equal((await act(c, 'demo', s.id, { unshelve: { availability_zone: 'nova' } }, '2.77')).status, 202);
    const back = await c.waitServer(s.id, settled('ACTIVE'));
    assert.equal((await c.req('demo', 'GET', `/servers/${s.id}`, { version: '2.96' })).body.server.pinned_availability_zone, 'nova');
    assert.ok(HOSTS.includes(back[HOST]));
  });

});

describe('around shelve', () => {
  it('an offloaded server keeps counting against the quota, and unshelve checks none (as Nova counts usage)', async () => {
    const alt = await c.projectId('alt_demo');
    const s = await c.bootServer('alt_demo');
    const before = (await c.req('alt_demo', 'GET', '/limits')).body.limits.absolute;
    await shelveTo(s, 'SHELVED_OFFLOADED', 'alt_demo');
    const offloaded = (await c.req('alt_demo', 'GET', '/limits')).body.limits.absolute;
    assert.deepEqual(
      [offloaded.totalInstancesUsed, offloaded.totalCoresUsed, offloaded.totalRAMUsed],
      [before.totalInstancesUsed, before.totalCoresUsed, before.totalRAMUsed],
    );
    const q = await c.req('admin', 'PUT', `/os-quota-sets/${alt}`, { body: { quota_set: { cores: 0, force: true } } });
    assert.equal(q.status, 200, q.text);
    try {
      const refused = await c.req('alt_demo', 'POST', '/servers', { version: '2.37', body: { server: { name: 'over', flavorRef: '1', imageRef: s.image.id, networks: 'none' } } });
      assert.equal(refused.status, 403, 'the quota is in force');
      assert.equal((await act(c, 'alt_demo', s.id, { unshelve: null })).status, 202);
      await c.waitServer(s.id, settled('ACTIVE'));
    } finally {
      await c.req('admin', 'PUT', `/os-quota-sets/${alt}`, { body: { quota_set: { cores: -1 } } });
    }
  });

  it('deletes a shelved server through its host and an offloaded one at once; either way its image goes', async () => {
    const s = await c.bootServer('demo');
    await withOffloadTime(-1, () => shelveTo(s, 'SHELVED'));
    const [shelvedImage] = await imagesNamed('demo', `${s.name}-shelved`);
    assert.equal((await c.req('demo', 'DELETE', `/servers/${s.id}`)).status, 204);
    await c.waitServer(s.id, (x) => x.gone === true);
    assert.deepEqual(guestsOf(s.id), []);
    assert.equal(await imageStatus('demo', shelvedImage.id), 404);

    const t = await c.bootServer('demo');
    await shelveTo(t, 'SHELVED_OFFLOADED');
    const [offloadedImage] = await imagesNamed('demo', `${t.name}-shelved`);
    assert.equal((await c.req('demo', 'DELETE', `/servers/${t.id}`)).status, 204);
    assert.equal((await c.req('demo', 'GET', `/servers/${t.id}`)).status, 404, 'no host to wait for');
    assert.equal(await imageStatus('demo', offloadedImage.id), 404);
    assert.deepEqual(await allocationHosts(c, t.id), []);
    await assertAuditClean(c);
  });

  it('unshelve honours the server group: an affinity member comes back to its group\'s host', async () => {
    const g = await c.req('demo', 'POST', '/os-server-groups', { version: '2.64', body: { server_group: { name: 'shelf-group', policy: 'affinity' } } });
    assert.equal(g.status, 200, g.text);
    const hints = { 'os:scheduler_hints': { group: g.body.server_group.id } };
    const boot = async () => {
      const r = await c.req('demo', 'POST', '/servers', {
        version: '2.37',
        body: { server: { name: `vm-${randomBytes(3).toString('hex')}`, flavorRef: '1', imageRef: (await imagesNamed('demo', 'cirros'))[0].id, networks: 'none' }, ...hints },
      });
      assert.equal(r.status, 202, r.text);
      return c.waitServer(r.body.server.id, settled('ACTIVE'));
    };
    const a = await boot();
    const b = await boot();
    assert.equal(b[HOST], a[HOST]);
    for (let i = 0; i < 2; i++) {
      await shelveTo(b, 'SHELVED_OFFLOADED');
      assert.equal((await act(c, 'demo', b.id, { unshelve: null })).status, 202);
      assert.equal((await c.waitServer(b.id, settled('ACTIVE')))[HOST], a[HOST]);
    }
  });

  it('a spawn that fails on unshelve leaves the server offloaded, with a fault and without host or allocation', async () => {
    const s = await c.bootServer('demo');
    await shelveTo(s, 'SHELVED_OFFLOADED');
    c.aio.faults.add({ step: 'spawn', server: s.id, count: 1, message: 'no room for the disk' });
    const u = await act(c, 'demo', s.id, { unshelve: null });
    assert.equal(u.status, 202);
    const action = await until('the unshelve to fail', () => actionOf(c, s.id, requestIdOf(u)), (a) => a.events.some((e: any) => e.result === 'Error'));
    assert.equal(action.events.find((e: any) => e.result === 'Error').event, 'compute_unshelve_instance');
    const still = await c.waitServer(s.id, settled('SHELVED_OFFLOADED'));
    assert.equal(still[HOST], null);
    assert.deepEqual(await allocationHosts(c, s.id), []);
    assert.deepEqual(guestsOf(s.id), []);
    assert.equal((await imagesNamed('demo', `${s.name}-shelved`)).length, 1, 'the image is kept for the next try');
    assert.equal((await act(c, 'demo', s.id, { unshelve: null })).status, 202);
    await c.waitServer(s.id, settled('ACTIVE'));
    await assertAuditClean(c);
  });
});
