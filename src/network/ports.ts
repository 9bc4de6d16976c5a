// Ports: a MAC and fixed IPs on a network, the device using them, and their
// binding to a host. Addresses come from the subnets' pools, or are asked for
// by subnet or address; the allocations table's primary key makes sure no
// address is held twice, whatever runs concurrently, and a port and its
// addresses are written in one transaction.
import { randomBytes, randomUUID } from 'node:crypto';
import type { AuthContext } from '../identity/validator.js';
import { adminOnly, canSeeNetwork, canSeePort, isAdmin, mayWrite, readsProject, type Caller } from './access.js';
import {
  NeutronError, invalidAttr, invalidInput, ipAlreadyAllocated, ipExhausted, macInUse, networkNotFound, policyDenied, portNotFound, securityGroupNotFound,
} from './errors.js';
import { born, revised, type NetworkEnv } from './env.js';
import { createdDhcpOpts, dhcpOptList, updatedDhcpOpts, type DhcpOpt, type DhcpOptRequest } from './extra-dhcp-opts.js';
import { addressPairList, addressPairsNeedPortSecurity, checkAddressPairs, completeAddressPairs } from './address-pairs.js';
import { contains, formatIp, parseIp } from './ip.js';
import { poolAddresses, usableRange, type Pool } from './pools.js';
import { STANDARD_ATTRIBUTES, bool, checkedAttributes, dict, resourceBody, str, uuid, type AttributeSpec } from './request.js';
import { checkQuota } from './quotas.js';
import { ensureDefaultGroup } from './security-groups.js';
import { isUniqueViolation, type IpAllocation, type NetworkStore, type Resource, type ResourceTable } from './store.js';
import { subnetCidr } from './subnets.js';
import { tagsOf } from './tags.js';
import type { Query } from './list-query.js';

const VNIC_TYPES = ['normal', 'direct', 'macvtap', 'baremetal', 'direct-physical', 'virtio-forwarder', 'smart-nic', 'vdpa', 'remote-managed'];

function mac(v: unknown, attr: string): string {
  if (typeof v !== 'string' || !/^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/.test(v)) throw invalidAttr(attr, `'${String(v)}' is not a valid MAC address`);
  const m = v.toLowerCase().replace(/-/g, ':');
  if (m === '00:00:00:00:00:00' || (parseInt(m.slice(0, 2), 16) & 1) === 1) throw invalidAttr(attr, `'${v}' is not a valid MAC address`);
  return m;
}

export interface FixedIpRequest {
  readonly subnet_id?: string;
  readonly ip_address?: string;
}

export function fixedIps(v: unknown, attr: string): FixedIpRequest[] {
  if (!Array.isArray(v)) throw invalidAttr(attr, `Invalid data format for fixed IP: '${JSON.stringify(v)}'`);
  return v.map((f) => {
    if (typeof f !== 'object' || f === null || Array.isArray(f)) throw invalidAttr(attr, `Invalid data format for fixed IP: '${JSON.stringify(f)}'`);
    const o = f as Record<string, unknown>;
    const extra = Object.keys(o).filter((k) => k !== 'subnet_id' && k !== 'ip_address');
    if (extra.length > 0 || Object.keys(o).length === 0) throw invalidAttr(attr, `Invalid data format for fixed IP: '${JSON.stringify(f)}'`);
    const out: { subnet_id?: string; ip_address?: string } = {};
    if ('subnet_id' in o) out.subnet_id = uuid(o['subnet_id'], 'subnet_id');
    if ('ip_address' in o) {
      const ip = typeof o['ip_address'] === 'string' ? parseIp(o['ip_address']) : null;
      if (!ip) throw invalidAttr(attr, `'${String(o['ip_address'])}' is not a valid IP address`);
      out.ip_address = formatIp(ip.version, ip.value);
    }
    return out;
  });
}

const uuidList = (v: unknown, attr: string): string[] => {
  if (!Array.isArray(v)) throw invalidAttr(attr, `'${JSON.stringify(v)}' is not a list`);
  return [...new Set(v.map((x) => uuid(x, attr)))];
};

const ATTRIBUTES: Readonly<Record<string, AttributeSpec>> = {
  ...STANDARD_ATTRIBUTES,
  network_id: { post: true, put: false, required: true, check: uuid },
  admin_state_up: { post: true, put: true, check: bool },
  mac_address: { post: true, put: false, check: mac },
  fixed_ips: { post: true, put: true, check: fixedIps },
  device_id: { post: true, put: true, check: str(255) },
  device_owner: { post: true, put: true, check: str(255) },
  'binding:host_id': { post: true, put: true, check: str(255) },
  // null clears the profile, as Neutron takes it ({}).
  'binding:profile': { post: true, put: true, check: (v, a) => (v === null ? {} : dict(v, a)) },
  'binding:vnic_type': {
    post: true, put: true,
    check: (v, a) => { if (typeof v !== 'string' || !VNIC_TYPES.includes(v)) throw invalidAttr(a, `'${String(v)}' is not in ${JSON.stringify(VNIC_TYPES)}`); return v; },
  },
  port_security_enabled: { post: true, put: true, check: bool },
  security_groups: { post: true, put: true, check: uuidList },
  allowed_address_pairs: { post: true, put: true, check: addressPairList },
  extra_dhcp_opts: { post: true, put: true, check: dhcpOptList },
};

/** Port attributes only admins see (Neutron's get_port:binding:* defaults). */
const ADMIN_ONLY_FIELDS = ['binding:host_id', 'binding:profile', 'binding:vif_type', 'binding:vif_details'];

export const PORT_FIELDS = [
  'id', 'name', 'network_id', 'tenant_id', 'project_id', 'mac_address', 'admin_state_up', 'status', 'device_id', 'device_owner', 'fixed_ips',
  'allowed_address_pairs', 'extra_dhcp_opts', 'security_groups', 'port_security_enabled', 'binding:host_id', 'binding:vif_type', 'binding:vif_details',
  'binding:vnic_type', 'binding:profile', 'description', 'tags', 'created_at', 'updated_at', 'revision_number',
];

const bound = (p: Resource): boolean => typeof p['binding:host_id'] === 'string' && p['binding:host_id'] !== '';

/** Ports the L3 service owns and brings up itself; the L2 agent leaves them alone. */
export const isL3Port = (p: Resource): boolean => String(p['device_owner'] ?? '').startsWith('network:');

/** Bound to a host whose L2 agent has not wired it there yet (see l2-agent.ts). */
export const awaitsWiring = (p: Resource): boolean => bound(p) && !isL3Port(p) && p['l2_host'] !== p['binding:host_id'];

/**
 * Up once the L2 agent wired it on the host it is bound to (and
 * administratively up); a router's ports are up from the start, as the L3
 * service brings them up at once, and a floating IP's port has no status
 * (N/A), as in Neutron.
 */
export function portStatus(p: Resource): string {
  const owner = p['device_owner'] as string;
  if (owner === 'network:floatingip') return 'N/A';
  const up = owner === 'network:router_interface' || owner === 'network:router_gateway' || (bound(p) && p['l2_host'] === p['binding:host_id']);
  return up && p['admin_state_up'] === true ? 'ACTIVE' : 'DOWN';
}

export function portView(ctx: Caller, p: Resource, ips: readonly IpAllocation[]): Record<string, unknown> {
  const view: Record<string, unknown> = {
    id: p.id,
    name: p['name'],
    network_id: p['network_id'],
    tenant_id: p.project_id,
    project_id: p.project_id,
    mac_address: p['mac_address'],
    admin_state_up: p['admin_state_up'],
    status: portStatus(p),
    device_id: p['device_id'],
    device_owner: p['device_owner'],
    fixed_ips: ips.filter((a) => a.port_id === p.id).map((a) => ({ subnet_id: a.subnet_id, ip_address: a.ip_address })),
    allowed_address_pairs: p['allowed_address_pairs'] ?? [],
    extra_dhcp_opts: p['extra_dhcp_opts'] ?? [],
    security_groups: p['security_groups'],
    port_security_enabled: p['port_security_enabled'],
    'binding:host_id': p['binding:host_id'],
    'binding:vif_type': bound(p) ? 'ovs' : 'unbound',
    'binding:vif_details': bound(p) ? { port_filter: true, connectivity: 'l2', bridge_name: 'br-int', datapath_type: 'system', ovs_hybrid_plug: false } : {},
    'binding:vnic_type': p['binding:vnic_type'],
    'binding:profile': p['binding:profile'],
    description: p['description'],
    tags: tagsOf(p),
    created_at: p.created_at,
    updated_at: p.updated_at,
    revision_number: p.revision_number,
  };
  if (!isAdmin(ctx)) for (const f of ADMIN_ONLY_FIELDS) delete view[f];
  return view;
}

export const portFieldsFor = (ctx: Caller): string[] => (isAdmin(ctx) ? PORT_FIELDS : PORT_FIELDS.filter((f) => !ADMIN_ONLY_FIELDS.includes(f)));

function generatedMac(baseMac: string): string {
  const random = randomBytes(6);
  return baseMac
    .toLowerCase()
    .split(':')
    .map((o, i) => (o === '00' && i >= 3 ? random[i]!.toString(16).padStart(2, '0') : o))
    .join(':');
}

/** Why an insert lost a race: an address or MAC someone else took first. */
class Taken extends Error {
  constructor(readonly what: 'ip' | 'mac', readonly requested: boolean, readonly value: string, readonly subnetId: string) {
    super(`${what} ${value} taken`);
  }
}

/** The addresses a port gets on `net`: those asked for, or one from the first IPv4 and the first IPv6 subnet with room. */
async function chooseAddresses(s: NetworkStore, net: Resource, requests: readonly FixedIpRequest[] | undefined, portId: string): Promise<Array<IpAllocation & { requested: boolean }>> {
  const subnets = await s.list('network_subnets', { column: 'network_id', in: [net.id] });
  const held = new Set((await s.allocations({ networkId: net.id })).map((a) => a.ip_address));
  const chosen: Array<IpAllocation & { requested: boolean }> = [];
  const take = (subnetId: string, ip: string, requested: boolean): void => {
    held.add(ip);
    chosen.push({ network_id: net.id, subnet_id: subnetId, ip_address: ip, port_id: portId, requested });
  };
  const nextFree = (subnet: Resource): string | undefined => {
    for (const ip of poolAddresses(subnet['ip_version'] as 4 | 6, subnet['allocation_pools'] as Pool[])) if (!held.has(ip)) return ip;
    return undefined;
  };

  if (requests === undefined) {
    for (const version of [4, 6]) {
      const ofVersion = subnets.filter((sn) => sn['ip_version'] === version);
      if (ofVersion.length === 0) continue;
      const withRoom = ofVersion.map((sn) => [sn, nextFree(sn)] as const).find(([, ip]) => ip !== undefined);
      if (!withRoom) throw ipExhausted(net.id);
      take(withRoom[0].id, withRoom[1]!, false);
    }
    return chosen;
  }

  for (const r of requests) {
    let subnet: Resource | undefined;
    if (r.subnet_id !== undefined) {
      subnet = subnets.find((sn) => sn.id === r.subnet_id);
      if (!subnet) throw invalidInput(`Failed to create port on network ${net.id}, because fixed_ips included invalid subnet ${r.subnet_id}`);
    }
    if (r.ip_address === undefined) {
      if (!subnet) throw invalidInput(`Failed to create port on network ${net.id}, because fixed_ips included invalid subnet undefined`);
      const ip = nextFree(subnet);
      if (ip === undefined) throw ipExhausted(net.id);
      take(subnet.id, ip, false);
      continue;
    }
    const ip = parseIp(r.ip_address)!;
    if (!subnet) {
      subnet = subnets.find((sn) => contains(subnetCidr(sn), ip.version, ip.value));
      if (!subnet) throw new NeutronError(400, 'InvalidIpForNetwork', `IP address ${r.ip_address} is not a valid IP for any of the subnets on the specified network.`);
    }
    const range = usableRange(subnetCidr(subnet));
    if (!contains(subnetCidr(subnet), ip.version, ip.value) || ip.value < range.first || ip.value > range.last) {
      throw new NeutronError(400, 'InvalidIpForSubnet', `IP address ${r.ip_address} is not a valid IP for the specified subnet.`);
    }
    if (held.has(r.ip_address)) throw ipAlreadyAllocated(r.ip_address, subnet.id);
    take(subnet.id, r.ip_address, true);
  }
  return chosen;
}

async function writeAllocations(s: NetworkStore, chosen: ReadonlyArray<IpAllocation & { requested: boolean }>): Promise<void> {
  for (const { requested, ...a } of chosen) {
    try {
      await s.allocate(a);
    } catch (err) {
      if (isUniqueViolation(err)) throw new Taken('ip', requested, a.ip_address, a.subnet_id);
      throw err;
    }
  }
}

/** Runs a write that allocates, again while it loses races for generated values; a lost race for a requested one is the client's 409. */
export async function withRetries<T>(networkId: string, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!(err instanceof Taken)) throw err;
      if (err.requested) throw err.what === 'ip' ? ipAlreadyAllocated(err.value, err.subnetId) : macInUse(networkId, err.value);
      if (attempt >= 50) throw err.what === 'ip' ? ipExhausted(networkId) : macInUse(networkId, err.value);
    }
  }
}

async function checkSecurityGroups(env: NetworkEnv, ctx: Caller, projectId: string, ids: readonly string[]): Promise<void> {
  for (const id of ids) {
    const g = await env.store.get('network_security_groups', id);
    if (!g || !readsProject(ctx, g.project_id) || (g.project_id !== projectId && !isAdmin(ctx))) throw securityGroupNotFound(id);
  }
}

const securityNeedsPortSecurity = (): NeutronError =>
  new NeutronError(400, 'PortSecurityAndIPRequiredForSecurityGroups', 'Port security must be enabled and port must have an IP address in order to use security groups.');

export async function createPort(env: NetworkEnv, ctx: AuthContext, body: unknown): Promise<Record<string, unknown>> {
  const a = checkedAttributes(resourceBody(body, 'port'), ATTRIBUTES, 'POST');
  const networkId = a['network_id'] as string;
  const projectId = (a['project_id'] as string | undefined) ?? ctx.projectId;
  mayWrite(ctx, projectId, 'create_port');
  await checkQuota(env, projectId, 'port');
  const net = await env.store.get('network_networks', networkId);
  if (!net || !canSeeNetwork(ctx, net)) throw networkNotFound(networkId);
  const ownsNetwork = isAdmin(ctx) || net.project_id === ctx.projectId;
  if (!ownsNetwork && net['shared'] !== true) throw policyDenied('create_port');
  if ('binding:host_id' in a) adminOnly(ctx, 'create_port:binding:host_id');
  if ('binding:profile' in a) adminOnly(ctx, 'create_port:binding:profile');
  if ('mac_address' in a && !ownsNetwork) throw policyDenied('create_port:mac_address');
  const requests = a['fixed_ips'] as FixedIpRequest[] | undefined;
  if (requests?.some((r) => r.ip_address !== undefined) && !ownsNetwork) throw policyDenied('create_port:fixed_ips:ip_address');
  const pairs = 'allowed_address_pairs' in a ? checkAddressPairs(a['allowed_address_pairs'] as unknown[], env.maxAddressPairs) : [];
  if ('allowed_address_pairs' in a && !ownsNetwork) throw policyDenied('create_port:allowed_address_pairs');
  const deviceOwner = (a['device_owner'] as string | undefined) ?? '';
  const portSecurity = (a['port_security_enabled'] as boolean | undefined) ?? (net['port_security_enabled'] as boolean);
  if (pairs.length > 0 && !portSecurity) throw addressPairsNeedPortSecurity();
  let groups = a['security_groups'] as string[] | undefined;
  if (groups !== undefined && groups.length > 0 && !portSecurity) throw securityNeedsPortSecurity();
  if (groups !== undefined) await checkSecurityGroups(env, ctx, projectId, groups);
  // Ports the network service itself owns (router interfaces, DHCP) have no groups.
  if (groups === undefined) groups = portSecurity && !deviceOwner.startsWith('network:') ? [await ensureDefaultGroup(env, env.store, projectId)] : [];

  const id = randomUUID();
  const port: Resource = {
    ...born(env, id, projectId),
    network_id: networkId,
    name: a['name'] ?? '',
    description: a['description'] ?? '',
    admin_state_up: a['admin_state_up'] ?? true,
    mac_address: '',
    device_id: a['device_id'] ?? '',
    device_owner: deviceOwner,
    'binding:host_id': a['binding:host_id'] ?? '',
    'binding:profile': a['binding:profile'] ?? {},
    'binding:vnic_type': a['binding:vnic_type'] ?? 'normal',
    port_security_enabled: portSecurity,
    security_groups: groups,
    extra_dhcp_opts: createdDhcpOpts(id, a['extra_dhcp_opts'] as DhcpOptRequest[] | null | undefined ?? null),
  };
  const made = await withRetries(networkId, () =>
    env.store.transact(async (s) => {
      // A network being deleted waits for this port, or this port finds it gone.
      await s.lock('network_networks', networkId);
      if (!(await s.get('network_networks', networkId))) throw networkNotFound(networkId);
      const macAddress = (a['mac_address'] as string | undefined) ?? generatedMac(env.baseMac);
      // A pair without a MAC takes the port's.
      const withMac = { ...port, mac_address: macAddress, allowed_address_pairs: completeAddressPairs(pairs, macAddress) };
      try {
        await s.insert('network_ports', withMac);
      } catch (err) {
        if (isUniqueViolation(err)) throw new Taken('mac', 'mac_address' in a, macAddress, '');
        throw err;
      }
      const chosen = await chooseAddresses(s, net, requests, port.id);
      await writeAllocations(s, chosen);
      return { port: withMac, view: portView(ctx, withMac, chosen) };
    }),
  );
  env.l2?.portWritten(undefined, made.port);
  return made.view;
}

export async function visiblePort(env: NetworkEnv, ctx: Caller, id: string, s: NetworkStore = env.store): Promise<{ port: Resource; net: Resource | undefined }> {
  const port = await s.get('network_ports', id);
  const net = port ? await s.get('network_networks', port['network_id'] as string) : undefined;
  if (!port || !canSeePort(ctx, port, net)) throw portNotFound(id);
  return { port, net };
}

export async function showPort(env: NetworkEnv, ctx: Caller, id: string): Promise<Record<string, unknown>> {
  const { port } = await visiblePort(env, ctx, id);
  return portView(ctx, port, await env.store.allocations({ portIds: [id] }));
}

/**
 * The indexed column a port list's filter lets the database narrow by: a
 * server's ports (device_id, as the compute side asks for them on every
 * move), or ports by id. Only when each value names something; the filters
 * that match empty attributes ('' and 'none') are left to listQuery.
 */
function narrowedBy(query: Query): { column: 'device_id' | 'id'; in: string[] } | undefined {
  for (const column of ['device_id', 'id'] as const) {
    const v = query[column];
    const wanted = v === undefined ? [] : typeof v === 'string' ? [v] : [...v];
    if (wanted.length > 0 && wanted.every((w) => w !== '' && w.toLowerCase() !== 'none')) return { column, in: wanted };
  }
  return undefined;
}

/** The ports the caller may see; only those the query's device_id or id filter names, when it has one. */
export async function listPorts(env: NetworkEnv, ctx: Caller, query: Query = {}): Promise<Record<string, unknown>[]> {
  const narrowed = narrowedBy(query);
  const listed = await env.store.list('network_ports', narrowed);
  const netIds = narrowed ? [...new Set(listed.map((p) => p['network_id'] as string))] : undefined;
  const nets = new Map((await env.store.list('network_networks', netIds && { column: 'id', in: netIds })).map((n) => [n.id, n]));
  const ports = listed.filter((p) => canSeePort(ctx, p, nets.get(p['network_id'] as string)));
  const ips = await env.store.allocations({ portIds: ports.map((p) => p.id) });
  return ports.map((p) => portView(ctx, p, ips));
}

export async function updatePort(env: NetworkEnv, ctx: AuthContext, id: string, body: unknown): Promise<Record<string, unknown>> {
  const a = checkedAttributes(resourceBody(body, 'port'), ATTRIBUTES, 'PUT');
  const { port, net } = await visiblePort(env, ctx, id);
  mayWrite(ctx, port.project_id, 'update_port');
  if ('binding:host_id' in a) adminOnly(ctx, 'update_port:binding:host_id');
  if ('binding:profile' in a) adminOnly(ctx, 'update_port:binding:profile');
  const requests = a['fixed_ips'] as FixedIpRequest[] | undefined;
  const ownsNetwork = isAdmin(ctx) || net?.project_id === ctx.projectId;
  if (requests?.some((r) => r.ip_address !== undefined) && !ownsNetwork) throw policyDenied('update_port:fixed_ips:ip_address');
  const pairRequests = 'allowed_address_pairs' in a ? checkAddressPairs(a['allowed_address_pairs'] as unknown[], env.maxAddressPairs) : undefined;
  if (pairRequests !== undefined && !ownsNetwork) throw policyDenied('update_port:allowed_address_pairs');
  const portSecurity = (a['port_security_enabled'] as boolean | undefined) ?? (port['port_security_enabled'] as boolean);
  // Pairs need port security: none may be added without it, and it may not go while the port keeps some.
  const pairsAfter = pairRequests ?? ((port['allowed_address_pairs'] as unknown[] | undefined) ?? []);
  if (!portSecurity && pairsAfter.length > 0) throw addressPairsNeedPortSecurity();
  const groups = (a['security_groups'] as string[] | undefined) ?? (port['security_groups'] as string[]);
  if (!portSecurity && groups.length > 0) {
    if (a['security_groups'] !== undefined) throw securityNeedsPortSecurity();
    throw new NeutronError(409, 'PortSecurityPortHasSecurityGroup',
      'Port has security group associated. Cannot disable port security or ip address until security group is removed');
  }
  if (a['security_groups'] !== undefined) await checkSecurityGroups(env, ctx, port.project_id, groups);
  const changes = Object.fromEntries(Object.entries(a).filter(([k]) => k !== 'fixed_ips' && k !== 'extra_dhcp_opts'));
  if (pairRequests !== undefined) changes['allowed_address_pairs'] = completeAddressPairs(pairRequests, port['mac_address'] as string);
  const { before, after, view } = await withRetries(port['network_id'] as string, () =>
    env.store.transact(async (s) => {
      if (requests !== undefined) await s.lock('network_networks', port['network_id'] as string);
      // The L2 agent writes ports too (their wiring): this waits for it rather than failing on its revision.
      await s.lock('network_ports', id);
      const current = await s.get('network_ports', id);
      if (!current) throw portNotFound(id);
      // Bound elsewhere (or unbound), it is no longer wired anywhere.
      const rebound = 'binding:host_id' in changes && changes['binding:host_id'] !== current['binding:host_id'];
      // Options named are changed, added or (null) removed; the others stay.
      const dhcpOpts = a['extra_dhcp_opts'] as DhcpOptRequest[] | null | undefined;
      const opts = dhcpOpts ? { extra_dhcp_opts: updatedDhcpOpts(id, (current['extra_dhcp_opts'] as DhcpOpt[] | undefined) ?? [], dhcpOpts) } : {};
      const next = revised(env, current, { ...changes, ...opts, ...(rebound ? { l2_host: null } : {}) });
      if (!(await s.replace('network_ports', next))) throw new NeutronError(409, 'Conflict', `Port ${id} was changed by another request; try again.`);
      if (requests !== undefined) {
        await s.releasePort(id);
        await writeAllocations(s, await chooseAddresses(s, net!, requests, id));
      }
      return { before: current, after: next, view: portView(ctx, next, await s.allocations({ portIds: [id] })) };
    }),
  );
  // Bound to another host (or unbound): DOWN until that host's L2 agent wires it.
  env.l2?.portWritten(before, after);
  // What a server's network info shows changed: its addresses or its groups.
  if (requests !== undefined || a['security_groups'] !== undefined) env.compute?.portsChanged([id]);
  return view;
}

/** Ports the L3 service owns: deleted with their router or floating IP, not through the port API. */
const L3_OWNERS: Readonly<Record<string, ResourceTable>> = {
  'network:router_interface': 'network_routers',
  'network:router_gateway': 'network_routers',
  'network:floatingip': 'network_floatingips',
};

export async function deletePort(env: NetworkEnv, ctx: AuthContext, id: string): Promise<void> {
  const { port } = await visiblePort(env, ctx, id);
  mayWrite(ctx, port.project_id, 'delete_port');
  const owner = port['device_owner'] as string;
  const l3Table = L3_OWNERS[owner];
  if (l3Table && (await env.store.get(l3Table, port['device_id'] as string))) {
    throw new NeutronError(409, 'ServicePortInUse', `Port ${id} cannot be deleted directly via the port API: has device owner ${owner}.`);
  }
  await env.store.transact(async (s) => {
    // An association being made waits for this, or this sees it made.
    await s.lock('network_ports', id);
    // Floating IPs on the port lose their association, as in Neutron.
    for (const fip of await s.list('network_floatingips')) {
      if (fip['port_id'] === id) await s.replace('network_floatingips', revised(env, fip, { port_id: null, fixed_ip_address: null, router_id: null }));
    }
    await s.releasePort(id);
    await s.remove('network_ports', id);
  });
}

export interface ServicePortSpec {
  readonly projectId: string;
  readonly deviceId: string;
  readonly deviceOwner: string;
  readonly fixedIps?: readonly FixedIpRequest[];
}

/**
 * A port the network service makes for itself (router gateway or interface,
 * floating IP), written with its addresses in the caller's transaction; a
 * lost race for a generated address or MAC throws for withRetries.
 */
export async function addServicePort(env: NetworkEnv, s: NetworkStore, net: Resource, spec: ServicePortSpec): Promise<{ port: Resource; ips: IpAllocation[] }> {
  const port: Resource = {
    ...born(env, randomUUID(), spec.projectId),
    network_id: net.id,
    name: '',
    description: '',
    admin_state_up: true,
    mac_address: generatedMac(env.baseMac),
    device_id: spec.deviceId,
    device_owner: spec.deviceOwner,
    'binding:host_id': '',
    'binding:profile': {},
    'binding:vnic_type': 'normal',
    port_security_enabled: false,
    security_groups: [],
  };
  try {
    await s.insert('network_ports', port);
  } catch (err) {
    if (isUniqueViolation(err)) throw new Taken('mac', false, port['mac_address'] as string, '');
    throw err;
  }
  const chosen = await chooseAddresses(s, net, spec.fixedIps, port.id);
  await writeAllocations(s, chosen);
  return { port, ips: chosen.map(({ requested: _r, ...a }) => a) };
}

/** Gives a port the addresses asked for, in the caller's transaction: those it holds and names again it keeps. */
export async function reallocatePort(s: NetworkStore, net: Resource, portId: string, requests: readonly FixedIpRequest[]): Promise<void> {
  await s.releasePort(portId);
  await writeAllocations(s, await chooseAddresses(s, net, requests, portId));
}

/** Removes a port and its addresses in the caller's transaction. */
export async function removeServicePort(s: NetworkStore, id: string): Promise<void> {
  await s.releasePort(id);
  await s.remove('network_ports', id);
}
