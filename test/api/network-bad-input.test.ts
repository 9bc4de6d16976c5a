// Malformed requests to the network API: every one is a 4xx with a
// NeutronError body (never a 500), and none creates anything.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud, type Reply, type RequestOptions } from '../support/cloud.js';

describe('network API: bad input', () => {
  let cloud: Cloud;
  let net: (user: string, method: string, path: string, opts?: RequestOptions) => Promise<Reply>;
  before(async () => {
    cloud = await startCloud();
    net = (user, method, path, opts) => cloud.req(user, method, `${cloud.networkUrl}${path}`, opts);
  });
  after(async () => cloud?.stop());

  it('answers malformed bodies, URLs and queries with a NeutronError and changes nothing', async () => {
    const privateNet = (await net('demo', 'GET', '/v2.0/networks?name=private')).body.networks[0].id;
    const count = async () => {
      const [n, s, p, g, sp, as] = await Promise.all(['networks', 'subnets', 'ports', 'security-groups', 'subnetpools', 'address-scopes'].map((c) => net('admin', 'GET', `/v2.0/${c}`)));
      return [n!.body.networks.length, s!.body.subnets.length, p!.body.ports.length, g!.body.security_groups.length, sp!.body.subnetpools.length, as!.body.address_scopes.length];
    };
    await net('demo', 'GET', '/v2.0/security-groups');
    const before = await count();
    const requests: Array<[string, string, RequestOptions, number]> = [
      ['POST', '/v2.0/networks', { raw: '[]' }, 400],
      ['POST', '/v2.0/networks', { body: { network: null } }, 400],
      ['POST', '/v2.0/networks', { body: { network: { mtu: 'abc' } } }, 400],
      ['POST', '/v2.0/networks', { body: { network: { name: 'x'.repeat(200_000) } } }, 413],
      ['POST', '/v2.0/networks', { raw: '{' }, 400],
      ['POST', '/v2.0/subnets', { body: { subnet: { network_id: privateNet, ip_version: 4, cidr: '10.9.9.0/24', allocation_pools: [null] } } }, 400],
      ['POST', '/v2.0/subnets', { body: { subnet: { network_id: privateNet, ip_version: 4, cidr: '10.9.9.0/24', host_routes: [{}] } } }, 400],
      ['POST', '/v2.0/subnets', { body: { subnet: { network_id: privateNet, ip_version: 4, cidr: 42 } } }, 400],
      ['POST', '/v2.0/subnets', { body: { subnet: { network_id: 'not-a-uuid', ip_version: 4, cidr: '10.9.9.0/24' } } }, 400],
      ['POST', '/v2.0/ports', { body: { port: { network_id: privateNet, fixed_ips: [{}] } } }, 400],
      ['POST', '/v2.0/ports', { body: { port: { network_id: privateNet, fixed_ips: [{ subnet_id: 5 }] } } }, 400],
      ['POST', '/v2.0/ports', { body: { port: { network_id: privateNet, fixed_ips: [{ ip_address: '10.0.0.999' }] } } }, 400],
      ['POST', '/v2.0/ports', { body: { port: { network_id: privateNet, security_groups: 'default' } } }, 400],
      ['POST', '/v2.0/ports', { body: { port: { network_id: privateNet, 'binding:vnic_type': 'warp' } } }, 400],
      ['POST', '/v2.0/security-groups', { body: { security_group: { name: ['x'] } } }, 400],
      ['POST', '/v2.0/security-group-rules', { body: { security_group_rule: { direction: 'ingress' } } }, 400],
      ['POST', '/v2.0/ports', { body: { port: { network_id: privateNet, allowed_address_pairs: [{ ip_address: ['10.0.0.9'] }] } } }, 400],
      ['POST', '/v2.0/ports', { body: { port: { network_id: privateNet, allowed_address_pairs: { ip_address: '10.0.0.9' } } } }, 400],
      ['POST', '/v2.0/ports', { body: { port: { network_id: privateNet, extra_dhcp_opts: [{ opt_name: 'mtu', opt_value: {} }] } } }, 400],
      ['POST', '/v2.0/ports', { body: { port: { network_id: privateNet, extra_dhcp_opts: [null] } } }, 400],
      ['POST', '/v2.0/subnets', { body: { subnet: { network_id: privateNet, ip_version: 4, subnetpool_id: 5 } } }, 400],
      ['POST', '/v2.0/subnets', { body: { subnet: { network_id: privateNet, ip_version: 4, use_default_subnetpool: 'maybe' } } }, 400],
      ['POST', '/v2.0/subnets', { body: { subnet: { network_id: privateNet, ip_version: 4, prefixlen: -1 } } }, 400],
      ['POST', '/v2.0/subnetpools', { raw: '[]' }, 400],
      ['POST', '/v2.0/subnetpools', { body: { subnetpool: { name: 'x', prefixes: [null, {}] } } }, 400],
      ['POST', '/v2.0/subnetpools', { body: { subnetpool: { name: 'x', prefixes: ['10.9.0.0/16'], min_prefixlen: [8] } } }, 400],
      ['PUT', '/v2.0/subnetpools/00000000-0000-4000-8000-000000000000/add_prefixes', { raw: '"10.9.0.0/16"' }, 400],
      ['PUT', '/v2.0/subnetpools/00000000-0000-4000-8000-000000000000/remove_prefixes', { body: { prefixes: ['10.9.0.0/16'] } }, 404],
      ['POST', '/v2.0/address-scopes', { body: { address_scope: null } }, 400],
      ['POST', '/v2.0/address-scopes', { body: { address_scope: { name: 'x', ip_version: [4] } } }, 400],
      ['GET', '/v2.0/networks?limit=abc', {}, 400],
      ['GET', '/v2.0/networks?sort_key=nope', {}, 400],
      ['GET', '/v2.0/networks/%ZZ', {}, 400],
      ['GET', '/v2.0/trunks', {}, 404],
    ];
    for (const [method, path, opts, status] of requests) {
      const r = await net('demo', method, path, opts);
      assert.equal(r.status, status, `${method} ${path} ${JSON.stringify(opts).slice(0, 200)}: ${r.text.slice(0, 300)}`);
      assert.equal(typeof r.body?.NeutronError?.message, 'string', `${method} ${path}`);
    }
    assert.deepEqual(await count(), before);
  });
});
