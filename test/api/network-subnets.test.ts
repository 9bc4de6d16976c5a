// Subnets: IPv4 and IPv6 CIDRs with Neutron's defaults (gateway at the first
// address, pools of the rest), its checks (CIDR, pools, overlap) and faults,
// update and delete (409 SubnetInUse while ports hold its addresses).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud, type Reply, type RequestOptions } from '../support/cloud.js';

describe('network API: subnets', () => {
  let cloud: Cloud;
  let net: (user: string, method: string, path: string, opts?: RequestOptions) => Promise<Reply>;
  let networkId: string;
  const subnet = (body: Record<string, unknown>, user = 'demo') => net(user, 'POST', '/v2.0/subnets', { body: { subnet: { network_id: networkId, ...body } } });
  before(async () => {
    cloud = await startCloud();
    net = (user, method, path, opts) => cloud.req(user, method, `${cloud.networkUrl}${path}`, opts);
    networkId = (await net('demo', 'POST', '/v2.0/networks', { body: { network: { name: 'sn' } } })).body.network.id;
  });
  after(async () => cloud?.stop());

  it('creates an IPv4 subnet with the first address as gateway and the rest as its pool', async () => {
    const r = await subnet({ name: 'v4', ip_version: 4, cidr: '192.168.10.0/24', dns_nameservers: ['8.8.8.8'], host_routes: [{ destination: '10.9.0.0/16', nexthop: '192.168.10.5' }] });
    assert.equal(r.status, 201);
    const s = r.body.subnet;
    assert.equal(s.gateway_ip, '192.168.10.1');
    assert.deepEqual(s.allocation_pools, [{ start: '192.168.10.2', end: '192.168.10.254' }]);
    assert.equal(s.enable_dhcp, true);
    assert.equal(s.ip_version, 4);
    assert.deepEqual(s.dns_nameservers, ['8.8.8.8']);
    assert.deepEqual(s.host_routes, [{ destination: '10.9.0.0/16', nexthop: '192.168.10.5' }]);
    assert.equal(s.ipv6_ra_mode, null);
    assert.equal(s.subnetpool_id, null);
    assert.equal(s.project_id, await cloud.projectId('demo'));
    const n = (await net('demo', 'GET', `/v2.0/networks/${networkId}`)).body.network;
    assert.deepEqual(n.subnets, [s.id]);
    assert.deepEqual((await net('demo', 'GET', `/v2.0/subnets?network_id=${networkId}&fields=cidr`)).body.subnets, [{ cidr: '192.168.10.0/24' }]);
  });

  it('creates an IPv6 subnet, a subnet without gateway, and one with given pools', async () => {
    const v6 = (await subnet({ ip_version: 6, cidr: '2001:db8:1::/64', ipv6_ra_mode: 'slaac', ipv6_address_mode: 'slaac' })).body.subnet;
    assert.equal(v6.gateway_ip, '2001:db8:1::1');
    assert.deepEqual(v6.allocation_pools, [{ start: '2001:db8:1::2', end: '2001:db8:1:0:ffff:ffff:ffff:ffff' }]);
    assert.equal(v6.ipv6_address_mode, 'slaac');
    const noGw = (await subnet({ ip_version: 4, cidr: '192.168.11.0/28', gateway_ip: null })).body.subnet;
    assert.equal(noGw.gateway_ip, null);
    assert.deepEqual(noGw.allocation_pools, [{ start: '192.168.11.1', end: '192.168.11.14' }]);
    const pools = (await subnet({ ip_version: 4, cidr: '192.168.12.0/24', allocation_pools: [{ start: '192.168.12.100', end: '192.168.12.110' }] })).body.subnet;
    assert.deepEqual(pools.allocation_pools, [{ start: '192.168.12.100', end: '192.168.12.110' }]);
    const mid = (await subnet({ ip_version: 4, cidr: '192.168.13.0/29', gateway_ip: '192.168.13.3' })).body.subnet;
    assert.deepEqual(mid.allocation_pools, [{ start: '192.168.13.1', end: '192.168.13.2' }, { start: '192.168.13.4', end: '192.168.13.6' }]);
  });

  it('refuses bad CIDRs, pools and overlaps with Neutron\'s faults', async () => {
    const cases: Array<[Record<string, unknown>, number, string, RegExp]> = [
      [{ ip_version: 4, cidr: '10.1.0.0/33' }, 400, 'HTTPBadRequest', /^Invalid input for cidr\. Reason: '10\.1\.0\.0\/33' is not a valid IP subnet\.$/],
      [{ ip_version: 4, cidr: '10.1.0.5/24' }, 400, 'HTTPBadRequest', /isn't a recognized IP subnet cidr, '10\.1\.0\.0\/24' is recommended/],
      [{ ip_version: 5, cidr: '10.1.0.0/24' }, 400, 'HTTPBadRequest', /^Invalid input for ip_version\. Reason: '5' is not in \[4, 6\]\.$/],
      [{ ip_version: 6, cidr: '10.1.0.0/24' }, 400, 'InvalidInput', /Cidr and ip version are not consistent/],
      [{ cidr: '10.1.0.0/24' }, 400, 'HTTPBadRequest', /Required attribute 'ip_version' not specified/],
      [{ ip_version: 4, cidr: '192.168.10.128/25' }, 400, 'InvalidInput', /overlaps with another subnet/],
      [{ ip_version: 4, cidr: '10.2.0.0/24', allocation_pools: [{ start: '10.2.0.10', end: '10.2.1.5' }] }, 400, 'OutOfBoundsAllocationPool', /spans beyond the subnet cidr 10\.2\.0\.0\/24/],
      [{ ip_version: 4, cidr: '10.2.0.0/24', allocation_pools: [{ start: '10.2.0.10', end: '10.2.0.5' }] }, 400, 'InvalidAllocationPool', /is not valid/],
      [{ ip_version: 4, cidr: '10.2.0.0/24', allocation_pools: [{ start: '10.2.0.2', end: '10.2.0.20' }, { start: '10.2.0.15', end: '10.2.0.30' }] }, 400, 'OverlappingAllocationPools', /Found overlapping allocation pools/],
      [{ ip_version: 4, cidr: '10.2.0.0/24', gateway_ip: '10.2.0.5', allocation_pools: [{ start: '10.2.0.2', end: '10.2.0.20' }] }, 409, 'GatewayConflictWithAllocationPools', /Gateway ip 10\.2\.0\.5 conflicts/],
      [{ ip_version: 4, cidr: '10.2.0.0/24', gateway_ip: 'nope' }, 400, 'HTTPBadRequest', /not a valid IP address/],
    ];
    const before = (await net('demo', 'GET', '/v2.0/subnets')).body.subnets.length;
    for (const [body, status, type, message] of cases) {
      const r = await subnet(body);
      assert.equal(r.status, status, JSON.stringify(body));
      assert.equal(r.body.NeutronError.type, type, JSON.stringify(body));
      assert.match(r.body.NeutronError.message, message);
    }
    assert.equal((await net('demo', 'GET', '/v2.0/subnets')).body.subnets.length, before);
    const missing = await net('demo', 'POST', '/v2.0/subnets', { body: { subnet: { network_id: '00000000-0000-4000-8000-000000000000', ip_version: 4, cidr: '10.3.0.0/24' } } });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.NeutronError.type, 'NetworkNotFound');
  });

  it('lets only one of two concurrent overlapping subnets in', async () => {
    const replies = await Promise.all(['10.40.0.0/24', '10.40.0.0/23', '10.40.0.128/25'].map((cidr) => subnet({ ip_version: 4, cidr })));
    assert.deepEqual(replies.map((r) => r.status).sort(), [201, 400, 400]);
    for (const r of replies.filter((x) => x.status === 400)) assert.match(r.body.NeutronError.message, /overlaps with another subnet/);
  });

  it("follows Neutron's policy: another project's subnets are 404, the external network's are visible", async () => {
    const mine = (await net('demo', 'GET', `/v2.0/subnets?network_id=${networkId}`)).body.subnets[0];
    assert.equal((await net('alt_demo', 'GET', `/v2.0/subnets/${mine.id}`)).status, 404);
    assert.equal((await net('alt_demo', 'GET', `/v2.0/subnets/${mine.id}`)).body.NeutronError.type, 'SubnetNotFound');
    const onOthers = await subnet({ ip_version: 4, cidr: '10.4.0.0/24' }, 'alt_demo');
    assert.equal(onOthers.status, 404);
    assert.deepEqual((await net('alt_demo', 'GET', '/v2.0/subnets')).body.subnets.map((s: any) => s.name), ['public-subnet']);
    const pub = (await net('alt_demo', 'GET', '/v2.0/networks?name=public')).body.networks[0];
    assert.equal((await net('alt_demo', 'POST', '/v2.0/subnets', { body: { subnet: { network_id: pub.id, ip_version: 4, cidr: '10.5.0.0/24' } } })).status, 403);
  });

  it('updates name, gateway, DNS and pools; deletes a free subnet and refuses one in use with 409 SubnetInUse', async () => {
    const s = (await subnet({ ip_version: 4, cidr: '10.6.0.0/24' })).body.subnet;
    const u = await net('demo', 'PUT', `/v2.0/subnets/${s.id}`, { body: { subnet: { name: 'renamed', dns_nameservers: ['1.1.1.1'], allocation_pools: [{ start: '10.6.0.50', end: '10.6.0.60' }] } } });
    assert.equal(u.status, 200);
    assert.equal(u.body.subnet.name, 'renamed');
    assert.deepEqual(u.body.subnet.allocation_pools, [{ start: '10.6.0.50', end: '10.6.0.60' }]);
    assert.equal(u.body.subnet.revision_number, 1);
    const ro = await net('demo', 'PUT', `/v2.0/subnets/${s.id}`, { body: { subnet: { cidr: '10.7.0.0/24' } } });
    assert.equal(ro.status, 400);
    assert.match(ro.body.NeutronError.message, /^Cannot update read-only attribute cidr$/);
    const port = (await net('demo', 'POST', '/v2.0/ports', { body: { port: { network_id: networkId, fixed_ips: [{ subnet_id: s.id }] } } })).body.port;
    assert.equal(port.fixed_ips[0].ip_address, '10.6.0.50');
    const gw = await net('demo', 'PUT', `/v2.0/subnets/${s.id}`, { body: { subnet: { gateway_ip: '10.6.0.50' } } });
    assert.equal(gw.status, 409);
    assert.equal(gw.body.NeutronError.type, 'GatewayIpInUse');
    const busy = await net('demo', 'DELETE', `/v2.0/subnets/${s.id}`);
    assert.equal(busy.status, 409);
    assert.deepEqual(busy.body.NeutronError, {
      type: 'SubnetInUse',
      message: `Unable to complete operation on subnet ${s.id}: One or more ports have an IP allocation from this subnet.`,
      detail: '',
    });
    assert.equal((await net('demo', 'DELETE', `/v2.0/ports/${port.id}`)).status, 204);
    assert.equal((await net('demo', 'DELETE', `/v2.0/subnets/${s.id}`)).status, 204);
    assert.equal((await net('demo', 'GET', `/v2.0/subnets/${s.id}`)).status, 404);
  });
});
