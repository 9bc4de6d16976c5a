// Networks: create, show, list, update, delete, with Neutron's attributes
// and defaults (status ACTIVE, MTU from global_physnet_mtu, port security on).
import { randomUUID } from 'node:crypto';
import type { AuthContext } from '../identity/validator.js';
import { adminOnly, canSeeNetwork, mayWrite, type Caller } from './access.js';
import { NeutronError, invalidInput, networkInUse, networkNotFound } from './errors.js';
import { born, revised, type NetworkEnv } from './env.js';
import { STANDARD_ATTRIBUTES, bool, checkedAttributes, nonNegativeInt, resourceBody, stringList, type AttributeSpec } from './request.js';
import { checkQuota } from './quotas.js';
import { tagsOf } from './tags.js';
import type { Resource } from './store.js';

const ATTRIBUTES: Readonly<Record<string, AttributeSpec>> = {
  ...STANDARD_ATTRIBUTES,
  admin_state_up: { post: true, put: true, check: bool },
  shared: { post: true, put: true, check: bool },
  'router:external': { post: true, put: true, check: bool },
  mtu: { post: true, put: true, check: nonNegativeInt },
  port_security_enabled: { post: true, put: true, check: bool },
  availability_zone_hints: { post: true, put: false, check: stringList },
  // auto-allocated-topology: the external network new topologies connect to.
  is_default: { post: true, put: true, check: bool },
};

export const NETWORK_FIELDS = [
  'id', 'name', 'tenant_id', 'project_id', 'admin_state_up', 'status', 'shared', 'router:external', 'mtu', 'subnets',
  'availability_zone_hints', 'availability_zones', 'description', 'tags', 'created_at', 'updated_at', 'revision_number', 'port_security_enabled', 'is_default',
  'ipv4_address_scope', 'ipv6_address_scope',
];

export interface AddressScopes {
  readonly 4: string | null;
  readonly 6: string | null;
}

/** A network sits in the address scopes of the pools its subnets came from, one per IP version. */
export function addressScopesOf(subnets: readonly Resource[], pools: ReadonlyMap<string, Resource>): AddressScopes {
  const scopeOf = (version: number): string | null => {
    for (const s of subnets) {
      const pool = s['ip_version'] === version && s['subnetpool_id'] ? pools.get(s['subnetpool_id'] as string) : undefined;
      if (pool?.['address_scope_id']) return pool['address_scope_id'] as string;
    }
    return null;
  };
  return { 4: scopeOf(4), 6: scopeOf(6) };
}

export function networkView(net: Resource, subnetIds: readonly string[], scopes: AddressScopes = { 4: null, 6: null }): Record<string, unknown> {
  return {
    id: net.id,
    name: net['name'],
    tenant_id: net.project_id,
    project_id: net.project_id,
    admin_state_up: net['admin_state_up'],
    status: 'ACTIVE',
    shared: net['shared'],
    'router:external': net['router:external'],
    mtu: net['mtu'],
    subnets: [...subnetIds],
    availability_zone_hints: net['availability_zone_hints'],
    // Without DHCP agents no zone hosts the network, as Neutron reports it.
    availability_zones: [],
    description: net['description'],
    tags: tagsOf(net),
    created_at: net.created_at,
    updated_at: net.updated_at,
    revision_number: net.revision_number,
    port_security_enabled: net['port_security_enabled'],
    ipv4_address_scope: scopes[4],
    ipv6_address_scope: scopes[6],
    // Neutron shows is_default on external networks only.
    ...(net['router:external'] === true ? { is_default: net['is_default'] === true } : {}),
  };
}

/** Only one external network is the default at a time. */
async function checkOneDefault(env: NetworkEnv, id: string, external: boolean, isDefault: unknown): Promise<void> {
  if (isDefault !== true || !external) return;
  const other = (await env.store.list('network_networks')).find((n) => n.id !== id && n['router:external'] === true && n['is_default'] === true);
  if (other) throw new NeutronError(409, 'DefaultExternalNetworkExists', `A default external network already exists: ${other.id}.`);
}

/** The network as the caller may see it, else 404. */
export async function visibleNetwork(env: NetworkEnv, ctx: Caller, id: string): Promise<Resource> {
  const net = await env.store.get('network_networks', id);
  if (!net || !canSeeNetwork(ctx, net)) throw networkNotFound(id);
  return net;
}

function checkMtu(env: NetworkEnv, mtu: unknown): void {
  if (typeof mtu === 'number' && mtu > env.mtu) throw invalidInput(`Requested MTU is too big, maximum is ${env.mtu}`);
  if (typeof mtu === 'number' && mtu < 68) throw invalidInput('Requested MTU is too small, minimum is 68');
}

export async function createNetwork(env: NetworkEnv, ctx: AuthContext, body: unknown, id: string = randomUUID()): Promise<Resource> {
  const a = checkedAttributes(resourceBody(body, 'network'), ATTRIBUTES, 'POST');
  const projectId = (a['project_id'] as string | undefined) ?? ctx.projectId;
  mayWrite(ctx, projectId, 'create_network');
  if (a['shared'] === true) adminOnly(ctx, 'create_network:shared');
  if ('router:external' in a) adminOnly(ctx, 'create_network:router:external');
  if ('is_default' in a) adminOnly(ctx, 'create_network:is_default');
  checkMtu(env, a['mtu']);
  await checkQuota(env, projectId, 'network');
  await checkOneDefault(env, id, a['router:external'] === true, a['is_default']);
  const net: Resource = {
    ...born(env, id, projectId),
    name: a['name'] ?? '',
    description: a['description'] ?? '',
    admin_state_up: a['admin_state_up'] ?? true,
    shared: a['shared'] ?? false,
    'router:external': a['router:external'] ?? false,
    mtu: a['mtu'] ?? env.mtu,
    port_security_enabled: a['port_security_enabled'] ?? true,
    availability_zone_hints: a['availability_zone_hints'] ?? [],
    is_default: a['is_default'] ?? false,
  };
  await env.store.insert('network_networks', net);
  return net;
}

export async function updateNetwork(env: NetworkEnv, ctx: AuthContext, id: string, body: unknown): Promise<Resource> {
  const a = checkedAttributes(resourceBody(body, 'network'), ATTRIBUTES, 'PUT');
  for (let attempt = 0; ; attempt++) {
    const net = await visibleNetwork(env, ctx, id);
    mayWrite(ctx, net.project_id, 'update_network');
    if ('shared' in a) adminOnly(ctx, 'update_network:shared');
    if ('router:external' in a) adminOnly(ctx, 'update_network:router:external');
    if ('is_default' in a) adminOnly(ctx, 'update_network:is_default');
    checkMtu(env, a['mtu']);
    await checkOneDefault(env, id, (a['router:external'] ?? net['router:external']) === true, a['is_default']);
    if (a['router:external'] === false && net['router:external'] === true) {
      // Routers' gateways keep it external.
      const ports = await env.store.list('network_ports', { column: 'network_id', in: [id] });
      if (ports.some((p) => p['device_owner'] === 'network:router_gateway')) {
        throw new NeutronError(409, 'ExternalNetworkInUse', `External network ${id} cannot be updated to be made non-external, since it has existing gateway ports.`);
      }
    }
    if (a['shared'] === false && net['shared'] === true) {
      // Other projects' ports on it keep it shared.
      const ports = await env.store.list('network_ports', { column: 'network_id', in: [id] });
      if (ports.some((p) => p.project_id !== net.project_id)) {
        throw new NeutronError(409, 'InvalidSharedSetting', `Unable to reconfigure sharing settings for network ${id}. Multiple tenants are using it.`);
      }
    }
    const next = revised(env, net, a);
    if (await env.store.replace('network_networks', next)) return next;
    if (attempt > 5) throw new Error(`network ${id} kept changing under an update`);
  }
}

export async function deleteNetwork(env: NetworkEnv, ctx: AuthContext, id: string): Promise<void> {
  await env.store.transact(async (s) => {
    await s.lock('network_networks', id);
    const net = await s.get('network_networks', id);
    if (!net || !canSeeNetwork(ctx, net)) throw networkNotFound(id);
    mayWrite(ctx, net.project_id, 'delete_network');
    // Any port left on the network (Neutron removes only its own DHCP ports) keeps it.
    if ((await s.list('network_ports', { column: 'network_id', in: [id] })).length > 0) throw networkInUse(id);
    await s.removeWhere('network_subnets', 'network_id', id);
    await s.remove('network_networks', id);
  });
}

export async function listNetworks(env: NetworkEnv, ctx: Caller): Promise<Record<string, unknown>[]> {
  const nets = (await env.store.list('network_networks')).filter((n) => canSeeNetwork(ctx, n));
  const subnets = await env.store.list('network_subnets');
  const pools = new Map((await env.store.list('network_subnetpools')).map((p) => [p.id, p]));
  return nets.map((n) => {
    const own = subnets.filter((s) => s['network_id'] === n.id);
    return networkView(n, own.map((s) => s.id), addressScopesOf(own, pools));
  });
}

export async function showNetwork(env: NetworkEnv, ctx: Caller, id: string): Promise<Record<string, unknown>> {
  const net = await visibleNetwork(env, ctx, id);
  const subnets = await env.store.list('network_subnets', { column: 'network_id', in: [id] });
  const poolIds = [...new Set(subnets.map((s) => s['subnetpool_id']).filter((p): p is string => typeof p === 'string'))];
  const pools = new Map((await env.store.list('network_subnetpools', { column: 'id', in: poolIds })).map((p) => [p.id, p]));
  return networkView(net, subnets.map((s) => s.id), addressScopesOf(subnets, pools));
}

