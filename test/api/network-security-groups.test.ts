// Security groups and rules: each project's `default` group made on first
// use with Neutron's four default rules (and only once under concurrent first
// uses), create/show/list/update/delete of groups and rules, duplicate rules,
// the default group's protections, and groups in use by ports.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud, type Reply, type RequestOptions } from '../support/cloud.js';

describe('network API: security groups', () => {
  let cloud: Cloud;
  let net: (user: string, method: string, path: string, opts?: RequestOptions) => Promise<Reply>;
  before(async () => {
    cloud = await startCloud();
    net = (user, method, path, opts) => cloud.req(user, method, `${cloud.networkUrl}${path}`, opts);
  });
  after(async () => cloud?.stop());

  it("makes each project's default group once, on first use, with Neutron's default rules", async () => {
    const lists = await Promise.all([1, 2, 3].map(() => net('alt_demo', 'GET', '/v2.0/security-groups')));
    const ids = new Set(lists.flatMap((r) => r.body.security_groups.map((g: any) => g.id)));
    assert.equal(ids.size, 1);
    const g = lists[0]!.body.security_groups[0];
    assert.equal(g.name, 'default');
    assert.equal(g.project_id, await cloud.projectId('alt_demo'));
    assert.equal(g.stateful, true);
    const rules = g.security_group_rules.map((r: any) => [r.direction, r.ethertype, r.protocol, r.remote_group_id, r.remote_ip_prefix]).sort();
    assert.deepEqual(rules, [
      ['egress', 'IPv4', null, null, null],
      ['egress', 'IPv6', null, null, null],
      ['ingress', 'IPv4', null, g.id, null],
      ['ingress', 'IPv6', null, g.id, null],
    ]);
    // Another project sees neither the group nor its rules.
    assert.equal((await net('demo', 'GET', `/v2.0/security-groups/${g.id}`)).status, 404);
    assert.equal((await net('demo', 'GET', `/v2.0/security-groups/${g.id}`)).body.NeutronError.type, 'SecurityGroupNotFound');
    assert.ok(!(await net('demo', 'GET', '/v2.0/security-group-rules')).body.security_group_rules.some((r: any) => r.security_group_id === g.id));
  });

  it('creates, updates and deletes a group and its rules', async () => {
    const c = await net('demo', 'POST', '/v2.0/security-groups', { body: { security_group: { name: 'web', description: 'http in' } } });
    assert.equal(c.status, 201);
    const g = c.body.security_group;
    assert.deepEqual(g.security_group_rules.map((r: any) => [r.direction, r.ethertype]).sort(), [['egress', 'IPv4'], ['egress', 'IPv6']]);
    const rule = { security_group_id: g.id, direction: 'ingress', protocol: 'tcp', port_range_min: 80, port_range_max: 80, remote_ip_prefix: '0.0.0.0/0' };
    const r = await net('demo', 'POST', '/v2.0/security-group-rules', { body: { security_group_rule: rule } });
    assert.equal(r.status, 201);
    assert.equal(r.body.security_group_rule.ethertype, 'IPv4');
    assert.equal(r.body.security_group_rule.protocol, 'tcp');
    // A protocol name in capitals is the same protocol (so the rule exists already).
    const dup = await net('demo', 'POST', '/v2.0/security-group-rules', { body: { security_group_rule: { ...rule, protocol: 'TCP' } } });
    assert.equal(dup.status, 409);
    assert.deepEqual(dup.body.NeutronError, { type: 'SecurityGroupRuleExists', message: `Security group rule already exists. Rule id is ${r.body.security_group_rule.id}.`, detail: '' });
    // A prefix with host bits set is kept as given, as Neutron keeps it; normalized_cidr names its network.
    const hostBits = await net('demo', 'POST', '/v2.0/security-group-rules', { body: { security_group_rule: { ...rule, port_range_min: 443, port_range_max: 443, remote_ip_prefix: '10.2.3.124/24' } } });
    assert.equal(hostBits.status, 201, hostBits.text);
    assert.equal(hostBits.body.security_group_rule.remote_ip_prefix, '10.2.3.124/24');
    assert.equal(hostBits.body.security_group_rule.normalized_cidr, '10.2.3.0/24');
    const bad = await net('demo', 'POST', '/v2.0/security-group-rules', { body: { security_group_rule: { ...rule, direction: 'sideways' } } });
    assert.equal(bad.status, 400);
    const noProto = await net('demo', 'POST', '/v2.0/security-group-rules', { body: { security_group_rule: { security_group_id: g.id, direction: 'ingress', port_range_min: 22, port_range_max: 22 } } });
    assert.equal(noProto.status, 400);
    assert.equal(noProto.body.NeutronError.type, 'SecurityGroupProtocolRequiredWithPorts');
    const shown = (await net('demo', 'GET', `/v2.0/security-groups/${g.id}`)).body.security_group;
    assert.equal(shown.security_group_rules.length, 4);
    const u = await net('demo', 'PUT', `/v2.0/security-groups/${g.id}`, { body: { security_group: { name: 'web2' } } });
    assert.equal(u.body.security_group.name, 'web2');
    assert.equal((await net('demo', 'DELETE', `/v2.0/security-group-rules/${r.body.security_group_rule.id}`)).status, 204);
    assert.equal((await net('demo', 'GET', `/v2.0/security-group-rules/${r.body.security_group_rule.id}`)).status, 404);
    // In use by a port: 409; free again once the port is gone.
    const netId = (await net('demo', 'GET', '/v2.0/networks?name=private')).body.networks[0].id;
    const p = (await net('demo', 'POST', '/v2.0/ports', { body: { port: { network_id: netId, security_groups: [g.id] } } })).body.port;
    assert.deepEqual(p.security_groups, [g.id]);
    const inUse = await net('demo', 'DELETE', `/v2.0/security-groups/${g.id}`);
    assert.equal(inUse.status, 409);
    assert.equal(inUse.body.NeutronError.type, 'SecurityGroupInUse');
    await net('demo', 'DELETE', `/v2.0/ports/${p.id}`);
    assert.equal((await net('demo', 'DELETE', `/v2.0/security-groups/${g.id}`)).status, 204);
    assert.equal((await net('demo', 'GET', `/v2.0/security-groups/${g.id}`)).status, 404);
  });

  it("protects the default group: no second one, no rename, no delete by its project; others' groups are refused on ports", async () => {
    const def = (await net('demo', 'GET', '/v2.0/security-groups?name=default')).body.security_groups[0];
    assert.equal((await net('demo', 'POST', '/v2.0/security-groups', { body: { security_group: { name: 'default' } } })).status, 409);
    const rename = await net('demo', 'PUT', `/v2.0/security-groups/${def.id}`, { body: { security_group: { name: 'other' } } });
    assert.equal(rename.status, 409);
    const del = await net('demo', 'DELETE', `/v2.0/security-groups/${def.id}`);
    assert.equal(del.status, 409);
    assert.equal(del.body.NeutronError.type, 'SecurityGroupCannotRemoveDefault');
    const alt = (await net('alt_demo', 'GET', '/v2.0/security-groups')).body.security_groups[0];
    const netId = (await net('demo', 'GET', '/v2.0/networks?name=private')).body.networks[0].id;
    const r = await net('demo', 'POST', '/v2.0/ports', { body: { port: { network_id: netId, security_groups: [alt.id] } } });
    assert.equal(r.status, 404);
    assert.equal(r.body.NeutronError.type, 'SecurityGroupNotFound');
    assert.equal((await net('demo_reader', 'POST', '/v2.0/security-groups', { body: { security_group: { name: 'r' } } })).status, 403);
  });
});
