// Floating IPs as Nova handles them on top of the network service, with the
// user's token: pools are the external networks; an allocation names a pool
// (or `[neutron] default_floating_pool`); a floating IP comes back with its
// network (the pool's name) and its port (the server it forwards to); Nova's
// reading of each of Neutron's refusals.
import { isIP } from 'node:net';
import { Conflict, Forbidden, Invalid, NotFound } from '../errors.js';
import { NeutronRequestError } from './client.js';
import type { NeutronJson, UserNeutron } from './as-user.js';
import { isUuidLike } from './security-groups.js';

/** A floating IP with what Nova's views need beside it. */
export interface FloatingIpDetails {
  readonly fip: NeutronJson;
  readonly network: NeutronJson;
  /** The port it forwards to, or null. */
  readonly port: NeutronJson | null;
}

const isStatus = (err: unknown, status: number): err is NeutronRequestError => err instanceof NeutronRequestError && err.status === status;

export function listPools(n: UserNeutron): Promise<NeutronJson[]> {
  return n.list('networks', { 'router:external': true });
}

/** Floating IPs of a filter; none when the network service has no L3 API (404), as Nova tolerates. */
async function safeList(n: UserNeutron, query: Readonly<Record<string, string>>): Promise<NeutronJson[]> {
  try {
    return await n.list('floatingips', query);
  } catch (err) {
    if (isStatus(err, 404)) return [];
    throw err;
  }
}

async function portOf(n: UserNeutron, fip: NeutronJson): Promise<NeutronJson | null> {
  if ('port_details' in fip) return (fip['port_details'] as NeutronJson | null) ?? null;
  const portId = fip['port_id'] as string | null | undefined;
  if (!portId) return null;
  try {
    return ((await n.call('GET', `/ports/${encodeURIComponent(portId)}`))['port'] as NeutronJson | undefined) ?? null;
  } catch (err) {
    if (isStatus(err, 404)) return null;
    throw err;
  }
}

async function detailsOf(n: UserNeutron, fip: NeutronJson): Promise<FloatingIpDetails> {
  const netId = fip['floating_network_id'] as string;
  let network: NeutronJson;
  try {
    network = (await n.call('GET', `/networks/${encodeURIComponent(netId)}`))['network'] as NeutronJson;
  } catch (err) {
    if (isStatus(err, 404)) throw new NotFound(`Network ${netId} could not be found.`);
    throw err;
  }
  return { fip, network, port: await portOf(n, fip) };
}

/** One floating IP by id; NotFound with Nova's message when the user cannot see it (or its network). */
export async function getFloatingIp(n: UserNeutron, id: string): Promise<FloatingIpDetails> {
  const notFound = new NotFound(`Floating IP not found for ID ${id}`);
  let fip: NeutronJson;
  try {
    fip = (await n.call('GET', `/floatingips/${encodeURIComponent(id)}`))['floatingip'] as NeutronJson;
  } catch (err) {
    if (isStatus(err, 404)) throw notFound;
    throw err;
  }
  try {
    return await detailsOf(n, fip);
  } catch (err) {
    if (err instanceof NotFound) throw notFound;
    throw err;
  }
}

/** The floating IP of an address; FloatingIpNotFoundForAddress / ...MultipleFound as Nova raises them. */
async function byAddress(n: UserNeutron, address: string): Promise<NeutronJson> {
  const fips = address ? await safeList(n, { floating_ip_address: address }) : [];
  if (fips.length === 0) throw new NotFound(`Floating IP not found for address ${address}.`);
  if (fips.length > 1) throw new Conflict(`Multiple floating IPs are found for address ${address}.`);
  return fips[0]!;
}

/** The project's floating IPs, each with its network and port. */
export async function listFloatingIps(n: UserNeutron, projectId: string): Promise<FloatingIpDetails[]> {
  const fips = await safeList(n, { tenant_id: projectId });
  if (fips.length === 0) return [];
  const netIds = [...new Set(fips.map((f) => f['floating_network_id'] as string))];
  const networks = new Map((await n.list('networks', { id: netIds })).map((net) => [net['id'] as string, net]));
  const needPorts = fips.some((f) => !('port_details' in f));
  const ports = needPorts ? new Map((await n.list('ports', { tenant_id: projectId })).map((p) => [p['id'] as string, p])) : new Map<string, NeutronJson>();
  return fips.map((fip) => {
    const netId = fip['floating_network_id'] as string;
    const network = networks.get(netId);
    if (!network) throw new NotFound(`Network ${netId} could not be found.`);
    const port = 'port_details' in fip ? ((fip['port_details'] as NeutronJson | null) ?? null) : (ports.get(fip['port_id'] as string) ?? null);
    return { fip, network, port };
  });
}

/** The id of the external network a pool name (or id) names. */
async function poolId(n: UserNeutron, nameOrId: string): Promise<string> {
  const query: Record<string, string | boolean> = { 'router:external': true, fields: 'id' };
  if (isUuidLike(nameOrId)) query['id'] = nameOrId;
  else query['name'] = nameOrId;
  const nets = await n.list('networks', query);
  if (nets.length === 1) return nets[0]!['id'] as string;
  if (nets.length === 0) throw new NotFound('Floating IP pool not found.');
  throw new Conflict(`Multiple floating IP pools matches found for name '${nameOrId}'`);
}

/**
 * Allocates a floating IP from `pool` (the request's), or from the default
 * pool when the request names none; Nova's messages name the pool only when
 * the request did.
 */
export async function allocateFloatingIp(n: UserNeutron, pool: string | null, defaultPool: string): Promise<FloatingIpDetails> {
  const netId = await poolId(n, pool || defaultPool);
  let made: NeutronJson;
  try {
    made = (await n.call('POST', '/floatingips', { floatingip: { floating_network_id: netId } }))['floatingip'] as NeutronJson;
  } catch (err) {
    if (err instanceof NeutronRequestError) {
      if (err.type === 'IpAddressGenerationFailure' || err.type === 'ExternalIpAddressExhausted')
        throw new NotFound(pool ? `No more floating IPs in pool ${pool}.` : 'No more floating IPs available.');
      if (err.type === 'OverQuota') throw new Forbidden(pool ? `IP allocation over quota in pool ${pool}.` : 'IP allocation over quota.');
      if (err.status === 400) throw new Invalid(err.message);
    }
    throw err;
  }
  return detailsOf(n, await byAddress(n, made['floating_ip_address'] as string));
}

/** The server a floating IP forwards to (its port's device), or null. */
export async function serverIdOfAddress(n: UserNeutron, address: string): Promise<string | null> {
  const fip = await byAddress(n, address);
  if (!fip['port_id']) return null;
  const port = await portOf(n, { port_id: fip['port_id'] });
  return port ? ((port['device_id'] as string | undefined) || null) : null;
}

/** Releases a floating IP, associated or not. */
export async function releaseFloatingIp(n: UserNeutron, address: string): Promise<void> {
  const fip = await byAddress(n, address);
  try {
    await n.call('DELETE', `/floatingips/${encodeURIComponent(fip['id'] as string)}`);
  } catch (err) {
    if (isStatus(err, 404)) throw new NotFound(`Floating IP not found for address ${address}.`);
    throw err;
  }
}

/** A server's ports (device owner `compute:*`) and their fixed addresses. */
export async function serverFixedIps(n: UserNeutron, serverId: string): Promise<{ ports: number; ips: Array<{ portId: string; address: string }> }> {
  const ports = (await n.list('ports', { device_id: serverId })).filter((p) => String(p['device_owner'] ?? '').startsWith('compute:'));
  const ips = ports.flatMap((p) => ((p['fixed_ips'] as Array<{ ip_address: string }> | undefined) ?? []).map((ip) => ({ portId: p['id'] as string, address: ip.ip_address })));
  return { ports: ports.length, ips };
}

export function isIpv4(address: string): boolean {
  return isIP(address) === 4;
}

/**
 * Points the floating IP at `address` on `portId`. Nova answers a conflict
 * as a failed association (400); any other failure as a 400 naming the
 * addresses, except a floating IP it cannot find (404) and a refusal (403).
 */
export async function associateFloatingIp(n: UserNeutron, serverId: string, floating: string, portId: string, fixed: string): Promise<void> {
  let fip: NeutronJson;
  try {
    fip = await byAddress(n, floating);
  } catch (err) {
    if (err instanceof NotFound) throw new NotFound('floating IP not found');
    throw new Invalid(`Unable to associate floating IP ${floating} to fixed IP ${fixed} for instance ${serverId}. Error: ${(err as Error).message}`);
  }
  try {
    await n.call('PUT', `/floatingips/${encodeURIComponent(fip['id'] as string)}`, { floatingip: { port_id: portId, fixed_ip_address: fixed } });
  } catch (err) {
    if (isStatus(err, 409)) throw new Invalid(err.message);
    if (isStatus(err, 403)) throw new Forbidden(err.message);
    throw new Invalid(`Unable to associate floating IP ${floating} to fixed IP ${fixed} for instance ${serverId}. Error: ${(err as Error).message}`);
  }
}

export async function disassociateFloatingIp(n: UserNeutron, address: string): Promise<NeutronJson> {
  const fip = await byAddress(n, address);
  await n.call('PUT', `/floatingips/${encodeURIComponent(fip['id'] as string)}`, { floatingip: { port_id: null } });
  return fip;
}

/** The floating IP of an address, for removeFloatingIp (404 with Nova's lower-case message). */
export async function floatingIpByAddress(n: UserNeutron, address: string): Promise<NeutronJson> {
  try {
    return await byAddress(n, address);
  } catch (err) {
    if (err instanceof NotFound) throw new NotFound('floating IP not found');
    throw err;
  }
}
