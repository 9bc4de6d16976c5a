// GET /servers/{id}/diagnostics: admin only; the free form before 2.48 and
// the standard form from 2.48, with figures that follow the server (its
// flavor, its uptime since it started); Nova's 409s for a guest that is not
// running, a server without a host, and a host that is down.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud } from '../support/cloud.js';
import { setForcedDown, setInstanceColumns } from '../support/db.js';
import { sleep } from '../support/wait.js';

const NO_SERVER = '3b7c1b8e-0d2a-4c59-9a7e-3b5d2f0e8a11';
const STANDARD_KEYS = ['state', 'driver', 'hypervisor', 'hypervisor_os', 'uptime', 'config_drive', 'num_cpus', 'num_nics', 'num_disks', 'memory_details', 'cpu_details', 'nic_details', 'disk_details'];

describe('server diagnostics', () => {
  let c: Cloud;
  let server: any;
  before(async () => {
    c = await startCloud();
    server = await c.bootServer('demo');
  });
  after(async () => {
    await c.stop();
  });

  const diag = (user: string, id: string, version = '2.1') => c.req(user, 'GET', `/servers/${id}/diagnostics`, { version });

  it('is for admins only', async () => {
    for (const user of ['demo', 'demo_manager']) {
      const r = await diag(user, server.id);
      assert.equal(r.status, 403, user);
      assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:os-server-diagnostics to be performed.");
    }
    const r = await diag('admin', NO_SERVER);
    assert.equal(r.status, 404);
  });

  it('answers the hypervisor\'s free form before 2.48, sized from the flavor', async () => {
    const r = await diag('admin', server.id, '2.47');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.memory, 512 * 1024);
    assert.equal(typeof r.body.cpu0_time, 'number');
    assert.equal(r.body.cpu1_time, undefined);
    for (const k of ['vda_read', 'vda_read_req', 'vda_write', 'vda_write_req', 'vda_errors']) assert.equal(typeof r.body[k], 'number', k);
  });

  it('answers the standard form from 2.48, with an uptime that grows', async () => {
    const r = await diag('admin', server.id, '2.48');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.body).sort(), [...STANDARD_KEYS].sort());
    const d = r.body;
    assert.equal(d.state, 'running');
    assert.equal(d.driver, 'libvirt');
    assert.equal(d.config_drive, false);
    assert.equal(d.num_cpus, 1);
    assert.equal(d.num_nics, 0);
    assert.equal(d.num_disks, 1);
    assert.deepEqual(d.nic_details, []);
    assert.equal(d.memory_details.maximum, 512);
    assert.ok(d.memory_details.used > 0 && d.memory_details.used < 512);
    assert.equal(d.cpu_details.length, 1);
    assert.deepEqual(Object.keys(d.cpu_details[0]).sort(), ['id', 'time', 'utilisation']);
    assert.deepEqual(Object.keys(d.disk_details[0]).sort(), ['errors_count', 'read_bytes', 'read_requests', 'write_bytes', 'write_requests']);
    assert.ok(Number.isInteger(d.uptime) && d.uptime >= 0);
    await sleep(1100);
    const later = (await diag('admin', server.id, 'latest')).body;
    assert.ok(later.uptime >= d.uptime + 1, `${later.uptime} after ${d.uptime}`);
    assert.ok(later.cpu_details[0].time > d.cpu_details[0].time);
  });

  it('sizes the figures from a bigger flavor', async () => {
    const flavors = (await c.req('demo', 'GET', '/flavors')).body.flavors;
    const small = flavors.find((f: any) => f.name === 'm1.small');
    const r0 = await c.req('demo', 'POST', '/servers', { body: { server: { name: 'big', flavorRef: small.id, imageRef: server.image.id, networks: 'none' } }, version: '2.37' });
    assert.equal(r0.status, 202, r0.text);
    const s = await c.waitServer(r0.body.server.id, (x) => x.status === 'ACTIVE');
    const flavor = (await c.req('demo', 'GET', `/flavors/${small.id}`)).body.flavor;
    const d = (await diag('admin', s.id, '2.48')).body;
    assert.equal(d.num_cpus, flavor.vcpus);
    assert.equal(d.cpu_details.length, flavor.vcpus);
    assert.equal(d.memory_details.maximum, flavor.ram);
  });

  it('409s a guest that is not running, naming the power state', async () => {
    const s = await c.bootServer('demo');
    assert.equal((await c.req('demo', 'POST', `/servers/${s.id}/action`, { body: { 'os-stop': null } })).status, 202);
    await c.waitServer(s.id, (x) => x.status === 'SHUTOFF' && x['OS-EXT-STS:task_state'] === null);
    for (const v of ['2.1', '2.48']) {
      const r = await diag('admin', s.id, v);
      assert.equal(r.status, 409, v);
      assert.equal(r.body.conflictingRequest.message, `Cannot 'get_diagnostics' instance ${s.id} while it is in power state shutdown`);
    }
  });

  it('409s a server without a host, and one whose host is down', async () => {
    const s = await c.bootServer('demo');
    const host = s['OS-EXT-SRV-ATTR:host'];
    await setInstanceColumns(c, s.id, { host: null });
    let r = await diag('admin', s.id, '2.48');
    assert.equal(r.status, 409);
    assert.equal(r.body.conflictingRequest.message, `Instance ${s.id} is not ready`);
    await setInstanceColumns(c, s.id, { host });
    await setForcedDown(c, host, true);
    try {
      r = await diag('admin', s.id, '2.48');
      assert.equal(r.status, 409);
      assert.equal(r.body.conflictingRequest.message, 'Service is unavailable at this time.');
    } finally {
      await setForcedDown(c, host, false);
    }
    assert.equal((await diag('admin', s.id, '2.48')).status, 200);
  });
});
