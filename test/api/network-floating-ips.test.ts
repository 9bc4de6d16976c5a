// Floating IPs: allocated from an external network (a network:floatingip
// port holds the address), DOWN until associated; associating needs a
// router with a gateway on that network and an interface on the port's
// subnet (else 404 ExternalGatewayForFloatingIPNotFound); associated it is
// ACTIVE with router_id; disassociating, deleting the port, and deleting the
// floating IP release what it held.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud, type Reply, type RequestOptions } from '../support/cloud.js';

describe('network API: floating IPs', () => {
  let cloud: Cloud;
  let net: (user: string, method: string, path: string, opts?: RequestOptions) => Promise<Reply>;
  let extId: string;
  let privId: string;
  let privSubnetId: string;
  before(async () => {
    cloud = await startCloud();
    net = (user, method, path, opts) => cloud.req(user, method, `${cloud.networkUrl}${path}`, opts);
    extId = (await net('admin', 'POST', '/v2.0/networks', { body: { network: { name: 'ext', 'router:external': true } } })).body.network.id;
    await net('admin', 'POST', '/v2.0/subnets', { body: { subnet: { network_id: extId, ip_version: 4, cidr: '172.31.4.0/24', enable_dhcp: false } } });
    privId = (await net('demo', 'POST', '/v2.0/networks', { body: { network: { name: 'priv' } } })).body.network.id;
    privSubnetId = (await net('demo', 'POST', '/v2.0/subnets', { body: { subnet: { network_id: privId, ip_version: 4, cidr: '10.41.0.0/24' } } })).body.subnet.id;
  });
  after(async () => cloud?.stop());

  const fip = (body: Record<string, unknown>, user = 'demo') => net(user, 'POST', '/v2.0/floatingips', { body: { floatingip: { floating_network_id: extId, ...body } } });

  it('allocates an address from the external network, DOWN and unassociated; a non-external network is a 400', async () => {
    const r = await fip({});
    assert.equal(r.status, 201);
    const f = r.body.floatingip;
    assert.equal(f.floating_ip_address, '172.31.4.2');
    assert.equal(f.status, 'DOWN');
    assert.equal(f.port_id, null);
    assert.equal(f.router_id, null);
    assert.equal(f.fixed_ip_address, null);
    const holder = (await net('admin', 'GET', `/v2.0/ports?device_id=${f.id}`)).body.ports;
    assert.equal(holder[0].device_owner, 'network:floatingip');
    assert.equal(holder[0].status, 'N/A');
    assert.deepEqual(holder[0].fixed_ips.map((x: { ip_address: string }) => x.ip_address), ['172.31.4.2']);
    const bad = await fip({ floating_network_id: privId });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.NeutronError.message, `Bad floatingip request: Network ${privId} is not a valid external network.`);
    assert.equal((await fip({ floating_ip_address: '172.31.4.9' })).status, 403);
    assert.equal((await fip({ floating_ip_address: '172.31.4.9' }, 'admin')).body.floatingip.floating_ip_address, '172.31.4.9');
    assert.equal((await net('demo', 'GET', `/v2.0/floatingips?floating_ip_address=172.31.4.2`)).body.floatingips.length, 1);
    assert.equal((await net('demo', 'DELETE', `/v2.0/floatingips/${f.id}`)).status, 204);
    assert.equal((await net('admin', 'GET', `/v2.0/ports?device_id=${f.id}`)).body.ports.length, 0);
  });

  it('associates through a router (404 without one), disassociates, and loses its port when the port is deleted', async () => {
    const port = (await net('demo', 'POST', '/v2.0/ports', { body: { port: { network_id: privId, device_owner: 'compute:nova' } } })).body.port;
    const f = (await fip({})).body.floatingip;
    const unreachable = await net('demo', 'PUT', `/v2.0/floatingips/${f.id}`, { body: { floatingip: { port_id: port.id } } });
    assert.equal(unreachable.status, 404);
    assert.deepEqual(unreachable.body.NeutronError, {
      type: 'ExternalGatewayForFloatingIPNotFound',
      message: `External network ${extId} is not reachable from subnet ${privSubnetId}.  Therefore, cannot associate Port ${port.id} with a Floating IP.`,
      detail: '',
    });

    const router = (await net('demo', 'POST', '/v2.0/routers', { body: { router: { name: 'r', external_gateway_info: { network_id: extId } } } })).body.router;
    await net('demo', 'PUT', `/v2.0/routers/${router.id}/add_router_interface`, { body: { subnet_id: privSubnetId } });
    const on = await net('demo', 'PUT', `/v2.0/floatingips/${f.id}`, { body: { floatingip: { port_id: port.id } } });
    assert.equal(on.status, 200);
    assert.equal(on.body.floatingip.status, 'ACTIVE');
    assert.equal(on.body.floatingip.router_id, router.id);
    assert.equal(on.body.floatingip.fixed_ip_address, port.fixed_ips[0].ip_address);
    // A second floating IP on that fixed address is refused.
    const dup = await fip({ port_id: port.id });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.NeutronError.type, 'FloatingIPPortAlreadyAssociated');
    // The interface it needs stays, and so does the gateway.
    const rm = await net('demo', 'PUT', `/v2.0/routers/${router.id}/remove_router_interface`, { body: { subnet_id: privSubnetId } });
    assert.equal(rm.status, 409);
    assert.equal(rm.body.NeutronError.type, 'RouterInterfaceInUseByFloatingIP');
    assert.equal((await net('demo', 'PUT', `/v2.0/routers/${router.id}`, { body: { router: { external_gateway_info: null } } })).status, 409);

    const off = await net('demo', 'PUT', `/v2.0/floatingips/${f.id}`, { body: { floatingip: { port_id: null } } });
    assert.equal(off.body.floatingip.status, 'DOWN');
    assert.equal(off.body.floatingip.router_id, null);
    assert.equal(off.body.floatingip.fixed_ip_address, null);

    const again = await fip({ port_id: port.id });
    assert.equal(again.status, 201);
    assert.equal(again.body.floatingip.port_id, port.id);
    assert.equal((await net('demo', 'GET', `/v2.0/floatingips?port_id=${port.id}`)).body.floatingips.length, 1);
    assert.equal((await net('demo', 'DELETE', `/v2.0/ports/${port.id}`)).status, 204);
    const left = (await net('demo', 'GET', `/v2.0/floatingips/${again.body.floatingip.id}`)).body.floatingip;
    assert.equal(left.port_id, null);
    assert.equal(left.status, 'DOWN');
    assert.equal((await net('alt_demo', 'GET', `/v2.0/floatingips/${left.id}`)).status, 404);

    // Two floating IPs asked at once for one fixed address: one gets it.
    const p2 = (await net('demo', 'POST', '/v2.0/ports', { body: { port: { network_id: privId } } })).body.port;
    const both = await Promise.all([fip({ port_id: p2.id }), fip({ port_id: p2.id })]);
    assert.deepEqual(both.map((r) => r.status).sort(), [201, 409]);
    assert.equal((await net('demo', 'GET', `/v2.0/floatingips?port_id=${p2.id}`)).body.floatingips.length, 1);
  });
});
