// Security groups as Nova keeps them on top of the network service: groups
// and their ingress rules in Nova's terms (protocol, from/to port, cidr or
// source group), the checks Nova makes before asking the network service,
// the way it reads Neutron's refusals, and a server's groups as the union of
// its ports' groups. Every call acts with the user's token.
import { isIP } from 'node:net';
import { Conflict, Forbidden, Invalid, NotFound } from '../errors.js';
import { NeutronRequestError } from './client.js';
import type { NeutronJson, UserNeutron } from './as-user.js';

export interface NovaRule {
  readonly id: string;
  readonly parent_group_id: string;
  readonly protocol: string | null;
  readonly from_port: number | null;
  readonly to_port: number | null;
  readonly group_id: string | null;
  readonly cidr: string;
}

export interface NovaGroup {
  readonly id: string;
  readonly name: string;
  readonly description: string | null;
  readonly project_id: string;
  readonly rules: readonly NovaRule[];
}

/** A rule about to be created, in Nova's terms. */
export interface NewRule {
  group_id?: string;
  cidr?: string;
  protocol?: string;
  from_port?: number;
  to_port?: number;
}

const UUID_LIKE = /^(urn:uuid:)?\{?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\}?$/i;

/** oslo's is_uuid_like, which Nova's checks use. */
export function isUuidLike(v: string): boolean {
  return UUID_LIKE.test(v);
}

export function validateGroupId(id: string): string {
  if (!isUuidLike(id)) throw new Invalid('Security group id should be uuid');
  return id;
}

const neutronStatus = (err: unknown, status: number): err is NeutronRequestError => err instanceof NeutronRequestError && err.status === status;

/** A CIDR as oslo's is_valid_cidr takes it: an address, a slash, a prefix length that fits. */
export function isValidCidr(cidr: string): boolean {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(cidr);
  if (!m) return false;
  const v = isIP(m[1]!);
  return v !== 0 && Number(m[2]) <= (v === 4 ? 32 : 128);
}

/** Nova's parse_cidr: empty means anywhere (0.0.0.0/0); a URL-quoted value is unquoted first. */
export function parseCidr(cidr: unknown): string {
  if (cidr === undefined || cidr === null || cidr === '' || cidr === false || cidr === 0) return '0.0.0.0/0';
  let text: string;
  try {
    text = decodeURIComponent(String(cidr));
  } catch {
    throw new Invalid(`${String(cidr)} is not a valid IP network.`);
  }
  if (!isValidCidr(text)) throw new Invalid(`${text} is not a valid IP network.`);
  return text;
}

function ruleFromNeutron(r: NeutronJson): NovaRule {
  const protocol = (r['protocol'] as string | null | undefined) ?? null;
  const min = (r['port_range_min'] as number | null | undefined) ?? null;
  const max = (r['port_range_max'] as number | null | undefined) ?? null;
  let from = min;
  let to = max;
  // A protocol without a port range means every port (TCP/UDP) or every type (others).
  if (protocol && min === null && max === null) {
    const tcpUdp = ['TCP', 'UDP'].includes(protocol.toUpperCase());
    from = tcpUdp ? 1 : -1;
    to = tcpUdp ? 65535 : -1;
  }
  return {
    id: r['id'] as string,
    parent_group_id: r['security_group_id'] as string,
    protocol,
    from_port: from,
    to_port: to,
    group_id: (r['remote_group_id'] as string | null | undefined) ?? null,
    cidr: parseCidr(r['remote_ip_prefix']),
  };
}

/** Nova shows only ingress rules: it never had egress ones. */
export function groupFromNeutron(g: NeutronJson): NovaGroup {
  const rules = ((g['security_group_rules'] as NeutronJson[] | undefined) ?? []).filter((r) => r['direction'] === 'ingress').map(ruleFromNeutron);
  return {
    id: g['id'] as string,
    name: (g['name'] as string | undefined) ?? '',
    description: (g['description'] as string | null | undefined) ?? null,
    project_id: (g['tenant_id'] as string | undefined) ?? (g['project_id'] as string | undefined) ?? '',
    rules,
  };
}

export async function getGroup(n: UserNeutron, id: string): Promise<NovaGroup> {
  try {
    const body = await n.call('GET', `/security-groups/${encodeURIComponent(id)}`);
    return groupFromNeutron(body['security_group'] as NeutronJson);
  } catch (err) {
    if (neutronStatus(err, 404)) throw new NotFound(err.message);
    throw err;
  }
}

/** The caller's project's groups, or every group an admin can see when `allTenants`. */
export async function listGroups(n: UserNeutron, projectId: string, allTenants: boolean): Promise<NovaGroup[]> {
  const groups = await n.list('security-groups', allTenants ? {} : { tenant_id: projectId });
  return groups.map(groupFromNeutron);
}

function rethrowWrite(err: unknown): never {
  // The network service refuses a group or rule over quota with 409; Nova calls that a limit exceeded.
  if (neutronStatus(err, 409)) throw new Forbidden(err.message);
  if (neutronStatus(err, 400)) throw new Invalid(err.message);
  if (neutronStatus(err, 401)) throw new Invalid('The server could not comply with the request since it is either malformed or otherwise incapable of performing it.');
  throw err;
}

export async function createGroup(n: UserNeutron, name: string, description: string): Promise<NovaGroup> {
  try {
    const body = await n.call('POST', '/security-groups', { security_group: { name, description } });
    return groupFromNeutron(body['security_group'] as NeutronJson);
  } catch (err) {
    rethrowWrite(err);
  }
}

export async function updateGroup(n: UserNeutron, group: NovaGroup, name: string, description: string): Promise<NovaGroup> {
  try {
    const body = await n.call('PUT', `/security-groups/${encodeURIComponent(group.id)}`, { security_group: { name, description } });
    return groupFromNeutron(body['security_group'] as NeutronJson);
  } catch (err) {
    if (neutronStatus(err, 404)) throw new NotFound(err.message);
    if (neutronStatus(err, 401)) rethrowWrite(err);
    throw err;
  }
}

export async function deleteGroup(n: UserNeutron, group: NovaGroup): Promise<void> {
  try {
    await n.call('DELETE', `/security-groups/${encodeURIComponent(group.id)}`);
  } catch (err) {
    if (neutronStatus(err, 404)) throw new NotFound(err.message);
    // In use by a port: Nova answers 400, not 409.
    if (neutronStatus(err, 409)) throw new Invalid(err.message);
    throw err;
  }
}

/** Python's int() of a port value: integers, numeric strings, booleans; anything else is undefined. */
function pyInt(v: unknown): number | undefined {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number' && Number.isFinite(v)) return Math.trunc(v);
  if (typeof v === 'string' && /^\s*[+-]?\d+\s*$/.test(v)) return Number.parseInt(v.trim(), 10);
  return undefined;
}

/**
 * Nova's rule arguments → a rule, or null when a CIDR rule lacks a protocol
 * and ports. A source-group rule without ports opens every port of TCP/UDP,
 * every type of ICMP.
 */
export function newIngressRule(args: { groupId?: string | null; cidr?: unknown; protocol?: unknown; fromPort?: unknown; toPort?: unknown }): NewRule | null {
  const values: NewRule = {};
  let from = args.fromPort ?? null;
  let to = args.toPort ?? null;
  const protocol = args.protocol === undefined || args.protocol === null || args.protocol === '' ? null : String(args.protocol);
  let cidr: string | undefined;
  if (args.groupId !== undefined && args.groupId !== null) {
    if (args.groupId) values.group_id = args.groupId;
    const upper = protocol ? protocol.toUpperCase() : '';
    if (args.groupId && from === null && to === null) {
      if (upper === 'ICMP') [from, to] = [-1, -1];
      else if (upper === 'TCP' || upper === 'UDP') [from, to] = [1, 65535];
    }
  } else {
    cidr = parseCidr(args.cidr);
    values.cidr = cidr;
  }
  if (protocol && from !== null && to !== null) {
    const upper = protocol.toUpperCase();
    const f = pyInt(from);
    const t = pyInt(to);
    if (f === undefined || t === undefined) {
      throw new Invalid(
        upper === 'ICMP'
          ? 'Invalid input received: Type and Code must be integers for ICMP protocol type'
          : 'Invalid input received: To and From ports must be integers',
      );
    }
    if (!['TCP', 'UDP', 'ICMP'].includes(upper)) throw new Invalid(`Invalid IP protocol ${protocol}.`);
    if ((upper === 'TCP' || upper === 'UDP') && f > t) throw new Invalid(`Invalid port range ${f}:${t}. Former value cannot be greater than the later`);
    if ((upper === 'TCP' || upper === 'UDP') && (f < 1 || t > 65535)) throw new Invalid(`Invalid port range ${f}:${t}. Valid ${upper} ports should be between 1-65535`);
    if (upper === 'ICMP' && (f < -1 || f > 255 || t < -1 || t > 255)) throw new Invalid(`Invalid port range ${f}:${t}. For ICMP, the type:code must be valid`);
    values.protocol = protocol;
    values.from_port = f;
    values.to_port = t;
  } else if (cidr !== undefined) {
    return null;
  }
  return values;
}

/** Nova refuses a network address with a zero prefix (only 0.0.0.0/0 and ::/0 may have one). */
export function checkCidrPrefix(cidr: string): void {
  const [net, prefix] = cidr.split('/');
  if (net !== '0.0.0.0' && net !== '::' && prefix === '0') throw new Invalid(`Bad prefix for network in cidr ${cidr}`);
}

function ruleExists(group: NovaGroup, rule: NewRule): boolean {
  return group.rules.some(
    (r) =>
      r.group_id === (rule.group_id ?? null) &&
      r.cidr === (rule.cidr ?? null) &&
      r.from_port === (rule.from_port ?? null) &&
      r.to_port === (rule.to_port ?? null) &&
      r.protocol === (rule.protocol ?? null),
  );
}

function ethertype(cidr: string | undefined): 'IPv4' | 'IPv6' {
  if (!cidr) return 'IPv4';
  return isIP(cidr.split('/')[0]!) === 6 ? 'IPv6' : 'IPv4';
}

export async function createRule(n: UserNeutron, group: NovaGroup, rule: NewRule): Promise<NovaRule> {
  if (ruleExists(group, rule)) throw new Invalid(`This rule already exists in group ${group.id}`);
  const body: NeutronJson = {
    direction: 'ingress',
    protocol: rule.protocol ?? null,
    // Nova does not expose ethertypes: a source-group rule is IPv4, a CIDR rule follows its address.
    ethertype: ethertype(rule.cidr),
    remote_ip_prefix: rule.cidr ?? null,
    security_group_id: group.id,
    remote_group_id: rule.group_id ?? null,
  };
  if (rule.from_port !== undefined && rule.from_port !== -1) body['port_range_min'] = rule.from_port;
  if (rule.to_port !== undefined && rule.to_port !== -1) body['port_range_max'] = rule.to_port;
  try {
    const made = await n.call('POST', '/security-group-rules', { security_group_rule: body });
    return ruleFromNeutron(made['security_group_rule'] as NeutronJson);
  } catch (err) {
    if (neutronStatus(err, 404)) throw new NotFound(err.message);
    rethrowWrite(err);
  }
}

export async function getRule(n: UserNeutron, id: string): Promise<NovaRule> {
  try {
    const body = await n.call('GET', `/security-group-rules/${encodeURIComponent(id)}`);
    return ruleFromNeutron(body['security_group_rule'] as NeutronJson);
  } catch (err) {
    if (neutronStatus(err, 404)) throw new NotFound(err.message);
    throw err;
  }
}

export async function deleteRule(n: UserNeutron, id: string): Promise<void> {
  await n.call('DELETE', `/security-group-rules/${encodeURIComponent(id)}`);
}

/** What a rule's source group looks like in Nova's view: its name and project, or undefined when it is gone. */
export type SourceGroups = ReadonlyMap<string, { name: string; tenant_id: string } | undefined>;

/** The name and project of every source group the rules of `groups` name, looked up once each. */
export async function sourceGroups(n: UserNeutron, groups: readonly NovaGroup[]): Promise<SourceGroups> {
  const out = new Map<string, { name: string; tenant_id: string } | undefined>();
  for (const g of groups) out.set(g.id, { name: g.name, tenant_id: g.project_id });
  for (const g of groups) {
    for (const r of g.rules) {
      if (!r.group_id || out.has(r.group_id)) continue;
      try {
        const src = await getGroup(n, r.group_id);
        out.set(r.group_id, { name: src.name, tenant_id: src.project_id });
      } catch (err) {
        // Deleted meanwhile: the rule is left out of the view.
        if (!(err instanceof NotFound)) throw err;
        out.set(r.group_id, undefined);
      }
    }
  }
  return out;
}

/** The groups on the server's ports, one entry per port and group, as Nova lists them. */
export async function serverGroups(n: UserNeutron, serverId: string): Promise<NovaGroup[]> {
  const ports = await n.list('ports', { device_id: serverId, fields: ['security_groups', 'device_id'] });
  const ids = [...new Set(ports.flatMap((p) => (p['security_groups'] as string[] | undefined) ?? []))];
  if (ids.length === 0) return [];
  const found = new Map((await n.list('security-groups', { id: ids })).map((g) => [g['id'] as string, groupFromNeutron(g)]));
  const out: NovaGroup[] = [];
  for (const p of ports) {
    for (const id of (p['security_groups'] as string[] | undefined) ?? []) {
      // A group the user may not see is left out.
      const g = found.get(id);
      if (g) out.push(g);
    }
  }
  return out;
}

/** The id of a group named by id or by name in the caller's project, as the neutron client resolves it. */
async function groupIdByNameOrId(n: UserNeutron, nameOrId: string, projectId: string): Promise<string> {
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(nameOrId)) {
    const byId = await n.list('security-groups', { id: nameOrId, fields: 'id' });
    if (byId.length > 0) return byId[0]!['id'] as string;
  }
  const byName = await n.list('security-groups', { name: nameOrId, tenant_id: projectId, fields: 'id' });
  if (byName.length > 1) throw new Conflict(`Multiple security_group matches found for name '${nameOrId}', use an ID to be more specific.`);
  if (byName.length === 0) throw new NotFound(`Security group ${nameOrId} is not found for project ${projectId}`);
  return byName[0]!['id'] as string;
}

async function serverPorts(n: UserNeutron, serverId: string): Promise<NeutronJson[]> {
  const ports = await n.list('ports', { device_id: serverId });
  if (ports.length === 0) throw new NotFound(`instance_id ${serverId} could not be found as device id on any ports`);
  return ports;
}

/** A port takes security groups only with port security on and an address (or one deferred). */
function canTakeGroups(port: NeutronJson): boolean {
  const hasIp = ((port['fixed_ips'] as unknown[] | undefined) ?? []).length > 0 || port['ip_allocation'] === 'deferred';
  return hasIp && port['port_security_enabled'] !== false;
}

const CANNOT_APPLY = 'Network requires port_security_enabled and subnet associated in order to apply security groups.';

/** addSecurityGroup: the group goes onto every port of the server. */
export async function addGroupToServer(n: UserNeutron, serverId: string, projectId: string, name: string): Promise<void> {
  const groupId = await groupIdByNameOrId(n, name, projectId);
  for (const port of await serverPorts(n, serverId)) {
    if (!canTakeGroups(port)) throw new Invalid(CANNOT_APPLY);
    const groups = [...((port['security_groups'] as string[] | undefined) ?? []), groupId];
    try {
      await n.call('PUT', `/ports/${encodeURIComponent(port['id'] as string)}`, { port: { security_groups: groups } });
    } catch (err) {
      if (neutronStatus(err, 400)) throw new Invalid(err.message);
      if (neutronStatus(err, 409)) throw new Conflict(err.message);
      throw err;
    }
  }
}

/** removeSecurityGroup: the group comes off every port of the server that has it. */
export async function removeGroupFromServer(n: UserNeutron, serverId: string, projectId: string, name: string): Promise<void> {
  const groupId = await groupIdByNameOrId(n, name, projectId);
  let found = false;
  for (const port of await serverPorts(n, serverId)) {
    const groups = (port['security_groups'] as string[] | undefined) ?? [];
    const at = groups.indexOf(groupId);
    if (at < 0) continue;
    const rest = [...groups.slice(0, at), ...groups.slice(at + 1)];
    await n.call('PUT', `/ports/${encodeURIComponent(port['id'] as string)}`, { port: { security_groups: rest } });
    found = true;
  }
  if (!found) throw new NotFound(`Security group ${name} not associated with the instance ${serverId}`);
}
