// os-hosts (until 2.42): hosts and their services, a host's resource rows, and
// the host requests, which the simulated hypervisor accepts as Nova's fake
// driver does. Admin-only; 404 from 2.43.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud, PAST_SERVICE_DOWN_TIME_MS } from '../support/cloud.js';

const V = '2.42';

describe('os-hosts', () => {
  let c: Cloud;
  before(async () => {
    c = await startCloud();
  });
  after(async () => {
    await c.stop();
  });

  const get = (user: string, path: string, version = V) => c.req(user, 'GET', path, { version });

  it('lists the enabled services\' hosts with their topic and zone, filtered by zone', async () => {
    let r = await get('admin', '/os-hosts');
    assert.equal(r.status, 200, r.text);
    const computes = r.body.hosts.filter((h: any) => h.service === 'compute');
    assert.deepEqual(computes.map((h: any) => h.host_name).sort(), ['compute1', 'compute2', 'compute3']);
    for (const h of r.body.hosts) assert.deepEqual(Object.keys(h).sort(), ['host_name', 'service', 'zone']);
    assert.ok(computes.every((h: any) => h.zone === 'nova'));
    assert.ok(r.body.hosts.filter((h: any) => h.service !== 'compute').every((h: any) => h.zone === 'internal'));

    r = await get('admin', '/os-hosts?zone=nova');
    assert.deepEqual(r.body.hosts.map((h: any) => h.service), ['compute', 'compute', 'compute']);
    r = await get('admin', '/os-hosts?zone=nowhere');
    assert.deepEqual(r.body, { hosts: [] });
    r = await get('admin', '/os-hosts?zone=');
    assert.ok(r.body.hosts.length >= 3);

    const svc = (await c.req('admin', 'GET', '/os-services?binary=nova-compute&host=compute3')).body.services[0];
    assert.equal((await c.req('admin', 'PUT', '/os-services/disable', { body: { host: 'compute3', binary: 'nova-compute' } })).status, 200, String(svc?.id));
    try {
      r = await get('admin', '/os-hosts?zone=nova');
      assert.deepEqual(r.body.hosts.map((h: any) => h.host_name).sort(), ['compute1', 'compute2']);
    } finally {
      await c.req('admin', 'PUT', '/os-services/enable', { body: { host: 'compute3', binary: 'nova-compute' } });
    }
  });

  it('shows a host\'s totals, use now, flavor sums and per-project rows', async () => {
    const s = await c.bootServer('admin', { availability_zone: 'nova:compute2' });
    const own = await c.projectId('admin');
    const r = await get('admin', '/os-hosts/compute2');
    assert.equal(r.status, 200, r.text);
    const rows = r.body.host.map((x: any) => x.resource);
    assert.deepEqual(rows.map((x: any) => x.project).slice(0, 3), ['(total)', '(used_now)', '(used_max)']);
    for (const x of rows) {
      assert.equal(x.host, 'compute2');
      assert.deepEqual(Object.keys(x).sort(), ['cpu', 'disk_gb', 'host', 'memory_mb', 'project']);
    }
    const hyp = (await c.req('admin', 'GET', '/os-hypervisors/detail', { version: '2.1' })).body.hypervisors.find((h: any) => h.service.host === 'compute2');
    assert.deepEqual([rows[0].cpu, rows[0].memory_mb, rows[0].disk_gb], [hyp.vcpus, hyp.memory_mb, hyp.local_gb]);
    assert.deepEqual([rows[1].cpu, rows[1].memory_mb, rows[1].disk_gb], [hyp.vcpus_used, hyp.memory_mb_used, hyp.local_gb_used]);
    const mine = rows.find((x: any) => x.project === own);
    const flavor = (await c.req('admin', 'GET', '/flavors/1')).body.flavor;
    assert.deepEqual([mine.cpu, mine.memory_mb, mine.disk_gb], [flavor.vcpus, flavor.ram, flavor.disk + flavor['OS-FLV-EXT-DATA:ephemeral']]);
    assert.ok(rows[2].cpu >= mine.cpu);
    assert.ok(s.id);
  });

  it('is 404 for a host with no compute service', async () => {
    for (const path of ['/os-hosts/nowhere', '/os-hosts/nowhere/reboot']) {
      const r = await get('admin', path);
      assert.equal(r.status, 404, path);
      assert.equal(r.body.itemNotFound.message, "Host 'nowhere' is not mapped to any cell");
    }
    const r = await c.req('admin', 'PUT', '/os-hosts/nowhere', { version: V, body: { status: 'enable' } });
    assert.equal(r.status, 404);
  });

  it('passes enable/disable and maintenance mode to the host, which accepts them; the service is not changed', async () => {
    let r = await c.req('admin', 'PUT', '/os-hosts/compute1', { version: V, body: { status: 'Disable', maintenance_mode: 'ENABLE' } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body, { host: 'compute1', status: 'disabled', maintenance_mode: 'on_maintenance' });
    r = await c.req('admin', 'PUT', '/os-hosts/compute1', { version: V, body: { maintenance_mode: 'disable' } });
    assert.deepEqual(r.body, { host: 'compute1', maintenance_mode: 'off_maintenance' });
    r = await c.req('admin', 'PUT', '/os-hosts/compute1', { version: V, body: { status: 'enable' } });
    assert.deepEqual(r.body, { host: 'compute1', status: 'enabled' });
    const svc = (await c.req('admin', 'GET', '/os-services?host=compute1&binary=nova-compute')).body.services[0];
    assert.equal(svc.status, 'enabled');
  });

  it('refuses update bodies outside the schema', async () => {
    for (const body of [{}, { status: 'on' }, { maintenance_mode: 'enabled' }, { status: 'enable', other: 1 }, { host: { status: 'enable' } }]) {
      const r = await c.req('admin', 'PUT', '/os-hosts/compute1', { version: V, body });
      assert.equal(r.status, 400, JSON.stringify(body));
    }
  });

  it('answers the power actions with their names', async () => {
    for (const action of ['startup', 'shutdown', 'reboot']) {
      const r = await get('admin', `/os-hosts/compute2/${action}`);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.body, { host: 'compute2', power_action: action });
    }
    // Nothing happened to the host.
    assert.equal((await c.req('admin', 'GET', '/os-services?host=compute2&binary=nova-compute')).body.services[0].state, 'up');
  });

  it('is 400 when the host\'s compute service is down', async () => {
    await c.aio.stopHost('compute3');
    try {
      await new Promise((res) => setTimeout(res, PAST_SERVICE_DOWN_TIME_MS)); // past service_down_time
      const r = await get('admin', '/os-hosts/compute3/reboot');
      assert.equal(r.status, 400);
      assert.equal(r.body.badRequest.message, 'Compute service of compute3 is unavailable at this time.');
    } finally {
      await c.aio.startHost('compute3');
    }
  });

  it('is admin-only, each request under its own rule', async () => {
    const cases: Array<[string, string, string]> = [
      ['GET', '/os-hosts', 'list'],
      ['GET', '/os-hosts/compute1', 'show'],
      ['PUT', '/os-hosts/compute1', 'update'],
      ['GET', '/os-hosts/compute1/startup', 'start'],
      ['GET', '/os-hosts/compute1/shutdown', 'shutdown'],
      ['GET', '/os-hosts/compute1/reboot', 'reboot'],
    ];
    for (const [method, path, rule] of cases) {
      const r = await c.req('demo', method, path, { version: V, ...(method === 'PUT' && { body: { status: 'enable' } }) });
      assert.equal(r.status, 403, path);
      assert.equal(r.body.forbidden.message, `Policy doesn't allow os_compute_api:os-hosts:${rule} to be performed.`);
    }
  });

  it('is gone (404) from 2.43', async () => {
    for (const path of ['/os-hosts', '/os-hosts/compute1', '/os-hosts/compute1/reboot']) {
      const r = await get('admin', path, '2.43');
      assert.equal(r.status, 404, path);
    }
    const r = await c.req('admin', 'PUT', '/os-hosts/compute1', { version: '2.43', body: { status: 'enable' } });
    assert.equal(r.status, 404);
  });
});
