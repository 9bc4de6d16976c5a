// Address scopes: created by any member (shared by admins only), seen by
// their project and, when shared, by all; a shared scope stays shared; pools
// join a scope of their IP version without overlapping its other pools; a
// scope with pools is kept; a network shows the scope its subnets' pool is
// in. Filters, fields, sorting and pages as elsewhere.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud, type Reply, type RequestOptions } from '../support/cloud.js';

describe('network API: address scopes', () => {
  let cloud: Cloud;
  let net: (user: string, method: string, path: string, opts?: RequestOptions) => Promise<Reply>;
  const scope = (body: Record<string, unknown>, user = 'demo') => net(user, 'POST', '/v2.0/address-scopes', { body: { address_scope: body } });
  const pick = (n: Record<string, unknown>) => [n['ipv4_address_scope'], n['ipv6_address_scope']];
  const pool = (body: Record<string, unknown>, user = 'demo') => net(user, 'POST', '/v2.0/subnetpools', { body: { subnetpool: body } });
  before(async () => {
    cloud = await startCloud();
    net = (user, method, path, opts) => cloud.req(user, method, `${cloud.networkUrl}${path}`, opts);
  });
  after(async () => cloud?.stop());

  it('is listed among the extensions', async () => {
    const ext = await net('demo', 'GET', '/v2.0/extensions/address-scope');
    assert.equal(ext.status, 200);
    assert.equal(ext.body.extension.name, 'Address scope');
  });

  it('creates, shows, lists, updates and deletes a scope', async () => {
    const r = await scope({ name: 'as1', ip_version: 4 });
    assert.equal(r.status, 201);
    const demo = await cloud.projectId('demo');
    const s = r.body.address_scope;
    assert.deepEqual(s, { id: s.id, name: 'as1', tenant_id: demo, project_id: demo, shared: false, ip_version: 4 });
    assert.deepEqual((await net('demo', 'GET', `/v2.0/address-scopes/${s.id}`)).body.address_scope, s);
    const v6 = (await scope({ name: 'as0', ip_version: '6' })).body.address_scope;
    assert.equal(v6.ip_version, 6);
    const byVersion = (await net('demo', 'GET', '/v2.0/address-scopes?ip_version=6&fields=id&fields=name')).body.address_scopes;
    assert.deepEqual(byVersion, [{ id: v6.id, name: 'as0' }]);
    const page = (await net('demo', 'GET', '/v2.0/address-scopes?sort_key=name&sort_dir=asc&limit=1')).body;
    assert.deepEqual(page.address_scopes.map((x: { name: string }) => x.name), ['as0']);
    assert.equal(page.address_scopes_links[0].rel, 'next');
    const u = await net('demo', 'PUT', `/v2.0/address-scopes/${s.id}`, { body: { address_scope: { name: 'as1b' } } });
    assert.equal(u.status, 200);
    assert.equal(u.body.address_scope.name, 'as1b');
    const readOnly = await net('demo', 'PUT', `/v2.0/address-scopes/${s.id}`, { body: { address_scope: { ip_version: 6 } } });
    assert.equal(readOnly.status, 400);
    assert.equal((await net('demo', 'DELETE', `/v2.0/address-scopes/${s.id}`)).status, 204);
    const gone = await net('demo', 'GET', `/v2.0/address-scopes/${s.id}`);
    assert.equal(gone.status, 404);
    assert.deepEqual(gone.body.NeutronError, { type: 'AddressScopeNotFound', message: `Address scope ${s.id} could not be found.`, detail: '' });
  });

  it('refuses bad input with a 400 and creates nothing', async () => {
    const count = async () => (await net('demo', 'GET', '/v2.0/address-scopes')).body.address_scopes.length;
    const before = await count();
    for (const body of [{ name: 'x' }, { name: 'x', ip_version: 5 }, { name: 7, ip_version: 4 }, { name: 'x', ip_version: 4, description: 'no' }, { name: 'x', ip_version: 4, shared: 'perhaps' }]) {
      const r = await scope(body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(typeof r.body.NeutronError.message, 'string');
    }
    assert.equal((await net('demo', 'POST', '/v2.0/address-scopes', { body: { scope: {} } })).status, 400);
    assert.equal(await count(), before);
  });

  it('shares scopes by admins only: every project sees a shared scope, none can unshare it, and a private one is 404 to others', async () => {
    const denied = await scope({ name: 'mine-shared', ip_version: 4, shared: true });
    assert.equal(denied.status, 403);
    assert.equal(denied.body.NeutronError.type, 'PolicyNotAuthorized');
    const shared = (await scope({ name: 'common', ip_version: 4, shared: true }, 'admin')).body.address_scope;
    const priv = (await scope({ name: 'private-scope', ip_version: 4 })).body.address_scope;
    assert.equal((await net('alt_demo', 'GET', `/v2.0/address-scopes/${shared.id}`)).status, 200);
    assert.equal((await net('alt_demo', 'GET', `/v2.0/address-scopes/${priv.id}`)).status, 404);
    const altList = (await net('alt_demo', 'GET', '/v2.0/address-scopes')).body.address_scopes.map((x: { id: string }) => x.id);
    assert.ok(altList.includes(shared.id) && !altList.includes(priv.id));
    assert.equal((await net('alt_demo', 'PUT', `/v2.0/address-scopes/${shared.id}`, { body: { address_scope: { name: 'mine' } } })).status, 403);
    assert.equal((await net('demo', 'PUT', `/v2.0/address-scopes/${priv.id}`, { body: { address_scope: { shared: true } } })).status, 403);
    const unshare = await net('admin', 'PUT', `/v2.0/address-scopes/${shared.id}`, { body: { address_scope: { shared: false } } });
    assert.equal(unshare.status, 400);
    assert.deepEqual(unshare.body.NeutronError, {
      type: 'AddressScopeUpdateError', message: `Unable to update address scope ${shared.id} : Shared address scope can't be unshared.`, detail: '',
    });
    assert.equal((await net('admin', 'GET', `/v2.0/address-scopes/${shared.id}`)).body.address_scope.shared, true);
    // Another project's pool may join the shared scope, not the private one.
    assert.equal((await pool({ name: 'alt-in-common', prefixes: ['172.16.0.0/16'], address_scope_id: shared.id }, 'alt_demo')).status, 201);
    const foreign = await pool({ name: 'alt-in-private', prefixes: ['172.17.0.0/16'], address_scope_id: priv.id }, 'alt_demo');
    assert.equal(foreign.status, 404);
    assert.equal(foreign.body.NeutronError.type, 'AddressScopeNotFound');
  });

  it('takes pools of its IP version that do not overlap, and is kept while it has any', async () => {
    const s = (await scope({ name: 'routed', ip_version: 4 })).body.address_scope;
    const p = await pool({ name: 'p1', prefixes: ['10.100.0.0/16'], address_scope_id: s.id });
    assert.equal(p.status, 201);
    assert.equal(p.body.subnetpool.address_scope_id, s.id);
    const v6 = await pool({ name: 'p6', prefixes: ['2001:db8::/48'], address_scope_id: s.id });
    assert.equal(v6.status, 400);
    assert.deepEqual(v6.body.NeutronError.type, 'IllegalSubnetPoolIpVersionAssociationToAddressScope');
    const overlap = await pool({ name: 'p2', prefixes: ['10.100.128.0/17'], address_scope_id: s.id });
    assert.equal(overlap.status, 409);
    assert.deepEqual(overlap.body.NeutronError, {
      type: 'AddressScopePrefixConflict', message: 'Failed to associate address scope: subnetpools within an address scope must have unique prefixes.', detail: '',
    });
    // Outside any scope the same prefixes are fine; joining the scope later is refused the same way.
    const loose = (await pool({ name: 'p3', prefixes: ['10.100.128.0/17'] })).body.subnetpool;
    const join = await net('demo', 'PUT', `/v2.0/subnetpools/${loose.id}`, { body: { subnetpool: { address_scope_id: s.id } } });
    assert.equal(join.status, 409);
    assert.equal((await net('demo', 'GET', `/v2.0/subnetpools/${loose.id}`)).body.subnetpool.address_scope_id, null);
    assert.equal((await net('demo', 'GET', `/v2.0/subnetpools?address_scope_id=${s.id}`)).body.subnetpools.length, 1);

    // A network with a subnet from the pool sits in its scope.
    const n = (await net('demo', 'POST', '/v2.0/networks', { body: { network: { name: 'scoped' } } })).body.network.id;
    assert.deepEqual(pick((await net('demo', 'GET', `/v2.0/networks/${n}`)).body.network), [null, null]);
    assert.equal((await net('demo', 'POST', '/v2.0/subnets', { body: { subnet: { network_id: n, ip_version: 4, subnetpool_id: p.body.subnetpool.id, prefixlen: 24 } } })).status, 201);
    assert.deepEqual(pick((await net('demo', 'GET', `/v2.0/networks/${n}`)).body.network), [s.id, null]);
    assert.deepEqual((await net('demo', 'GET', `/v2.0/networks?id=${n}&fields=ipv4_address_scope`)).body.networks, [{ ipv4_address_scope: s.id }]);

    const inUse = await net('demo', 'DELETE', `/v2.0/address-scopes/${s.id}`);
    assert.equal(inUse.status, 409);
    assert.deepEqual(inUse.body.NeutronError, {
      type: 'AddressScopeInUse', message: `Unable to complete operation on address scope ${s.id}. There are one or more subnet pools in use on the address scope.`, detail: '',
    });
    // Leaving the scope frees it.
    assert.equal((await net('demo', 'PUT', `/v2.0/subnetpools/${p.body.subnetpool.id}`, { body: { subnetpool: { address_scope_id: null } } })).status, 200);
    assert.equal((await net('demo', 'DELETE', `/v2.0/address-scopes/${s.id}`)).status, 204);
  });
});
