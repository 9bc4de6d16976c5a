// The server actions on the network service: a server's security groups are
// its ports' groups (GET /servers/{id}/os-security-groups, addSecurityGroup
// and removeSecurityGroup, kept at every microversion, change every port
// whose device is the server), and addFloatingIp/removeFloatingIp (to 2.43)
// point a floating IP at one of its ports' addresses, with Nova's errors.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud, type Reply, type RequestOptions } from '../support/cloud.js';

describe('compute API: server network actions', () => {
  let cloud: Cloud;
  let net: (user: string, method: string, path: string, opts?: RequestOptions) => Promise<Reply>;
  let privateId: string;
  const port = async (serverId: string, extra: Record<string, unknown> = {}): Promise<any> => {
    const r = await net('demo', 'POST', '/v2.0/ports', { body: { port: { network_id: privateId, device_id: serverId, device_owner: 'compute:nova', ...extra } } });
    assert.equal(r.status, 201, r.text);
    return r.body.port;
  };
  const groupsOf = async (portId: string): Promise<string[]> => (await net('demo', 'GET', `/v2.0/ports/${portId}`)).body.port.security_groups;
  const action = (serverId: string, body: unknown, version?: string) =>
    cloud.req('demo', 'POST', `/servers/${serverId}/action`, { body, ...(version !== undefined && { version }) });
  before(async () => {
    cloud = await startCloud();
    net = (user, method, path, opts) => cloud.req(user, method, `${cloud.networkUrl}${path}`, opts);
    privateId = (await net('demo', 'GET', '/v2.0/networks?name=private')).body.networks[0].id;
  });
  after(async () => cloud?.stop());

  it('adds a group to every port of the server, lists it, and removes it', async () => {
    const server = await cloud.bootServer('demo');
    const [p1, p2] = [await port(server.id), await port(server.id)];
    const def = (await cloud.req('demo', 'GET', '/os-security-groups')).body.security_groups.find((g: any) => g.name === 'default');
    const web = (await cloud.req('demo', 'POST', '/os-security-groups', { body: { security_group: { name: 'web', description: '' } } })).body.security_group;

    // One entry per port and group, as Nova lists them.
    const before = await cloud.req('demo', 'GET', `/servers/${server.id}/os-security-groups`);
    assert.equal(before.status, 200);
    assert.deepEqual(before.body.security_groups.map((g: any) => g.id), [def.id, def.id]);

    const add = await action(server.id, { addSecurityGroup: { name: 'web' } });
    assert.equal(add.status, 202);
    assert.equal(add.text, '');
    assert.deepEqual((await groupsOf(p1.id)).sort(), [def.id, web.id].sort());
    assert.deepEqual((await groupsOf(p2.id)).sort(), [def.id, web.id].sort());
    // Adding it again changes nothing and is no error (the network service keeps each group once).
    assert.equal((await action(server.id, { addSecurityGroup: { name: 'web' } })).status, 202);
    assert.deepEqual((await groupsOf(p1.id)).sort(), [def.id, web.id].sort());
    const listed = (await cloud.req('demo', 'GET', `/servers/${server.id}/os-security-groups`, { version: '2.90' })).body.security_groups;
    assert.deepEqual(listed.map((g: any) => g.name), ['default', 'default', 'web', 'web']);

    // By id too, and at the latest version.
    const rm = await action(server.id, { removeSecurityGroup: { name: web.id } }, 'latest');
    assert.equal(rm.status, 202);
    assert.deepEqual(await groupsOf(p1.id), [def.id]);
    assert.deepEqual(await groupsOf(p2.id), [def.id]);
    const again = await action(server.id, { removeSecurityGroup: { name: 'web' } });
    assert.equal(again.status, 404);
    assert.equal(again.body.itemNotFound.message, `Security group web not associated with the instance ${server.id}`);
  });

  it("answers Nova's errors: unknown group, no ports, ambiguous name, empty name, port security off", async () => {
    const server = await cloud.bootServer('demo');
    const project = await cloud.projectId('demo');
    const noPorts = await action(server.id, { addSecurityGroup: { name: 'default' } });
    assert.equal(noPorts.status, 404);
    assert.equal(noPorts.body.itemNotFound.message, `instance_id ${server.id} could not be found as device id on any ports`);
    assert.deepEqual((await cloud.req('demo', 'GET', `/servers/${server.id}/os-security-groups`)).body, { security_groups: [] });

    const p = await port(server.id);
    const unknown = await action(server.id, { addSecurityGroup: { name: 'nope' } });
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.itemNotFound.message, `Security group nope is not found for project ${project}`);

    for (let i = 0; i < 2; i++) await cloud.req('demo', 'POST', '/os-security-groups', { body: { security_group: { name: 'twin', description: '' } } });
    const twin = await action(server.id, { addSecurityGroup: { name: 'twin' } });
    assert.equal(twin.status, 409);
    assert.equal(twin.body.conflictingRequest.message, "Multiple security_group matches found for name 'twin', use an ID to be more specific.");

    const blank = await action(server.id, { addSecurityGroup: { name: '  ' } });
    assert.deepEqual(blank.body, { badRequest: { code: 400, message: 'Security group name cannot be empty' } });
    const missing = await action(server.id, { removeSecurityGroup: {} });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.badRequest.message, "Invalid input for field/attribute removeSecurityGroup. Value: {}. 'name' is a required property");

    const before = await groupsOf(p.id);
    const open = await port(server.id, { port_security_enabled: false, security_groups: [] });
    const cannot = await action(server.id, { addSecurityGroup: { name: 'default' } });
    assert.equal(cannot.status, 400);
    assert.equal(cannot.body.badRequest.message, 'Network requires port_security_enabled and subnet associated in order to apply security groups.');
    assert.deepEqual(await groupsOf(p.id), before);
    assert.deepEqual(await groupsOf(open.id), []);
  });

  it("another project's server is not found; a reader may list but not change", async () => {
    const server = await cloud.bootServer('demo');
    await port(server.id);
    assert.equal((await cloud.req('alt_demo', 'GET', `/servers/${server.id}/os-security-groups`)).status, 404);
    assert.equal((await cloud.req('alt_demo', 'POST', `/servers/${server.id}/action`, { body: { addSecurityGroup: { name: 'default' } } })).status, 404);
    const token = await cloud.token('demo_reader');
    assert.equal((await cloud.req('demo_reader', 'GET', `/servers/${server.id}/os-security-groups`, { token })).status, 200);
    const denied = await cloud.req('demo_reader', 'POST', `/servers/${server.id}/action`, { token, body: { addSecurityGroup: { name: 'default' } } });
    assert.equal(denied.status, 403);
    // From 2.102 the list takes no query parameters.
    assert.equal((await cloud.req('demo', 'GET', `/servers/${server.id}/os-security-groups?x=1`, { version: '2.101' })).status, 200);
    assert.equal((await cloud.req('demo', 'GET', `/servers/${server.id}/os-security-groups?x=1`, { version: '2.102' })).status, 400);
  });

  it('addFloatingIp points a floating IP at the server\'s first IPv4 address (or the one named); removeFloatingIp undoes it; both end at 2.43', async () => {
    const server = await cloud.bootServer('demo');
    const f = (await cloud.req('demo', 'POST', '/os-floating-ips', { body: { pool: 'public' } })).body.floating_ip;
    const notReady = await action(server.id, { addFloatingIp: { address: f.ip } });
    assert.deepEqual(notReady.body, { badRequest: { code: 400, message: 'Instance network is not ready yet' } });

    const p = await port(server.id);
    const fixed = p.fixed_ips.find((ip: any) => !ip.ip_address.includes(':')).ip_address;
    const wrong = await action(server.id, { addFloatingIp: { address: f.ip, fixed_address: '10.99.99.99' } });
    assert.deepEqual(wrong.body, { badRequest: { code: 400, message: 'Specified fixed address not assigned to instance' } });
    const unknown = await action(server.id, { addFloatingIp: { address: '203.0.113.250' } });
    assert.deepEqual(unknown.body, { itemNotFound: { code: 404, message: 'floating IP not found' } });
    const bad = await action(server.id, { addFloatingIp: { address: 'nope' } });
    assert.deepEqual(bad.body, { badRequest: { code: 400, message: "Invalid input for field/attribute address. Value: nope. 'nope' is not valid under any of the given schemas" } });
    assert.equal((await action(server.id, { addFloatingIp: { address: f.ip } }, '2.44')).status, 404);

    const add = await action(server.id, { addFloatingIp: { address: f.ip } }, '2.43');
    assert.equal(add.status, 202);
    const fip = (await net('demo', 'GET', `/v2.0/floatingips/${f.id}`)).body.floatingip;
    assert.deepEqual([fip.port_id, fip.fixed_ip_address], [p.id, fixed]);
    const shown = (await cloud.req('demo', 'GET', `/os-floating-ips/${f.id}`)).body.floating_ip;
    assert.deepEqual([shown.instance_id, shown.fixed_ip], [server.id, fixed]);

    const other = await cloud.bootServer('demo');
    const elsewhere = await action(other.id, { removeFloatingIp: { address: f.ip } });
    assert.deepEqual(elsewhere.body, { conflictingRequest: { code: 409, message: `Floating IP ${f.ip} is not associated with instance ${other.id}.` } });
    assert.equal((await action(server.id, { removeFloatingIp: { address: f.ip } }, '2.44')).status, 404);
    assert.equal((await action(server.id, { removeFloatingIp: { address: f.ip } })).status, 202);
    assert.equal((await net('demo', 'GET', `/v2.0/floatingips/${f.id}`)).body.floatingip.port_id, null);
    // Pointing at no server, Nova checks the policy against no project: only an admin passes, to be told it is not associated.
    assert.equal((await action(server.id, { removeFloatingIp: { address: f.ip } })).status, 403);
    const asAdmin = await cloud.req('admin', 'POST', `/servers/${server.id}/action`, { body: { removeFloatingIp: { address: f.ip } } });
    assert.equal(asAdmin.status, 409);
    const missing = await action(server.id, { removeFloatingIp: { address: '203.0.113.250' } });
    assert.deepEqual(missing.body, { itemNotFound: { code: 404, message: 'Floating IP not found for address 203.0.113.250.' } });

    // Releasing an associated one works too.
    assert.equal((await action(server.id, { addFloatingIp: { address: f.ip, fixed_address: fixed } })).status, 202);
    assert.equal((await cloud.req('demo', 'DELETE', `/os-floating-ips/${f.id}`)).status, 202);
    assert.equal((await net('demo', 'GET', `/v2.0/floatingips/${f.id}`)).status, 404);
  });

  it('the server\'s addresses and security groups follow: a floating address under its fixed one, a group added', async () => {
    const r = await cloud.req('demo', 'POST', '/servers', {
      version: '2.37',
      body: { server: { name: 'fip-view', flavorRef: '1', imageRef: (await cloud.req('demo', 'GET', '/images')).body.images[0].id, networks: [{ uuid: privateId }] } },
    });
    assert.equal(r.status, 202, r.text);
    const server = await cloud.waitServer(r.body.server.id, (s) => s.status === 'ACTIVE');
    const fixed = server.addresses.private[0].addr;
    const f = (await cloud.req('demo', 'POST', '/os-floating-ips', { body: { pool: 'public' } })).body.floating_ip;
    assert.equal((await action(server.id, { addFloatingIp: { address: f.ip } })).status, 202);
    const shown = (await cloud.req('demo', 'GET', `/servers/${server.id}`, { version: '2.43' })).body.server;
    assert.deepEqual(
      shown.addresses.private.map((a: any) => [a.addr, a['OS-EXT-IPS:type']]),
      [[fixed, 'fixed'], [f.ip, 'floating']],
    );
    assert.deepEqual((await cloud.req('demo', 'GET', `/servers/${server.id}/ips/private`)).body.private.map((a: any) => a.addr), [fixed, f.ip]);
    await cloud.req('demo', 'POST', '/os-security-groups', { body: { security_group: { name: 'web2', description: '' } } });
    assert.equal((await action(server.id, { addSecurityGroup: { name: 'web2' } })).status, 202);
    const withGroup = (await cloud.req('demo', 'GET', `/servers/${server.id}`)).body.server;
    assert.deepEqual(withGroup.security_groups.map((g: any) => g.name).sort(), ['default', 'web2']);
    assert.equal((await action(server.id, { removeFloatingIp: { address: f.ip } })).status, 202);
    const after = (await cloud.req('demo', 'GET', `/servers/${server.id}`, { version: '2.43' })).body.server;
    assert.deepEqual(after.addresses.private.map((a: any) => a.addr), [fixed]);
  });
});
