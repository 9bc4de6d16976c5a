// Flavors: the read side per microversion, filters, sorting and paging, the
// visibility of private flavors, flavor create/update/delete, flavor access
// and extra specs — as a client sees them.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud } from '../support/cloud.js';

const BRIEF_KEYS = ['id', 'links', 'name'];
const DETAIL_KEYS_21 = [
  'OS-FLV-DISABLED:disabled', 'OS-FLV-EXT-DATA:ephemeral', 'disk', 'id', 'links', 'name',
  'os-flavor-access:is_public', 'ram', 'rxtx_factor', 'swap', 'vcpus',
];
const keys = (o: object) => Object.keys(o).sort();

describe('flavors', () => {
  let c: Cloud;
  let demoProject: string;
  before(async () => {
    c = await startCloud();
    demoProject = await c.projectId('demo');
  });
  after(async () => {
    await c.stop();
  });

  const create = (flavor: Record<string, unknown>, version = '2.1', user = 'admin') =>
    c.req(user, 'POST', '/flavors', { version, body: { flavor } });

  describe('read side', () => {
    it('lists the seeded flavors in brief with links', async () => {
      const r = await c.req('demo', 'GET', '/flavors');
      assert.equal(r.status, 200);
      assert.deepEqual(keys(r.body), ['flavors']);
      const tiny = r.body.flavors.find((f: any) => f.id === '1');
      assert.deepEqual(keys(tiny), BRIEF_KEYS);
      assert.equal(tiny.name, 'm1.tiny');
      assert.equal(tiny.links[0].rel, 'self');
      assert.equal(tiny.links[0].href, `${c.computeUrl}/v2.1/flavors/1`);
      assert.equal(tiny.links[1].rel, 'bookmark');
      assert.equal(tiny.links[1].href, `${c.computeUrl}/flavors/1`);
    });

    it('keeps the project segment in links only when the URL had it', async () => {
      const r = await c.req('demo', 'GET', `/v2.1/${demoProject}/flavors/1`);
      assert.equal(r.status, 200);
      assert.equal(r.body.flavor.links[0].href, `${c.computeUrl}/v2.1/${demoProject}/flavors/1`);
      assert.equal(r.body.flavor.links[1].href, `${c.computeUrl}/${demoProject}/flavors/1`);
    });

    it('shows a flavor with the fields of each microversion', async () => {
      let r = await c.req('demo', 'GET', '/flavors/1', { version: '2.1' });
      assert.equal(r.status, 200);
      assert.deepEqual(keys(r.body.flavor), DETAIL_KEYS_21);
      assert.equal(r.body.flavor.swap, '');
      assert.equal(r.body.flavor.ram, 512);
      assert.equal(r.body.flavor.disk, 1);
      assert.equal(r.body.flavor.vcpus, 1);
      assert.equal(r.body.flavor['os-flavor-access:is_public'], true);
      assert.equal(r.body.flavor['OS-FLV-DISABLED:disabled'], false);
      assert.equal(r.body.flavor.rxtx_factor, 1);

      r = await c.req('demo', 'GET', '/flavors/1', { version: '2.55' });
      assert.deepEqual(keys(r.body.flavor), [...DETAIL_KEYS_21, 'description'].sort());
      assert.equal(r.body.flavor.description, null);

      r = await c.req('demo', 'GET', '/flavors/1', { version: '2.61' });
      assert.deepEqual(keys(r.body.flavor), [...DETAIL_KEYS_21, 'description', 'extra_specs'].sort());
      assert.deepEqual(r.body.flavor.extra_specs, {});
      assert.equal(r.body.flavor.swap, '');

      r = await c.req('demo', 'GET', '/flavors/1', { version: '2.75' });
      assert.equal(r.body.flavor.swap, 0);

      r = await c.req('demo', 'GET', '/flavors/1', { version: '2.102' });
      assert.deepEqual(
        keys(r.body.flavor),
        ['OS-FLV-EXT-DATA:ephemeral', 'description', 'disk', 'extra_specs', 'id', 'links', 'name', 'os-flavor-access:is_public', 'ram', 'swap', 'vcpus'],
      );
    });

    it('lists detail with the same fields and brief with description from 2.55', async () => {
      let r = await c.req('demo', 'GET', '/flavors/detail', { version: '2.1' });
      assert.equal(r.status, 200);
      for (const f of r.body.flavors) assert.deepEqual(keys(f), DETAIL_KEYS_21);
      r = await c.req('demo', 'GET', '/flavors', { version: '2.55' });
      for (const f of r.body.flavors) assert.deepEqual(keys(f), [...BRIEF_KEYS, 'description'].sort());
    });

    it('answers 404 for an unknown flavor', async () => {
      const r = await c.req('demo', 'GET', '/flavors/nope');
      assert.equal(r.status, 404);
      assert.equal(r.body.itemNotFound.message, 'Flavor nope could not be found.');
    });

    it('filters by minRam and minDisk, rejects non-integers', async () => {
      let r = await c.req('demo', 'GET', '/flavors?minRam=4096');
      assert.deepEqual(r.body.flavors.map((f: any) => f.id), ['3', '4']);
      r = await c.req('demo', 'GET', '/flavors?minDisk=20&minRam=2048');
      assert.deepEqual(r.body.flavors.map((f: any) => f.id), ['2', '3', '4']);
      r = await c.req('demo', 'GET', '/flavors?minRam=99999999999');
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.flavors, []);
      r = await c.req('demo', 'GET', '/flavors?minDisk=-99999999999&minRam=4096');
      assert.deepEqual(r.body.flavors.map((f: any) => f.id), ['3', '4']);
      r = await c.req('demo', 'GET', '/flavors?minRam=big');
      assert.equal(r.status, 400);
      assert.equal(r.body.badRequest.message, 'Invalid minRam filter [big]');
      r = await c.req('demo', 'GET', '/flavors?minDisk=1.5');
      assert.equal(r.status, 400);
      assert.equal(r.body.badRequest.message, 'Invalid minDisk filter [1.5]');
    });

    it('sorts by sort_key/sort_dir and rejects unknown keys', async () => {
      let r = await c.req('demo', 'GET', '/flavors/detail?sort_key=memory_mb&sort_dir=desc&minRam=512');
      assert.deepEqual(r.body.flavors.map((f: any) => f.id).slice(0, 4), ['4', '3', '2', '1']);
      r = await c.req('demo', 'GET', '/flavors?sort_key=name&sort_dir=asc&minRam=512');
      const names = r.body.flavors.map((f: any) => f.name);
      assert.deepEqual(names, [...names].sort());
      r = await c.req('demo', 'GET', '/flavors?sort_key=colour');
      assert.equal(r.status, 400);
      assert.match(r.body.badRequest.message, /sort_key/);
      r = await c.req('demo', 'GET', '/flavors?sort_dir=up');
      assert.equal(r.status, 400);
      r = await c.req('demo', 'GET', '/flavors?sort_key=rxtx_factor', { version: '2.102' });
      assert.equal(r.status, 400, 'rxtx_factor is no sort key from 2.102');
    });

    it('pages with limit and marker and links the next page when full', async () => {
      let r = await c.req('demo', 'GET', '/flavors?limit=2&minRam=512');
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.flavors.map((f: any) => f.id), ['1', '2']);
      assert.equal(r.body.flavors_links.length, 1);
      assert.equal(r.body.flavors_links[0].rel, 'next');
      const next = new URL(r.body.flavors_links[0].href);
      assert.equal(next.pathname, '/v2.1/flavors');
      assert.equal(next.searchParams.get('marker'), '2');
      assert.equal(next.searchParams.get('limit'), '2');
      assert.equal(next.searchParams.get('minRam'), '512');
      r = await c.req('demo', 'GET', `/flavors${next.search}`);
      assert.deepEqual(r.body.flavors.map((f: any) => f.id), ['3', '4']);
      r = await c.req('demo', 'GET', '/flavors/detail?marker=4&minRam=512');
      assert.deepEqual(r.body.flavors, []);
      assert.equal(r.body.flavors_links, undefined, 'no link when the page is not full');
      r = await c.req('demo', 'GET', '/flavors/detail?limit=1');
      assert.ok(r.body.flavors_links[0].href.includes('/v2.1/flavors/detail?'));
      r = await c.req('demo', 'GET', '/flavors?limit=0');
      assert.deepEqual(r.body.flavors, []);
      r = await c.req('demo', 'GET', '/flavors?marker=nope');
      assert.equal(r.status, 400);
      assert.equal(r.body.badRequest.message, 'marker [nope] not found');
      r = await c.req('demo', 'GET', '/flavors?limit=-1');
      assert.equal(r.status, 400);
      assert.match(r.body.badRequest.message, /limit/);
    });

    it('drops unknown parameters before 2.75 and refuses them from 2.75', async () => {
      let r = await c.req('demo', 'GET', '/flavors?colour=red', { version: '2.74' });
      assert.equal(r.status, 200);
      r = await c.req('demo', 'GET', '/flavors?colour=red', { version: '2.75' });
      assert.equal(r.status, 400);
      assert.match(r.body.badRequest.message, /colour/);
      r = await c.req('demo', 'GET', '/flavors/1?colour=red', { version: '2.101' });
      assert.equal(r.status, 200);
      r = await c.req('demo', 'GET', '/flavors/1?colour=red', { version: '2.102' });
      assert.equal(r.status, 400);
    });

    it('filters by name (a regular expression) from 2.102 only', async () => {
      let r = await c.req('demo', 'GET', '/flavors?name=^m1\\.(tiny|small)$', { version: '2.102' });
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.flavors.map((f: any) => f.name), ['m1.tiny', 'm1.small']);
      r = await c.req('demo', 'GET', '/flavors?name=m1.tiny', { version: '2.101' });
      assert.equal(r.status, 400, 'name is an unknown parameter before 2.102');
    });
  });

  describe('private flavors', () => {
    let privId: string;
    before(async () => {
      const r = await create({ name: 'priv.one', ram: 256, vcpus: 1, disk: 0, 'os-flavor-access:is_public': false, id: 'priv1' });
      assert.equal(r.status, 200, r.text);
      privId = r.body.flavor.id;
    });

    it('are hidden from other projects until shared', async () => {
      let r = await c.req('demo', 'GET', `/flavors/${privId}`);
      assert.equal(r.status, 404);
      r = await c.req('demo', 'GET', '/flavors/detail');
      assert.ok(!r.body.flavors.some((f: any) => f.id === privId));

      r = await c.req('admin', 'POST', `/flavors/${privId}/action`, { body: { addTenantAccess: { tenant: demoProject } } });
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, { flavor_access: [{ flavor_id: privId, tenant_id: demoProject }] });

      r = await c.req('demo', 'GET', `/flavors/${privId}`);
      assert.equal(r.status, 200);
      assert.equal(r.body.flavor['os-flavor-access:is_public'], false);
      r = await c.req('demo', 'GET', '/flavors');
      assert.ok(r.body.flavors.some((f: any) => f.id === privId));
      r = await c.req('alt_demo', 'GET', `/flavors/${privId}`);
      assert.equal(r.status, 404, 'still hidden from a project it is not shared with');

      r = await c.req('admin', 'GET', `/flavors/${privId}/os-flavor-access`);
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.flavor_access, [{ flavor_id: privId, tenant_id: demoProject }]);

      r = await c.req('admin', 'POST', `/flavors/${privId}/action`, { body: { addTenantAccess: { tenant: demoProject } } });
      assert.equal(r.status, 409);
      assert.match(r.body.conflictingRequest.message, /^Flavor access already exists for flavor \d+ and project/);

      r = await c.req('admin', 'POST', `/flavors/${privId}/action`, { body: { removeTenantAccess: { tenant: demoProject } } });
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, { flavor_access: [] });
      r = await c.req('demo', 'GET', `/flavors/${privId}`);
      assert.equal(r.status, 404);

      r = await c.req('admin', 'POST', `/flavors/${privId}/action`, { body: { removeTenantAccess: { tenant: demoProject } } });
      assert.equal(r.status, 404);
      assert.match(r.body.itemNotFound.message, /^Flavor access not found for \d+ \/ .* combination\.$/);
    });

    it('is_public lets admins choose public, private or all; others cannot', async () => {
      let r = await c.req('admin', 'GET', '/flavors');
      assert.ok(!r.body.flavors.some((f: any) => f.id === privId), 'default: public only');
      r = await c.req('admin', 'GET', '/flavors?is_public=false');
      assert.deepEqual(r.body.flavors.map((f: any) => f.id), [privId]);
      r = await c.req('admin', 'GET', '/flavors?is_public=None');
      assert.ok(r.body.flavors.some((f: any) => f.id === privId));
      assert.ok(r.body.flavors.some((f: any) => f.id === '1'));
      r = await c.req('admin', 'GET', '/flavors?is_public=maybe');
      assert.equal(r.status, 400);
      assert.equal(r.body.badRequest.message, 'Invalid is_public filter [maybe]');
      r = await c.req('demo', 'GET', '/flavors?is_public=none');
      assert.equal(r.status, 200);
      assert.ok(!r.body.flavors.some((f: any) => f.id === privId), 'ignored for non-admins');
      r = await c.req('demo', 'GET', '/flavors?is_public=maybe');
      assert.equal(r.status, 200, 'not even parsed for non-admins');
    });

    it('access list: 404 for public flavors, 403 for non-admins', async () => {
      let r = await c.req('admin', 'GET', '/flavors/1/os-flavor-access');
      assert.equal(r.status, 404);
      assert.equal(r.body.itemNotFound.message, 'Access list not available for public flavors.');
      r = await c.req('demo', 'GET', `/flavors/${privId}/os-flavor-access`);
      assert.equal(r.status, 403);
      assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:os-flavor-access to be performed.");
      r = await c.req('demo', 'POST', `/flavors/${privId}/action`, { body: { addTenantAccess: { tenant: demoProject } } });
      assert.equal(r.status, 403);
      r = await c.req('admin', 'POST', '/flavors/nope/action', { body: { addTenantAccess: { tenant: demoProject } } });
      assert.equal(r.status, 404);
      r = await c.req('admin', 'POST', `/flavors/${privId}/action`, { body: { addTenantAccess: {} } });
      assert.equal(r.status, 400);
      r = await c.req('admin', 'POST', `/flavors/${privId}/action`, { body: { shareIt: {} } });
      assert.equal(r.status, 400);
      assert.equal(r.body.badRequest.message, 'There is no such action: shareIt');
    });

    it('sharing a public flavor is refused from 2.7 only', async () => {
      const pub = await create({ name: 'pub.share', ram: 128, vcpus: 1, disk: 0 });
      let r = await c.req('admin', 'POST', `/flavors/${pub.body.flavor.id}/action`, {
        version: '2.7',
        body: { addTenantAccess: { tenant: demoProject } },
      });
      assert.equal(r.status, 409);
      assert.equal(r.body.conflictingRequest.message, 'Can not add access to a public flavor.');
      r = await c.req('admin', 'POST', `/flavors/${pub.body.flavor.id}/action`, {
        version: '2.6',
        body: { addTenantAccess: { tenant: demoProject } },
      });
      assert.equal(r.status, 200);
    });
  });

  describe('create, update, delete', () => {
    it('creates with defaults and a generated uuid id', async () => {
      const r = await create({ name: 'gen.id', ram: 1024, vcpus: 2, disk: 10 });
      assert.equal(r.status, 200);
      assert.deepEqual(keys(r.body), ['flavor']);
      const f = r.body.flavor;
      assert.match(f.id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      assert.deepEqual(keys(f), DETAIL_KEYS_21);
      assert.equal(f.ram, 1024);
      assert.equal(f['OS-FLV-EXT-DATA:ephemeral'], 0);
      assert.equal(f.swap, '');
      assert.equal(f['os-flavor-access:is_public'], true);
      const shown = await c.req('demo', 'GET', `/flavors/${f.id}`);
      assert.equal(shown.status, 200);
      assert.equal(shown.body.flavor.name, 'gen.id');
    });

    it('creates with every field, as strings too, and shows them per version', async () => {
      const r = await create(
        {
          name: 'full.one',
          id: 77,
          ram: '2048',
          vcpus: 2,
          disk: '5',
          'OS-FLV-EXT-DATA:ephemeral': 3,
          swap: 512,
          rxtx_factor: 2.5,
          'os-flavor-access:is_public': 'true',
          description: 'a full flavor',
        },
        '2.75',
      );
      assert.equal(r.status, 200, r.text);
      const f = r.body.flavor;
      assert.equal(f.id, '77');
      assert.equal(f.ram, 2048);
      assert.equal(f.disk, 5);
      assert.equal(f['OS-FLV-EXT-DATA:ephemeral'], 3);
      assert.equal(f.swap, 512);
      assert.equal(f.rxtx_factor, 2.5);
      assert.equal(f.description, 'a full flavor');
      assert.deepEqual(f.extra_specs, {});
    });

    it('refuses a duplicate id or name with 409', async () => {
      let r = await create({ name: 'dup.name', ram: 64, vcpus: 1, disk: 0, id: 'dup-1' });
      assert.equal(r.status, 200);
      r = await create({ name: 'other.name', ram: 64, vcpus: 1, disk: 0, id: 'dup-1' });
      assert.equal(r.status, 409);
      assert.equal(r.body.conflictingRequest.message, 'Flavor with ID dup-1 already exists.');
      r = await create({ name: 'dup.name', ram: 64, vcpus: 1, disk: 0 });
      assert.equal(r.status, 409);
      assert.equal(r.body.conflictingRequest.message, 'Flavor with name dup.name already exists.');
    });

    it('validates the body', async () => {
      const bad: Array<[Record<string, unknown>, RegExp]> = [
        [{ ram: 64, vcpus: 1, disk: 0 }, /'name' is a required property/],
        [{ name: 'x', ram: 0, vcpus: 1, disk: 0 }, /ram/],
        [{ name: 'x', ram: 64, vcpus: -1, disk: 0 }, /vcpus/],
        [{ name: 'x', ram: 64, vcpus: 1, disk: 'lots' }, /disk/],
        [{ name: ' x', ram: 64, vcpus: 1, disk: 0 }, /name/],
        [{ name: 'x', ram: 64, vcpus: 1, disk: 0, id: ' bad' }, /id/],
        [{ name: 'x', ram: 64, vcpus: 1, disk: 0, rxtx_factor: 0 }, /rxtx_factor/],
        [{ name: 'x', ram: 64, vcpus: 1, disk: 0, 'os-flavor-access:is_public': 'maybe' }, /is_public/],
        [{ name: 'x', ram: 64, vcpus: 1, disk: 0, description: 'too early' }, /description/],
        [{ name: 'x', ram: 64, vcpus: 1, disk: 0, colour: 'red' }, /colour/],
      ];
      for (const [flavor, msg] of bad) {
        const r = await create(flavor);
        assert.equal(r.status, 400, JSON.stringify(flavor));
        assert.match(r.body.badRequest.message, msg);
      }
      const r = await create({ name: 'x', ram: 64, vcpus: 1, disk: 0, rxtx_factor: 1.5 }, '2.102');
      assert.equal(r.status, 400, 'rxtx_factor is gone from 2.102');
      const list = await c.req('admin', 'GET', '/flavors?is_public=none');
      assert.ok(!list.body.flavors.some((f: any) => f.name === 'x'), 'nothing was created');
    });

    it('is admin-only', async () => {
      let r = await create({ name: 'nope', ram: 64, vcpus: 1, disk: 0 }, '2.1', 'demo');
      assert.equal(r.status, 403);
      assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:os-flavor-manage:create to be performed.");
      r = await c.req('demo', 'DELETE', '/flavors/1');
      assert.equal(r.status, 403);
      r = await c.req('demo', 'PUT', '/flavors/1', { version: '2.55', body: { flavor: { description: 'x' } } });
      assert.equal(r.status, 403);
      assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:os-flavor-manage:update to be performed.");
    });

    it('updates the description from 2.55 only', async () => {
      const made = await create({ name: 'desc.me', ram: 64, vcpus: 1, disk: 0, id: 'desc-me' }, '2.55');
      assert.equal(made.body.flavor.description, null);
      let r = await c.req('admin', 'PUT', '/flavors/desc-me', { version: '2.54', body: { flavor: { description: 'x' } } });
      assert.equal(r.status, 404);
      assert.equal(r.body.itemNotFound.message, 'The resource could not be found.');
      r = await c.req('admin', 'PUT', '/flavors/desc-me', { version: '2.55', body: { flavor: { description: 'now described' } } });
      assert.equal(r.status, 200);
      assert.equal(r.body.flavor.description, 'now described');
      assert.equal(r.body.flavor.extra_specs, undefined);
      r = await c.req('admin', 'PUT', '/flavors/desc-me', { version: '2.61', body: { flavor: { description: null } } });
      assert.equal(r.status, 200);
      assert.equal(r.body.flavor.description, null);
      assert.deepEqual(r.body.flavor.extra_specs, {});
      r = await c.req('admin', 'PUT', '/flavors/desc-me', { version: '2.55', body: { flavor: { name: 'renamed' } } });
      assert.equal(r.status, 400);
      r = await c.req('admin', 'PUT', '/flavors/nope', { version: '2.55', body: { flavor: { description: 'x' } } });
      assert.equal(r.status, 404);
      assert.equal(r.body.itemNotFound.message, 'Flavor nope could not be found.');
      r = await c.req('demo', 'GET', '/flavors/desc-me', { version: '2.55' });
      assert.equal(r.body.flavor.description, null);
    });

    it('deletes with 202, then it is gone; unknown → 404', async () => {
      await create({ name: 'del.me', ram: 64, vcpus: 1, disk: 0, id: 'del-me' });
      let r = await c.req('admin', 'DELETE', '/flavors/del-me');
      assert.equal(r.status, 202);
      assert.equal(r.text, '');
      r = await c.req('admin', 'GET', '/flavors/del-me');
      assert.equal(r.status, 404);
      r = await c.req('admin', 'DELETE', '/flavors/del-me');
      assert.equal(r.status, 404);
      assert.equal(r.body.itemNotFound.message, 'Flavor del-me could not be found.');
      r = await create({ name: 'del.me', ram: 64, vcpus: 1, disk: 0, id: 'del-me' });
      assert.equal(r.status, 200, 'name and id are free again');
    });
  });

  describe('extra specs', () => {
    before(async () => {
      const r = await create({ name: 'specs.one', ram: 64, vcpus: 1, disk: 0, id: 'specs-1' });
      assert.equal(r.status, 200);
    });

    it('creates, lists, shows, updates and deletes', async () => {
      let r = await c.req('admin', 'POST', '/flavors/specs-1/os-extra_specs', { body: { extra_specs: { 'hw:numa_nodes': 1, key1: 'v1' } } });
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, { extra_specs: { 'hw:numa_nodes': 1, key1: 'v1' } });
      r = await c.req('demo', 'GET', '/flavors/specs-1/os-extra_specs');
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, { extra_specs: { 'hw:numa_nodes': '1', key1: 'v1' } });
      r = await c.req('demo', 'GET', '/flavors/specs-1/os-extra_specs/key1');
      assert.deepEqual(r.body, { key1: 'v1' });
      r = await c.req('demo', 'GET', '/flavors/specs-1', { version: '2.61' });
      assert.deepEqual(r.body.flavor.extra_specs, { 'hw:numa_nodes': '1', key1: 'v1' });
      r = await c.req('demo', 'GET', '/flavors/detail?minRam=64', { version: '2.61' });
      assert.deepEqual(r.body.flavors.find((f: any) => f.id === 'specs-1').extra_specs, { 'hw:numa_nodes': '1', key1: 'v1' });

      r = await c.req('admin', 'PUT', '/flavors/specs-1/os-extra_specs/key1', { body: { key1: 'v2' } });
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, { key1: 'v2' });
      r = await c.req('admin', 'PUT', '/flavors/specs-1/os-extra_specs/key1', { body: { key2: 'v2' } });
      assert.equal(r.status, 400);
      assert.equal(r.body.badRequest.message, 'Request body and URI mismatch');
      r = await c.req('admin', 'PUT', '/flavors/specs-1/os-extra_specs/key1', { body: { key1: 'a', key2: 'b' } });
      assert.equal(r.status, 400);

      r = await c.req('admin', 'DELETE', '/flavors/specs-1/os-extra_specs/key1');
      assert.equal(r.status, 200);
      assert.equal(r.text, '');
      r = await c.req('demo', 'GET', '/flavors/specs-1/os-extra_specs/key1');
      assert.equal(r.status, 404);
      assert.equal(r.body.itemNotFound.message, 'Flavor specs-1 has no extra specs with key key1.');
      r = await c.req('admin', 'DELETE', '/flavors/specs-1/os-extra_specs/key1');
      assert.equal(r.status, 404);
    });

    it('refuses bad keys, non-admin writers and unknown flavors', async () => {
      let r = await c.req('admin', 'POST', '/flavors/specs-1/os-extra_specs', { body: { extra_specs: { 'bad/key': 'x' } } });
      assert.equal(r.status, 400);
      r = await c.req('admin', 'POST', '/flavors/specs-1/os-extra_specs', { body: { extra_specs: { k: 'x'.repeat(256) } } });
      assert.equal(r.status, 400);
      r = await c.req('demo', 'POST', '/flavors/specs-1/os-extra_specs', { body: { extra_specs: { k: 'v' } } });
      assert.equal(r.status, 403);
      assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:os-flavor-extra-specs:create to be performed.");
      r = await c.req('demo', 'DELETE', '/flavors/specs-1/os-extra_specs/k');
      assert.equal(r.status, 403);
      r = await c.req('admin', 'GET', '/flavors/nope/os-extra_specs');
      assert.equal(r.status, 404);
      assert.equal(r.body.itemNotFound.message, 'Flavor nope could not be found.');
    });

    it('deleting a flavor removes its extra specs and access list', async () => {
      let r = await create({ name: 'gone.specs', ram: 64, vcpus: 1, disk: 0, id: 'gone-specs', 'os-flavor-access:is_public': false });
      await c.req('admin', 'POST', '/flavors/gone-specs/os-extra_specs', { body: { extra_specs: { a: 'b' } } });
      await c.req('admin', 'POST', '/flavors/gone-specs/action', { body: { addTenantAccess: { tenant: demoProject } } });
      await c.req('admin', 'DELETE', '/flavors/gone-specs');
      r = await create({ name: 'gone.specs', ram: 64, vcpus: 1, disk: 0, id: 'gone-specs', 'os-flavor-access:is_public': false });
      r = await c.req('admin', 'GET', '/flavors/gone-specs/os-extra_specs');
      assert.deepEqual(r.body.extra_specs, {});
      r = await c.req('admin', 'GET', '/flavors/gone-specs/os-flavor-access');
      assert.deepEqual(r.body.flavor_access, []);
    });

    it('a delete racing access and extra-spec writes: each answers 2xx, 404 or 409, never 5xx, and nothing is left behind', async () => {
      for (let round = 0; round < 20; round++) {
        const id = `race-${round}`;
        let r = await create({ name: `race.${round}`, ram: 64, vcpus: 1, disk: 0, id, 'os-flavor-access:is_public': false });
        assert.equal(r.status, 200);
        await c.req('admin', 'POST', `/flavors/${id}/action`, { body: { addTenantAccess: { tenant: demoProject } } });
        await c.req('admin', 'POST', `/flavors/${id}/os-extra_specs`, { body: { extra_specs: { a: 'b' } } });
        const answers = await Promise.all([
          c.req('admin', 'POST', `/flavors/${id}/action`, { body: { removeTenantAccess: { tenant: demoProject } } }),
          c.req('admin', 'POST', `/flavors/${id}/action`, { body: { addTenantAccess: { tenant: `p-${round}` } } }),
          c.req('admin', 'DELETE', `/flavors/${id}`),
          c.req('admin', 'POST', `/flavors/${id}/os-extra_specs`, { body: { extra_specs: { a: 'c', d: 'e' } } }),
          c.req('admin', 'POST', `/flavors/${id}/action`, { body: { addTenantAccess: { tenant: demoProject } } }),
          c.req('admin', 'DELETE', `/flavors/${id}/os-extra_specs/a`),
          c.req('admin', 'PUT', `/flavors/${id}/os-extra_specs/a`, { body: { a: 'f' } }),
          c.req('admin', 'POST', `/flavors/${id}/os-extra_specs`, { body: { extra_specs: { a: 'g' } } }),
        ]);
        // Adding the access being removed may come first and find it there (409).
        answers.forEach((a, i) => assert.ok(a.status < 300 || a.status === 404 || (i === 4 && a.status === 409), `round ${round}, request ${i}: ${a.status} ${a.text}`));
        assert.equal(answers[2]!.status, 202);
        r = await c.req('admin', 'GET', `/flavors/${id}`);
        assert.equal(r.status, 404);
        // The id is free again, with no access list or specs from before.
        r = await create({ name: `race.${round}`, ram: 64, vcpus: 1, disk: 0, id, 'os-flavor-access:is_public': false });
        assert.equal(r.status, 200);
        r = await c.req('admin', 'GET', `/flavors/${id}/os-flavor-access`);
        assert.deepEqual(r.body.flavor_access, []);
        r = await c.req('admin', 'GET', `/flavors/${id}/os-extra_specs`);
        assert.deepEqual(r.body.extra_specs, {});
      }
    });
  });
});
