// Routers (Neutron's router and ext-gw-mode extensions): a gateway on an
// external network, which holds a `network:router_gateway` port there, and
// interfaces on project subnets, each a `network:router_interface` port
// holding the subnet's gateway address (or a port the project gives). A
// router and its ports are written in one transaction.
import { randomUUID } from 'node:crypto';
import type { AuthContext } from '../identity/validator.js';
import { adminOnly, canSeeNetwork, isAdmin, mayWrite, readsProject, type Caller } from './access.js';
import { NeutronError, badResourceRequest, networkNotFound, portNotFound, routerInUse, routerNotFound, subnetNotFound } from './errors.js';
import { born, revised, type NetworkEnv } from './env.js';
import { cidrText, contains, networkOf, overlaps, parseIp } from './ip.js';
import { addServicePort, fixedIps, reallocatePort, removeServicePort, withRetries, type FixedIpRequest } from './ports.js';
import { checkQuota } from './quotas.js';
import { STANDARD_ATTRIBUTES, bool, checkedAttributes, dict, resourceBody, uuid, type AttributeSpec } from './request.js';
import type { IpAllocation, NetworkStore, Resource } from './store.js';
import { subnetCidr, visibleSubnet } from './subnets.js';
import { tagsOf } from './tags.js';

export const ROUTER_GATEWAY = 'network:router_gateway';
export const ROUTER_INTERFACE = 'network:router_interface';

/** A router's gateway as stored: the external network, SNAT, and the port holding its addresses. */
export interface Gateway {
  readonly network_id: string;
  readonly enable_snat: boolean;
  readonly port_id: string;
}

interface GatewayRequest {
  readonly network_id?: string;
  readonly enable_snat?: boolean;
  readonly external_fixed_ips?: FixedIpRequest[];
}

function gatewayInfo(v: unknown, attr: string): GatewayRequest | null {
  if (v === null) return null;
  const o = dict(v, attr);
  const extra = Object.keys(o).filter((k) => !['network_id', 'enable_snat', 'external_fixed_ips'].includes(k));
  if (extra.length > 0) throw badResourceRequest('router', `Unexpected keys supplied: ${extra.join(', ')}`);
  // `{}` clears the gateway, as null does.
  if (Object.keys(o).length === 0) return null;
  if (!('network_id' in o)) throw badResourceRequest('router', 'Validation of dictionary\'s keys failed. Expected keys: {\'network_id\'}');
  return {
    network_id: uuid(o['network_id'], 'network_id'),
    ...('enable_snat' in o ? { enable_snat: bool(o['enable_snat'], 'enable_snat') } : {}),
    ...('external_fixed_ips' in o ? { external_fixed_ips: fixedIps(o['external_fixed_ips'], 'external_fixed_ips') } : {}),
  };
}

interface Route {
  readonly destination: string;
  readonly nexthop: string;
}

/** `routes` (extraroute): destination CIDRs and next hops, each once. */
function routesList(v: unknown): Route[] {
  // null is no routes, as Neutron converts it.
  if (v === null) return [];
  const invalid = (why: string) => badResourceRequest('router', `Invalid input for routes. Reason: ${why}`);
  if (!Array.isArray(v)) throw invalid(`'${JSON.stringify(v)}' is not a list`);
  const out: Route[] = [];
  for (const r of v) {
    if (r === null || typeof r !== 'object' || Array.isArray(r)) throw invalid(`'${JSON.stringify(r)}' is not a dictionary`);
    const o = r as Record<string, unknown>;
    const extra = Object.keys(o).filter((k) => k !== 'destination' && k !== 'nexthop');
    if (extra.length > 0 || !('destination' in o) || !('nexthop' in o)) throw invalid("Validation of dictionary's keys failed. Expected keys: {'destination', 'nexthop'}");
    const cidr = typeof o['destination'] === 'string' ? networkOf(o['destination']) : null;
    if (!cidr || cidrText(cidr) !== o['destination']) throw invalid(`'${String(o['destination'])}' is not a valid IP subnet`);
    if (typeof o['nexthop'] !== 'string' || !parseIp(o['nexthop'])) throw invalid(`'${String(o['nexthop'])}' is not a valid IP address`);
    const route = { destination: o['destination'], nexthop: o['nexthop'] };
    if (out.some((x) => x.destination === route.destination && x.nexthop === route.nexthop)) throw invalid(`Duplicate items in the list: '${JSON.stringify(route)}'`);
    out.push(route);
  }
  return out;
}

const ATTRIBUTES: Readonly<Record<string, AttributeSpec>> = {
  ...STANDARD_ATTRIBUTES,
  admin_state_up: { post: true, put: true, check: bool },
  external_gateway_info: { post: true, put: true, check: gatewayInfo },
  // Set on update only, as Neutron's extraroute takes them.
  routes: { post: false, put: true, check: routesList },
};

/** Each route's next hop must be on a subnet the router has an interface on. */
async function checkRoutes(s: NetworkStore, routerId: string, routes: readonly Route[]): Promise<void> {
  const ports = await interfacePorts(s, routerId);
  const subnetIds = [...new Set((await s.allocations({ portIds: ports.map((p) => p.id) })).map((a) => a.subnet_id))];
  const subnets = await s.list('network_subnets', { column: 'id', in: subnetIds });
  for (const r of routes) {
    const hop = parseIp(r.nexthop)!;
    if (!subnets.some((sn) => contains(subnetCidr(sn), hop.version, hop.value))) {
      throw new NeutronError(400, 'InvalidRoutes', `Invalid format for routes: ${JSON.stringify([r])}, the nexthop is not connected with router`);
    }
  }
}

export const ROUTER_FIELDS = [
  'id', 'name', 'tenant_id', 'project_id', 'admin_state_up', 'status', 'external_gateway_info', 'routes', 'description', 'tags', 'created_at', 'updated_at',
  'revision_number',
];

export const gatewayOf = (r: Resource): Gateway | null => (r['gateway'] as Gateway | null | undefined) ?? null;

export function routerView(r: Resource, ips: readonly IpAllocation[]): Record<string, unknown> {
  const gw = gatewayOf(r);
  return {
    id: r.id,
    name: r['name'],
    tenant_id: r.project_id,
    project_id: r.project_id,
    admin_state_up: r['admin_state_up'],
    status: 'ACTIVE',
    external_gateway_info: gw && {
      network_id: gw.network_id,
      enable_snat: gw.enable_snat,
      external_fixed_ips: ips.filter((a) => a.port_id === gw.port_id).map((a) => ({ subnet_id: a.subnet_id, ip_address: a.ip_address })),
    },
    routes: (r['routes'] as Route[] | undefined) ?? [],
    description: r['description'],
    tags: tagsOf(r),
    created_at: r.created_at,
    updated_at: r.updated_at,
    revision_number: r.revision_number,
  };
}

async function viewOf(env: NetworkEnv, r: Resource): Promise<Record<string, unknown>> {
  const gw = gatewayOf(r);
  return routerView(r, gw ? await env.store.allocations({ portIds: [gw.port_id] }) : []);
}

export async function visibleRouter(env: NetworkEnv, ctx: Caller, id: string, s: NetworkStore = env.store): Promise<Resource> {
  const r = await s.get('network_routers', id);
  if (!r || !readsProject(ctx, r.project_id)) throw routerNotFound(id);
  return r;
}

/** The external network a gateway goes on, as the caller may see it. */
async function externalNetwork(env: NetworkEnv, ctx: Caller, gw: GatewayRequest, rule: string): Promise<Resource> {
  if (gw.enable_snat !== undefined) adminOnly(ctx, `${rule}:external_gateway_info:enable_snat`);
  if (gw.external_fixed_ips !== undefined) adminOnly(ctx, `${rule}:external_gateway_info:external_fixed_ips`);
  const net = await env.store.get('network_networks', gw.network_id!);
  if (!net || !canSeeNetwork(ctx, net)) throw networkNotFound(gw.network_id!);
  if (net['router:external'] !== true) throw badResourceRequest('router', `Network ${net.id} is not an external network`);
  return net;
}

/** Makes the gateway port on `net` in the caller's transaction. */
async function addGateway(env: NetworkEnv, s: NetworkStore, routerId: string, net: Resource, gw: GatewayRequest): Promise<Gateway> {
  await s.lock('network_networks', net.id);
  if (!(await s.get('network_networks', net.id))) throw networkNotFound(net.id);
  // The gateway port belongs to no project, as Neutron makes it.
  const { port } = await addServicePort(env, s, net, { projectId: '', deviceId: routerId, deviceOwner: ROUTER_GATEWAY, fixedIps: gw.external_fixed_ips });
  return { network_id: net.id, enable_snat: gw.enable_snat ?? true, port_id: port.id };
}

export async function createRouter(env: NetworkEnv, ctx: AuthContext, body: unknown, id: string = randomUUID()): Promise<Record<string, unknown>> {
  const a = checkedAttributes(resourceBody(body, 'router'), ATTRIBUTES, 'POST');
  const projectId = (a['project_id'] as string | undefined) ?? ctx.projectId;
  mayWrite(ctx, projectId, 'create_router');
  const gw = a['external_gateway_info'] as GatewayRequest | null | undefined;
  const net = gw ? await externalNetwork(env, ctx, gw, 'create_router') : undefined;
  await checkQuota(env, projectId, 'router');
  const router: Resource = {
    ...born(env, id, projectId),
    name: a['name'] ?? '',
    description: a['description'] ?? '',
    admin_state_up: a['admin_state_up'] ?? true,
    gateway: null,
  };
  const made = await withRetries(net?.id ?? '', () =>
    env.store.transact(async (s) => {
      const withGw = gw && net ? { ...router, gateway: await addGateway(env, s, id, net, gw) } : router;
      await s.insert('network_routers', withGw);
      return withGw;
    }),
  );
  return viewOf(env, made);
}

export async function showRouter(env: NetworkEnv, ctx: Caller, id: string): Promise<Record<string, unknown>> {
  return viewOf(env, await visibleRouter(env, ctx, id));
}

export async function listRouters(env: NetworkEnv, ctx: Caller): Promise<Record<string, unknown>[]> {
  const routers = (await env.store.list('network_routers')).filter((r) => readsProject(ctx, r.project_id));
  const ips = await env.store.allocations({ portIds: routers.flatMap((r) => gatewayOf(r)?.port_id ?? []) });
  return routers.map((r) => routerView(r, ips));
}

/** Floating IPs routed through this router: they need its gateway and their subnet's interface. */
async function floatingIpsVia(s: NetworkStore, routerId: string): Promise<Resource[]> {
  return (await s.list('network_floatingips')).filter((f) => f['router_id'] === routerId);
}

export async function updateRouter(env: NetworkEnv, ctx: AuthContext, id: string, body: unknown): Promise<Record<string, unknown>> {
  const a = checkedAttributes(resourceBody(body, 'router'), ATTRIBUTES, 'PUT');
  const current = await visibleRouter(env, ctx, id);
  mayWrite(ctx, current.project_id, 'update_router');
  const { external_gateway_info: _gw, ...plain } = a;
  const changesGateway = 'external_gateway_info' in a;
  const gw = a['external_gateway_info'] as GatewayRequest | null | undefined;
  const net = gw ? await externalNetwork(env, ctx, gw, 'update_router') : undefined;
  const next = await withRetries(net?.id ?? '', () =>
    env.store.transact(async (s) => {
      await s.lock('network_routers', id);
      const r = await s.get('network_routers', id);
      if (!r) throw routerNotFound(id);
      if (a['routes'] !== undefined) await checkRoutes(s, id, a['routes'] as Route[]);
      let gateway = gatewayOf(r);
      if (changesGateway) {
        const sameNetwork = gateway !== null && gw != null && gateway.network_id === gw.network_id;
        if (sameNetwork) {
          if (gw.external_fixed_ips !== undefined) {
            await s.lock('network_networks', net!.id);
            await reallocatePort(s, net!, gateway!.port_id, gw.external_fixed_ips);
          }
          gateway = { ...gateway!, enable_snat: gw.enable_snat ?? gateway!.enable_snat };
        } else {
          if (gateway !== null) {
            if ((await floatingIpsVia(s, id)).length > 0) {
              throw new NeutronError(409, 'RouterExternalGatewayInUseByFloatingIp',
                `Gateway cannot be updated for router ${id}, since a gateway to external network ${gateway.network_id} is required by one or more floating IPs.`);
            }
            await removeServicePort(s, gateway.port_id);
          }
          // The external network's subnets may not overlap the router's interfaces.
          if (gw && net) await checkNewSubnets(s, id, null, await s.list('network_subnets', { column: 'network_id', in: [net.id] }));
          gateway = gw && net ? await addGateway(env, s, id, net, gw) : null;
        }
      }
      const updated = revised(env, r, { ...plain, gateway });
      await s.replace('network_routers', updated);
      return updated;
    }),
  );
  return viewOf(env, next);
}

async function interfacePorts(s: NetworkStore, routerId: string): Promise<Resource[]> {
  return (await s.list('network_ports', { column: 'device_id', in: [routerId] })).filter((p) => p['device_owner'] === ROUTER_INTERFACE);
}

export async function deleteRouter(env: NetworkEnv, ctx: AuthContext, id: string): Promise<void> {
  const r = await visibleRouter(env, ctx, id);
  mayWrite(ctx, r.project_id, 'delete_router');
  await env.store.transact(async (s) => {
    await s.lock('network_routers', id);
    const current = await s.get('network_routers', id);
    if (!current) throw routerNotFound(id);
    const attached = await interfacePorts(s, id);
    if (attached.length > 0) throw routerInUse(id, `has ports still attached: ${attached.map((p) => p.id).join(', ')}`);
    const gw = gatewayOf(current);
    if (gw) await removeServicePort(s, gw.port_id);
    await s.remove('network_routers', id);
  });
}

interface InterfaceRequest {
  readonly subnet_id?: string;
  readonly port_id?: string;
}

function interfaceRequest(body: unknown, forRemoval: boolean): InterfaceRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw badResourceRequest('router', 'Either subnet_id or port_id must be specified');
  const o = body as Record<string, unknown>;
  const out: { subnet_id?: string; port_id?: string } = {};
  for (const key of ['port_id', 'subnet_id'] as const) {
    if (!(key in o)) continue;
    if (typeof o[key] !== 'string' || !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(o[key] as string)) {
      throw badResourceRequest('router', `'${String(o[key])}' is not a valid UUID`);
    }
    out[key] = o[key] as string;
  }
  if (out.port_id === undefined && out.subnet_id === undefined) throw badResourceRequest('router', 'Either subnet_id or port_id must be specified');
  if (!forRemoval && out.port_id !== undefined && out.subnet_id !== undefined) throw badResourceRequest('router', 'Cannot specify both subnet-id and port-id');
  return out;
}

const interfaceInfo = (router: Resource, port: Resource, ips: readonly IpAllocation[]): Record<string, unknown> => {
  const subnetIds = ips.map((x) => x.subnet_id);
  return {
    id: router.id, tenant_id: router.project_id, project_id: router.project_id, port_id: port.id, network_id: port['network_id'],
    subnet_id: subnetIds[0], subnet_ids: subnetIds,
  };
};

/**
 * A router may have one port per subnet, and the subnets it is on — its
 * interfaces' and every subnet of its gateway's network — may not overlap
 * the new ones, as Neutron checks for an interface or a gateway added.
 */
async function checkNewSubnets(s: NetworkStore, routerId: string, gateway: Gateway | null, subnets: readonly Resource[]): Promise<void> {
  const interfaces = (await interfacePorts(s, routerId)).map((p) => p.id);
  const ips = await s.allocations({ portIds: gateway ? [...interfaces, gateway.port_id] : interfaces });
  const newIds = new Set(subnets.map((sn) => sn.id));
  const taken = ips.find((x) => newIds.has(x.subnet_id));
  if (taken) throw badResourceRequest('router', `Router already has a port on subnet ${taken.subnet_id}`);
  const onRouter = [...new Set(ips.filter((x) => interfaces.includes(x.port_id)).map((x) => x.subnet_id))];
  const existing = [
    ...(await s.list('network_subnets', { column: 'id', in: onRouter })),
    ...(gateway ? await s.list('network_subnets', { column: 'network_id', in: [gateway.network_id] }) : []),
  ];
  for (const other of existing) {
    for (const sn of subnets) {
      if (overlaps(subnetCidr(other), subnetCidr(sn))) {
        throw badResourceRequest('router', `Cidr ${sn['cidr'] as string} of subnet ${sn.id} overlaps with cidr ${other['cidr'] as string} of subnet ${other.id}`);
      }
    }
  }
}

export async function addRouterInterface(env: NetworkEnv, ctx: AuthContext, id: string, body: unknown): Promise<Record<string, unknown>> {
  const req = interfaceRequest(body, false);
  const router = await visibleRouter(env, ctx, id);
  mayWrite(ctx, router.project_id, 'add_router_interface');
  if (req.subnet_id !== undefined) {
    const subnet = await visibleSubnet(env, ctx, req.subnet_id);
    const net = (await env.store.get('network_networks', subnet['network_id'] as string))!;
    if (subnet['gateway_ip'] === null) throw badResourceRequest('router', 'Subnet for router interface must have a gateway IP');
    if (subnet.project_id !== ctx.projectId && !isAdmin(ctx) && net['shared'] !== true) {
      throw badResourceRequest('router', `Cannot add interface to router because subnet ${subnet.id} is not owned by project making the request`);
    }
    return withRetries(net.id, () =>
      env.store.transact(async (s) => {
        await s.lock('network_routers', id);
        const current = await s.get('network_routers', id);
        if (!current) throw routerNotFound(id);
        await s.lock('network_networks', net.id);
        if (!(await s.get('network_subnets', subnet.id))) throw subnetNotFound(subnet.id);
        await checkNewSubnets(s, id, gatewayOf(current), [subnet]);
        const { port, ips } = await addServicePort(env, s, net, {
          projectId: subnet.project_id, deviceId: id, deviceOwner: ROUTER_INTERFACE, fixedIps: [{ subnet_id: subnet.id, ip_address: subnet['gateway_ip'] as string }],
        });
        return interfaceInfo(router, port, ips);
      }),
    );
  }
  return env.store.transact(async (s) => {
    await s.lock('network_routers', id);
    const current = await s.get('network_routers', id);
    if (!current) throw routerNotFound(id);
    await s.lock('network_ports', req.port_id!);
    const port = await s.get('network_ports', req.port_id!);
    if (!port || !readsProject(ctx, port.project_id)) throw portNotFound(req.port_id!);
    if (port['device_id'] !== '') {
      throw new NeutronError(409, 'PortInUse',
        `Unable to complete operation on port ${port.id} for network ${port['network_id'] as string}. Port already has an attached device ${port['device_id'] as string}.`);
    }
    const ips = await s.allocations({ portIds: [port.id] });
    if (ips.length === 0) throw badResourceRequest('router', 'Router port must have at least one fixed IP');
    const subnets = (await Promise.all([...new Set(ips.map((x) => x.subnet_id))].map((sid) => s.get('network_subnets', sid)))).filter((x): x is Resource => !!x);
    if (subnets.filter((sn) => sn['ip_version'] === 4).length > 1) throw badResourceRequest('router', 'Cannot have multiple IPv4 subnets on router port');
    await checkNewSubnets(s, id, gatewayOf(current), subnets);
    await s.replace('network_ports', revised(env, port, { device_id: id, device_owner: ROUTER_INTERFACE }));
    return interfaceInfo(router, port, ips);
  });
}

export async function removeRouterInterface(env: NetworkEnv, ctx: AuthContext, id: string, body: unknown): Promise<Record<string, unknown>> {
  const req = interfaceRequest(body, true);
  const router = await visibleRouter(env, ctx, id);
  mayWrite(ctx, router.project_id, 'remove_router_interface');
  return env.store.transact(async (s) => {
    await s.lock('network_routers', id);
    const ports = await interfacePorts(s, id);
    const ips = await s.allocations({ portIds: ports.map((p) => p.id) });
    let port: Resource | undefined;
    if (req.port_id !== undefined) {
      port = ports.find((p) => p.id === req.port_id);
      if (!port) throw new NeutronError(404, 'RouterInterfaceNotFound', `Router ${id} does not have an interface with id ${req.port_id}`);
      if (req.subnet_id !== undefined && !ips.some((x) => x.port_id === port!.id && x.subnet_id === req.subnet_id)) {
        throw new NeutronError(400, 'SubnetMismatchForPort', `Subnet on port ${req.port_id} does not match the requested subnet ${req.subnet_id}.`);
      }
    } else {
      const hit = ips.find((x) => x.subnet_id === req.subnet_id);
      if (!hit) throw new NeutronError(404, 'RouterInterfaceNotFoundForSubnet', `Router ${id} has no interface on subnet ${req.subnet_id!}`);
      port = ports.find((p) => p.id === hit.port_id)!;
    }
    const portIps = ips.filter((x) => x.port_id === port!.id);
    // Floating IPs reach their ports through this interface.
    for (const x of portIps) {
      const subnet = await s.get('network_subnets', x.subnet_id);
      const used = (await floatingIpsVia(s, id)).some((f) => {
        const fixed = typeof f['fixed_ip_address'] === 'string' ? parseIp(f['fixed_ip_address']) : null;
        return subnet !== undefined && fixed !== null && contains(subnetCidr(subnet), fixed.version, fixed.value);
      });
      if (used) {
        throw new NeutronError(409, 'RouterInterfaceInUseByFloatingIP',
          `Router interface for subnet ${x.subnet_id} on router ${id} cannot be deleted, as it is required by one or more floating IPs.`);
      }
    }
    await removeServicePort(s, port.id);
    return interfaceInfo(router, port, portIps);
  });
}

/** The router that routes `subnetId` to external network `externalId`, preferring one holding the subnet's gateway address. */
export async function routerBetween(s: NetworkStore, subnet: Resource, externalId: string): Promise<string | undefined> {
  const routers = new Map((await s.list('network_routers')).filter((r) => gatewayOf(r)?.network_id === externalId).map((r) => [r.id, r]));
  const ports = (await s.list('network_ports', { column: 'network_id', in: [subnet['network_id'] as string] }))
    .filter((p) => p['device_owner'] === ROUTER_INTERFACE && routers.has(p['device_id'] as string));
  const ips = (await s.allocations({ portIds: ports.map((p) => p.id) })).filter((x) => x.subnet_id === subnet.id);
  const portRouter = (portId: string): string => ports.find((p) => p.id === portId)!['device_id'] as string;
  const atGateway = ips.find((x) => x.ip_address === subnet['gateway_ip']);
  if (atGateway) return portRouter(atGateway.port_id);
  return ips[0] ? portRouter(ips[0].port_id) : undefined;
}
