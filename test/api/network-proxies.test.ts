// Nova's proxies of the network service: os-networks, os-tenant-networks,
// os-security-groups and os-security-group-rules read and write the network
// service with the caller's token, answer in Nova's shapes with Nova's
// messages, and are gone (404) from 2.36.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud, type Reply, type RequestOptions } from '../support/cloud.js';

describe('compute API: network proxies', () => {
  let cloud: Cloud;
  let net: (user: string, method: string, path: string, opts?: RequestOptions) => Promise<Reply>;
  const byName = async (user: string, name: string): Promise<any> =>
    (await net(user, 'GET', `/v2.0/networks?name=${name}`)).body.networks[0];
  before(async () => {
    cloud = await startCloud();
    net = (user, method, path, opts) => cloud.req(user, method, `${cloud.networkUrl}${path}`, opts);
  });
  after(async () => cloud?.stop());

  it('os-networks lists and shows what the caller sees, in the old shape, longer for admins', async () => {
    const priv = await byName('demo', 'private');
    const list = await cloud.req('demo', 'GET', '/os-networks');
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.networks.map((n: any) => n.label).sort(), ['private', 'public']);
    const mine = list.body.networks.find((n: any) => n.label === 'private');
    assert.deepEqual(Object.keys(mine).sort(), ['broadcast', 'cidr', 'cidr_v6', 'dns1', 'dns2', 'gateway', 'gateway_v6', 'id', 'label', 'netmask', 'netmask_v6']);
    assert.equal(mine.id, priv.id);
    assert.equal(mine.cidr, null);
    // alt_demo cannot see demo's private network.
    assert.deepEqual((await cloud.req('alt_demo', 'GET', '/os-networks')).body.networks.map((n: any) => n.label), ['public']);
    const missing = await cloud.req('alt_demo', 'GET', `/os-networks/${priv.id}`);
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, { itemNotFound: { code: 404, message: 'Network not found' } });
    const admin = await cloud.req('admin', 'GET', `/os-networks/${priv.id}`);
    assert.equal(admin.status, 200);
    assert.equal(admin.body.network.label, 'private');
    assert.equal(Object.keys(admin.body.network).length, 32);
    assert.equal(admin.body.network.mtu, null);
  });

  it('os-tenant-networks answers id, label and the string "None" as cidr', async () => {
    const priv = await byName('demo', 'private');
    const list = await cloud.req('demo', 'GET', '/os-tenant-networks');
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.networks.find((n: any) => n.label === 'private'), { id: priv.id, cidr: 'None', label: 'private' });
    const one = await cloud.req('demo', 'GET', `/os-tenant-networks/${priv.id}`);
    assert.deepEqual(one.body, { network: { id: priv.id, cidr: 'None', label: 'private' } });
    assert.equal((await cloud.req('demo', 'GET', '/os-tenant-networks/00000000-0000-0000-0000-000000000000')).status, 404);
  });

  it('the proxies are 404 from 2.36; the nova-network writes are 410 at every version', async () => {
    for (const path of ['/os-networks', '/os-tenant-networks', '/os-security-groups']) {
      assert.equal((await cloud.req('demo', 'GET', path, { version: '2.35' })).status, 200, path);
      assert.equal((await cloud.req('demo', 'GET', path, { version: '2.36' })).status, 404, path);
    }
    const rule = { security_group_rule: { parent_group_id: '00000000-0000-0000-0000-000000000000' } };
    assert.equal((await cloud.req('demo', 'POST', '/os-security-group-rules', { version: '2.36', body: rule })).status, 404);
    assert.equal((await cloud.req('demo', 'POST', '/os-networks', { version: '2.1', body: { network: {} } })).status, 410);
    assert.equal((await cloud.req('demo', 'DELETE', '/os-tenant-networks/x', { version: '2.90' })).status, 410);
  });

  it('security groups: create, show, update, list, delete, with Nova shapes and ingress rules only', async () => {
    const c = await cloud.req('demo', 'POST', '/os-security-groups', { body: { security_group: { name: 'web', description: 'http' } } });
    assert.equal(c.status, 200);
    const g = c.body.security_group;
    assert.deepEqual(g, { id: g.id, description: 'http', name: 'web', tenant_id: await cloud.projectId('demo'), rules: [] });
    // The network service holds it.
    assert.equal((await net('demo', 'GET', `/v2.0/security-groups/${g.id}`)).body.security_group.name, 'web');

    const u = await cloud.req('demo', 'PUT', `/os-security-groups/${g.id}`, { body: { security_group: { name: 'web2', description: 'd2' } } });
    assert.equal(u.status, 200);
    assert.equal(u.body.security_group.name, 'web2');

    const list = await cloud.req('demo', 'GET', '/os-security-groups');
    assert.deepEqual(list.body.security_groups.map((x: any) => x.name), ['default', 'web2']);
    const def = list.body.security_groups[0];
    // The default group's two ingress rules (its own members, any protocol) show with their source group.
    assert.equal(def.rules.length, 2);
    for (const r of def.rules) {
      assert.deepEqual(r, { id: r.id, parent_group_id: def.id, ip_protocol: null, from_port: null, to_port: null, group: { name: 'default', tenant_id: def.tenant_id }, ip_range: {} });
    }
    const paged = await cloud.req('demo', 'GET', '/os-security-groups?limit=1&offset=1');
    assert.equal(paged.body.security_groups.length, 1);

    assert.equal((await cloud.req('demo', 'DELETE', `/os-security-groups/${g.id}`)).status, 202);
    const gone = await cloud.req('demo', 'GET', `/os-security-groups/${g.id}`);
    assert.equal(gone.status, 404);
    assert.match(gone.body.itemNotFound.message, new RegExp(g.id));
  });

  it('security groups: Nova validation and the network service refusals as Nova maps them', async () => {
    const bad = await cloud.req('demo', 'GET', '/os-security-groups/not-a-uuid');
    assert.deepEqual(bad.body, { badRequest: { code: 400, message: 'Security group id should be uuid' } });
    const noDesc = await cloud.req('demo', 'POST', '/os-security-groups', { body: { security_group: { name: 'x' } } });
    assert.equal(noDesc.status, 400);
    assert.equal(noDesc.body.badRequest.message, "Invalid input for field/attribute security_group. Value: {'name': 'x'}. 'description' is a required property");
    const long = await cloud.req('demo', 'POST', '/os-security-groups', { body: { security_group: { name: 'x'.repeat(256), description: '' } } });
    assert.equal(long.status, 400);
    // A group in use by a port: the network service's 409 is Nova's 400.
    const g = (await cloud.req('demo', 'POST', '/os-security-groups', { body: { security_group: { name: 'busy', description: '' } } })).body.security_group;
    const priv = await byName('demo', 'private');
    const port = await net('demo', 'POST', '/v2.0/ports', { body: { port: { network_id: priv.id, security_groups: [g.id] } } });
    assert.equal(port.status, 201);
    const inUse = await cloud.req('demo', 'DELETE', `/os-security-groups/${g.id}`);
    assert.equal(inUse.status, 400);
    assert.match(inUse.body.badRequest.message, /in use/);
    await net('demo', 'DELETE', `/v2.0/ports/${port.body.port.id}`);
    assert.equal((await cloud.req('demo', 'DELETE', `/os-security-groups/${g.id}`)).status, 202);

    // The default group: a second one is over the limit (Nova reads Neutron's 409 on create so), deleting
    // it is a 400, and renaming it, which Nova does not translate, keeps Neutron's 409 rather than a 500.
    const def = (await cloud.req('demo', 'GET', '/os-security-groups')).body.security_groups.find((x: any) => x.name === 'default');
    const again = await cloud.req('demo', 'POST', '/os-security-groups', { body: { security_group: { name: 'default', description: '' } } });
    assert.deepEqual(again.body, { forbidden: { code: 403, message: 'Default security group already exists.' } });
    const del = await cloud.req('demo', 'DELETE', `/os-security-groups/${def.id}`);
    assert.deepEqual(del.body, { badRequest: { code: 400, message: 'Insufficient rights for removing default security group.' } });
    const rename = await cloud.req('demo', 'PUT', `/os-security-groups/${def.id}`, { body: { security_group: { name: 'other', description: '' } } });
    assert.deepEqual(rename.body, { conflictingRequest: { code: 409, message: 'Updating default security group not allowed.' } });
  });

  it('all_tenants lists every project\'s groups for an admin only', async () => {
    await cloud.req('alt_demo', 'GET', '/os-security-groups');
    const altProject = await cloud.projectId('alt_demo');
    const all = await cloud.req('admin', 'GET', '/os-security-groups?all_tenants=1');
    assert.ok(all.body.security_groups.some((g: any) => g.tenant_id === altProject));
    const own = await cloud.req('admin', 'GET', '/os-security-groups');
    assert.ok(own.body.security_groups.every((g: any) => g.tenant_id === (own.body.security_groups[0]?.tenant_id)));
    assert.ok(!own.body.security_groups.some((g: any) => g.tenant_id === altProject));
    const demo = await cloud.req('demo', 'GET', '/os-security-groups?all_tenants=1');
    assert.ok(!demo.body.security_groups.some((g: any) => g.tenant_id === altProject));
  });

  it('rules: CIDR and source-group rules, Nova checks, duplicates, delete', async () => {
    const g = (await cloud.req('demo', 'POST', '/os-security-groups', { body: { security_group: { name: 'rules', description: '' } } })).body.security_group;
    const src = (await cloud.req('demo', 'POST', '/os-security-groups', { body: { security_group: { name: 'src', description: '' } } })).body.security_group;
    const post = (rule: Record<string, unknown>) => cloud.req('demo', 'POST', '/os-security-group-rules', { body: { security_group_rule: { parent_group_id: g.id, ...rule } } });

    const ssh = await post({ ip_protocol: 'tcp', from_port: 22, to_port: '22', cidr: '10.0.0.0/24' });
    assert.equal(ssh.status, 200);
    const r = ssh.body.security_group_rule;
    assert.deepEqual(r, { id: r.id, parent_group_id: g.id, ip_protocol: 'tcp', from_port: 22, to_port: 22, group: {}, ip_range: { cidr: '10.0.0.0/24' } });
    const nr = (await net('demo', 'GET', `/v2.0/security-group-rules/${r.id}`)).body.security_group_rule;
    assert.deepEqual([nr.direction, nr.ethertype, nr.port_range_min, nr.port_range_max, nr.remote_ip_prefix], ['ingress', 'IPv4', 22, 22, '10.0.0.0/24']);

    const fromGroup = await post({ ip_protocol: 'udp', group_id: src.id });
    assert.equal(fromGroup.status, 200);
    assert.deepEqual(fromGroup.body.security_group_rule.group, { name: 'src', tenant_id: src.tenant_id });
    assert.deepEqual([fromGroup.body.security_group_rule.from_port, fromGroup.body.security_group_rule.to_port], [1, 65535]);
    assert.deepEqual(fromGroup.body.security_group_rule.ip_range, {});

    const v6 = await post({ ip_protocol: 'icmp', from_port: -1, to_port: -1, cidr: '2001:db8::/64' });
    assert.equal(v6.status, 200);
    const n6 = (await net('demo', 'GET', `/v2.0/security-group-rules/${v6.body.security_group_rule.id}`)).body.security_group_rule;
    assert.deepEqual([n6.ethertype, n6.port_range_min, n6.port_range_max], ['IPv6', null, null]);

    const shown = (await cloud.req('demo', 'GET', `/os-security-groups/${g.id}`)).body.security_group;
    assert.equal(shown.rules.length, 3);

    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ip_protocol: 'tcp', from_port: 22, to_port: 22, cidr: '10.0.0.0/24' }, `This rule already exists in group ${g.id}`],
      [{ cidr: '10.0.0.0/24' }, 'Not enough parameters to build a valid rule.'],
      [{ ip_protocol: 'tcp', from_port: 'a', to_port: 22 }, 'Invalid input received: To and From ports must be integers'],
      [{ ip_protocol: 'icmp', from_port: 'a', to_port: 0 }, 'Invalid input received: Type and Code must be integers for ICMP protocol type'],
      [{ ip_protocol: 'gre', from_port: 1, to_port: 2 }, 'Invalid IP protocol gre.'],
      [{ ip_protocol: 'tcp', from_port: 30, to_port: 20 }, 'Invalid port range 30:20. Former value cannot be greater than the later'],
      [{ ip_protocol: 'udp', from_port: 0, to_port: 20 }, 'Invalid port range 0:20. Valid UDP ports should be between 1-65535'],
      [{ ip_protocol: 'icmp', from_port: 256, to_port: 0 }, 'Invalid port range 256:0. For ICMP, the type:code must be valid'],
      [{ ip_protocol: 'tcp', from_port: 1, to_port: 2, cidr: '10.0.0.0/33' }, '10.0.0.0/33 is not a valid IP network.'],
      [{ ip_protocol: 'tcp', from_port: 1, to_port: 2, cidr: '10.0.0.0/0' }, 'Bad prefix for network in cidr 10.0.0.0/0'],
      [{ parent_group_id: 'nope' }, "Invalid input for field/attribute parent_group_id. Value: nope. 'nope' is not a 'uuid'"],
    ];
    for (const [rule, message] of cases) {
      const res = await post(rule);
      assert.deepEqual(res.body, { badRequest: { code: 400, message } }, JSON.stringify(rule));
    }
    const noParent = await post({ parent_group_id: '00000000-0000-0000-0000-000000000000', ip_protocol: 'tcp', from_port: 1, to_port: 2 });
    assert.equal(noParent.status, 404);
    // Nothing half-made: still the three rules.
    assert.equal((await cloud.req('demo', 'GET', `/os-security-groups/${g.id}`)).body.security_group.rules.length, 3);

    assert.equal((await cloud.req('demo', 'DELETE', `/os-security-group-rules/${r.id}`)).status, 202);
    assert.equal((await net('demo', 'GET', `/v2.0/security-group-rules/${r.id}`)).status, 404);
    assert.equal((await cloud.req('demo', 'DELETE', `/os-security-group-rules/${r.id}`)).status, 404);
    assert.deepEqual((await cloud.req('demo', 'DELETE', '/os-security-group-rules/x')).body, { badRequest: { code: 400, message: 'Security group id should be uuid' } });
  });

  it("policies are Nova's: a reader reads but does not write", async () => {
    const reader = await cloud.token('demo_reader');
    const r = await cloud.req('demo_reader', 'GET', '/os-security-groups', { token: reader });
    assert.equal(r.status, 200);
    const w = await cloud.req('demo_reader', 'POST', '/os-security-groups', { token: reader, body: { security_group: { name: 'n', description: '' } } });
    assert.equal(w.status, 403);
    assert.equal(w.body.forbidden.message, "Policy doesn't allow os_compute_api:os-security-groups:create to be performed.");
  });

  it('floating IP pools are the external networks; floating IPs are allocated, shown, listed and released', async () => {
    const pools = await cloud.req('demo', 'GET', '/os-floating-ip-pools');
    assert.deepEqual(pools.body, { floating_ip_pools: [{ name: 'public' }] });

    const made = await cloud.req('demo', 'POST', '/os-floating-ips', { body: { pool: 'public' } });
    assert.equal(made.status, 200);
    const f = made.body.floating_ip;
    assert.deepEqual(f, { fixed_ip: null, id: f.id, instance_id: null, ip: f.ip, pool: 'public' });
    const inService = (await net('demo', 'GET', `/v2.0/floatingips/${f.id}`)).body.floatingip;
    assert.equal(inService.floating_ip_address, f.ip);

    assert.deepEqual((await cloud.req('demo', 'GET', `/os-floating-ips/${f.id}`)).body, { floating_ip: f });
    assert.deepEqual((await cloud.req('demo', 'GET', '/os-floating-ips')).body.floating_ips.map((x: any) => x.id), [f.id]);
    assert.deepEqual((await cloud.req('alt_demo', 'GET', '/os-floating-ips')).body, { floating_ips: [] });
    const hidden = await cloud.req('alt_demo', 'GET', `/os-floating-ips/${f.id}`);
    assert.deepEqual(hidden.body, { itemNotFound: { code: 404, message: `Floating IP not found for ID ${f.id}` } });

    // Nova's default pool is named `nova`; this cloud has none by that name.
    const dflt = await cloud.req('demo', 'POST', '/os-floating-ips', { body: {} });
    assert.deepEqual(dflt.body, { itemNotFound: { code: 404, message: 'Floating IP pool not found.' } });
    assert.equal((await cloud.req('demo', 'POST', '/os-floating-ips', { body: { pool: 'private' } })).status, 404);
    assert.equal((await cloud.req('demo', 'POST', '/os-floating-ips', { body: { pool: 5 } })).status, 400);

    assert.equal((await cloud.req('demo', 'DELETE', `/os-floating-ips/${f.id}`)).status, 202);
    assert.equal((await net('demo', 'GET', `/v2.0/floatingips/${f.id}`)).status, 404);
    assert.equal((await cloud.req('demo', 'DELETE', `/os-floating-ips/${f.id}`)).status, 404);

    for (const path of ['/os-floating-ips', '/os-floating-ip-pools']) assert.equal((await cloud.req('demo', 'GET', path, { version: '2.36' })).status, 404, path);
  });

  it('allocates from [neutron] default_floating_pool when the request names no pool', async () => {
    cloud.aio.base.conf.set('neutron', 'default_floating_pool', 'public');
    try {
      const made = await cloud.req('demo', 'POST', '/os-floating-ips', { body: null });
      assert.equal(made.status, 200, made.text);
      assert.equal(made.body.floating_ip.pool, 'public');
      assert.equal((await cloud.req('demo', 'DELETE', `/os-floating-ips/${made.body.floating_ip.id}`)).status, 202);
    } finally {
      cloud.aio.base.conf.set('neutron', 'default_floating_pool', 'nova');
    }
  });
});

describe('compute API: network proxies without a network service', () => {
  let cloud: Cloud;
  before(async () => {
    cloud = await startCloud({ overrides: ['neutron.endpoint_override=http://127.0.0.1:9', 'neutron.http_retries=0'] });
  });
  after(async () => cloud?.stop());

  it('answers 503 when the network service cannot be reached', async () => {
    const r = await cloud.req('demo', 'GET', '/os-security-groups');
    assert.equal(r.status, 503);
    assert.match(r.body.serviceUnavailable.message, /^The network service is unavailable/);
  });
});
