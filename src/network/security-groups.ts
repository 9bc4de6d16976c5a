// Security groups and their rules. Each project gets its `default` group the
// first time it needs one (listing groups, creating a port), with Neutron's
// default rules: ingress from members of the group and egress anywhere, for
// IPv4 and IPv6. The default group is recorded once per project, so two
// concurrent first uses make one group.
import { randomUUID } from 'node:crypto';
import type { AuthContext } from '../identity/validator.js';
import { mayWrite, readsProject, type Caller } from './access.js';
import { checkQuota } from './quotas.js';
import { NeutronError, invalidAttr, securityGroupNotFound, securityGroupRuleNotFound } from './errors.js';
import { born, revised, type NetworkEnv } from './env.js';
import { canonicalIp, cidrText, networkOf } from './ip.js';
import { STANDARD_ATTRIBUTES, bool, checkedAttributes, resourceBody, uuid, type AttributeSpec } from './request.js';
import type { NetworkStore, Resource } from './store.js';
import { tagsOf } from './tags.js';

const GROUP_ATTRIBUTES: Readonly<Record<string, AttributeSpec>> = {
  ...STANDARD_ATTRIBUTES,
  stateful: { post: true, put: true, check: bool },
};

const PROTOCOLS: Record<string, number> = { icmp: 1, igmp: 2, tcp: 6, udp: 17, gre: 47, esp: 50, ah: 51, 'ipv6-icmp': 58, icmpv6: 58, sctp: 132, any: -1 };

function protocol(v: unknown, attr: string): string | null {
  if (v === null) return null;
  // Names in any case, as Neutron takes them ('TCP' is tcp).
  const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v.toLowerCase() : v;
  if (typeof s === 'string' && (s in PROTOCOLS || (/^\d+$/.test(s) && Number(s) <= 255))) return s === 'any' ? null : s;
  throw new NeutronError(400, 'SecurityGroupRuleInvalidProtocol',
    `Security group rule protocol ${String(v)} not supported. Only protocol values [None, ${Object.keys(PROTOCOLS).filter((p) => p !== 'any').join(', ')}] and integer representations [0 to 255] are supported.`);
}

function port(v: unknown, attr: string): number | null {
  if (v === null) return null;
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 65535) throw invalidAttr(attr, `'${String(v)}' is not a valid port number`);
  return n;
}

const RULE_ATTRIBUTES: Readonly<Record<string, AttributeSpec>> = {
  tenant_id: STANDARD_ATTRIBUTES['tenant_id']!,
  project_id: STANDARD_ATTRIBUTES['project_id']!,
  description: STANDARD_ATTRIBUTES['description']!,
  security_group_id: { post: true, put: false, required: true, check: uuid },
  direction: {
    post: true, put: false, required: true,
    check: (v, a) => { if (v !== 'ingress' && v !== 'egress') throw invalidAttr(a, `'${String(v)}' is not in ['ingress', 'egress']`); return v; },
  },
  ethertype: {
    post: true, put: false,
    check: (v, a) => { if (v !== 'IPv4' && v !== 'IPv6') throw invalidAttr(a, `'${String(v)}' is not in ['IPv4', 'IPv6']`); return v; },
  },
  protocol: { post: true, put: false, check: protocol },
  port_range_min: { post: true, put: false, check: port },
  port_range_max: { post: true, put: false, check: port },
  remote_ip_prefix: {
    post: true, put: false,
    check: (v, a) => {
      if (v === null) return null;
      // Kept as given, host bits and all, as Neutron keeps it ('10.2.3.124/24'); normalized_cidr shows its network.
      const text = typeof v === 'string' ? (v.includes('/') ? v : `${v}/${v.includes(':') ? 128 : 32}`) : '';
      const c = networkOf(text);
      if (!c) throw invalidAttr(a, `'${String(v)}' is not a valid IP subnet`);
      return `${canonicalIp(text.split('/')[0]!)}/${c.prefix}`;
    },
  },
  remote_group_id: { post: true, put: false, check: (v, a) => (v === null ? null : uuid(v, a)) },
};

export const SECURITY_GROUP_FIELDS = ['id', 'name', 'description', 'tenant_id', 'project_id', 'security_group_rules', 'stateful', 'tags', 'created_at', 'updated_at', 'revision_number'];
export const SECURITY_GROUP_RULE_FIELDS = [
  'id', 'security_group_id', 'direction', 'ethertype', 'protocol', 'port_range_min', 'port_range_max', 'remote_ip_prefix', 'remote_group_id',
  'remote_address_group_id', 'normalized_cidr', 'description', 'tenant_id', 'project_id', 'created_at', 'updated_at', 'revision_number',
];

export function ruleView(r: Resource): Record<string, unknown> {
  return {
    id: r.id,
    security_group_id: r['security_group_id'],
    direction: r['direction'],
    ethertype: r['ethertype'],
    protocol: r['protocol'],
    port_range_min: r['port_range_min'],
    port_range_max: r['port_range_max'],
    remote_ip_prefix: r['remote_ip_prefix'],
    remote_group_id: r['remote_group_id'],
    remote_address_group_id: null,
    normalized_cidr: typeof r['remote_ip_prefix'] === 'string' ? cidrText(networkOf(r['remote_ip_prefix'])!) : null,
    description: r['description'],
    tenant_id: r.project_id,
    project_id: r.project_id,
    created_at: r.created_at,
    updated_at: r.updated_at,
    revision_number: r.revision_number,
  };
}

export function groupView(g: Resource, rules: readonly Resource[]): Record<string, unknown> {
  return {
    id: g.id,
    name: g['name'],
    description: g['description'],
    tags: tagsOf(g),
    tenant_id: g.project_id,
    project_id: g.project_id,
    security_group_rules: rules.filter((r) => r['security_group_id'] === g.id).map(ruleView),
    stateful: g['stateful'],
    created_at: g.created_at,
    updated_at: g.updated_at,
    revision_number: g.revision_number,
  };
}

function newRule(env: NetworkEnv, group: Resource, a: Record<string, unknown>): Resource {
  return {
    ...born(env, randomUUID(), group.project_id),
    security_group_id: group.id,
    direction: a['direction'],
    ethertype: a['ethertype'] ?? 'IPv4',
    protocol: a['protocol'] ?? null,
    port_range_min: a['port_range_min'] ?? null,
    port_range_max: a['port_range_max'] ?? null,
    remote_ip_prefix: a['remote_ip_prefix'] ?? null,
    remote_group_id: a['remote_group_id'] ?? null,
    description: a['description'] ?? '',
  };
}

/** The project's default group, made (with its rules) on first use. */
export async function ensureDefaultGroup(env: NetworkEnv, store: NetworkStore, projectId: string): Promise<string> {
  const known = await store.defaultSecurityGroup(projectId);
  if (known) return known;
  return store.transact(async (s) => {
    const group: Resource = { ...born(env, randomUUID(), projectId), name: 'default', description: 'Default security group', stateful: true };
    if (!(await s.claimDefaultSecurityGroup(projectId, group.id))) return (await s.defaultSecurityGroup(projectId))!;
    await s.insert('network_security_groups', group);
    for (const ethertype of ['IPv4', 'IPv6']) {
      await s.insert('network_security_group_rules', newRule(env, group, { direction: 'ingress', ethertype, remote_group_id: group.id }));
      await s.insert('network_security_group_rules', newRule(env, group, { direction: 'egress', ethertype }));
    }
    return group.id;
  });
}

export async function visibleGroup(env: NetworkEnv, ctx: Caller, id: string): Promise<Resource> {
  const g = await env.store.get('network_security_groups', id);
  if (!g || !readsProject(ctx, g.project_id)) throw securityGroupNotFound(id);
  return g;
}

export async function listGroups(env: NetworkEnv, ctx: Caller): Promise<Record<string, unknown>[]> {
  await ensureDefaultGroup(env, env.store, ctx.projectId);
  const groups = (await env.store.list('network_security_groups')).filter((g) => readsProject(ctx, g.project_id));
  const rules = await env.store.list('network_security_group_rules', { column: 'security_group_id', in: groups.map((g) => g.id) });
  return groups.map((g) => groupView(g, rules));
}

export async function showGroup(env: NetworkEnv, ctx: Caller, id: string): Promise<Record<string, unknown>> {
  const g = await visibleGroup(env, ctx, id);
  return groupView(g, await env.store.list('network_security_group_rules', { column: 'security_group_id', in: [id] }));
}

export async function createGroup(env: NetworkEnv, ctx: AuthContext, body: unknown): Promise<Record<string, unknown>> {
  const a = checkedAttributes(resourceBody(body, 'security_group'), GROUP_ATTRIBUTES, 'POST');
  const projectId = (a['project_id'] as string | undefined) ?? ctx.projectId;
  mayWrite(ctx, projectId, 'create_security_group');
  await checkQuota(env, projectId, 'security_group');
  if (a['name'] === 'default') throw new NeutronError(409, 'SecurityGroupDefaultAlreadyExists', 'Default security group already exists.');
  await ensureDefaultGroup(env, env.store, projectId);
  const group: Resource = { ...born(env, randomUUID(), projectId), name: a['name'] ?? '', description: a['description'] ?? '', stateful: a['stateful'] ?? true };
  // A new group lets its traffic out, as Neutron's does.
  const rules = ['IPv4', 'IPv6'].map((ethertype) => newRule(env, group, { direction: 'egress', ethertype }));
  await env.store.transact(async (s) => {
    await s.insert('network_security_groups', group);
    for (const r of rules) await s.insert('network_security_group_rules', r);
  });
  return groupView(group, rules);
}

export async function updateGroup(env: NetworkEnv, ctx: AuthContext, id: string, body: unknown): Promise<Record<string, unknown>> {
  const a = checkedAttributes(resourceBody(body, 'security_group'), GROUP_ATTRIBUTES, 'PUT');
  const g = await visibleGroup(env, ctx, id);
  mayWrite(ctx, g.project_id, 'update_security_group');
  if (g['name'] === 'default' && 'name' in a && a['name'] !== 'default') {
    throw new NeutronError(409, 'SecurityGroupCannotUpdateDefault', 'Updating default security group not allowed.');
  }
  const next = revised(env, g, a);
  if (!(await env.store.replace('network_security_groups', next))) throw new NeutronError(409, 'Conflict', `Security group ${id} was changed by another request; try again.`);
  return groupView(next, await env.store.list('network_security_group_rules', { column: 'security_group_id', in: [id] }));
}

export async function deleteGroup(env: NetworkEnv, ctx: AuthContext, id: string): Promise<void> {
  const g = await visibleGroup(env, ctx, id);
  mayWrite(ctx, g.project_id, 'delete_security_group');
  if (g['name'] === 'default' && (await env.store.defaultSecurityGroup(g.project_id)) === id && !ctx.roles.includes('admin')) {
    throw new NeutronError(409, 'SecurityGroupCannotRemoveDefault', 'Insufficient rights for removing default security group.');
  }
  await env.store.transact(async (s) => {
    const ports = await s.list('network_ports');
    if (ports.some((p) => (p['security_groups'] as string[]).includes(id))) {
      throw new NeutronError(409, 'SecurityGroupInUse', `Security Group ${id} in use.`);
    }
    await s.removeWhere('network_security_group_rules', 'security_group_id', id);
    await s.forgetDefaultSecurityGroup(id);
    await s.remove('network_security_groups', id);
  });
}

// Rules.

export async function listRules(env: NetworkEnv, ctx: Caller): Promise<Record<string, unknown>[]> {
  await ensureDefaultGroup(env, env.store, ctx.projectId);
  return (await env.store.list('network_security_group_rules')).filter((r) => readsProject(ctx, r.project_id)).map(ruleView);
}

export async function showRule(env: NetworkEnv, ctx: Caller, id: string): Promise<Record<string, unknown>> {
  const r = await env.store.get('network_security_group_rules', id);
  if (!r || !readsProject(ctx, r.project_id)) throw securityGroupRuleNotFound(id);
  return ruleView(r);
}

const SAME = ['direction', 'ethertype', 'protocol', 'port_range_min', 'port_range_max', 'remote_ip_prefix', 'remote_group_id'];

export async function createRule(env: NetworkEnv, ctx: AuthContext, body: unknown): Promise<Record<string, unknown>> {
  const a = checkedAttributes(resourceBody(body, 'security_group_rule'), RULE_ATTRIBUTES, 'POST');
  const group = await visibleGroup(env, ctx, a['security_group_id'] as string);
  mayWrite(ctx, group.project_id, 'create_security_group_rule');
  await checkQuota(env, group.project_id, 'security_group_rule');
  if (a['remote_ip_prefix'] && a['remote_group_id']) {
    throw new NeutronError(400, 'SecurityGroupRemoteGroupAndRemoteIpPrefix', 'Only remote_ip_prefix or remote_group_id may be provided.');
  }
  if (a['remote_group_id']) await visibleGroup(env, ctx, a['remote_group_id'] as string);
  const ethertype = (a['ethertype'] as string | undefined) ?? 'IPv4';
  if (typeof a['remote_ip_prefix'] === 'string' && networkOf(a['remote_ip_prefix'])!.version !== (ethertype === 'IPv4' ? 4 : 6)) {
    throw new NeutronError(400, 'SecurityGroupRuleParameterConflict', `Conflicting value ethertype ${ethertype} for CIDR ${a['remote_ip_prefix']}`);
  }
  const proto = a['protocol'] as string | null | undefined;
  const min = a['port_range_min'] as number | null | undefined;
  const max = a['port_range_max'] as number | null | undefined;
  if ((min != null || max != null) && (proto == null)) {
    throw new NeutronError(400, 'SecurityGroupProtocolRequiredWithPorts', 'Must also specify protocol if port range is given.');
  }
  if ((proto === 'tcp' || proto === 'udp' || proto === '6' || proto === '17' || proto === 'sctp') && min != null && max != null && min > max) {
    throw new NeutronError(400, 'SecurityGroupInvalidPortRange', 'For TCP/UDP protocols, port_range_min must be <= port_range_max');
  }
  const rule = newRule(env, group, { ...a, ethertype });
  const existing = await env.store.list('network_security_group_rules', { column: 'security_group_id', in: [group.id] });
  const dup = existing.find((r) => SAME.every((k) => (r[k] ?? null) === (rule[k] ?? null)));
  if (dup) throw new NeutronError(409, 'SecurityGroupRuleExists', `Security group rule already exists. Rule id is ${dup.id}.`);
  await env.store.insert('network_security_group_rules', rule);
  return ruleView(rule);
}

export async function deleteRule(env: NetworkEnv, ctx: AuthContext, id: string): Promise<void> {
  const r = await env.store.get('network_security_group_rules', id);
  if (!r || !readsProject(ctx, r.project_id)) throw securityGroupRuleNotFound(id);
  mayWrite(ctx, r.project_id, 'delete_security_group_rule');
  await env.store.remove('network_security_group_rules', id);
}

