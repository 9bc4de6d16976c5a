// /os-availability-zone and its detail: zones from services, the internal
// zone hidden from the summary, availability from enabled services, hosts
// and their services in the admin detail.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud } from '../support/cloud.js';

describe('os-availability-zone', () => {
  let c: Cloud;
  let computeIds: Record<string, string>;
  before(async () => {
    c = await startCloud();
    const r = await c.req('admin', 'GET', '/os-services?binary=nova-compute', { version: '2.53' });
    computeIds = Object.fromEntries(r.body.services.map((s: any) => [s.host, s.id]));
  });
  after(async () => {
    await c.stop();
  });

  const setStatus = (host: string, status: 'enabled' | 'disabled') =>
    c.req('admin', 'PUT', `/os-services/${computeIds[host]}`, { version: '2.53', body: { status } });

  it('lists the available zones to any user, without the internal zone', async () => {
    for (const user of ['demo', 'demo_reader', 'admin']) {
      const r = await c.req(user, 'GET', '/os-availability-zone');
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, { availabilityZoneInfo: [{ zoneName: 'nova', zoneState: { available: true }, hosts: null }] });
    }
  });

  it('details every zone with its hosts and services for admins', async () => {
    const r = await c.req('admin', 'GET', '/os-availability-zone/detail');
    assert.equal(r.status, 200);
    const zones = r.body.availabilityZoneInfo;
    assert.deepEqual(zones.map((z: any) => z.zoneName), ['internal', 'nova']);
    const internal = zones[0];
    assert.deepEqual(internal.zoneState, { available: true });
    assert.deepEqual(Object.keys(internal.hosts), ['magnetar']);
    assert.deepEqual(Object.keys(internal.hosts.magnetar).sort(), ['nova-conductor', 'nova-scheduler']);
    const sched = internal.hosts.magnetar['nova-scheduler'];
    assert.deepEqual(Object.keys(sched).sort(), ['active', 'available', 'updated_at']);
    assert.equal(sched.available, true);
    assert.equal(sched.active, true);
    assert.match(sched.updated_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/);
    const nova = zones[1];
    assert.deepEqual(Object.keys(nova.hosts).sort(), ['compute1', 'compute2', 'compute3']);
    assert.deepEqual(Object.keys(nova.hosts.compute1), ['nova-compute']);
  });

  it('detail is admin-only', async () => {
    const r = await c.req('demo', 'GET', '/os-availability-zone/detail');
    assert.equal(r.status, 403);
    assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:os-availability-zone:detail to be performed.");
  });

  it('leaves disabled services out of the hosts and a zone with only disabled services unavailable', async () => {
    await setStatus('compute1', 'disabled');
    try {
      let r = await c.req('admin', 'GET', '/os-availability-zone/detail');
      let nova = r.body.availabilityZoneInfo.find((z: any) => z.zoneName === 'nova');
      assert.deepEqual(Object.keys(nova.hosts).sort(), ['compute2', 'compute3']);

      await setStatus('compute2', 'disabled');
      await setStatus('compute3', 'disabled');
      r = await c.req('demo', 'GET', '/os-availability-zone');
      assert.deepEqual(r.body, { availabilityZoneInfo: [{ zoneName: 'nova', zoneState: { available: false }, hosts: null }] });
      r = await c.req('admin', 'GET', '/os-availability-zone/detail');
      assert.deepEqual(r.body.availabilityZoneInfo.map((z: any) => [z.zoneName, z.zoneState.available]), [
        ['internal', true],
        ['nova', false],
      ]);
      nova = r.body.availabilityZoneInfo.find((z: any) => z.zoneName === 'nova');
      assert.equal(nova.hosts, null);
    } finally {
      for (const h of ['compute1', 'compute2', 'compute3']) await setStatus(h, 'enabled');
    }
  });

  it('marks a host that stopped heartbeating as not available', async () => {
    await c.aio.stopHost('compute2');
    try {
      const end = Date.now() + 5000;
      let svc: any;
      do {
        await new Promise((res) => setTimeout(res, 100));
        const r = await c.req('admin', 'GET', '/os-availability-zone/detail');
        svc = r.body.availabilityZoneInfo.find((z: any) => z.zoneName === 'nova').hosts.compute2['nova-compute'];
      } while (svc.available && Date.now() < end);
      assert.equal(svc.available, false);
      assert.equal(svc.active, true);
    } finally {
      await c.aio.startHost('compute2');
    }
  });

  it('ignores unknown query parameters before 2.102 and refuses them from 2.102', async () => {
    let r = await c.req('demo', 'GET', '/os-availability-zone?colour=red', { version: '2.101' });
    assert.equal(r.status, 200);
    r = await c.req('demo', 'GET', '/os-availability-zone?colour=red', { version: '2.102' });
    assert.equal(r.status, 400);
    r = await c.req('admin', 'GET', '/os-availability-zone/detail?colour=red', { version: '2.102' });
    assert.equal(r.status, 400);
  });
});
