// The network API's service and its networks: the version document,
// /v2.0/extensions, the catalog entry, token auth, what the all-in-one seeds
// (devstack's public and private networks, its default subnet pool), what
// a start cut short or an older version's data leave it to do, and networks' create, show,
// list (filters, fields, sorting, pages), update and delete with Neutron's
// policy defaults and NeutronError faults.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud, type Reply, type RequestOptions } from '../support/cloud.js';
import { NetworkStore } from '../../src/network/store.js';

describe('network API: service and networks', () => {
  let cloud: Cloud;
  let net: (user: string, method: string, path: string, opts?: RequestOptions) => Promise<Reply>;
  before(async () => {
    cloud = await startCloud();
    net = (user, method, path, opts) => cloud.req(user, method, `${cloud.networkUrl}${path}`, opts);
  });
  after(async () => cloud?.stop());

  it('serves its version document without a token, and asks for one under /v2.0', async () => {
    const v = await net('demo', 'GET', '/', { token: null });
    assert.equal(v.status, 200);
    assert.deepEqual(v.body.versions.map((x: any) => [x.id, x.status]), [['v2.0', 'CURRENT']]);
    assert.equal(v.body.versions[0].links[0].href, `${cloud.networkUrl}/v2.0/`);
    const r = await net('demo', 'GET', '/v2.0/networks', { token: null });
    assert.equal(r.status, 401);
    assert.match(r.headers.get('www-authenticate')!, /^Keystone uri=/);
  });

  it('lists exactly the extensions it serves, and is in the catalog as neutron', async () => {
    const r = await net('demo', 'GET', '/v2.0/extensions');
    assert.equal(r.status, 200);
    const aliases = r.body.extensions.map((e: any) => e.alias);
    for (const a of [
      'binding', 'external-net', 'security-group', 'port-security', 'net-mtu', 'pagination', 'sorting', 'standard-attr-tag', 'router', 'ext-gw-mode',
      'binding-extended', 'quotas', 'quota_details', 'auto-allocated-topology', 'extraroute', 'subnet_allocation', 'address-scope',
    ]) assert.ok(aliases.includes(a), a);
    for (const a of ['l3-ha', 'dvr', 'rbac-policies']) assert.ok(!aliases.includes(a), a);
    assert.equal((await net('demo', 'GET', '/v2.0/extensions/binding')).body.extension.name, 'Port Binding');
    const missing = await net('demo', 'GET', '/v2.0/extensions/l3-ha');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.NeutronError.type, 'HTTPNotFound');
    const tok = await fetch(`${cloud.identityUrl}/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'demo', domain: { id: 'default' }, password: 'demo' } } } } }),
    });
    const entry = ((await tok.json()) as any).token.catalog.find((e: any) => e.type === 'network');
    assert.equal(entry.name, 'neutron');
    assert.deepEqual(entry.endpoints.map((e: any) => e.interface).sort(), ['admin', 'internal', 'public']);
    assert.equal(entry.endpoints[0].url, cloud.networkUrl);
  });

  it("seeds devstack's external public network (admin's, the default), demo's private network and router1 between them", async () => {
    const adminProject = await cloud.projectId('admin');
    const demoProject = await cloud.projectId('demo');
    const seen = (await net('demo', 'GET', '/v2.0/networks?sort_key=name')).body.networks;
    assert.deepEqual(seen.map((n: any) => n.name), ['private', 'public']);
    const [priv, pub] = seen;
    assert.equal(pub['router:external'], true);
    assert.equal(pub.is_default, true);
    assert.equal(pub.shared, false);
    assert.equal(pub.project_id, adminProject);
    assert.equal(priv.project_id, demoProject);
    assert.equal(priv.mtu, 1500);
    // devstack's shared default IPv4 pool, admin's, that private-subnet was taken from.
    const pools = (await net('demo', 'GET', '/v2.0/subnetpools')).body.subnetpools;
    assert.deepEqual(pools.map((p: any) => [p.name, p.project_id, p.prefixes, p.default_prefixlen, p.min_prefixlen, p.max_prefixlen, p.ip_version, p.is_default, p.shared]),
      [['shared-default-subnetpool-v4', adminProject, ['10.0.0.0/22'], 26, 8, 32, 4, true, true]]);
    const subnets = (await net('admin', 'GET', '/v2.0/subnets?sort_key=name')).body.subnets;
    assert.deepEqual(subnets.map((s: any) => [s.name, s.cidr, s.gateway_ip, s.subnetpool_id]),
      [['private-subnet', '10.0.0.0/26', '10.0.0.1', pools[0].id], ['public-subnet', '172.24.4.0/24', '172.24.4.1', null]]);
    // alt_demo sees the external network but not demo's private one.
    assert.deepEqual((await net('alt_demo', 'GET', '/v2.0/networks')).body.networks.map((n: any) => n.name), ['public']);
    const routers = (await net('demo', 'GET', '/v2.0/routers')).body.routers;
    assert.deepEqual(routers.map((r: any) => r.name), ['router1']);
    assert.equal(routers[0].external_gateway_info.network_id, pub.id);
    assert.equal(routers[0].project_id, demoProject);
    const iface = (await net('demo', 'GET', `/v2.0/ports?device_id=${routers[0].id}&device_owner=network:router_interface`)).body.ports;
    assert.deepEqual(iface.map((p: any) => p.fixed_ips[0].ip_address), ['10.0.0.1']);
    // A restart finds them made and makes no more.
    await cloud.restart();
    assert.equal((await net('admin', 'GET', '/v2.0/networks?name=public')).body.networks.length, 1);
    assert.equal((await net('admin', 'GET', '/v2.0/routers?name=router1')).body.routers.length, 1);
    assert.equal((await net('admin', 'GET', `/v2.0/ports?device_id=${routers[0].id}`)).body.ports.length, 2);
    assert.equal((await net('admin', 'GET', '/v2.0/subnetpools')).body.subnetpools.length, 1);
  });

  it('creates, shows, updates and deletes a network with Neutron\'s attributes and defaults', async () => {
    const c = await net('demo', 'POST', '/v2.0/networks', { body: { network: { name: 'n1', description: 'first' } } });
    assert.equal(c.status, 201);
    const n = c.body.network;
    assert.deepEqual(Object.keys(n).sort(), [
      'admin_state_up', 'availability_zone_hints', 'availability_zones', 'created_at', 'description', 'id', 'ipv4_address_scope', 'ipv6_address_scope',
      'mtu', 'name', 'port_security_enabled', 'project_id', 'revision_number', 'router:external', 'shared', 'status', 'subnets', 'tags', 'tenant_id', 'updated_at',
    ]);
    assert.equal(n.status, 'ACTIVE');
    assert.equal(n.admin_state_up, true);
    assert.equal(n.shared, false);
    assert.equal(n.mtu, 1500);
    assert.equal(n.port_security_enabled, true);
    assert.equal(n.tenant_id, await cloud.projectId('demo'));
    assert.match(n.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(n.revision_number, 0);
    const shown = await net('demo', 'GET', `/v2.0/networks/${n.id}?fields=name&fields=mtu`);
    assert.deepEqual(shown.body, { network: { name: 'n1', mtu: 1500 } });
    const u = await net('demo', 'PUT', `/v2.0/networks/${n.id}`, { body: { network: { name: 'n1b', admin_state_up: false, mtu: 1400 } } });
    assert.equal(u.status, 200);
    assert.equal(u.body.network.name, 'n1b');
    assert.equal(u.body.network.admin_state_up, false);
    assert.equal(u.body.network.mtu, 1400);
    assert.equal(u.body.network.revision_number, 1);
    assert.equal((await net('demo', 'DELETE', `/v2.0/networks/${n.id}`)).status, 204);
    const gone = await net('demo', 'GET', `/v2.0/networks/${n.id}`);
    assert.equal(gone.status, 404);
    assert.deepEqual(gone.body, { NeutronError: { type: 'NetworkNotFound', message: `Network ${n.id} could not be found.`, detail: '' } });
  });

  it('refuses bad input with a 400 NeutronError and creates nothing', async () => {
    const before = (await net('demo', 'GET', '/v2.0/networks')).body.networks.length;
    const cases: Array<[unknown, RegExp]> = [
      [{ network: { name: 'x', foo: 1 } }, /^Unrecognized attribute\(s\) 'foo'$/],
      [{ network: { admin_state_up: 'maybe' } }, /^Invalid input for admin_state_up\. Reason: 'maybe' is not a valid boolean value\.$/],
      [{ network: { name: 'x'.repeat(256) } }, /exceeds maximum length of 255/],
      [{ network: { id: 'abc' } }, /^Unrecognized attribute\(s\) 'id'$/],
      [{ net: {} }, /^Unable to find 'network' in request body$/],
      [{ network: { mtu: 9000 } }, /^Invalid input for operation: Requested MTU is too big, maximum is 1500\.$/],
    ];
    for (const [body, message] of cases) {
      const r = await net('demo', 'POST', '/v2.0/networks', { body });
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.match(r.body.NeutronError.message, message);
      assert.equal(r.body.NeutronError.detail, '');
    }
    assert.equal((await net('demo', 'POST', '/v2.0/networks', { raw: '{"network": ' })).status, 400);
    assert.equal((await net('demo', 'GET', '/v2.0/networks')).body.networks.length, before);
  });

  it("follows Neutron's policy: admin-only attributes, readers read, others' private networks are 404", async () => {
    for (const attr of [{ shared: true }, { 'router:external': true }]) {
      const r = await net('demo', 'POST', '/v2.0/networks', { body: { network: { name: 'x', ...attr } } });
      assert.equal(r.status, 403);
      assert.deepEqual(r.body.NeutronError, {
        type: 'PolicyNotAuthorized',
        message: `(rule:create_network and rule:create_network:${Object.keys(attr)[0]}) is disallowed by policy`,
        detail: '',
      });
    }
    const reader = await net('demo_reader', 'POST', '/v2.0/networks', { body: { network: { name: 'x' } } });
    assert.equal(reader.status, 403);
    assert.equal(reader.body.NeutronError.message, 'rule:create_network is disallowed by policy');
    const mine = (await net('demo', 'POST', '/v2.0/networks', { body: { network: { name: 'demo-only' } } })).body.network;
    assert.equal((await net('demo_reader', 'GET', `/v2.0/networks/${mine.id}`)).status, 200);
    assert.equal((await net('demo_reader', 'PUT', `/v2.0/networks/${mine.id}`, { body: { network: { name: 'y' } } })).status, 403);
    for (const [method, body] of [['GET', undefined], ['PUT', { network: { name: 'z' } }], ['DELETE', undefined]] as const) {
      const r = await net('alt_demo', method, `/v2.0/networks/${mine.id}`, { body });
      assert.equal(r.status, 404, method);
      assert.equal(r.body.NeutronError.type, 'NetworkNotFound');
    }
    // A shared network (admin's) is visible to all and changed by its owner only.
    const shared = (await net('admin', 'POST', '/v2.0/networks', { body: { network: { name: 'shared-net', shared: true } } })).body.network;
    assert.equal((await net('alt_demo', 'GET', `/v2.0/networks/${shared.id}`)).body.network.shared, true);
    assert.equal((await net('alt_demo', 'PUT', `/v2.0/networks/${shared.id}`, { body: { network: { name: 'mine' } } })).status, 403);
    assert.equal((await net('alt_demo', 'DELETE', `/v2.0/networks/${shared.id}`)).status, 403);
    assert.equal((await net('demo', 'PUT', `/v2.0/networks/${mine.id}`, { body: { network: { shared: true } } })).status, 403);
    // Admins see every project's networks.
    assert.ok((await net('admin', 'GET', '/v2.0/networks')).body.networks.some((n: any) => n.id === mine.id));
  });

  it('filters by any attribute (repeated = any of them), picks fields, sorts and pages with networks_links', async () => {
    const names = ['pa', 'pb', 'pc', 'pd', 'pe'];
    for (const name of names) await net('alt_demo', 'POST', '/v2.0/networks', { body: { network: { name, admin_state_up: name !== 'pc' } } });
    const list = async (q: string) => (await net('alt_demo', 'GET', `/v2.0/networks?${q}`)).body;
    assert.deepEqual((await list('name=pa&name=pc')).networks.map((n: any) => n.name).sort(), ['pa', 'pc']);
    assert.deepEqual((await list('admin_state_up=false')).networks.map((n: any) => n.name), ['pc']);
    assert.deepEqual((await list('router:external=True')).networks.map((n: any) => n.name), ['public']);
    assert.deepEqual((await list('name=pb&fields=id&fields=name')).networks.map((n: any) => Object.keys(n).sort()), [['id', 'name']]);
    assert.deepEqual((await list('sort_key=name&sort_dir=desc&router:external=false&shared=false')).networks.map((n: any) => n.name), ['pe', 'pd', 'pc', 'pb', 'pa']);
    const bad = await net('alt_demo', 'GET', '/v2.0/networks?colour=red');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.NeutronError.type, 'HTTPBadRequest');
    assert.equal((await net('alt_demo', 'GET', '/v2.0/networks?sort_key=name&sort_dir=sideways')).status, 400);
    assert.equal((await net('alt_demo', 'GET', '/v2.0/networks?limit=-1')).status, 400);

    // Pages of two, following the next links to the end.
    const seen: string[] = [];
    let url: string | undefined = `/v2.0/networks?limit=2&sort_key=name&router:external=false&shared=false`;
    let pages = 0;
    while (url) {
      const page: any = (await net('alt_demo', 'GET', url.replace(cloud.networkUrl, ''))).body;
      seen.push(...page.networks.map((n: any) => n.name));
      const next = (page.networks_links ?? []).find((l: any) => l.rel === 'next');
      if (pages > 0) assert.ok(page.networks_links.some((l: any) => l.rel === 'previous'));
      url = next?.href;
      pages++;
    }
    assert.deepEqual(seen, names);
    assert.equal(pages, 3);
    // Back from the last page: page_reverse gives the two before it.
    const last: any = (await net('alt_demo', 'GET', `/v2.0/networks?limit=2&sort_key=name&router:external=false&shared=false&marker=${(await list('name=pd')).networks[0].id}`)).body;
    assert.deepEqual(last.networks.map((n: any) => n.name), ['pe']);
    const prev = last.networks_links.find((l: any) => l.rel === 'previous').href;
    const back: any = (await net('alt_demo', 'GET', prev.replace(cloud.networkUrl, ''))).body;
    assert.deepEqual(back.networks.map((n: any) => n.name), ['pc', 'pd']);
    assert.deepEqual(back.networks_links.map((l: any) => l.rel).sort(), ['next', 'previous']);
    const unknown = await net('alt_demo', 'GET', '/v2.0/networks?limit=2&marker=00000000-0000-0000-0000-000000000000');
    assert.equal(unknown.status, 404);
  });

  it('tags networks one at a time or all at once, filters by tags, and keeps others off them', async () => {
    const n = (await net('demo', 'POST', '/v2.0/networks', { body: { network: { name: 'tagged' } } })).body.network;
    assert.equal((await net('demo', 'PUT', `/v2.0/networks/${n.id}/tags/red`)).status, 201);
    const all = await net('demo', 'PUT', `/v2.0/networks/${n.id}/tags`, { body: { tags: ['blue', 'red', 'green'] } });
    assert.deepEqual(all.body, { tags: ['blue', 'green', 'red'] });
    assert.equal((await net('demo', 'GET', `/v2.0/networks/${n.id}/tags/blue`)).status, 204);
    const missing = await net('demo', 'GET', `/v2.0/networks/${n.id}/tags/pink`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body.NeutronError.type, 'TagNotFound');
    assert.equal((await net('demo', 'DELETE', `/v2.0/networks/${n.id}/tags/green`)).status, 204);
    const shown = (await net('demo', 'GET', `/v2.0/networks/${n.id}`)).body.network;
    assert.deepEqual(shown.tags, ['blue', 'red']);
    assert.equal(shown.revision_number, 3);
    const names = async (q: string) => (await net('demo', 'GET', `/v2.0/networks?${q}`)).body.networks.map((x: any) => x.name);
    assert.deepEqual(await names('tags=blue,red'), ['tagged']);
    assert.deepEqual(await names('tags=blue,green'), []);
    assert.deepEqual(await names('tags-any=green,red'), ['tagged']);
    assert.ok(!(await names('not-tags-any=red')).includes('tagged'));
    assert.equal((await net('alt_demo', 'PUT', `/v2.0/networks/${n.id}/tags/x`)).status, 404);
    assert.equal((await net('demo_reader', 'PUT', `/v2.0/networks/${n.id}/tags/x`)).status, 403);
    assert.equal((await net('demo', 'DELETE', `/v2.0/networks/${n.id}/tags`)).status, 204);
    assert.deepEqual((await net('demo', 'GET', `/v2.0/networks/${n.id}/tags`)).body, { tags: [] });
  });

  it('deletes a network with its subnets, and refuses one with ports: 409 NetworkInUse', async () => {
    const n = (await net('demo', 'POST', '/v2.0/networks', { body: { network: { name: 'busy' } } })).body.network;
    const s = (await net('demo', 'POST', '/v2.0/subnets', { body: { subnet: { network_id: n.id, ip_version: 4, cidr: '192.168.50.0/24' } } })).body.subnet;
    const p = (await net('demo', 'POST', '/v2.0/ports', { body: { port: { network_id: n.id } } })).body.port;
    const r = await net('demo', 'DELETE', `/v2.0/networks/${n.id}`);
    assert.equal(r.status, 409);
    assert.deepEqual(r.body.NeutronError, {
      type: 'NetworkInUse',
      message: `Unable to complete operation on network ${n.id}. There are one or more ports still in use on the network.`,
      detail: '',
    });
    assert.equal((await net('demo', 'GET', `/v2.0/subnets/${s.id}`)).status, 200);
    assert.equal((await net('demo', 'DELETE', `/v2.0/ports/${p.id}`)).status, 204);
    assert.equal((await net('demo', 'DELETE', `/v2.0/networks/${n.id}`)).status, 204);
    assert.equal((await net('demo', 'GET', `/v2.0/subnets/${s.id}`)).status, 404);
  });

  /** The seeded resources, as admin sees them. */
  const seeded = async () => {
    const one = async (path: string, key: string) => (await net('admin', 'GET', path)).body[key][0];
    const router = await one('/v2.0/routers?name=router1', 'routers');
    const ifaces = router ? (await net('admin', 'GET', `/v2.0/ports?device_id=${router.id}&device_owner=network:router_interface`)).body.ports : [];
    return {
      pool: await one('/v2.0/subnetpools?name=shared-default-subnetpool-v4', 'subnetpools'),
      network: await one('/v2.0/networks?name=private', 'networks'),
      subnet: await one('/v2.0/subnets?name=private-subnet', 'subnets'),
      router,
      ifaceIps: ifaces.map((p: any) => p.fixed_ips[0].ip_address),
    };
  };
  const assertDevstackTopology = async (ids: { pool: string; network: string; subnet: string; router: string }) => {
    const now = await seeded();
    assert.deepEqual([now.pool.id, now.pool.is_default, now.pool.shared, now.pool.prefixes], [ids.pool, true, true, ['10.0.0.0/22']]);
    assert.deepEqual([now.network.id, now.subnet.id, now.subnet.network_id, now.subnet.cidr, now.subnet.subnetpool_id], [ids.network, ids.subnet, ids.network, '10.0.0.0/26', ids.pool]);
    assert.deepEqual([now.router.id, now.ifaceIps], [ids.router, ['10.0.0.1']]);
    assert.equal((await net('admin', 'GET', '/v2.0/subnetpools')).body.subnetpools.length, 1);
  };

  it('makes, on the next start, what a first start cut short left out, and ends with the devstack topology', async () => {
    const first = await seeded();
    const ids = { pool: first.pool.id, network: first.network.id, subnet: first.subnet.id, router: first.router.id };
    // Undone newest first: what a start stopped after making the pool leaves.
    const undoPrivate = async () => {
      assert.equal((await net('demo', 'PUT', `/v2.0/routers/${ids.router}/remove_router_interface`, { body: { subnet_id: ids.subnet } })).status, 200);
      assert.equal((await net('demo', 'DELETE', `/v2.0/routers/${ids.router}`)).status, 204);
      assert.equal((await net('demo', 'DELETE', `/v2.0/networks/${ids.network}`)).status, 204);
    };
    await undoPrivate();
    await cloud.restart();
    await assertDevstackTopology(ids);
    // And one stopped before it, with only the public network made.
    await undoPrivate();
    assert.equal((await net('admin', 'DELETE', `/v2.0/subnetpools/${ids.pool}`)).status, 204);
    await cloud.restart();
    await assertDevstackTopology(ids);
  });

  it("leaves another default IPv4 pool an operator made in place, seeding private-subnet without a pool until it is gone", async () => {
    const first = await seeded();
    const ids = { pool: first.pool.id, network: first.network.id, subnet: first.subnet.id, router: first.router.id };
    assert.equal((await net('demo', 'PUT', `/v2.0/routers/${ids.router}/remove_router_interface`, { body: { subnet_id: ids.subnet } })).status, 200);
    assert.equal((await net('demo', 'DELETE', `/v2.0/routers/${ids.router}`)).status, 204);
    assert.equal((await net('demo', 'DELETE', `/v2.0/networks/${ids.network}`)).status, 204);
    assert.equal((await net('admin', 'DELETE', `/v2.0/subnetpools/${ids.pool}`)).status, 204);
    const theirs = (await net('admin', 'POST', '/v2.0/subnetpools', { body: { subnetpool: { name: 'ops-default', prefixes: ['10.200.0.0/16'], is_default: true, shared: true } } })).body.subnetpool;
    await cloud.restart();
    const now = await seeded();
    assert.equal(now.pool, undefined);
    assert.deepEqual((await net('admin', 'GET', '/v2.0/subnetpools?is_default=true')).body.subnetpools.map((p: any) => p.id), [theirs.id]);
    assert.deepEqual([now.subnet.id, now.subnet.cidr, now.subnet.subnetpool_id, now.ifaceIps], [ids.subnet, '10.0.0.0/26', null, ['10.0.0.1']]);
    // Once it is gone, the next start seeds the pool and adopts private-subnet into it.
    assert.equal((await net('admin', 'DELETE', `/v2.0/subnetpools/${theirs.id}`)).status, 204);
    await cloud.restart();
    await assertDevstackTopology(ids);
  });

  it('gives a cloud seeded before the pool existed the pool, with the subnets taken from its range adopted into it', async () => {
    const altProject = await cloud.projectId('alt_demo');
    const topology = (await net('alt_demo', 'GET', `/v2.0/auto-allocated-topology/${altProject}`)).body.auto_allocated_topology;
    const auto = (await net('alt_demo', 'GET', `/v2.0/subnets?network_id=${topology.id}`)).body.subnets[0];
    assert.equal(auto.cidr, '10.0.0.64/26');
    const first = await seeded();
    const ids = { pool: first.pool.id, network: first.network.id, subnet: first.subnet.id, router: first.router.id };
    // What an older version's database holds: no pool, and those subnets made without one.
    const store = NetworkStore.of(cloud.aio.base.db);
    for (const id of [ids.subnet, auto.id]) {
      const { subnetpool_id: _dropped, ...rest } = (await store.get('network_subnets', id))!;
      assert.ok(await store.replace('network_subnets', { ...rest, revision_number: rest.revision_number + 1 }));
    }
    await store.forgetDefaultSubnetPool(ids.pool);
    assert.ok(await store.remove('network_subnetpools', ids.pool));
    assert.equal((await net('admin', 'GET', `/v2.0/subnets/${ids.subnet}`)).body.subnet.subnetpool_id, null);

    await cloud.restart();
    await assertDevstackTopology(ids);
    assert.equal((await net('alt_demo', 'GET', `/v2.0/subnets/${auto.id}`)).body.subnet.subnetpool_id, ids.pool);
    // The pool hands out neither block again.
    const n = (await net('demo', 'POST', '/v2.0/networks', { body: { network: { name: 'after-upgrade' } } })).body.network;
    const s = await net('demo', 'POST', '/v2.0/subnets', { body: { subnet: { network_id: n.id, ip_version: 4, use_default_subnetpool: true } } });
    assert.deepEqual([s.status, s.body.subnet.cidr], [201, '10.0.0.128/26']);
    assert.equal((await net('demo', 'DELETE', `/v2.0/networks/${n.id}`)).status, 204);
    assert.equal((await net('alt_demo', 'DELETE', `/v2.0/auto-allocated-topology/${altProject}`)).status, 204);
  });
});
