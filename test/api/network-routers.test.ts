// Routers: a gateway on an external network (a network:router_gateway port
// holding its address), 400 for a gateway on a network that is not external,
// interfaces by subnet (the subnet's gateway address) and by port, the 409s
// that keep a router with interfaces and a subnet in use by a router, and
// removing interfaces and the gateway; no two subnets of a router overlapping
// (interfaces and the gateway's network); extra routes. Also auto-allocated topologies.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud, type Reply, type RequestOptions } from '../support/cloud.js';

describe('network API: routers', () => {
  let cloud: Cloud;
  let net: (user: string, method: string, path: string, opts?: RequestOptions) => Promise<Reply>;
  let extId: string;
  let extSubnetId: string;
  let privId: string;
  let privSubnetId: string;
  before(async () => {
    cloud = await startCloud();
    net = (user, method, path, opts) => cloud.req(user, method, `${cloud.networkUrl}${path}`, opts);
    extId = (await net('admin', 'POST', '/v2.0/networks', { body: { network: { name: 'ext', 'router:external': true } } })).body.network.id;
    extSubnetId = (await net('admin', 'POST', '/v2.0/subnets', { body: { subnet: { network_id: extId, ip_version: 4, cidr: '172.30.4.0/24', enable_dhcp: false } } })).body.subnet.id;
    privId = (await net('demo', 'POST', '/v2.0/networks', { body: { network: { name: 'priv' } } })).body.network.id;
    privSubnetId = (await net('demo', 'POST', '/v2.0/subnets', { body: { subnet: { network_id: privId, ip_version: 4, cidr: '10.40.0.0/24' } } })).body.subnet.id;
  });
  after(async () => cloud?.stop());

  it('creates a router with a gateway holding an address on the external network; a non-external network is a 400', async () => {
    const r = await net('demo', 'POST', '/v2.0/routers', { body: { router: { name: 'r1', external_gateway_info: { network_id: extId } } } });
    assert.equal(r.status, 201);
    const router = r.body.router;
    assert.equal(router.status, 'ACTIVE');
    assert.equal(router.admin_state_up, true);
    assert.deepEqual(router.external_gateway_info, { network_id: extId, enable_snat: true, external_fixed_ips: [{ subnet_id: extSubnetId, ip_address: '172.30.4.2' }] });
    const gwPorts = (await net('admin', 'GET', `/v2.0/ports?device_id=${router.id}&device_owner=network:router_gateway`)).body.ports;
    assert.equal(gwPorts.length, 1);
    assert.equal(gwPorts[0].network_id, extId);

    const bad = await net('demo', 'POST', '/v2.0/routers', { body: { router: { name: 'r2', external_gateway_info: { network_id: privId } } } });
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.body.NeutronError, { type: 'BadRequest', message: `Bad router request: Network ${privId} is not an external network.`, detail: '' });
    // enable_snat is the admin's to set.
    const snat = await net('demo', 'POST', '/v2.0/routers', { body: { router: { external_gateway_info: { network_id: extId, enable_snat: false } } } });
    assert.equal(snat.status, 403);
    assert.equal(snat.body.NeutronError.type, 'PolicyNotAuthorized');
    assert.equal((await net('demo', 'GET', '/v2.0/routers?name=r1')).body.routers.length, 1);
    const internal = await net('admin', 'PUT', `/v2.0/networks/${extId}`, { body: { network: { 'router:external': false } } });
    assert.equal(internal.status, 409);
    assert.equal(internal.body.NeutronError.type, 'ExternalNetworkInUse');
    assert.equal((await net('alt_demo', 'GET', `/v2.0/routers/${router.id}`)).status, 404);
  });

  it('adds an interface by subnet with the gateway address; the router and the subnet are then in use (409); removing it frees both', async () => {
    const router = (await net('demo', 'POST', '/v2.0/routers', { body: { router: { name: 'r3' } } })).body.router;
    assert.equal(router.external_gateway_info, null);
    const add = await net('demo', 'PUT', `/v2.0/routers/${router.id}/add_router_interface`, { body: { subnet_id: privSubnetId } });
    assert.equal(add.status, 200);
    assert.equal(add.body.id, router.id);
    assert.deepEqual(add.body.subnet_ids, [privSubnetId]);
    assert.equal(add.body.network_id, privId);
    const port = (await net('demo', 'GET', `/v2.0/ports/${add.body.port_id}`)).body.port;
    assert.equal(port.device_owner, 'network:router_interface');
    assert.equal(port.device_id, router.id);
    assert.deepEqual(port.fixed_ips, [{ subnet_id: privSubnetId, ip_address: '10.40.0.1' }]);
    // Clients wait for the interface to come up.
    assert.equal(port.status, 'ACTIVE');

    // Extra routes: a next hop on a connected subnet is taken; one elsewhere is InvalidRoutes; create takes none.
    const routes = [{ destination: '192.168.50.0/24', nexthop: '10.40.0.9' }];
    const set = await net('demo', 'PUT', `/v2.0/routers/${router.id}`, { body: { router: { routes } } });
    assert.equal(set.status, 200, set.text);
    assert.deepEqual(set.body.router.routes, routes);
    const far = await net('demo', 'PUT', `/v2.0/routers/${router.id}`, { body: { router: { routes: [{ destination: '192.168.51.0/24', nexthop: '10.99.0.9' }] } } });
    assert.equal(far.body.NeutronError.type, 'InvalidRoutes');
    assert.equal((await net('demo', 'PUT', `/v2.0/routers/${router.id}`, { body: { router: { routes: [{ destination: '192.168.51.1/24', nexthop: '10.40.0.9' }] } } })).status, 400);
    assert.equal((await net('demo', 'POST', '/v2.0/routers', { body: { router: { name: 'r3b', routes: [] } } })).status, 400);
    assert.deepEqual((await net('demo', 'PUT', `/v2.0/routers/${router.id}`, { body: { router: { routes: null } } })).body.router.routes, []);

    const again = await net('demo', 'PUT', `/v2.0/routers/${router.id}/add_router_interface`, { body: { subnet_id: privSubnetId } });
    assert.equal(again.status, 400);
    assert.equal(again.body.NeutronError.message, `Bad router request: Router already has a port on subnet ${privSubnetId}.`);
    const both = await net('demo', 'PUT', `/v2.0/routers/${router.id}/add_router_interface`, { body: { subnet_id: privSubnetId, port_id: port.id } });
    assert.equal(both.body.NeutronError.message, 'Bad router request: Cannot specify both subnet-id and port-id.');

    const del = await net('demo', 'DELETE', `/v2.0/routers/${router.id}`);
    assert.equal(del.status, 409);
    assert.equal(del.body.NeutronError.type, 'RouterInUse');
    assert.equal((await net('demo', 'DELETE', `/v2.0/subnets/${privSubnetId}`)).status, 409);
    assert.equal((await net('demo', 'DELETE', `/v2.0/networks/${privId}`)).status, 409);
    const direct = await net('demo', 'DELETE', `/v2.0/ports/${port.id}`);
    assert.equal(direct.status, 409);
    assert.equal(direct.body.NeutronError.type, 'ServicePortInUse');

    const rm = await net('demo', 'PUT', `/v2.0/routers/${router.id}/remove_router_interface`, { body: { subnet_id: privSubnetId } });
    assert.equal(rm.status, 200);
    assert.equal(rm.body.port_id, port.id);
    assert.equal((await net('demo', 'GET', `/v2.0/ports/${port.id}`)).status, 404);
    const rmAgain = await net('demo', 'PUT', `/v2.0/routers/${router.id}/remove_router_interface`, { body: { subnet_id: privSubnetId } });
    assert.equal(rmAgain.status, 404);
    assert.equal(rmAgain.body.NeutronError.type, 'RouterInterfaceNotFoundForSubnet');
    assert.equal((await net('demo', 'DELETE', `/v2.0/routers/${router.id}`)).status, 204);
  });

  it('adds an interface by port, refuses a port in use, and clears and sets the gateway by update', async () => {
    const router = (await net('demo', 'POST', '/v2.0/routers', { body: { router: { name: 'r4' } } })).body.router;
    const p = (await net('demo', 'POST', '/v2.0/ports', { body: { port: { network_id: privId } } })).body.port;
    const add = await net('demo', 'PUT', `/v2.0/routers/${router.id}/add_router_interface`, { body: { port_id: p.id } });
    assert.equal(add.status, 200);
    assert.equal(add.body.port_id, p.id);
    assert.equal((await net('demo', 'GET', `/v2.0/ports/${p.id}`)).body.port.device_owner, 'network:router_interface');
    const other = (await net('demo', 'POST', '/v2.0/routers', { body: { router: { name: 'r5' } } })).body.router;
    const inUse = await net('demo', 'PUT', `/v2.0/routers/${other.id}/add_router_interface`, { body: { port_id: p.id } });
    assert.equal(inUse.status, 409);
    assert.equal(inUse.body.NeutronError.type, 'PortInUse');
    await net('demo', 'PUT', `/v2.0/routers/${router.id}/remove_router_interface`, { body: { port_id: p.id } });

    const set = await net('demo', 'PUT', `/v2.0/routers/${other.id}`, { body: { router: { external_gateway_info: { network_id: extId } } } });
    assert.equal(set.status, 200);
    assert.equal(set.body.router.external_gateway_info.network_id, extId);
    // An admin adds a second gateway address, keeping the first.
    const first = set.body.router.external_gateway_info.external_fixed_ips[0];
    const more = await net('admin', 'PUT', `/v2.0/routers/${other.id}`, {
      body: { router: { external_gateway_info: { network_id: extId, enable_snat: true, external_fixed_ips: [first, { subnet_id: extSubnetId }] } } },
    });
    assert.equal(more.status, 200);
    const ips = more.body.router.external_gateway_info.external_fixed_ips;
    assert.equal(ips.length, 2);
    assert.deepEqual(ips[0], first);
    assert.notEqual(ips[1].ip_address, first.ip_address);
    const cleared = await net('demo', 'PUT', `/v2.0/routers/${other.id}`, { body: { router: { external_gateway_info: {} } } });
    assert.equal(cleared.body.router.external_gateway_info, null);
    assert.equal((await net('admin', 'GET', `/v2.0/ports?device_id=${other.id}`)).body.ports.length, 0);
  });

  it('refuses an interface on a subnet overlapping one the router is on, or its gateway network, and a gateway overlapping its interfaces (400)', async () => {
    const subnetOn = async (cidr: string): Promise<{ id: string; cidr: string }> => {
      const n = (await net('demo', 'POST', '/v2.0/networks', { body: { network: { name: `ov-${cidr}` } } })).body.network.id;
      return (await net('demo', 'POST', '/v2.0/subnets', { body: { subnet: { network_id: n, ip_version: 4, cidr } } })).body.subnet;
    };
    const wide = await subnetOn('10.60.0.0/16');
    const narrow = await subnetOn('10.60.5.0/24');
    const apart = await subnetOn('10.61.0.0/24');
    const router = (await net('demo', 'POST', '/v2.0/routers', { body: { router: { name: 'ov' } } })).body.router;
    const add = (subnetId: string) => net('demo', 'PUT', `/v2.0/routers/${router.id}/add_router_interface`, { body: { subnet_id: subnetId } });
    assert.equal((await add(wide.id)).status, 200);
    const overlap = await add(narrow.id);
    assert.equal(overlap.status, 400);
    assert.deepEqual(overlap.body.NeutronError, {
      type: 'BadRequest', message: `Bad router request: Cidr 10.60.5.0/24 of subnet ${narrow.id} overlaps with cidr 10.60.0.0/16 of subnet ${wide.id}.`, detail: '',
    });
    assert.equal((await net('demo', 'GET', `/v2.0/ports?device_id=${router.id}`)).body.ports.length, 1, 'no port left by the refusal');
    // By port, too.
    const port = (await net('demo', 'POST', '/v2.0/ports', { body: { port: { network_id: (await net('demo', 'GET', `/v2.0/subnets/${narrow.id}`)).body.subnet.network_id } } })).body.port;
    const byPort = await net('demo', 'PUT', `/v2.0/routers/${router.id}/add_router_interface`, { body: { port_id: port.id } });
    assert.equal(byPort.status, 400);
    assert.match(byPort.body.NeutronError.message, /overlaps with cidr 10\.60\.0\.0\/16/);
    assert.equal((await add(apart.id)).status, 200);

    // The gateway's network counts: an interface overlapping it is refused, and a gateway overlapping an interface.
    const onExt = await subnetOn('172.30.4.128/25');
    const gwSet = await net('demo', 'PUT', `/v2.0/routers/${router.id}`, { body: { router: { external_gateway_info: { network_id: extId } } } });
    assert.equal(gwSet.status, 200, JSON.stringify(gwSet.body));
    const toExt = await add(onExt.id);
    assert.equal(toExt.status, 400);
    assert.equal(toExt.body.NeutronError.message, `Bad router request: Cidr 172.30.4.128/25 of subnet ${onExt.id} overlaps with cidr 172.30.4.0/24 of subnet ${extSubnetId}.`);
    const r2 = (await net('demo', 'POST', '/v2.0/routers', { body: { router: { name: 'ov2' } } })).body.router;
    assert.equal((await net('demo', 'PUT', `/v2.0/routers/${r2.id}/add_router_interface`, { body: { subnet_id: onExt.id } })).status, 200);
    const gwOverlap = await net('demo', 'PUT', `/v2.0/routers/${r2.id}`, { body: { router: { external_gateway_info: { network_id: extId } } } });
    assert.equal(gwOverlap.status, 400);
    assert.equal(gwOverlap.body.NeutronError.message, `Bad router request: Cidr 172.30.4.0/24 of subnet ${extSubnetId} overlaps with cidr 172.30.4.128/25 of subnet ${onExt.id}.`);
    assert.equal((await net('demo', 'GET', `/v2.0/routers/${r2.id}`)).body.router.external_gateway_info, null);
  });

  it('auto-allocates a topology once per project, with dry-run and delete; 409 without a default external network', async () => {
    const projectId = await cloud.projectId('alt_demo');
    // The seeded `public` is the default; only one network may be.
    const pub = (await net('admin', 'GET', '/v2.0/networks?name=public')).body.networks[0];
    assert.equal(pub.is_default, true);
    const second = await net('admin', 'PUT', `/v2.0/networks/${extId}`, { body: { network: { is_default: true } } });
    assert.equal(second.status, 409);
    assert.equal(second.body.NeutronError.type, 'DefaultExternalNetworkExists');
    await net('admin', 'PUT', `/v2.0/networks/${pub.id}`, { body: { network: { is_default: false } } });
    const none = await net('alt_demo', 'GET', `/v2.0/auto-allocated-topology/${projectId}`);
    assert.equal(none.status, 409);
    assert.deepEqual(none.body.NeutronError, { type: 'AutoAllocationFailure', message: 'Deployment error: No default router:external network.', detail: '' });
    assert.equal((await net('admin', 'PUT', `/v2.0/networks/${extId}`, { body: { network: { is_default: true } } })).body.network.is_default, true);
    const dry = await net('alt_demo', 'GET', `/v2.0/auto-allocated-topology/${projectId}?fields=dry-run`);
    assert.deepEqual(dry.body, { auto_allocated_topology: { id: 'dry-run=pass', project_id: projectId } });
    const first = await net('alt_demo', 'GET', `/v2.0/auto-allocated-topology/${projectId}`);
    assert.equal(first.status, 200);
    const netId = first.body.auto_allocated_topology.id;
    const again = await net('alt_demo', 'GET', `/v2.0/auto-allocated-topology/${projectId}`);
    assert.equal(again.body.auto_allocated_topology.id, netId);
    const network = (await net('alt_demo', 'GET', `/v2.0/networks/${netId}`)).body.network;
    assert.equal(network.name, 'auto_allocated_network');
    assert.equal(network.admin_state_up, true);
    const routers = (await net('alt_demo', 'GET', '/v2.0/routers?name=auto_allocated_router')).body.routers;
    assert.equal(routers.length, 1);
    assert.equal(routers[0].external_gateway_info.network_id, extId);
    // Its subnet is the seeded default pool's next /26 (private-subnet has the first), with an interface of the router on it.
    const pool = (await net('alt_demo', 'GET', '/v2.0/subnetpools?is_default=true')).body.subnetpools[0];
    assert.equal(pool.name, 'shared-default-subnetpool-v4');
    const subnets = (await net('alt_demo', 'GET', `/v2.0/subnets?network_id=${netId}`)).body.subnets;
    assert.deepEqual(subnets.map((x: any) => [x.name, x.cidr, x.subnetpool_id]), [['auto_allocated_subnet_v4', '10.0.0.64/26', pool.id]]);
    const ifaces = (await net('alt_demo', 'GET', `/v2.0/ports?device_id=${routers[0].id}&device_owner=network:router_interface`)).body.ports;
    assert.deepEqual(ifaces.map((x: any) => x.fixed_ips[0].ip_address), ['10.0.0.65']);
    assert.equal((await net('alt_demo', 'GET', `/v2.0/auto-allocated-topology/not-mine`)).status, 403);
    assert.equal((await net('alt_demo', 'DELETE', `/v2.0/auto-allocated-topology/${projectId}`)).status, 204);
    assert.equal((await net('alt_demo', 'GET', `/v2.0/networks/${netId}`)).status, 404);
    assert.equal((await net('alt_demo', 'GET', '/v2.0/routers?name=auto_allocated_router')).body.routers.length, 0);
  });

  it("takes a subnet from each default pool the project may use, and fails as Neutron does without one", async () => {
    const projectId = await cloud.projectId('alt_demo');
    const seeded = (await net('admin', 'GET', '/v2.0/subnetpools?name=shared-default-subnetpool-v4')).body.subnetpools[0];
    const fault = (r: Reply) => [r.status, r.body?.NeutronError?.type, r.body?.NeutronError?.message];
    assert.equal((await net('admin', 'PUT', `/v2.0/subnetpools/${seeded.id}`, { body: { subnetpool: { is_default: false } } })).status, 200);
    try {
      assert.deepEqual(fault(await net('alt_demo', 'GET', `/v2.0/auto-allocated-topology/${projectId}?fields=dry-run`)),
        [409, 'AutoAllocationFailure', 'Deployment error: No default subnetpools defined.']);
      assert.deepEqual(fault(await net('alt_demo', 'GET', `/v2.0/auto-allocated-topology/${projectId}`)),
        [409, 'AutoAllocationFailure', 'Deployment error: Unable to provide project private network.']);
      // The network it began with is gone again.
      assert.deepEqual((await net('admin', 'GET', '/v2.0/networks?name=auto_allocated_network')).body.networks, []);
      // A default pool the project cannot see is no default for it.
      const hidden = (await net('admin', 'POST', '/v2.0/subnetpools', { body: { subnetpool: { name: 'admins-default', prefixes: ['10.90.0.0/16'], is_default: true } } })).body.subnetpool;
      assert.equal((await net('alt_demo', 'GET', `/v2.0/auto-allocated-topology/${projectId}`)).status, 409);
      assert.equal((await net('admin', 'DELETE', `/v2.0/subnetpools/${hidden.id}`)).status, 204);
      // An exhausted default pool fails the same way.
      const tiny = (await net('admin', 'POST', '/v2.0/subnetpools', { body: { subnetpool: { name: 'tiny', prefixes: ['10.91.0.0/26'], default_prefixlen: 26, is_default: true, shared: true } } })).body.subnetpool;
      const filler = (await net('admin', 'POST', '/v2.0/networks', { body: { network: { name: 'filler' } } })).body.network;
      assert.equal((await net('admin', 'POST', '/v2.0/subnets', { body: { subnet: { network_id: filler.id, ip_version: 4, subnetpool_id: tiny.id } } })).status, 201);
      assert.deepEqual(fault(await net('alt_demo', 'GET', `/v2.0/auto-allocated-topology/${projectId}`)),
        [409, 'AutoAllocationFailure', 'Deployment error: Unable to provide project private network.']);
      assert.deepEqual((await net('admin', 'GET', '/v2.0/networks?name=auto_allocated_network')).body.networks, []);
      assert.equal((await net('admin', 'DELETE', `/v2.0/networks/${filler.id}`)).status, 204);
      assert.equal((await net('admin', 'DELETE', `/v2.0/subnetpools/${tiny.id}`)).status, 204);

      // With default IPv4 and IPv6 pools, one subnet of each, of each pool's default length, both on the router.
      assert.equal((await net('admin', 'PUT', `/v2.0/subnetpools/${seeded.id}`, { body: { subnetpool: { is_default: true } } })).status, 200);
      const v6 = (await net('admin', 'POST', '/v2.0/subnetpools', {
        body: { subnetpool: { name: 'default-v6', prefixes: ['fd00:ab::/56'], default_prefixlen: 64, shared: true, is_default: true } },
      })).body.subnetpool;
      try {
        const made = await net('alt_demo', 'GET', `/v2.0/auto-allocated-topology/${projectId}`);
        assert.equal(made.status, 200);
        const netId = made.body.auto_allocated_topology.id;
        const subnets = (await net('alt_demo', 'GET', `/v2.0/subnets?network_id=${netId}&sort_key=ip_version`)).body.subnets;
        assert.deepEqual(subnets.map((x: any) => [x.name, x.ip_version, x.cidr, x.subnetpool_id]),
          [['auto_allocated_subnet_v4', 4, '10.0.0.64/26', seeded.id], ['auto_allocated_subnet_v6', 6, 'fd00:ab::/64', v6.id]]);
        const router = (await net('alt_demo', 'GET', '/v2.0/routers?name=auto_allocated_router')).body.routers[0];
        const ifaces = (await net('alt_demo', 'GET', `/v2.0/ports?device_id=${router.id}&device_owner=network:router_interface`)).body.ports;
        assert.deepEqual(ifaces.map((x: any) => x.fixed_ips[0].subnet_id).sort(), subnets.map((x: any) => x.id).sort());
        assert.equal((await net('alt_demo', 'DELETE', `/v2.0/auto-allocated-topology/${projectId}`)).status, 204);
      } finally {
        await net('admin', 'DELETE', `/v2.0/subnetpools/${v6.id}`);
      }
    } finally {
      await net('admin', 'PUT', `/v2.0/subnetpools/${seeded.id}`, { body: { subnetpool: { is_default: true } } });
    }
  });

  it('gives two first requests at once one topology, and a new one after its network is deleted by hand', async () => {
    const projectId = await cloud.projectId('alt_demo');
    const [a, b] = await Promise.all([1, 2].map(() => net('alt_demo', 'GET', `/v2.0/auto-allocated-topology/${projectId}`)));
    assert.equal(a!.status, 200);
    assert.equal(b!.status, 200);
    assert.equal(a!.body.auto_allocated_topology.id, b!.body.auto_allocated_topology.id);
    assert.equal((await net('alt_demo', 'GET', '/v2.0/networks?name=auto_allocated_network')).body.networks.length, 1);
    assert.equal((await net('alt_demo', 'GET', '/v2.0/routers?name=auto_allocated_router')).body.routers.length, 1);

    const netId = a!.body.auto_allocated_topology.id;
    const router = (await net('alt_demo', 'GET', '/v2.0/routers?name=auto_allocated_router')).body.routers[0];
    const subnet = (await net('alt_demo', 'GET', `/v2.0/subnets?network_id=${netId}`)).body.subnets[0];
    await net('alt_demo', 'PUT', `/v2.0/routers/${router.id}/remove_router_interface`, { body: { subnet_id: subnet.id } });
    assert.equal((await net('alt_demo', 'DELETE', `/v2.0/networks/${netId}`)).status, 204);
    const rebuilt = await net('alt_demo', 'GET', `/v2.0/auto-allocated-topology/${projectId}`);
    assert.equal(rebuilt.status, 200);
    assert.equal((await net('alt_demo', 'GET', `/v2.0/networks/${rebuilt.body.auto_allocated_topology.id}`)).body.network.name, 'auto_allocated_network');
    assert.equal((await net('alt_demo', 'DELETE', `/v2.0/auto-allocated-topology/${projectId}`)).status, 204);
  });
});
