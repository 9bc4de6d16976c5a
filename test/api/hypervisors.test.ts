// /os-hypervisors: list/detail/show per microversion (ids, cpu_info, the
// 2.88 field changes), usage from allocations, statistics and uptime until
// 2.87, paging from 2.33, hostname patterns and servers — as a client sees them.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startCloud, type Cloud } from '../support/cloud.js';

const BASIC = ['hypervisor_hostname', 'id', 'state', 'status'];
const DETAIL_COMMON = [...BASIC, 'host_ip', 'hypervisor_type', 'hypervisor_version', 'service'];
const STATS = [
  'cpu_info', 'current_workload', 'disk_available_least', 'free_disk_gb', 'free_ram_mb', 'local_gb', 'local_gb_used',
  'memory_mb', 'memory_mb_used', 'running_vms', 'vcpus', 'vcpus_used',
];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const keys = (o: object) => Object.keys(o).sort();
const sorted = (a: string[]) => [...a].sort();

describe('os-hypervisors', () => {
  let c: Cloud;
  let server: any;
  let serverHost: string;
  before(async () => {
    c = await startCloud();
    server = await c.bootServer('demo');
    serverHost = server['OS-EXT-SRV-ATTR:host'];
  });
  after(async () => {
    await c.stop();
  });

  const get = (path: string, version = '2.1', user = 'admin') => c.req(user, 'GET', path, { version });
  const hyp = async (host: string, version: string) => {
    const r = await get('/os-hypervisors/detail', version);
    assert.equal(r.status, 200, r.text);
    return r.body.hypervisors.find((h: any) => h.hypervisor_hostname === host);
  };
  const serviceUuid = async (host: string) => {
    const r = await get(`/os-services?host=${host}&binary=nova-compute`, '2.53');
    return r.body.services[0].id as string;
  };

  it('lists one hypervisor per compute host with integer ids before 2.53 and uuids from it', async () => {
    let r = await get('/os-hypervisors');
    assert.equal(r.status, 200);
    assert.deepEqual(keys(r.body), ['hypervisors']);
    assert.deepEqual(r.body.hypervisors.map((h: any) => h.hypervisor_hostname).sort(), ['compute1', 'compute2', 'compute3']);
    for (const h of r.body.hypervisors) {
      assert.deepEqual(keys(h), BASIC);
      assert.equal(typeof h.id, 'number');
      assert.equal(h.state, 'up');
      assert.equal(h.status, 'enabled');
    }
    r = await get('/os-hypervisors', '2.53');
    for (const h of r.body.hypervisors) assert.match(h.id, UUID);
  });

  it('details carry the fields of each microversion', async () => {
    let h = await hyp('compute1', '2.1');
    assert.deepEqual(keys(h), sorted([...DETAIL_COMMON, ...STATS]));
    assert.equal(typeof h.cpu_info, 'string');
    assert.equal(JSON.parse(h.cpu_info).arch, 'x86_64');
    assert.deepEqual(keys(h.service), ['disabled_reason', 'host', 'id']);
    assert.equal(h.service.host, 'compute1');
    assert.equal(typeof h.service.id, 'number');
    assert.equal(h.hypervisor_type, 'fake');
    assert.equal(typeof h.hypervisor_version, 'number');

    h = await hyp('compute1', '2.28');
    assert.equal(h.cpu_info.arch, 'x86_64');

    h = await hyp('compute1', '2.53');
    assert.match(h.id, UUID);
    assert.equal(h.service.id, await serviceUuid('compute1'));

    h = await hyp('compute1', '2.88');
    assert.deepEqual(keys(h), sorted([...DETAIL_COMMON, 'uptime']));
    assert.match(h.uptime, /^ \d{2}:\d{2}:\d{2} up .*load average/);
  });

  it('reports usage from allocations and the servers of the host', async () => {
    const h = await hyp(serverHost, '2.1');
    assert.equal(h.vcpus_used, 1);
    assert.equal(h.memory_mb_used, 512);
    assert.equal(h.local_gb_used, 1);
    assert.equal(h.running_vms, 1);
    assert.equal(h.free_ram_mb, h.memory_mb - 512);
    assert.equal(h.free_disk_gb, h.local_gb - 1);
    assert.equal(h.current_workload, 0);
    const other = await hyp(['compute1', 'compute2', 'compute3'].find((x) => x !== serverHost)!, '2.1');
    assert.equal(other.vcpus_used, 0);
    assert.equal(other.running_vms, 0);
  });

  it('statistics sum over enabled compute hosts until 2.87', async () => {
    let r = await get('/os-hypervisors/statistics');
    assert.equal(r.status, 200);
    const s = r.body.hypervisor_statistics;
    assert.deepEqual(keys(s), sorted([
      'count', 'current_workload', 'disk_available_least', 'free_disk_gb', 'free_ram_mb', 'local_gb', 'local_gb_used',
      'memory_mb', 'memory_mb_used', 'running_vms', 'vcpus', 'vcpus_used',
    ]));
    assert.equal(s.count, 3);
    assert.equal(s.running_vms, 1);
    assert.equal(s.memory_mb_used, 512);
    const one = await hyp('compute1', '2.1');
    assert.equal(s.vcpus, 3 * one.vcpus);

    const id = await serviceUuid(serverHost);
    await c.req('admin', 'PUT', `/os-services/${id}`, { version: '2.53', body: { status: 'disabled' } });
    try {
      r = await get('/os-hypervisors/statistics', '2.87');
      assert.equal(r.body.hypervisor_statistics.count, 2);
      assert.equal(r.body.hypervisor_statistics.running_vms, 0);
      const h = await hyp(serverHost, '2.1');
      assert.equal(h.status, 'disabled');
    } finally {
      await c.req('admin', 'PUT', `/os-services/${id}`, { version: '2.53', body: { status: 'enabled' } });
    }
    r = await get('/os-hypervisors/statistics', '2.88');
    assert.equal(r.status, 404);
    assert.equal(r.body.itemNotFound.message, 'The resource could not be found.');
  });

  it('shows one hypervisor by integer id before 2.53 and by uuid from it', async () => {
    const list = await get('/os-hypervisors');
    const intId = list.body.hypervisors[0].id;
    let r = await get(`/os-hypervisors/${intId}`);
    assert.equal(r.status, 200);
    assert.deepEqual(keys(r.body), ['hypervisor']);
    assert.deepEqual(keys(r.body.hypervisor), sorted([...DETAIL_COMMON, ...STATS]));
    assert.equal(r.body.hypervisor.id, intId);

    r = await get('/os-hypervisors/abc');
    assert.equal(r.status, 404);
    assert.equal(r.body.itemNotFound.message, "Hypervisor with ID 'abc' could not be found.");
    r = await get('/os-hypervisors/9999');
    assert.equal(r.status, 404);
    assert.equal(r.body.itemNotFound.message, "Hypervisor with ID '9999' could not be found.");

    const uuid = (await get('/os-hypervisors', '2.53')).body.hypervisors[0].id;
    r = await get(`/os-hypervisors/${uuid}`, '2.53');
    assert.equal(r.status, 200);
    assert.equal(r.body.hypervisor.id, uuid);
    r = await get(`/os-hypervisors/${intId}`, '2.53');
    assert.equal(r.status, 400);
    assert.equal(r.body.badRequest.message, `Invalid uuid ${intId}`);
    const missing = randomUUID();
    r = await get(`/os-hypervisors/${missing}`, '2.53');
    assert.equal(r.status, 404);
    assert.equal(r.body.itemNotFound.message, `Hypervisor with ID '${missing}' could not be found.`);
    r = await get(`/os-hypervisors/${uuid}?colour=red`, '2.53');
    assert.equal(r.status, 400, 'unknown parameters are refused from 2.53');
    r = await get(`/os-hypervisors/${intId}?colour=red`, '2.52');
    assert.equal(r.status, 200);
  });

  it('is admin-only, and the policy is checked before the id', async () => {
    const paths: Array<[string, string, string]> = [
      ['/os-hypervisors', '2.1', 'list'],
      ['/os-hypervisors/detail', '2.1', 'list-detail'],
      ['/os-hypervisors/abc', '2.53', 'show'],
      ['/os-hypervisors/abc', '2.1', 'show'],
      ['/os-hypervisors/statistics', '2.1', 'statistics'],
      ['/os-hypervisors/abc/uptime', '2.53', 'uptime'],
      ['/os-hypervisors/compute/search', '2.1', 'search'],
      ['/os-hypervisors/compute/servers', '2.1', 'servers'],
    ];
    for (const [path, version, rule] of paths) {
      const r = await get(path, version, 'demo');
      assert.equal(r.status, 403, `${path} @${version}`);
      assert.equal(r.body.forbidden.message, `Policy doesn't allow os_compute_api:os-hypervisors:${rule} to be performed.`);
    }
  });

  it('uptime until 2.87: basic fields plus uptime; 400 when the host is down', async () => {
    const h = (await get('/os-hypervisors')).body.hypervisors.find((x: any) => x.hypervisor_hostname === 'compute2');
    let r = await get(`/os-hypervisors/${h.id}/uptime`);
    assert.equal(r.status, 200);
    assert.deepEqual(keys(r.body.hypervisor), sorted([...BASIC, 'uptime']));
    assert.match(r.body.hypervisor.uptime, / up /);
    const uuid = (await hyp('compute2', '2.53')).id;
    r = await get(`/os-hypervisors/${uuid}/uptime`, '2.87');
    assert.equal(r.status, 200);
    assert.equal(r.body.hypervisor.id, uuid);
    r = await get(`/os-hypervisors/${uuid}/uptime`, '2.88');
    assert.equal(r.status, 404);
    r = await get('/os-hypervisors/abc/uptime');
    assert.equal(r.status, 404);

    const svc = await serviceUuid('compute2');
    await c.req('admin', 'PUT', `/os-services/${svc}`, { version: '2.53', body: { forced_down: true } });
    try {
      r = await get(`/os-hypervisors/${h.id}/uptime`);
      assert.equal(r.status, 400);
      assert.equal(r.body.badRequest.message, 'Compute service of compute2 is unavailable at this time.');
      const d = await hyp('compute2', '2.88');
      assert.equal(d.state, 'down');
      assert.equal(d.uptime, null, 'no uptime for a down host');
    } finally {
      await c.req('admin', 'PUT', `/os-services/${svc}`, { version: '2.53', body: { forced_down: false } });
    }
  });

  it('pages from 2.33 with limit, marker and hypervisors_links', async () => {
    let r = await get('/os-hypervisors?limit=1', '2.32');
    assert.equal(r.body.hypervisors.length, 3, 'no paging before 2.33');
    assert.equal(r.body.hypervisors_links, undefined);

    r = await get('/os-hypervisors?limit=2', '2.33');
    assert.equal(r.body.hypervisors.length, 2);
    assert.equal(r.body.hypervisors_links.length, 1);
    const next = new URL(r.body.hypervisors_links[0].href);
    assert.equal(next.pathname, '/v2.1/os-hypervisors');
    assert.equal(next.searchParams.get('marker'), String(r.body.hypervisors[1].id));
    r = await get(`/os-hypervisors${next.search}`, '2.33');
    assert.equal(r.body.hypervisors.length, 1);
    assert.equal(r.body.hypervisors_links, undefined);

    r = await get('/os-hypervisors/detail?limit=1', '2.53');
    assert.match(r.body.hypervisors_links[0].href, /\/os-hypervisors\/detail\?limit=1&marker=[0-9a-f-]{36}$/);
    r = await get(`/os-hypervisors/detail?marker=${r.body.hypervisors[0].id}`, '2.53');
    assert.equal(r.body.hypervisors.length, 2);

    r = await get('/os-hypervisors?marker=9999', '2.33');
    assert.equal(r.status, 400);
    assert.equal(r.body.badRequest.message, 'marker [9999] not found');
    r = await get('/os-hypervisors?limit=x', '2.33');
    assert.equal(r.status, 400);
    r = await get('/os-hypervisors?colour=red', '2.52');
    assert.equal(r.status, 200);
    r = await get('/os-hypervisors?colour=red', '2.53');
    assert.equal(r.status, 400);
  });

  it('filters by hostname pattern and lists servers from 2.53', async () => {
    let r = await get('/os-hypervisors?hypervisor_hostname_pattern=compute', '2.53');
    assert.equal(r.body.hypervisors.length, 3);
    r = await get(`/os-hypervisors/detail?hypervisor_hostname_pattern=${serverHost}`, '2.53');
    assert.deepEqual(r.body.hypervisors.map((h: any) => h.hypervisor_hostname), [serverHost]);
    r = await get('/os-hypervisors?hypervisor_hostname_pattern=zzz', '2.53');
    assert.equal(r.status, 404);
    assert.equal(r.body.itemNotFound.message, "No hypervisor matching 'zzz' could be found.");
    r = await get('/os-hypervisors?hypervisor_hostname_pattern=compute&limit=1', '2.53');
    assert.equal(r.status, 400);
    assert.equal(r.body.badRequest.message, 'Paging over hypervisors with the hypervisor_hostname_pattern query parameter is not supported.');

    r = await get('/os-hypervisors?with_servers=true', '2.53');
    const withServer = r.body.hypervisors.find((h: any) => h.hypervisor_hostname === serverHost);
    assert.deepEqual(withServer.servers, [{ name: server.name, uuid: server.id }]);
    const empty = r.body.hypervisors.find((h: any) => h.hypervisor_hostname !== serverHost);
    assert.equal(empty.servers, undefined, 'empty lists are left out before 2.75');
    r = await get('/os-hypervisors?with_servers=true', '2.75');
    assert.deepEqual(r.body.hypervisors.find((h: any) => h.hypervisor_hostname !== serverHost).servers, []);
    r = await get('/os-hypervisors?with_servers=false', '2.75');
    assert.equal(r.body.hypervisors[0].servers, undefined);
    r = await get('/os-hypervisors?with_servers=maybe', '2.53');
    assert.equal(r.status, 400);

    const uuid = withServer.id;
    r = await get(`/os-hypervisors/${uuid}?with_servers=1`, '2.53');
    assert.deepEqual(r.body.hypervisor.servers, [{ name: server.name, uuid: server.id }]);
    r = await get(`/os-hypervisors/${uuid}`, '2.53');
    assert.equal(r.body.hypervisor.servers, undefined);
  });

  it('search and servers by pattern until 2.52', async () => {
    let r = await get('/os-hypervisors/compute/search');
    assert.equal(r.status, 200);
    assert.equal(r.body.hypervisors.length, 3);
    for (const h of r.body.hypervisors) assert.deepEqual(keys(h), BASIC);
    r = await get('/os-hypervisors/zzz/search');
    assert.equal(r.status, 404);
    assert.equal(r.body.itemNotFound.message, "No hypervisor matching 'zzz' could be found.");
    r = await get('/os-hypervisors/compute/servers', '2.52');
    assert.equal(r.status, 200);
    const withServer = r.body.hypervisors.find((h: any) => h.hypervisor_hostname === serverHost);
    assert.deepEqual(withServer.servers, [{ name: server.name, uuid: server.id }]);
    assert.equal(r.body.hypervisors.find((h: any) => h.hypervisor_hostname !== serverHost).servers, undefined);
    r = await get('/os-hypervisors/compute/search', '2.53');
    assert.equal(r.status, 404);
    r = await get('/os-hypervisors/compute/servers', '2.53');
    assert.equal(r.status, 404);
  });

  it('shows a stopped host as down', async () => {
    await c.aio.stopHost('compute3');
    try {
      const end = Date.now() + 5000;
      // Below 2.88 nothing asks the host, so polling does not wait on it.
      let h = await hyp('compute3', '2.87');
      while (h.state === 'up' && Date.now() < end) {
        await new Promise((res) => setTimeout(res, 100));
        h = await hyp('compute3', '2.87');
      }
      assert.equal(h.state, 'down');
      const started = Date.now();
      h = await hyp('compute3', '2.88');
      assert.equal(h.uptime, null);
      assert.ok(Date.now() - started < 1000, 'a down host is not asked');
    } finally {
      await c.aio.startHost('compute3');
    }
  });
});
