// Allowed address pairs on ports: given on create and update (a MAC left out
// is the port's own), shown, listed, filtered and selected with `fields`;
// each malformed list a 400 that changes nothing; at most
// max_allowed_address_pair of them; none without port security, nor port
// security turned off under them; only the network's owner sets them.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud, type Reply, type RequestOptions } from '../support/cloud.js';

describe('network API: allowed address pairs', () => {
  let cloud: Cloud;
  let net: (user: string, method: string, path: string, opts?: RequestOptions) => Promise<Reply>;
  let networkId: string;
  const port = (body: Record<string, unknown>, user = 'demo') => net(user, 'POST', '/v2.0/ports', { body: { port: { network_id: networkId, ...body } } });
  const update = (id: string, body: Record<string, unknown>, user = 'demo') => net(user, 'PUT', `/v2.0/ports/${id}`, { body: { port: body } });
  before(async () => {
    cloud = await startCloud();
    net = (user, method, path, opts) => cloud.req(user, method, `${cloud.networkUrl}${path}`, opts);
    networkId = (await net('demo', 'POST', '/v2.0/networks', { body: { network: { name: 'aap' } } })).body.network.id;
    await net('demo', 'POST', '/v2.0/subnets', { body: { subnet: { network_id: networkId, ip_version: 4, cidr: '10.60.0.0/24' } } });
  });
  after(async () => cloud?.stop());

  it('is listed among the extensions', async () => {
    const aliases = (await net('demo', 'GET', '/v2.0/extensions')).body.extensions.map((e: { alias: string }) => e.alias);
    assert.ok(aliases.includes('allowed-address-pairs'));
    const ext = await net('demo', 'GET', '/v2.0/extensions/allowed-address-pairs');
    assert.equal(ext.status, 200);
    assert.equal(ext.body.extension.name, 'Allowed Address Pairs');
  });

  it("keeps the pairs given, with the port's MAC where none is, and shows, lists, filters and replaces them", async () => {
    const r = await port({ name: 'vip', allowed_address_pairs: [{ ip_address: '10.60.0.200' }, { ip_address: '10.61.0.0/24', mac_address: 'fa:16:3e:aa:bb:cc' }] });
    assert.equal(r.status, 201);
    const p = r.body.port;
    assert.deepEqual(p.allowed_address_pairs, [
      { ip_address: '10.60.0.200', mac_address: p.mac_address },
      { ip_address: '10.61.0.0/24', mac_address: 'fa:16:3e:aa:bb:cc' },
    ]);
    assert.deepEqual((await net('demo', 'GET', `/v2.0/ports/${p.id}`)).body.port.allowed_address_pairs, p.allowed_address_pairs);
    assert.deepEqual((await net('demo', 'GET', `/v2.0/ports/${p.id}?fields=allowed_address_pairs`)).body.port, { allowed_address_pairs: p.allowed_address_pairs });
    const other = (await port({ name: 'plain' })).body.port;
    assert.deepEqual(other.allowed_address_pairs, []);

    const ids = async (query: string) => (await net('demo', 'GET', `/v2.0/ports?${query}`)).body.ports.map((x: { id: string }) => x.id);
    assert.deepEqual(await ids('allowed_address_pairs=ip_address%3D10.60.0.200'), [p.id]);
    assert.deepEqual(await ids('allowed_address_pairs=mac_address%3Dfa:16:3e:aa:bb:cc'), [p.id]);
    assert.deepEqual(await ids('allowed_address_pairs=ip_address%3D10.60.0.201'), []);
    const listed = (await net('demo', 'GET', `/v2.0/ports?network_id=${networkId}&fields=id&fields=allowed_address_pairs&sort_key=name&sort_dir=asc`)).body.ports;
    assert.deepEqual(listed, [{ id: other.id, allowed_address_pairs: [] }, { id: p.id, allowed_address_pairs: p.allowed_address_pairs }]);
    const malformed = await net('demo', 'GET', '/v2.0/ports?allowed_address_pairs=10.60.0.200');
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.NeutronError.type, 'InvalidInput');

    const u = await update(p.id, { allowed_address_pairs: [{ ip_address: '2001:db8::/64' }] });
    assert.equal(u.status, 200);
    assert.deepEqual(u.body.port.allowed_address_pairs, [{ ip_address: '2001:db8::/64', mac_address: p.mac_address }]);
    assert.equal(u.body.port.revision_number, p.revision_number + 1);
    // An update without the attribute keeps them; null (or []) clears them.
    assert.deepEqual((await update(p.id, { name: 'vip2' })).body.port.allowed_address_pairs, u.body.port.allowed_address_pairs);
    assert.deepEqual((await update(p.id, { allowed_address_pairs: null })).body.port.allowed_address_pairs, []);
    assert.deepEqual((await net('demo', 'GET', `/v2.0/ports/${p.id}`)).body.port.allowed_address_pairs, []);
  });

  it('refuses malformed, duplicate or too many pairs with a NeutronError, and changes nothing', async () => {
    const p = (await port({ name: 'strict', allowed_address_pairs: [{ ip_address: '10.60.0.250' }] })).body.port;
    const countPorts = async () => (await net('demo', 'GET', `/v2.0/ports?network_id=${networkId}`)).body.ports.length;
    const before = await countPorts();
    const tooMany = Array.from({ length: 11 }, (_, i) => ({ ip_address: `10.62.0.${i + 1}` }));
    const cases: Array<[unknown, string, string]> = [
      ['10.60.0.9', 'HTTPBadRequest', 'Allowed address pairs must be a list.'],
      [tooMany, 'AllowedAddressPairExhausted', 'The number of allowed address pair exceeds the maximum 10.'],
      [['10.60.0.9'], 'HTTPBadRequest', "Invalid input for allowed_address_pairs. Reason: '10.60.0.9' is not a dictionary."],
      [[{ mac_address: 'fa:16:3e:00:00:01' }], 'AllowedAddressPairsMissingIP', 'AllowedAddressPair must contain ip_address'],
      [[{ ip_address: '10.60.0.9' }, { ip_address: '10.60.0.9' }], 'DuplicateAddressPairInRequest', 'Request contains duplicate address pair: mac_address None ip_address 10.60.0.9.'],
      [[{ ip_address: '10.60.0.9', color: 'red' }], 'HTTPBadRequest', "Unrecognized attribute(s) 'color'"],
      [[{ ip_address: '10.60.0.300' }], 'HTTPBadRequest', "'10.60.0.300' is not a valid IP address"],
      [[{ ip_address: '10.60/16' }], 'HTTPBadRequest', "'10.60/16' is not a valid IP subnet"],
      [[{ ip_address: '224.0.0.5' }], 'HTTPBadRequest', 'IP 224.0.0.5 is a multicast address, which is not supported.'],
      [[{ ip_address: '224.0.0.0/24' }], 'HTTPBadRequest', 'Subnet 224.0.0.0/24 overlaps with multicast range 224.0.0.0/4, which is not supported.'],
      [[{ ip_address: '10.60.0.9', mac_address: 'nope' }], 'HTTPBadRequest', "'nope' is not a valid MAC address"],
      [[{ ip_address: '10.60.0.9', mac_address: '01:00:5e:00:00:01' }], 'HTTPBadRequest', 'MAC address 01:00:5e:00:00:01 is a multicast address, which is not supported.'],
    ];
    for (const [pairs, type, message] of cases) {
      for (const r of [await port({ allowed_address_pairs: pairs }), await update(p.id, { allowed_address_pairs: pairs })]) {
        assert.equal(r.status, 400, JSON.stringify(pairs).slice(0, 80));
        assert.deepEqual(r.body.NeutronError, { type, message, detail: '' });
      }
    }
    // The same pair once with the port's MAC spelled out and once without is one pair twice.
    const twice = await update(p.id, { allowed_address_pairs: [{ ip_address: '10.60.0.9' }, { ip_address: '10.60.0.9', mac_address: p.mac_address }] });
    assert.equal(twice.status, 400);
    assert.equal(twice.body.NeutronError.type, 'DuplicateAddressPairInRequest');
    assert.equal(await countPorts(), before);
    const after = (await net('demo', 'GET', `/v2.0/ports/${p.id}`)).body.port;
    assert.deepEqual(after.allowed_address_pairs, p.allowed_address_pairs);
    assert.equal(after.revision_number, p.revision_number);
    // Ten is the limit, not past it.
    const ten = await update(p.id, { allowed_address_pairs: tooMany.slice(0, 10) });
    assert.equal(ten.status, 200);
    assert.equal(ten.body.port.allowed_address_pairs.length, 10);
  });

  it('needs port security: none on a port without it, and port security stays while the port has pairs', async () => {
    const refused = await port({ port_security_enabled: false, allowed_address_pairs: [{ ip_address: '10.60.0.240' }] });
    assert.equal(refused.status, 409);
    assert.deepEqual(refused.body.NeutronError, {
      type: 'AddressPairAndPortSecurityRequired', message: 'Port Security must be enabled in order to have allowed address pairs on a port.', detail: '',
    });
    const p = (await port({ allowed_address_pairs: [{ ip_address: '10.60.0.241' }] })).body.port;
    // Checked before its security groups are.
    for (const body of [{ port_security_enabled: false }, { port_security_enabled: false, security_groups: [] }]) {
      const r = await update(p.id, body);
      assert.equal(r.status, 409);
      assert.equal(r.body.NeutronError.type, 'AddressPairAndPortSecurityRequired');
    }
    const shown = (await net('demo', 'GET', `/v2.0/ports/${p.id}`)).body.port;
    assert.equal(shown.port_security_enabled, true);
    assert.deepEqual(shown.security_groups, p.security_groups);
    const off = await update(p.id, { port_security_enabled: false, security_groups: [], allowed_address_pairs: [] });
    assert.equal(off.status, 200);
    assert.equal(off.body.port.port_security_enabled, false);
    assert.deepEqual(off.body.port.allowed_address_pairs, []);
    const add = await update(p.id, { allowed_address_pairs: [{ ip_address: '10.60.0.242' }] });
    assert.equal(add.status, 409);
    assert.equal(add.body.NeutronError.type, 'AddressPairAndPortSecurityRequired');
    assert.deepEqual((await net('demo', 'GET', `/v2.0/ports/${p.id}`)).body.port.allowed_address_pairs, []);
  });

  it("lets only the network's owner set them on a shared network's ports", async () => {
    const shared = (await net('admin', 'POST', '/v2.0/networks', { body: { network: { name: 'aap-shared', shared: true } } })).body.network.id;
    await net('admin', 'POST', '/v2.0/subnets', { body: { subnet: { network_id: shared, ip_version: 4, cidr: '10.63.0.0/24' } } });
    const pairs = [{ ip_address: '10.63.0.100' }];
    const denied = await net('demo', 'POST', '/v2.0/ports', { body: { port: { network_id: shared, allowed_address_pairs: pairs } } });
    assert.equal(denied.status, 403);
    assert.equal(denied.body.NeutronError.type, 'PolicyNotAuthorized');
    const p = (await net('demo', 'POST', '/v2.0/ports', { body: { port: { network_id: shared } } })).body.port;
    const upd = await update(p.id, { allowed_address_pairs: pairs });
    assert.equal(upd.status, 403);
    const byAdmin = await update(p.id, { allowed_address_pairs: pairs }, 'admin');
    assert.equal(byAdmin.status, 200);
    assert.deepEqual((await net('demo', 'GET', `/v2.0/ports/${p.id}`)).body.port.allowed_address_pairs, [{ ip_address: '10.63.0.100', mac_address: p.mac_address }]);
  });
});
