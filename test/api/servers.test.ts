// POST /servers and GET/PUT /servers/{id}, as a client sees them: the 202
// body, the representation per microversion and per caller, and the 400s of
// bad input.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startCloud, type Cloud } from '../support/cloud.js';

let c: Cloud;
let imageId: string;
let demoServer: any;

const minor = (v: string) => (v === 'latest' ? 1000 : Number(v.split('.')[1]));
const create = (user: string, server: Record<string, unknown>, version = '2.37', extra: Record<string, unknown> = {}) =>
  c.req(user, 'POST', '/servers', {
    version,
    body: { server: { name: 'vm', flavorRef: '1', imageRef: imageId, ...(minor(version) >= 37 && !('networks' in server) ? { networks: 'none' } : {}), ...server }, ...extra },
  });

before(async () => {
  c = await startCloud();
  const t = await c.token('admin');
  const r = await fetch(`${c.imageUrl}/v2/images?name=cirros`, { headers: { 'X-Auth-Token': t } });
  imageId = ((await r.json()) as { images: Array<{ id: string }> }).images[0]!.id;
  demoServer = await c.bootServer('demo', { metadata: { role: 'web' } });
});
after(async () => {
  await c.stop();
});

// Key sets of an ACTIVE server as the api-samples show them (admin up to 2.73, a project member from 2.90),
// less `security_groups`: Nova shows it only for a server with ports, and these have none.
const BASE_KEYS = [
  'OS-DCF:diskConfig', 'OS-EXT-AZ:availability_zone', 'OS-EXT-STS:power_state', 'OS-EXT-STS:task_state', 'OS-EXT-STS:vm_state',
  'OS-SRV-USG:launched_at', 'OS-SRV-USG:terminated_at', 'accessIPv4', 'accessIPv6', 'addresses', 'config_drive', 'created',
  'flavor', 'hostId', 'id', 'image', 'key_name', 'links', 'metadata', 'name', 'os-extended-volumes:volumes_attached',
  'progress', 'status', 'tenant_id', 'updated', 'user_id',
];
const ADMIN_21 = ['OS-EXT-SRV-ATTR:host', 'OS-EXT-SRV-ATTR:hypervisor_hostname', 'OS-EXT-SRV-ATTR:instance_name'];
const ADMIN_23 = [
  ...ADMIN_21, 'OS-EXT-SRV-ATTR:hostname', 'OS-EXT-SRV-ATTR:kernel_id', 'OS-EXT-SRV-ATTR:launch_index', 'OS-EXT-SRV-ATTR:ramdisk_id',
  'OS-EXT-SRV-ATTR:reservation_id', 'OS-EXT-SRV-ATTR:root_device_name', 'OS-EXT-SRV-ATTR:user_data',
];
const keys = (o: object) => Object.keys(o).sort();
const sorted = (l: string[]) => [...l].sort();

describe('POST /servers', () => {
  it('answers 202 with id, links, diskConfig, security_groups, a generated adminPass and Location, and the server becomes ACTIVE', async () => {
    const r = await create('demo', { name: 'web 1' });
    assert.equal(r.status, 202, r.text);
    const s = r.body.server;
    assert.deepEqual(keys(s), ['OS-DCF:diskConfig', 'adminPass', 'id', 'links', 'security_groups']);
    assert.equal(s.adminPass.length, 12);
    assert.deepEqual(s.security_groups, [{ name: 'default' }]);
    assert.equal(s['OS-DCF:diskConfig'], 'MANUAL');
    assert.equal(s.links[0].rel, 'self');
    assert.equal(s.links[0].href, `${c.computeUrl}/v2.1/servers/${s.id}`);
    assert.equal(s.links[1].href, `${c.computeUrl}/servers/${s.id}`);
    assert.equal(r.headers.get('location'), s.links[0].href);
    const done = await c.waitServer(s.id, (x) => x.status !== 'BUILD');
    assert.equal(done.status, 'ACTIVE');
    assert.equal(done['OS-EXT-SRV-ATTR:hostname'], 'web-1');
    assert.equal(done['OS-EXT-STS:power_state'], 1);
    assert.equal(done['OS-EXT-STS:vm_state'], 'active');
    assert.equal(done['OS-EXT-STS:task_state'], null);
  });

  it('stores accessIPv6 in its canonical form on create and update', async () => {
    const r = await create('demo', { accessIPv6: '0000:0000:0000:0000:0000:babe:220.12.22.2' });
    assert.equal(r.status, 202, r.text);
    const shown = await c.req('demo', 'GET', `/servers/${r.body.server.id}`);
    assert.equal(shown.body.server.accessIPv6, '::babe:dc0c:1602');
    const upd = await c.req('demo', 'PUT', `/servers/${r.body.server.id}`, { body: { server: { accessIPv6: '2001:DB8:0:0:1:0:0:1' } } });
    assert.equal(upd.body.server.accessIPv6, '2001:db8::1:0:0:1');
  });

  it('records a create action with the request id', async () => {
    const r = await create('demo', {});
    assert.equal(r.status, 202);
    const rows = await c.aio.base.db.kysely.selectFrom('instance_actions').selectAll().where('instance_uuid', '=', r.body.server.id).execute();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.action, 'create');
    assert.equal(rows[0]!.request_id, r.headers.get('x-openstack-request-id'));
    assert.equal(rows[0]!.user_id, (await c.req('demo', 'GET', `/servers/${r.body.server.id}`)).body.server.user_id);
  });

  it('echoes a given adminPass and takes flavorRef as an href or an integer', async () => {
    const a = await create('demo', { adminPass: 'sekrit', flavorRef: `${c.computeUrl}/v2.1/flavors/1`, security_groups: [{ name: 'default' }] });
    assert.equal(a.status, 202, a.text);
    assert.equal(a.body.server.adminPass, 'sekrit');
    assert.deepEqual(a.body.server.security_groups, [{ name: 'default' }]);
    const b = await create('demo', { flavorRef: 2 });
    assert.equal(b.status, 202, b.text);
    const s = await c.waitServer(b.body.server.id, (x) => x.status !== 'BUILD');
    assert.equal(s.flavor.original_name, 'm1.small');
  });

  it('creates min_count servers named <name>-<n> in one reservation; return_reservation_id returns it', async () => {
    const r = await create('demo', { name: 'multi', min_count: 2, return_reservation_id: true });
    assert.equal(r.status, 202, r.text);
    assert.deepEqual(keys(r.body), ['reservation_id']);
    assert.match(r.body.reservation_id, /^r-[a-z0-9]{8}$/);
    const l = await c.req('demo', 'GET', `/servers/detail?reservation_id=${r.body.reservation_id}`);
    assert.equal(l.status, 200);
    assert.deepEqual(l.body.servers.map((s: any) => s.name).sort(), ['multi-1', 'multi-2']);
    for (const s of l.body.servers) await c.waitServer(s.id, (x) => x.status === 'ACTIVE');
    const admin = await c.req('admin', 'GET', `/servers/detail?all_tenants=1&reservation_id=${r.body.reservation_id}`, { version: '2.3' });
    assert.deepEqual(admin.body.servers.map((s: any) => s['OS-EXT-SRV-ATTR:launch_index']).sort(), [0, 1]);
  });

  it('with min_count > 1 and no return_reservation_id answers with the first server', async () => {
    const r = await create('demo', { name: 'pair', min_count: '2', max_count: '2' });
    assert.equal(r.status, 202, r.text);
    assert.ok(r.body.server.id);
  });

  it('keeps description (2.19), tags (2.52), metadata, accessIPs, config_drive, user_data and the requested hostname (2.90)', async () => {
    const r = await create('demo', {
      description: 'a db', tags: ['a', 'b'], metadata: { k: 'v' }, accessIPv4: '10.0.0.1', accessIPv6: 'fe80::1',
      config_drive: true, user_data: 'IyEvYmluL3NoCg==', hostname: 'db-host',
    }, '2.90');
    assert.equal(r.status, 202, r.text);
    const s = await c.waitServer(r.body.server.id, (x) => x.status === 'ACTIVE');
    assert.equal(s.description, 'a db');
    assert.deepEqual(s.tags, ['a', 'b']);
    assert.deepEqual(s.metadata, { k: 'v' });
    assert.equal(s.accessIPv4, '10.0.0.1');
    assert.equal(s.accessIPv6, 'fe80::1');
    assert.equal(s.config_drive, 'True');
    assert.equal(s['OS-EXT-SRV-ATTR:user_data'], 'IyEvYmluL3NoCg==');
    assert.equal(s['OS-EXT-SRV-ATTR:hostname'], 'db-host');
  });

  it('keeps scheduler hints and places a same_host server next to its peer', async () => {
    const r = await create('demo', {}, '2.100', { 'os:scheduler_hints': { same_host: demoServer.id } });
    assert.equal(r.status, 202, r.text);
    const s = await c.waitServer(r.body.server.id, (x) => x.status === 'ACTIVE');
    assert.deepEqual(s.scheduler_hints, { same_host: [demoServer.id] });
    assert.equal(s['OS-EXT-SRV-ATTR:host'], (await c.waitServer(demoServer.id, () => true))['OS-EXT-SRV-ATTR:host']);
  });

  it('pins the requested zone (2.96) and refuses a zone that is not available', async () => {
    const r = await create('demo', { availability_zone: 'nova' }, '2.96');
    assert.equal(r.status, 202, r.text);
    const s = await c.waitServer(r.body.server.id, (x) => x.status === 'ACTIVE');
    assert.equal(s.pinned_availability_zone, 'nova');
    assert.equal(s['OS-EXT-AZ:availability_zone'], 'nova');
    const bad = await create('demo', { availability_zone: 'mars' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.badRequest.message, 'The requested availability zone is not available');
  });

  it('az:host needs the forced_host policy; admins land on that host', async () => {
    const denied = await create('demo', { availability_zone: 'nova:compute2' });
    assert.equal(denied.status, 403);
    assert.equal(denied.body.forbidden.message, "Policy doesn't allow os_compute_api:servers:create:forced_host to be performed.");
    const ok = await create('admin', { availability_zone: 'nova:compute2' });
    assert.equal(ok.status, 202, ok.text);
    const s = await c.waitServer(ok.body.server.id, (x) => x.status === 'ACTIVE');
    assert.equal(s['OS-EXT-SRV-ATTR:host'], 'compute2');
    const node = await create('admin', { availability_zone: 'nova::compute3' });
    assert.equal(node.status, 202, node.text);
    assert.equal((await c.waitServer(node.body.server.id, (x) => x.status === 'ACTIVE'))['OS-EXT-SRV-ATTR:host'], 'compute3');
  });

  it('host (2.74) needs the requested_destination policy; an unknown host is 400', async () => {
    const denied = await create('demo', { host: 'compute1' }, '2.74');
    assert.equal(denied.status, 403);
    assert.match(denied.body.forbidden.message, /compute:servers:create:requested_destination/);
    const unknown = await create('admin', { host: 'nohost' }, '2.74');
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.badRequest.message, 'Compute host nohost could not be found.');
    const ok = await create('admin', { host: 'compute1' }, '2.74');
    assert.equal(ok.status, 202, ok.text);
    assert.equal((await c.waitServer(ok.body.server.id, (x) => x.status === 'ACTIVE'))['OS-EXT-SRV-ATTR:host'], 'compute1');
    const both = await create('admin', { host: 'compute1', availability_zone: 'nova:compute1' }, '2.74');
    assert.equal(both.status, 400);
    const before = await create('admin', { host: 'compute1' }, '2.73');
    assert.equal(before.status, 400);
    assert.match(before.body.badRequest.message, /'host' was unexpected/);
  });

  it('refuses bad input with 400 and creates nothing', async () => {
    const count = async () => (await c.req('demo', 'GET', '/servers')).body.servers.length;
    const n = await count();
    const cases: Array<[Record<string, unknown>, string, RegExp, Record<string, unknown>?]> = [
      [{ foo: 1 }, '2.37', /'foo' was unexpected/],
      [{ name: '' }, '2.37', /name/],
      [{ name: 'x'.repeat(256) }, '2.37', /name/],
      [{ flavorRef: '99' }, '2.37', /^Flavor 99 could not be found\.$/],
      [{ flavorRef: '' }, '2.37', /flavorRef/],
      [{ imageRef: '' }, '2.37', /^Missing imageRef attribute$/],
      [{ imageRef: '11111111-2222-4333-8444-555555555555' }, '2.37', /^Can not find requested image$/],
      [{ imageRef: 'not-a-uuid' }, '2.37', /imageRef/],
      [{ networks: 'all' }, '2.37', /networks/],
      [{ networks: [{ uuid: 'nope' }] }, '2.37', /networks|uuid/],
      [{ networks: [{ uuid: 'nope' }] }, '2.36', /^Bad networks format: network uuid is not in proper format \(nope\)$/],
      [{ key_name: 'nokey' }, '2.37', /^Invalid key_name provided\.$/],
      [{ min_count: 3, max_count: 2 }, '2.37', /^min_count must be <= max_count$/],
      [{ min_count: 0 }, '2.37', /min_count/],
      [{ description: 'd' }, '2.18', /'description' was unexpected/],
      [{ tags: ['a'] }, '2.51', /'tags' was unexpected/],
      [{ tags: ['a,b'] }, '2.52', /tags/],
      [{ hostname: 'h' }, '2.89', /'hostname' was unexpected/],
      [{ hostname: 'h', min_count: 2 }, '2.90', /hostname/],
      [{ metadata: { k: 1 } }, '2.37', /metadata|k/],
      [{ availability_zone: 'a:b:c:d' }, '2.37', /availability_zone/],
      [{ accessIPv4: '1.2.3' }, '2.37', /accessIPv4/],
      [{ 'OS-DCF:diskConfig': 'SOMETIMES' }, '2.37', /diskConfig/],
      [{ security_groups: [{ name: 'web' }] }, '2.37', /^Security group web not found\.$/],
    ];
    for (const [server, version, rx] of cases) {
      const r = await create('demo', server, version);
      assert.equal(r.status, 400, `${JSON.stringify(server)} @${version}: ${r.text}`);
      assert.match(r.body.badRequest.message, rx, JSON.stringify(server));
    }
    const noNet = await c.req('demo', 'POST', '/servers', { version: '2.37', body: { server: { name: 'x', flavorRef: '1', imageRef: imageId } } });
    assert.equal(noNet.status, 400);
    assert.match(noNet.body.badRequest.message, /'networks' is a required property/);
    const noServer = await c.req('demo', 'POST', '/servers', { body: { name: 'x' } });
    assert.equal(noServer.status, 400);
    assert.equal(await count(), n);
  });

  it('needs the create policy: a reader gets 403', async () => {
    const r = await create('demo_reader', {});
    assert.equal(r.status, 403);
    assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:servers:create to be performed.");
  });

  it('a private flavor is not found for projects without access', async () => {
    const db = c.aio.base.db.kysely;
    await db
      .insertInto('flavors')
      .values({ flavorid: 'private-1', name: 'private', memory_mb: 256, vcpus: 1, root_gb: 1, ephemeral_gb: 0, swap: 0, rxtx_factor: 1, is_public: 0, disabled: 0, description: null, created_at: '2026-01-01 00:00:00.000000', updated_at: null, deleted: 0 })
      .execute();
    const r = await create('demo', { flavorRef: 'private-1' });
    assert.equal(r.status, 400);
    assert.equal(r.body.badRequest.message, 'Flavor private-1 could not be found.');
    const a = await create('admin', { flavorRef: 'private-1' });
    assert.equal(a.status, 202, a.text);
  });
});

describe('GET /servers/{id}', () => {
  it('at 2.1 shows the api-sample keys to an admin, flavor and image as id+links', async () => {
    const r = await c.req('admin', 'GET', `/servers/${demoServer.id}`);
    assert.equal(r.status, 200);
    const s = r.body.server;
    assert.deepEqual(keys(s), sorted([...BASE_KEYS, ...ADMIN_21]));
    assert.deepEqual(s.flavor, { id: '1', links: [{ rel: 'bookmark', href: `${c.computeUrl}/flavors/1` }] });
    assert.deepEqual(s.image, { id: imageId, links: [{ rel: 'bookmark', href: `${c.computeUrl}/images/${imageId}` }] });
    assert.match(s['OS-EXT-SRV-ATTR:instance_name'], /^instance-[0-9a-f]{8}$/);
    assert.equal(s['OS-EXT-SRV-ATTR:hypervisor_hostname'], s['OS-EXT-SRV-ATTR:host']);
  });

  it('leaves security_groups out of show and detail for a server without ports, as Nova does; the 202 of its create has them', async () => {
    const r = await create('demo', { name: 'no-ports', security_groups: [{ name: 'default' }, { name: 'default' }] });
    assert.equal(r.status, 202, r.text);
    assert.deepEqual(r.body.server.security_groups, [{ name: 'default' }, { name: 'default' }], 'echoed as requested');
    const id = r.body.server.id;
    await c.waitServer(id, (x) => x.status !== 'BUILD');
    for (const version of ['2.1', '2.37', 'latest']) {
      const show = await c.req('demo', 'GET', `/servers/${id}`, { version });
      assert.equal(show.status, 200);
      assert.equal('security_groups' in show.body.server, false, `show at ${version}`);
      const detail = await c.req('admin', 'GET', '/servers/detail?all_tenants=1', { version });
      assert.ok(detail.body.servers.length > 0);
      for (const s of detail.body.servers) assert.equal('security_groups' in s, false, `detail at ${version}`);
    }
  });

  it('at 2.1 hides OS-EXT-SRV-ATTR from the owner', async () => {
    const r = await c.req('demo', 'GET', `/servers/${demoServer.id}`);
    assert.deepEqual(keys(r.body.server), sorted(BASE_KEYS));
  });

  it('adds fields version by version as the samples show (admin)', async () => {
    const expect: Array<[string, string[]]> = [
      ['2.3', [...BASE_KEYS, ...ADMIN_23]],
      ['2.9', [...BASE_KEYS, ...ADMIN_23, 'locked']],
      ['2.16', [...BASE_KEYS, ...ADMIN_23, 'locked', 'host_status']],
      ['2.19', [...BASE_KEYS, ...ADMIN_23, 'locked', 'host_status', 'description']],
      ['2.26', [...BASE_KEYS, ...ADMIN_23, 'locked', 'host_status', 'description', 'tags']],
      ['2.47', [...BASE_KEYS, ...ADMIN_23, 'locked', 'host_status', 'description', 'tags']],
      ['2.63', [...BASE_KEYS, ...ADMIN_23, 'locked', 'host_status', 'description', 'tags', 'trusted_image_certificates']],
      ['2.71', [...BASE_KEYS, ...ADMIN_23, 'locked', 'host_status', 'description', 'tags', 'trusted_image_certificates', 'server_groups']],
      ['2.73', [...BASE_KEYS, ...ADMIN_23, 'locked', 'host_status', 'description', 'tags', 'trusted_image_certificates', 'server_groups', 'locked_reason']],
    ];
    for (const [v, want] of expect) {
      const r = await c.req('admin', 'GET', `/servers/${demoServer.id}`, { version: v });
      assert.deepEqual(keys(r.body.server), sorted(want), `at ${v}`);
    }
  });

  it('adds fields version by version as the samples show (project member)', async () => {
    const member = [...BASE_KEYS, 'locked', 'description', 'tags', 'trusted_image_certificates', 'server_groups', 'locked_reason', 'OS-EXT-SRV-ATTR:hostname'];
    const expect: Array<[string, string[]]> = [
      ['2.90', member],
      ['2.96', [...member, 'pinned_availability_zone']],
      ['2.98', [...member, 'pinned_availability_zone']],
      ['2.100', [...member, 'pinned_availability_zone', 'scheduler_hints']],
      ['latest', [...member, 'pinned_availability_zone', 'scheduler_hints']],
    ];
    for (const [v, want] of expect) {
      const r = await c.req('demo', 'GET', `/servers/${demoServer.id}`, { version: v });
      assert.deepEqual(keys(r.body.server), sorted(want), `at ${v}`);
    }
  });

  it('shows values as Nova formats them', async () => {
    const r = await c.req('admin', 'GET', `/servers/${demoServer.id}`, { version: 'latest' });
    const s = r.body.server;
    const projectId = await c.projectId('demo');
    assert.equal(s.tenant_id, projectId);
    assert.equal(s.hostId, createHash('sha224').update(`${projectId}${s['OS-EXT-SRV-ATTR:host']}`).digest('hex'));
    assert.match(s.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.match(s.updated, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.match(s['OS-SRV-USG:launched_at'], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    assert.equal(s['OS-SRV-USG:terminated_at'], null);
    assert.deepEqual(s.flavor, { vcpus: 1, ram: 512, disk: 1, ephemeral: 0, swap: 0, original_name: 'm1.tiny', extra_specs: {} });
    assert.deepEqual(s.image.properties, { os_distro: 'cirros', hw_architecture: 'x86_64' }, 'the standard properties of the image (2.98)');
    assert.deepEqual(s.metadata, { role: 'web' });
    assert.deepEqual(s.addresses, {});
    assert.equal(s.accessIPv4, '');
    assert.equal(s.progress, 0);
    assert.equal(s.host_status, 'UP');
    assert.equal(s.locked, false);
    assert.equal(s.locked_reason, null);
    assert.equal(s.pinned_availability_zone, null);
    assert.deepEqual(s.scheduler_hints, {});
    assert.deepEqual(s.server_groups, []);
    assert.deepEqual(s['os-extended-volumes:volumes_attached'], []);
    assert.equal(s['OS-EXT-AZ:availability_zone'], 'nova');
    assert.equal(s.config_drive, '');
    assert.equal(s.key_name, null);
    assert.match(s['OS-EXT-SRV-ATTR:reservation_id'], /^r-[a-z0-9]{8}$/);
    assert.equal(s['OS-EXT-SRV-ATTR:launch_index'], 0);
    assert.equal(s['OS-EXT-SRV-ATTR:kernel_id'], '');
  });

  it('is 404 for another project, a malformed id and an unknown id', async () => {
    for (const [user, id] of [['alt_demo', demoServer.id], ['demo', 'nope'], ['demo', '11111111-2222-4333-8444-555555555555']]) {
      const r = await c.req(user!, 'GET', `/servers/${id}`);
      assert.equal(r.status, 404);
      assert.equal(r.body.itemNotFound.message, `Instance ${id} could not be found.`);
    }
  });

  it('refuses query parameters from 2.102', async () => {
    assert.equal((await c.req('demo', 'GET', `/servers/${demoServer.id}?foo=1`, { version: '2.101' })).status, 200);
    assert.equal((await c.req('demo', 'GET', `/servers/${demoServer.id}?foo=1`, { version: '2.102' })).status, 400);
  });

  it('host_status shows MAINTENANCE for a disabled host and DOWN for a forced-down one', async () => {
    const db = c.aio.base.db.kysely;
    const host = (await c.req('admin', 'GET', `/servers/${demoServer.id}`, { version: '2.16' })).body.server['OS-EXT-SRV-ATTR:host'];
    const set = (v: { disabled?: number; forced_down?: number }) =>
      db.updateTable('services').set(v).where('host', '=', host).where('binary', '=', 'nova-compute').execute();
    try {
      await set({ disabled: 1 });
      assert.equal((await c.req('admin', 'GET', `/servers/${demoServer.id}`, { version: '2.16' })).body.server.host_status, 'MAINTENANCE');
      await set({ forced_down: 1 });
      assert.equal((await c.req('admin', 'GET', `/servers/${demoServer.id}`, { version: '2.16' })).body.server.host_status, 'DOWN');
      // A member never sees it (admin-only policies by default).
      assert.equal('host_status' in (await c.req('demo', 'GET', `/servers/${demoServer.id}`, { version: '2.16' })).body.server, false);
    } finally {
      await set({ disabled: 0, forced_down: 0 });
    }
  });
});

describe('routes', () => {
  it('methods a path does not have are 404; an unknown action is 400', async () => {
    assert.equal((await c.req('demo', 'PATCH', `/servers/${demoServer.id}`, { body: {} })).status, 404);
    assert.equal((await c.req('demo', 'POST', `/servers/${demoServer.id}`, { body: {} })).status, 404);
    assert.equal((await c.req('demo', 'DELETE', '/servers')).status, 404);
    const act = await c.req('demo', 'POST', `/servers/${demoServer.id}/action`, { body: { frobnicate: null } });
    assert.equal(act.status, 400);
    assert.equal(act.body.badRequest.message, 'There is no such action: frobnicate');
  });
});

describe('PUT /servers/{id}', () => {
  it('renames and answers with the short body below 2.75', async () => {
    const s = await c.bootServer('demo');
    const r = await c.req('demo', 'PUT', `/servers/${s.id}`, { body: { server: { name: 'renamed', accessIPv4: '1.2.3.4' } } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(keys(r.body.server), sorted(['OS-DCF:diskConfig', 'accessIPv4', 'accessIPv6', 'addresses', 'created', 'flavor', 'hostId', 'id', 'image', 'links', 'metadata', 'name', 'progress', 'status', 'tenant_id', 'updated', 'user_id']));
    assert.equal(r.body.server.name, 'renamed');
    assert.equal(r.body.server.accessIPv4, '1.2.3.4');
    assert.equal((await c.req('demo', 'GET', `/servers/${s.id}`)).body.server.name, 'renamed');
  });

  it('sets description (2.19) and hostname (2.90); from 2.75 the body is the full GET body', async () => {
    const s = await c.bootServer('demo');
    const r = await c.req('demo', 'PUT', `/servers/${s.id}`, { version: '2.90', body: { server: { description: 'desc', hostname: 'newhost' } } });
    assert.equal(r.status, 200, r.text);
    const get = await c.req('demo', 'GET', `/servers/${s.id}`, { version: '2.90' });
    assert.deepEqual(keys(r.body.server), keys(get.body.server));
    assert.equal(get.body.server.description, 'desc');
    assert.equal(get.body.server['OS-EXT-SRV-ATTR:hostname'], 'newhost');
    const admin = await c.req('admin', 'PUT', `/servers/${s.id}`, { version: '2.75', body: { server: { description: null } } });
    assert.deepEqual(keys(admin.body.server), keys((await c.req('admin', 'GET', `/servers/${s.id}`, { version: '2.75' })).body.server));
    assert.equal(admin.body.server.description, null);
  });

  it('pins to the current zone or unpins (2.104); another zone is 409', async () => {
    const s = await c.bootServer('demo');
    const pin = (zone: string | null) => c.req('demo', 'PUT', `/servers/${s.id}`, { version: '2.104', body: { server: { pinned_availability_zone: zone } } });
    const other = await pin('mars');
    assert.equal(other.status, 409);
    assert.equal(other.body.conflictingRequest.message, "Server can only be pinned to its current availability zone 'nova', but 'mars' was requested.");
    const ok = await pin('nova');
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.server.pinned_availability_zone, 'nova');
    assert.equal((await pin('elsewhere')).status, 409);
    const un = await pin(null);
    assert.equal(un.body.server.pinned_availability_zone, null);
    assert.equal((await c.req('demo', 'PUT', `/servers/${s.id}`, { version: '2.103', body: { server: { pinned_availability_zone: null } } })).status, 400);
  });

  it('refuses bad bodies, readers and other projects', async () => {
    const bad = await c.req('demo', 'PUT', `/servers/${demoServer.id}`, { body: { server: { description: 'x' } } });
    assert.equal(bad.status, 400);
    const empty = await c.req('demo', 'PUT', `/servers/${demoServer.id}`, { body: { server: { name: '' } } });
    assert.equal(empty.status, 400);
    const reader = await c.req('demo_reader', 'PUT', `/servers/${demoServer.id}`, { body: { server: { name: 'x' } } });
    assert.equal(reader.status, 403);
    const other = await c.req('alt_demo', 'PUT', `/servers/${demoServer.id}`, { body: { server: { name: 'x' } } });
    assert.equal(other.status, 404);
  });
});

describe('OS-DCF:diskConfig', () => {
  for (const dc of ['AUTO', 'MANUAL'] as const) {
    it(`keeps ${dc} asked for at create: in the 202, show, detail and update`, async () => {
      const r = await create('demo', { 'OS-DCF:diskConfig': dc });
      assert.equal(r.status, 202, r.text);
      assert.equal(r.body.server['OS-DCF:diskConfig'], dc);
      const s = await c.waitServer(r.body.server.id, (x) => x.status === 'ACTIVE');
      assert.equal(s['OS-DCF:diskConfig'], dc);
      const detail = await c.req('demo', 'GET', '/servers/detail');
      assert.equal(detail.body.servers.find((x: any) => x.id === s.id)['OS-DCF:diskConfig'], dc);
      const put = await c.req('demo', 'PUT', `/servers/${s.id}`, { body: { server: { name: 'renamed' } } });
      assert.equal(put.body.server['OS-DCF:diskConfig'], dc);
    });
  }

  it('is MANUAL when the request omits it and the image has no auto_disk_config', async () => {
    const r = await create('demo', {});
    assert.equal(r.body.server['OS-DCF:diskConfig'], 'MANUAL');
    const s = await c.req('demo', 'GET', `/servers/${r.body.server.id}`);
    assert.equal(s.body.server['OS-DCF:diskConfig'], 'MANUAL');
  });

  it('PUT keeps the stored value unless the body sets it, and then stores the new one', async () => {
    const r = await create('demo', { 'OS-DCF:diskConfig': 'AUTO' });
    const id = r.body.server.id;
    let put = await c.req('demo', 'PUT', `/servers/${id}`, { body: { server: { name: 'x' } } });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.body.server['OS-DCF:diskConfig'], 'AUTO');
    put = await c.req('demo', 'PUT', `/servers/${id}`, { body: { server: { 'OS-DCF:diskConfig': 'MANUAL' } } });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.body.server['OS-DCF:diskConfig'], 'MANUAL');
    assert.equal((await c.req('demo', 'GET', `/servers/${id}`)).body.server['OS-DCF:diskConfig'], 'MANUAL');
  });
});
