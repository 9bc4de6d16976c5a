// What a create asks of the network service, checked before anything is
// written, as Nova's API checks it (compute/api.py
// _check_requested_networks, network/neutron.py validate_networks): the
// networks and ports exist and may be used, a fixed IP is on its network and
// free, a port is free, and no network at all is named only when the project
// has one network to pick. The result is what the build's host allocates:
// a list of networks (with a fixed IP) and ports, and the security groups of
// the ports it creates. The caller's own token is used, as Nova acts as the user.
import type { NeutronClient } from './client.js';
import { NeutronRequestError } from './client.js';
import { Conflict, Forbidden, Invalid } from '../errors.js';
import { contains, parseCidr, parseIp } from '../../network/ip.js';

/** One entry of a server's `networks`, after the API's format checks. */
export interface NetworkRequestInput {
  readonly uuid?: string;
  readonly port?: string | null;
  readonly fixed_ip?: string;
  readonly tag?: string;
}

/** One port a server's host gives it: a new one on a network, or the user's own. */
export interface NetworkRequest {
  readonly network_id: string;
  readonly port_id?: string;
  readonly fixed_ip?: string;
  readonly tag?: string;
}

/** What the instance row keeps (requested_networks), for the build and for the delete. */
export interface StoredNetworkRequests {
  readonly networks: readonly NetworkRequest[];
  /** Security group ids for the ports the server's host creates; empty = the project's `default`. */
  readonly security_groups: readonly string[];
}

export interface ValidateInput {
  /** `networks` as given: a list, `auto`, `none`, or absent (below 2.37). */
  readonly networks: readonly NetworkRequestInput[] | 'auto' | 'none' | undefined;
  readonly securityGroups: readonly string[];
  readonly projectId: string;
  readonly maxCount: number;
  /** The caller's token: the network service answers as it would the user. */
  readonly token: string | undefined;
  /** `network:attach_external_network` allows the caller to use an external network. */
  readonly mayAttachExternal: boolean;
}

type Json = Record<string, unknown>;

/** The rows' shape of requested_networks: the checked form, or the raw list rows made before ports existed. */
export function storedRequestsOf(text: string): StoredNetworkRequests {
  try {
    const v = JSON.parse(text) as unknown;
    if (v !== null && typeof v === 'object' && !Array.isArray(v) && Array.isArray((v as StoredNetworkRequests).networks)) return v as StoredNetworkRequests;
  } catch {
    // fall through: nothing to allocate
  }
  return { networks: [], security_groups: [] };
}

/** Networks the project may boot on without naming one: its own unshared ones, and the shared ones (Nova's _get_available_networks). */
export async function availableNetworks(client: NeutronClient, projectId: string, token: string | undefined, adminUpOnly = false): Promise<Json[]> {
  const own = await client.list('networks', { tenant_id: projectId, shared: false, ...(adminUpOnly && { admin_state_up: true }) }, token);
  const shared = await client.list('networks', { shared: true }, token);
  return [...own, ...shared];
}

export async function hasExtension(client: NeutronClient, alias: string): Promise<boolean> {
  const body = await client.call('GET', '/extensions');
  return ((body['extensions'] as Json[] | undefined) ?? []).some((e) => e['alias'] === alias);
}

const unableToAutoAllocate = (projectId: string): Invalid => new Invalid(`Unable to automatically allocate a network for project ${projectId}`);

/** `auto`: the project's one network, else a topology the network service makes for it. */
async function autoAllocated(client: NeutronClient, projectId: string, token: string | undefined): Promise<Json> {
  if (!(await hasExtension(client, 'auto-allocated-topology'))) throw unableToAutoAllocate(projectId);
  try {
    const body = await client.call('GET', `/auto-allocated-topology/${encodeURIComponent(projectId)}`, undefined, token !== undefined ? { token } : {});
    const id = (body['auto_allocated_topology'] as Json | undefined)?.['id'];
    const net = typeof id === 'string' ? await client.show('networks', 'network', id, token) : undefined;
    if (!net) throw unableToAutoAllocate(projectId);
    return net;
  } catch (err) {
    if (err instanceof NeutronRequestError && err.status >= 400 && err.status < 500) throw unableToAutoAllocate(projectId);
    throw err;
  }
}

function checkExternal(nets: readonly Json[], mayAttachExternal: boolean): void {
  if (mayAttachExternal) return;
  for (const n of nets) {
    if (n['router:external'] === true && n['shared'] !== true) throw new Forbidden(`It is not allowed to create an interface on external network ${String(n['id'])}`);
  }
}

/** Resolves security group names (or ids) of the caller's project, as Nova's _process_security_groups. */
async function securityGroupIds(client: NeutronClient, names: readonly string[], projectId: string, token: string | undefined): Promise<string[]> {
  // `default` alone is what the network service gives a port anyway; listing as the project makes its own on first use.
  if (names.every((n) => n === 'default')) return [];
  const groups = await client.list('security-groups', { tenant_id: projectId, fields: ['id', 'name'] }, token);
  return names.map((name) => {
    const byId = groups.find((g) => g['id'] === name);
    if (byId) return name;
    const byName = groups.filter((g) => g['name'] === name);
    if (byName.length > 1) throw new Conflict(`Multiple security groups found matching '${name}'. Use an ID to be more specific.`);
    if (byName.length === 0) throw new Invalid(`Security group ${name} not found.`);
    return String(byName[0]!['id']);
  });
}

async function ipOnNetwork(client: NeutronClient, networkId: string, ip: string, token: string | undefined): Promise<boolean> {
  const addr = parseIp(ip);
  if (!addr) return false;
  const subnets = await client.list('subnets', { network_id: networkId }, token);
  return subnets.some((s) => {
    const cidr = parseCidr(String(s['cidr']));
    return cidr !== null && contains(cidr, addr.version, addr.value);
  });
}

export async function validateRequestedNetworks(client: NeutronClient, input: ValidateInput): Promise<StoredNetworkRequests> {
  const { networks, projectId, token } = input;
  // Checked first and whatever the networks, as Nova's _check_requested_secgroups.
  const security_groups = await securityGroupIds(client, input.securityGroups, projectId, token);
  if (networks === 'none') return { networks: [], security_groups };
  const list = Array.isArray(networks) ? networks : [];
  if (input.maxCount > 1) {
    if (list.some((n) => n.port))
      throw new Invalid(
        'Failed to launch instances: Unable to launch multiple instances with a single configured port ID. Please launch your instance one by one with different ports.',
      );
    if (list.some((n) => !n.port && n.uuid !== undefined && n.fixed_ip !== undefined))
      throw new Invalid('Failed to launch instances: max_count cannot be greater than 1 if an fixed_ip is specified.');
  }

  if (list.length === 0) {
    const auto = networks === 'auto';
    const nets = await availableNetworks(client, projectId, token, auto);
    if (nets.length > 1) throw new Conflict('Multiple possible networks found, use a Network ID to be more specific.');
    if (nets.length === 0 && !auto) return { networks: [], security_groups };
    const net = nets[0] ?? (await autoAllocated(client, projectId, token));
    checkExternal([net], input.mayAttachExternal);
    return { networks: [{ network_id: String(net['id']) }], security_groups };
  }

  const out: NetworkRequest[] = [];
  const netIds: string[] = [];
  for (const r of list) {
    if (r.port) {
      const port = await client.show('ports', 'port', r.port, token);
      if (!port) throw new Invalid(`Port id ${r.port} could not be found.`);
      if (port['device_id']) throw new Conflict(`Port ${r.port} is still in use.`);
      if (((port['fixed_ips'] as unknown[] | undefined) ?? []).length === 0) throw new Invalid(`Port ${r.port} requires a FixedIP in order to be used.`);
      if (port['project_id'] !== projectId) throw new Invalid(`Port ${r.port} not usable for instance.`);
      out.push({ network_id: String(port['network_id']), port_id: r.port, ...(r.tag !== undefined && { tag: r.tag }) });
      continue;
    }
    const networkId = r.uuid!;
    if (r.fixed_ip !== undefined) {
      const holders = await client.list('ports', { network_id: networkId, fixed_ips: `ip_address=${r.fixed_ip}`, fields: ['device_id'] }, token);
      if (holders.length > 0) throw new Invalid(`Fixed IP address ${r.fixed_ip} is already in use on instance ${String(holders[0]!['device_id'] ?? '')}.`);
    }
    netIds.push(networkId);
    out.push({ network_id: networkId, ...(r.fixed_ip !== undefined && { fixed_ip: r.fixed_ip }), ...(r.tag !== undefined && { tag: r.tag }) });
  }

  const wanted = [...new Set(out.map((r) => r.network_id))];
  const nets = await client.list('networks', { id: wanted }, token);
  for (const n of nets) {
    if (netIds.includes(String(n['id'])) && ((n['subnets'] as unknown[] | undefined) ?? []).length === 0)
      throw new Invalid(`Network ${String(n['id'])} requires a subnet in order to boot instances on.`);
  }
  const lost = [...new Set(netIds)].filter((id) => !nets.some((n) => n['id'] === id));
  if (lost.length > 0) throw new Invalid(`Network ${lost.join(', ')} could not be found.`);
  for (const r of out) {
    if (r.fixed_ip !== undefined && !(await ipOnNetwork(client, r.network_id, r.fixed_ip, token)))
      throw new Invalid(`Fixed IP ${r.fixed_ip} is not a valid ip address for network ${r.network_id}.`);
  }
  checkExternal(nets, input.mayAttachExternal);
  return { networks: out, security_groups };
}
