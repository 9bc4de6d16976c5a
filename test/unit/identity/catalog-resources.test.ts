// The catalog as Keystone's services, endpoints and regions resources.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startIdentity, login, type IdentityHarness } from './harness.js';

describe('identity catalog resources', () => {
  let h: IdentityHarness;
  let admin: string;
  let demo: string;
  before(async () => {
    h = await startIdentity();
    admin = await login(h.url, 'admin');
    demo = await login(h.url, 'demo');
  });
  after(() => h.close());

  const get = async (path: string, token?: string): Promise<{ status: number; body: any }> => {
    const r = await fetch(`${h.url}${path}`, { headers: token ? { 'X-Auth-Token': token } : {} });
    return { status: r.status, body: await r.json() };
  };

  it('GET /v3/services lists each catalog service, filtered by type or name; one by id', async () => {
    const compute = h.catalog[0]!;
    const all = await get('/v3/services', admin);
    assert.equal(all.status, 200);
    assert.deepEqual(all.body.services, [
      { id: compute.id, type: 'compute', name: 'nova', description: null, enabled: true, links: { self: `${h.url}/v3/services/${compute.id}` } },
    ]);
    assert.deepEqual(all.body.links, { self: `${h.url}/v3/services`, previous: null, next: null });
    assert.equal((await get('/v3/services?type=image', admin)).body.services.length, 0);
    assert.equal((await get('/v3/services?name=nova', admin)).body.services.length, 1);
    const one = await get(`/v3/services/${compute.id}`, admin);
    assert.deepEqual(one.body.service, all.body.services[0]);
    const missing = await get('/v3/services/nope', admin);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.message, 'Could not find service: nope.');
  });

  it('GET /v3/endpoints lists every interface with its service id; filters; one by id', async () => {
    const compute = h.catalog[0]!;
    const all = await get('/v3/endpoints', admin);
    assert.equal(all.status, 200);
    assert.deepEqual(
      all.body.endpoints.map((e: any) => [e.interface, e.service_id, e.url, e.region_id, e.region, e.enabled]),
      ['public', 'internal', 'admin'].map((i) => [i, compute.id, 'http://127.0.0.1:8774/v2.1', 'RegionOne', 'RegionOne', true]),
    );
    const pub = await get('/v3/endpoints?interface=public', admin);
    assert.deepEqual(pub.body.endpoints.map((e: any) => e.interface), ['public']);
    assert.equal((await get('/v3/endpoints?service_id=other', admin)).body.endpoints.length, 0);
    const id = compute.endpoints[1]!.id;
    const one = await get(`/v3/endpoints/${id}`, admin);
    assert.equal(one.body.endpoint.id, id);
    assert.equal(one.body.endpoint.links.self, `${h.url}/v3/endpoints/${id}`);
    assert.equal((await get('/v3/endpoints/nope', admin)).status, 404);
  });

  it('services and endpoints are admin-only; regions are readable by any user', async () => {
    const denied = await get('/v3/endpoints', demo);
    assert.equal(denied.status, 403);
    assert.equal(denied.body.error.message, 'You are not authorized to perform the requested action: identity:list_endpoints.');
    assert.equal((await get('/v3/services', demo)).status, 403);
    assert.equal((await get('/v3/services')).status, 401);
    const regions = await get('/v3/regions', demo);
    assert.deepEqual(regions.body.regions, [{ id: 'RegionOne', description: '', parent_region_id: null, links: { self: `${h.url}/v3/regions/RegionOne` } }]);
    assert.equal((await get('/v3/regions/RegionOne', demo)).body.region.id, 'RegionOne');
    assert.equal((await get('/v3/regions/Nowhere', demo)).status, 404);
  });
});
