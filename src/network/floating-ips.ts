// Floating IPs (Neutron's l3 floatingips): an address on an external
// network, held by a `network:floatingip` port, and optionally associated
// with a fixed IPv4 address of a project port — which needs a router with a
// gateway on that external network and an interface on the port's subnet.
import { randomUUID } from 'node:crypto';
import type { AuthContext } from '../identity/validator.js';
import { canSeeNetwork, canSeePort, isAdmin, mayWrite, readsProject, type Caller } from './access.js';
import { NeutronError, badResourceRequest, floatingIpNotFound, invalidAttr, networkNotFound, policyDenied, portNotFound } from './errors.js';
import { born, revised, type NetworkEnv } from './env.js';
import { canonicalIp, parseIp } from './ip.js';
import { addServicePort, removeServicePort, withRetries } from './ports.js';
import { checkQuota } from './quotas.js';
import { STANDARD_ATTRIBUTES, checkedAttributes, resourceBody, uuid, type AttributeSpec } from './request.js';
import { routerBetween } from './routers.js';
import type { NetworkStore, Resource } from './store.js';
import { tagsOf } from './tags.js';

export const FLOATING_IP_OWNER = 'network:floatingip';

function ipAddress(v: unknown, attr: string): string {
  const ip = typeof v === 'string' ? canonicalIp(v) : null;
  if (ip === null) throw invalidAttr(attr, `'${String(v)}' is not a valid IP address`);
  return ip;
}

const orNull =
  (check: (v: unknown, attr: string) => unknown) =>
  (v: unknown, attr: string): unknown =>
    v === null ? null : check(v, attr);

// Floating IPs have no name.
const { name: _name, ...STANDARD_WITHOUT_NAME } = STANDARD_ATTRIBUTES;

const ATTRIBUTES: Readonly<Record<string, AttributeSpec>> = {
  ...STANDARD_WITHOUT_NAME,
  floating_network_id: { post: true, put: false, required: true, check: uuid },
  floating_ip_address: { post: true, put: false, check: ipAddress },
  subnet_id: { post: true, put: false, check: orNull(uuid) },
  port_id: { post: true, put: true, check: orNull(uuid) },
  fixed_ip_address: { post: true, put: true, check: orNull(ipAddress) },
};

export const FLOATING_IP_FIELDS = [
  'id', 'tenant_id', 'project_id', 'floating_ip_address', 'floating_network_id', 'router_id', 'port_id', 'fixed_ip_address', 'status',
  'description', 'tags', 'created_at', 'updated_at', 'revision_number',
];

export function floatingIpView(f: Resource): Record<string, unknown> {
  return {
    id: f.id,
    tenant_id: f.project_id,
    project_id: f.project_id,
    floating_ip_address: f['floating_ip_address'],
    floating_network_id: f['floating_network_id'],
    router_id: f['router_id'] ?? null,
    port_id: f['port_id'] ?? null,
    fixed_ip_address: f['fixed_ip_address'] ?? null,
    // Up while it forwards to a port.
    status: f['port_id'] ? 'ACTIVE' : 'DOWN',
    description: f['description'],
    tags: tagsOf(f),
    created_at: f.created_at,
    updated_at: f.updated_at,
    revision_number: f.revision_number,
  };
}

interface Association {
  readonly port_id: string | null;
  readonly fixed_ip_address: string | null;
  readonly router_id: string | null;
}

const NONE: Association = { port_id: null, fixed_ip_address: null, router_id: null };

/** Where a floating IP of `projectId` on `externalId` would forward to: the port's fixed IPv4 address and the router between. */
async function association(s: NetworkStore, ctx: Caller, fipId: string, projectId: string, externalId: string, portId: string, fixed: string | undefined): Promise<Association> {
  // Held until commit: a concurrent association of the same address, or the port's deletion, waits.
  await s.lock('network_ports', portId);
  const port = await s.get('network_ports', portId);
  const portNet = port ? await s.get('network_networks', port['network_id'] as string) : undefined;
  if (!port || !canSeePort(ctx, port, portNet)) throw portNotFound(portId);
  if (port.project_id !== projectId && !isAdmin(ctx)) {
    throw badResourceRequest('floatingip', `Cannot process floating IP association with Port ${portId}, since that port is owned by a different project`);
  }
  const ips = await s.allocations({ portIds: [portId] });
  let chosen;
  if (fixed !== undefined) {
    if (parseIp(fixed)?.version !== 4) throw badResourceRequest('floatingip', `Cannot process floating IP association with ${fixed}, since that is not an IPv4 address`);
    chosen = ips.find((x) => x.ip_address === fixed);
    if (!chosen) throw badResourceRequest('floatingip', `Port ${portId} does not have fixed ip ${fixed}`);
  } else {
    const v4 = ips.filter((x) => parseIp(x.ip_address)?.version === 4);
    if (v4.length === 0) throw badResourceRequest('floatingip', `Cannot add floating IP to port ${portId} that has no fixed IPv4 addresses`);
    if (v4.length > 1) {
      throw badResourceRequest('floatingip', `Port ${portId} has multiple fixed IPv4 addresses.  Must provide a specific IPv4 address when assigning a floating IP`);
    }
    chosen = v4[0]!;
  }
  const subnet = (await s.get('network_subnets', chosen.subnet_id))!;
  const routerId = await routerBetween(s, subnet, externalId);
  if (routerId === undefined) {
    throw new NeutronError(404, 'ExternalGatewayForFloatingIPNotFound',
      `External network ${externalId} is not reachable from subnet ${subnet.id}.  Therefore, cannot associate Port ${portId} with a Floating IP.`);
  }
  const taken = (await s.list('network_floatingips')).find(
    (f) => f.id !== fipId && f['floating_network_id'] === externalId && f['port_id'] === portId && f['fixed_ip_address'] === chosen.ip_address,
  );
  if (taken) {
    throw new NeutronError(409, 'FloatingIPPortAlreadyAssociated',
      `Cannot associate floating IP ${taken['floating_ip_address'] as string} (${taken.id}) with port ${portId} using fixed IP ${chosen.ip_address}, as that fixed IP already has a floating IP on external network ${externalId}.`);
  }
  return { port_id: portId, fixed_ip_address: chosen.ip_address, router_id: routerId };
}

export async function createFloatingIp(env: NetworkEnv, ctx: AuthContext, body: unknown): Promise<Record<string, unknown>> {
  const a = checkedAttributes(resourceBody(body, 'floatingip'), ATTRIBUTES, 'POST');
  const projectId = (a['project_id'] as string | undefined) ?? ctx.projectId;
  mayWrite(ctx, projectId, 'create_floatingip');
  // create_floatingip:floating_ip_address: admins and project managers.
  if ('floating_ip_address' in a && !isAdmin(ctx) && !(ctx.roles.includes('manager') && ctx.projectId === projectId)) {
    throw policyDenied('create_floatingip:floating_ip_address');
  }
  const netId = a['floating_network_id'] as string;
  const net = await env.store.get('network_networks', netId);
  if (!net || !canSeeNetwork(ctx, net)) throw networkNotFound(netId);
  if (net['router:external'] !== true) throw badResourceRequest('floatingip', `Network ${netId} is not a valid external network`);
  const v4 = (await env.store.list('network_subnets', { column: 'network_id', in: [netId] })).filter((sn) => sn['ip_version'] === 4);
  if (v4.length === 0) throw badResourceRequest('floatingip', `Network ${netId} does not contain any IPv4 subnet`);
  if (a['fixed_ip_address'] && !a['port_id']) throw badResourceRequest('floatingip', 'fixed_ip_address cannot be specified without a port_id');
  await checkQuota(env, projectId, 'floatingip');
  const id = randomUUID();
  const made = await withRetries(netId, () =>
    env.store.transact(async (s) => {
      await s.lock('network_networks', netId);
      if (!(await s.get('network_networks', netId))) throw networkNotFound(netId);
      const assoc = a['port_id']
        ? await association(s, ctx, id, projectId, netId, a['port_id'] as string, (a['fixed_ip_address'] as string | null) ?? undefined)
        : NONE;
      const address = await floatingAddress(env, s, net, v4, id, a);
      const fip: Resource = {
        ...born(env, id, projectId),
        description: a['description'] ?? '',
        floating_network_id: netId,
        floating_ip_address: address.ip,
        floating_port_id: address.portId,
        ...assoc,
      };
      await s.insert('network_floatingips', fip);
      return fip;
    }),
  );
  env.compute?.portsChanged([made['port_id'] as string | null]);
  return floatingIpView(made);
}

/** The floating address: the one asked for, or the first free one of the asked (or any) IPv4 subnet. */
async function floatingAddress(env: NetworkEnv, s: NetworkStore, net: Resource, v4: readonly Resource[], fipId: string, a: Record<string, unknown>): Promise<{ ip: string; portId: string }> {
  const spec = { projectId: '', deviceId: fipId, deviceOwner: FLOATING_IP_OWNER };
  const asked = a['floating_ip_address'] as string | undefined;
  const subnetId = a['subnet_id'] as string | null | undefined;
  if (asked !== undefined || subnetId) {
    const { port, ips } = await addServicePort(env, s, net, { ...spec, fixedIps: [{ ...(subnetId ? { subnet_id: subnetId } : {}), ...(asked ? { ip_address: asked } : {}) }] });
    return { ip: ips[0]!.ip_address, portId: port.id };
  }
  for (const sn of v4) {
    try {
      const { port, ips } = await addServicePort(env, s, net, { ...spec, fixedIps: [{ subnet_id: sn.id }] });
      return { ip: ips[0]!.ip_address, portId: port.id };
    } catch (err) {
      if (!(err instanceof NeutronError && err.type === 'IpAddressGenerationFailure')) throw err;
      // The port row made before the pool ran out goes with the transaction's next attempt; drop it here.
      await s.removeWhere('network_ports', 'device_id', fipId);
    }
  }
  throw new NeutronError(400, 'ExternalIpAddressExhausted', `Unable to find any IP address on external network ${net.id}.`);
}

export async function visibleFloatingIp(env: NetworkEnv, ctx: Caller, id: string, s: NetworkStore = env.store): Promise<Resource> {
  const f = await s.get('network_floatingips', id);
  if (!f || !readsProject(ctx, f.project_id)) throw floatingIpNotFound(id);
  return f;
}

export async function showFloatingIp(env: NetworkEnv, ctx: Caller, id: string): Promise<Record<string, unknown>> {
  return floatingIpView(await visibleFloatingIp(env, ctx, id));
}

export async function listFloatingIps(env: NetworkEnv, ctx: Caller): Promise<Record<string, unknown>[]> {
  return (await env.store.list('network_floatingips')).filter((f) => readsProject(ctx, f.project_id)).map(floatingIpView);
}

export async function updateFloatingIp(env: NetworkEnv, ctx: AuthContext, id: string, body: unknown): Promise<Record<string, unknown>> {
  const a = checkedAttributes(resourceBody(body, 'floatingip'), ATTRIBUTES, 'PUT');
  const f = await visibleFloatingIp(env, ctx, id);
  mayWrite(ctx, f.project_id, 'update_floatingip');
  if (a['fixed_ip_address'] && !a['port_id']) throw badResourceRequest('floatingip', 'fixed_ip_address cannot be specified without a port_id');
  const next = await env.store.transact(async (s) => {
    await s.lock('network_floatingips', id);
    const current = await visibleFloatingIp(env, ctx, id, s);
    let assoc: Partial<Association> = {};
    if ('port_id' in a) {
      assoc = a['port_id'] === null
        ? NONE
        : await association(s, ctx, id, current.project_id, current['floating_network_id'] as string, a['port_id'] as string, (a['fixed_ip_address'] as string | null) ?? undefined);
    }
    const updated = revised(env, current, { ...('description' in a ? { description: a['description'] } : {}), ...assoc });
    await s.replace('network_floatingips', updated);
    return { updated, before: current['port_id'] as string | null };
  });
  // The servers that gained or lost the address see it in their network info.
  if ('port_id' in a) env.compute?.portsChanged([next.before, next.updated['port_id'] as string | null]);
  return floatingIpView(next.updated);
}

export async function deleteFloatingIp(env: NetworkEnv, ctx: AuthContext, id: string): Promise<void> {
  const f = await visibleFloatingIp(env, ctx, id);
  mayWrite(ctx, f.project_id, 'delete_floatingip');
  await env.store.transact(async (s) => {
    await s.lock('network_floatingips', id);
    const current = await s.get('network_floatingips', id);
    if (!current) throw floatingIpNotFound(id);
    await removeServicePort(s, current['floating_port_id'] as string);
    await s.remove('network_floatingips', id);
  });
  env.compute?.portsChanged([f['port_id'] as string | null]);
}
