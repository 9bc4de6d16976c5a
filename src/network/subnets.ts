// Subnets: IPv4 and IPv6 CIDRs on a network, with Neutron's defaults (the
// first usable address as gateway, pools of the rest, DHCP on) and its
// checks (a valid network CIDR, no overlap on the network, pools inside it).
import { randomUUID } from 'node:crypto';
import type { AuthContext } from '../identity/validator.js';
import { canSeeNetwork, canSeeSubnet, mayWrite, type Caller } from './access.js';
import { NeutronError, badResourceRequest, invalidAttr, invalidInput, networkNotFound, subnetInUse, subnetNotFound } from './errors.js';
import { born, revised, type NetworkEnv } from './env.js';
import { canonicalIp, cidrText, formatIp, networkOf, overlaps, parseCidr, parseIp, type Cidr } from './ip.js';
import { checkPools, defaultGateway, defaultPools } from './pools.js';
import { STANDARD_ATTRIBUTES, bool, checkedAttributes, resourceBody, uuid, type AttributeSpec } from './request.js';
import { checkQuota } from './quotas.js';
import { tagsOf } from './tags.js';
import type { NetworkStore, Resource } from './store.js';
import { allocatePrefix, defaultSubnetPool, nonNegative, visibleSubnetPool } from './subnet-pools.js';

function ipOrNull(v: unknown, attr: string): string | null {
  if (v === null) return null;
  const ip = typeof v === 'string' ? canonicalIp(v) : null;
  if (ip === null) throw invalidAttr(attr, `'${String(v)}' is not a valid IP address`);
  return ip;
}

function nameservers(v: unknown, attr: string): string[] {
  if (!Array.isArray(v)) throw invalidAttr(attr, `'${JSON.stringify(v)}' is not a list`);
  const out = v.map((s) => {
    const ip = typeof s === 'string' ? canonicalIp(s) : null;
    if (ip === null) throw invalidAttr(attr, `'${String(s)}' is not a valid nameserver. '${String(s)}' is not a valid IP address`);
    return ip;
  });
  if (new Set(out).size !== out.length) throw invalidAttr(attr, `Duplicate nameserver '${out.find((x, i) => out.indexOf(x) !== i)}'`);
  return out;
}

function hostRoutes(v: unknown, attr: string): Array<{ destination: string; nexthop: string }> {
  if (!Array.isArray(v)) throw invalidAttr(attr, `Invalid data format for hostroute: '${JSON.stringify(v)}'`);
  return v.map((r) => {
    const o = (typeof r === 'object' && r !== null ? r : {}) as Record<string, unknown>;
    const dest = typeof o['destination'] === 'string' ? parseCidr(o['destination']) : null;
    const hop = typeof o['nexthop'] === 'string' ? canonicalIp(o['nexthop']) : null;
    if (!dest || hop === null || Object.keys(o).length !== 2) throw invalidAttr(attr, `Invalid data format for hostroute: '${JSON.stringify(r)}'`);
    return { destination: cidrText(dest), nexthop: hop };
  });
}

export function ipVersion(v: unknown, attr: string): 4 | 6 {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
  if (n !== 4 && n !== 6) throw invalidAttr(attr, `'${String(v)}' is not in [4, 6]`);
  return n;
}

function cidrAttr(v: unknown, attr: string): string | null {
  // null is no CIDR: one comes from the subnet pool.
  if (v === null) return null;
  if (typeof v !== 'string') throw invalidAttr(attr, `'${JSON.stringify(v)}' is not a valid IP subnet`);
  const c = parseCidr(v);
  if (c) return cidrText(c);
  // An address with host bits set: Neutron names the network it probably meant.
  const m = /^([^/]+)\/(\d{1,3})$/.exec(v);
  const ip = m ? parseIp(m[1]!) : null;
  const bits = ip ? (ip.version === 4 ? 32 : 128) : 0;
  if (ip && Number(m![2]) <= bits) {
    const hostBits = BigInt(bits - Number(m![2]));
    const meant = `${formatIp(ip.version, (ip.value >> hostBits) << hostBits)}/${m![2]}`;
    throw invalidAttr(attr, `'${v}' isn't a recognized IP subnet cidr, '${meant}' is recommended`);
  }
  throw invalidAttr(attr, `'${v}' is not a valid IP subnet`);
}

const IPV6_MODES = ['slaac', 'dhcpv6-stateful', 'dhcpv6-stateless'];
const ipv6Mode = (v: unknown, attr: string): string | null => {
  if (v === null) return null;
  if (typeof v !== 'string' || !IPV6_MODES.includes(v)) throw invalidAttr(attr, `'${String(v)}' is not in ${JSON.stringify(IPV6_MODES)}`);
  return v;
};

const ATTRIBUTES: Readonly<Record<string, AttributeSpec>> = {
  ...STANDARD_ATTRIBUTES,
  network_id: { post: true, put: false, required: true, check: uuid },
  ip_version: { post: true, put: false, required: true, check: ipVersion },
  cidr: { post: true, put: false, check: cidrAttr },
  gateway_ip: { post: true, put: true, check: ipOrNull },
  allocation_pools: { post: true, put: true },
  enable_dhcp: { post: true, put: true, check: bool },
  dns_nameservers: { post: true, put: true, check: nameservers },
  host_routes: { post: true, put: true, check: hostRoutes },
  ipv6_ra_mode: { post: true, put: false, check: ipv6Mode },
  ipv6_address_mode: { post: true, put: false, check: ipv6Mode },
  subnetpool_id: { post: true, put: false, check: (v, a) => (v === null ? null : uuid(v, a)) },
  prefixlen: { post: true, put: false, check: nonNegative },
  use_default_subnetpool: { post: true, put: false, check: bool },
  service_types: { post: true, put: true },
};

export const SUBNET_FIELDS = [
  'id', 'name', 'tenant_id', 'project_id', 'network_id', 'ip_version', 'cidr', 'gateway_ip', 'allocation_pools', 'enable_dhcp',
  'dns_nameservers', 'host_routes', 'ipv6_ra_mode', 'ipv6_address_mode', 'subnetpool_id', 'service_types', 'description', 'tags',
  'created_at', 'updated_at', 'revision_number',
];

export function subnetView(s: Resource): Record<string, unknown> {
  return {
    id: s.id,
    name: s['name'],
    tenant_id: s.project_id,
    project_id: s.project_id,
    network_id: s['network_id'],
    ip_version: s['ip_version'],
    cidr: s['cidr'],
    gateway_ip: s['gateway_ip'],
    allocation_pools: s['allocation_pools'],
    enable_dhcp: s['enable_dhcp'],
    dns_nameservers: s['dns_nameservers'],
    host_routes: s['host_routes'],
    ipv6_ra_mode: s['ipv6_ra_mode'],
    ipv6_address_mode: s['ipv6_address_mode'],
    subnetpool_id: s['subnetpool_id'] ?? null,
    service_types: s['service_types'],
    description: s['description'],
    tags: tagsOf(s),
    created_at: s.created_at,
    updated_at: s.updated_at,
    revision_number: s.revision_number,
  };
}

export const subnetCidr = (s: Resource): Cidr => parseCidr(s['cidr'] as string)!;

/**
 * A network's subnets of one IP version come from one pool (or none), or
 * else from pools of one address scope, so the network sits in one scope.
 */
async function checkPoolAffinity(s: NetworkStore, networkId: string, version: 4 | 6, pool: Resource | undefined): Promise<void> {
  const siblings = (await s.list('network_subnets', { column: 'network_id', in: [networkId] })).filter((x) => x['ip_version'] === version);
  const scopes = new Set<string>();
  for (const x of siblings) {
    const theirs = x['subnetpool_id'] ? await s.get('network_subnetpools', x['subnetpool_id'] as string) : undefined;
    if (theirs?.['address_scope_id']) scopes.add(theirs['address_scope_id'] as string);
  }
  const networkScope = [...scopes][0];
  if (networkScope !== undefined && pool && pool['address_scope_id'] !== networkScope) {
    throw new NeutronError(400, 'NetworkAddressScopeAffinityError',
      'Subnets of the same address family hosted on the same network must all participate in the same address scope.');
  }
  const mismatch = pool
    ? networkScope === undefined && siblings.some((x) => (x['subnetpool_id'] ?? null) !== pool.id)
    : siblings.some((x) => (x['subnetpool_id'] ?? null) !== null);
  if (mismatch) throw new NeutronError(400, 'NetworkSubnetPoolAffinityError', 'Subnets hosted on the same network must be allocated from the same subnet pool.');
}

export async function createSubnet(env: NetworkEnv, ctx: AuthContext, body: unknown, id: string = randomUUID()): Promise<Resource> {
  const a = checkedAttributes(resourceBody(body, 'subnet'), ATTRIBUTES, 'POST');
  const networkId = a['network_id'] as string;
  const version = a['ip_version'] as 4 | 6;
  const given = a['cidr'] === undefined || a['cidr'] === null ? undefined : parseCidr(a['cidr'] as string)!;
  const subnets = (msg: string): NeutronError => badResourceRequest('subnets', msg);
  if (given && 'prefixlen' in a) throw subnets('cidr and prefixlen must not be supplied together');
  let poolId = (a['subnetpool_id'] as string | null | undefined) ?? null;
  const useDefault = a['use_default_subnetpool'] === true;
  if (useDefault && poolId !== null) throw subnets('subnetpool_id and use_default_subnetpool cannot both be specified');
  if (useDefault) {
    const wanted = given?.version ?? version;
    const pool = await defaultSubnetPool(env, ctx, wanted);
    if (!pool) throw subnets(`No default subnetpool found for IPv${wanted}`);
    poolId = pool.id;
  }
  if (poolId === null && !given) throw subnets('a subnetpool must be specified in the absence of a cidr');
  if (poolId !== null && !given && 'allocation_pools' in a) throw subnets('allocation_pools allowed only for specific subnet requests.');
  if (given && given.version !== version) throw invalidInput('Cidr and ip version are not consistent');
  if (given && version === 4 && given.prefix === 32) throw invalidInput(`${cidrText(given)} is not a valid IPv4 subnet: a /32 has no address to allocate`);
  const projectId = (a['project_id'] as string | undefined) ?? ctx.projectId;
  await checkQuota(env, projectId, 'subnet');
  return env.store.transact(async (s) => {
    await s.lock('network_networks', networkId);
    const net = await s.get('network_networks', networkId);
    if (!net || !canSeeNetwork(ctx, net)) throw networkNotFound(networkId);
    // A subnet goes on one's own network; the network's owner decides its addressing.
    mayWrite(ctx, net.project_id, 'create_subnet');
    mayWrite(ctx, projectId, 'create_subnet');
    let cidr = given;
    if (poolId !== null) {
      // Subnets taking blocks from one pool take turns, so no block is handed out twice.
      await s.lock('network_subnetpools', poolId);
      const pool = await visibleSubnetPool(env, ctx, poolId, s);
      if (pool['ip_version'] !== version) throw subnets(`Cannot allocate IPv${version} subnet from IPv${String(pool['ip_version'])} subnet pool`);
      // A gateway without a CIDR names the block it belongs in.
      const gatewayGiven = typeof a['gateway_ip'] === 'string' ? (a['gateway_ip'] as string) : undefined;
      const prefixlen = (a['prefixlen'] as number | undefined) ?? (pool['default_prefixlen'] as number);
      const asked = given ?? (gatewayGiven ? networkOf(`${gatewayGiven}/${prefixlen}`) ?? undefined : undefined);
      cidr = await allocatePrefix(s, pool, { projectId, cidr: asked, prefixlen: a['prefixlen'] as number | undefined });
      await checkPoolAffinity(s, networkId, version, pool);
    } else {
      await checkPoolAffinity(s, networkId, version, undefined);
    }
    if (!cidr) throw subnets('a subnetpool must be specified in the absence of a cidr');
    for (const other of await s.list('network_subnets', { column: 'network_id', in: [networkId] })) {
      if (overlaps(subnetCidr(other), cidr)) {
        throw invalidInput(`Requested subnet with cidr: ${cidrText(cidr)} for network: ${networkId} overlaps with another subnet`);
      }
    }
    const gateway = 'gateway_ip' in a ? (a['gateway_ip'] as string | null) : defaultGateway(cidr);
    if (gateway !== null && parseIp(gateway)!.version !== version) throw invalidAttr('gateway_ip', `'${gateway}' is not a valid IP address`);
    const pools = 'allocation_pools' in a ? checkPools(cidr, a['allocation_pools'], gateway) : defaultPools(cidr, gateway);
    const subnet: Resource = {
      ...born(env, id, projectId),
      network_id: networkId,
      name: a['name'] ?? '',
      description: a['description'] ?? '',
      ip_version: version,
      cidr: cidrText(cidr),
      gateway_ip: gateway,
      allocation_pools: pools,
      enable_dhcp: a['enable_dhcp'] ?? true,
      dns_nameservers: a['dns_nameservers'] ?? [],
      host_routes: a['host_routes'] ?? [],
      ipv6_ra_mode: a['ipv6_ra_mode'] ?? null,
      ipv6_address_mode: a['ipv6_address_mode'] ?? null,
      service_types: a['service_types'] ?? [],
      subnetpool_id: poolId,
    };
    await s.insert('network_subnets', subnet);
    // The network's revision moves with its subnets, as in Neutron.
    await s.replace('network_networks', revised(env, net, {}));
    return subnet;
  });
}

/** The subnet as the caller may see it, else 404. */
export async function visibleSubnet(env: NetworkEnv, ctx: Caller, id: string): Promise<Resource> {
  const subnet = await env.store.get('network_subnets', id);
  const net = subnet ? await env.store.get('network_networks', subnet['network_id'] as string) : undefined;
  if (!subnet || !canSeeSubnet(ctx, subnet, net)) throw subnetNotFound(id);
  return subnet;
}

export async function updateSubnet(env: NetworkEnv, ctx: AuthContext, id: string, body: unknown): Promise<Resource> {
  const a = checkedAttributes(resourceBody(body, 'subnet'), ATTRIBUTES, 'PUT');
  for (let attempt = 0; ; attempt++) {
    const subnet = await visibleSubnet(env, ctx, id);
    mayWrite(ctx, subnet.project_id, 'update_subnet');
    const cidr = subnetCidr(subnet);
    const changes = { ...a };
    if ('gateway_ip' in a && a['gateway_ip'] !== null && parseIp(a['gateway_ip'] as string)!.version !== cidr.version) {
      throw invalidAttr('gateway_ip', `'${String(a['gateway_ip'])}' is not a valid IP address`);
    }
    const gateway = ('gateway_ip' in a ? a['gateway_ip'] : subnet['gateway_ip']) as string | null;
    if ('gateway_ip' in a && gateway !== null) {
      const holder = (await env.store.allocations({ subnetId: id })).find((x) => x.ip_address === gateway);
      if (holder) throw new NeutronError(409, 'GatewayIpInUse', `Current gateway ip ${gateway} already in use by port ${holder.port_id}. Unable to update.`);
    }
    if ('allocation_pools' in a) changes['allocation_pools'] = checkPools(cidr, a['allocation_pools'], gateway);
    else if ('gateway_ip' in a) checkPools(cidr, subnet['allocation_pools'], gateway);
    const next = revised(env, subnet, changes);
    if (await env.store.replace('network_subnets', next)) return next;
    if (attempt > 5) throw new Error(`subnet ${id} kept changing under an update`);
  }
}

export async function deleteSubnet(env: NetworkEnv, ctx: AuthContext, id: string): Promise<void> {
  await env.store.transact(async (s) => {
    const subnet = await s.get('network_subnets', id);
    const net = subnet ? await s.get('network_networks', subnet['network_id'] as string) : undefined;
    if (!subnet || !canSeeSubnet(ctx, subnet, net)) throw subnetNotFound(id);
    mayWrite(ctx, subnet.project_id, 'delete_subnet');
    if ((await s.allocations({ subnetId: id })).length > 0) throw subnetInUse(id);
    await s.remove('network_subnets', id);
  });
}

export async function listSubnets(env: NetworkEnv, ctx: Caller): Promise<Record<string, unknown>[]> {
  const nets = new Map((await env.store.list('network_networks')).map((n) => [n.id, n]));
  return (await env.store.list('network_subnets'))
    .filter((s) => canSeeSubnet(ctx, s, nets.get(s['network_id'] as string)))
    .map(subnetView);
}
