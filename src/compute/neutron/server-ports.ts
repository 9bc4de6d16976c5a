// A server's ports, as Nova's compute manager handles them through Neutron:
// made (or the user's own taken) for a build on a host, bound to the host the
// server lives on after a move, and deleted (or given back unbound) when it
// goes. Every step is found from the ports the network service lists for the
// server's device id, so a step run again after a crash finds its own work
// done and finishes the rest. The service user acts throughout, since these
// steps run on a host long after the user's request.
import type { Kysely } from 'kysely';
import type { Database, InstanceRow } from '../../db/schema.js';
import type { Config } from '../../config/config.js';
import type { Db } from '../../db/connect.js';
import type { Clock } from '../clock.js';
import { neutronFor } from './shared-client.js';
import { aggregateZone, aggregatesOfHosts } from '../../db/aggregates.js';
import { infoCacheOf, saveInfoCache, type InfoCache } from '../../db/info-caches.js';
import { NeutronRequestError, type NeutronClient } from './client.js';
import { buildNetworkInfo, type Vif } from './network-info.js';
import { hasExtension, storedRequestsOf } from './requested-networks.js';

type Json = Record<string, unknown>;

export interface PortsEnv {
  readonly client: NeutronClient;
  readonly db: Kysely<Database>;
  readonly conf: Config;
  readonly now: () => Date;
}

/** The ports environment of a role (the compute service, a host's agent). */
export function portsEnvOf(role: { readonly conf: Config; readonly db: Db; readonly clock: Clock }): PortsEnv {
  return { client: neutronFor(role.conf), db: role.db.kysely, conf: role.conf, now: () => role.clock.now() };
}

/** The zone a host is in: its aggregates' zone, else the default one. */
export async function hostZoneOf(db: Kysely<Database>, conf: Config, host: string): Promise<string> {
  const zone = (await aggregatesOfHosts(db, [host])).map(aggregateZone).find((z) => z);
  return zone ?? conf.str('DEFAULT', 'default_availability_zone');
}

export const portsOfServer = (client: NeutronClient, uuid: string): Promise<Json[]> => client.list('ports', { device_id: uuid });

const updatePort = (client: NeutronClient, id: string, port: Json): Promise<Json> => client.call('PUT', `/ports/${id}`, { port });

/** Ports the user passed in: kept (only unbound) when the server goes. */
async function preexistingPorts(env: PortsEnv, inst: Pick<InstanceRow, 'uuid' | 'requested_networks'>): Promise<Set<string>> {
  const ids = new Set(storedRequestsOf(inst.requested_networks).networks.flatMap((r) => (r.port_id ? [r.port_id] : [])));
  for (const vif of (await infoCacheOf(env.db, inst.uuid)).networkInfo) if (vif.preserve_on_delete) ids.add(vif.id);
  return ids;
}

/**
 * The server's ports on `host`: the user's own ports claimed, one new port per
 * requested network (the project's `default` group, or the requested ones),
 * all bound to the host. Ports an earlier try made are reused, not doubled.
 */
export async function allocateForServer(env: PortsEnv, inst: InstanceRow, host: string): Promise<Vif[]> {
  const { client } = env;
  const stored = storedRequestsOf(inst.requested_networks);
  // No network to allocate on (`none`, or none was found at create): as in Nova, no call to the network service.
  if (stored.networks.length === 0) {
    await saveInfoCache(env.db, inst.uuid, { networkInfo: [], securityGroups: [] }, env.now());
    return [];
  }
  const zone = inst.availability_zone ?? (await hostZoneOf(env.db, env.conf, host));
  const owner = `compute:${zone}`;
  const existing = await portsOfServer(client, inst.uuid);
  const userPorts = new Set(stored.networks.flatMap((r) => (r.port_id ? [r.port_id] : [])));
  const reusable = existing.filter((p) => !userPorts.has(String(p['id'])));
  const order: string[] = [];
  const tags = new Map<string, string>();
  for (const r of stored.networks) {
    if (r.port_id) {
      await updatePort(client, r.port_id, { device_id: inst.uuid, device_owner: owner, 'binding:host_id': host });
      order.push(r.port_id);
      if (r.tag !== undefined) tags.set(r.port_id, r.tag);
      continue;
    }
    const i = reusable.findIndex((p) => p['network_id'] === r.network_id);
    if (i >= 0) {
      const p = reusable.splice(i, 1)[0]!;
      if (p['binding:host_id'] !== host) await updatePort(client, String(p['id']), { 'binding:host_id': host });
      order.push(String(p['id']));
      if (r.tag !== undefined) tags.set(String(p['id']), r.tag);
      continue;
    }
    const body = await client.call('POST', '/ports', {
      port: {
        network_id: r.network_id,
        project_id: inst.project_id,
        device_id: inst.uuid,
        device_owner: owner,
        'binding:host_id': host,
        ...(r.fixed_ip !== undefined && { fixed_ips: [{ ip_address: r.fixed_ip }] }),
        ...(stored.security_groups.length > 0 && { security_groups: [...stored.security_groups] }),
      },
    });
    const id = String((body['port'] as Json)['id']);
    order.push(id);
    if (r.tag !== undefined) tags.set(id, r.tag);
  }
  return refreshInfoCache(env, inst, { order, tags });
}

/** Rebuilds the server's info cache from its ports as the network service has them now. */
export interface RefreshOptions {
  /** Port ids in the order the VIFs are listed (others follow in the cache's order). */
  readonly order?: readonly string[];
  /** Ports the user brought after the boot (os-interface): kept when the server goes. */
  readonly alsoPreserved?: readonly string[];
  /** Device tags of new ports (networks' `tag`, os-interface's); a port keeps the tag it had. */
  readonly tags?: ReadonlyMap<string, string>;
}

export async function refreshInfoCache(env: PortsEnv, inst: Pick<InstanceRow, 'uuid' | 'requested_networks'>, opts: RefreshOptions = {}): Promise<Vif[]> {
  const { client } = env;
  const order = opts.order ?? [];
  const before = (await infoCacheOf(env.db, inst.uuid)).networkInfo;
  const previous = before.map((v) => v.id);
  const rank = (id: string): number => {
    const i = order.indexOf(id);
    if (i >= 0) return i;
    const j = previous.indexOf(id);
    return j >= 0 ? order.length + j : Number.MAX_SAFE_INTEGER;
  };
  const ports = (await portsOfServer(client, inst.uuid)).sort((a, b) => rank(String(a['id'])) - rank(String(b['id'])));
  const preserved = await preexistingPorts(env, inst);
  for (const id of opts.alsoPreserved ?? []) preserved.add(id);
  const oldTags = new Map(before.flatMap((v) => (typeof v.meta['tag'] === 'string' ? [[v.id, v.meta['tag']] as const] : [])));
  const info = (await buildNetworkInfo(client, ports, preserved)).map((v) => {
    const tag = opts.tags?.get(v.id) ?? oldTags.get(v.id);
    return tag === undefined ? v : { ...v, meta: { ...v.meta, tag } };
  });
  const groupIds = [...new Set(ports.flatMap((p) => (p['security_groups'] as string[] | undefined) ?? []))];
  const groups = groupIds.length === 0 ? [] : await client.list('security-groups', { id: groupIds, fields: ['id', 'name'] });
  const cache: InfoCache = { networkInfo: info, securityGroups: [...new Set(groups.map((g) => String(g['name'])))] };
  await saveInfoCache(env.db, inst.uuid, cache, env.now());
  return info;
}

/**
 * After a change to a server's ports made at the API (a floating IP, a
 * security group), as Nova's refresh_cache does: the cache follows, and a
 * refresh that fails leaves the change made (the next refresh catches up).
 */
export async function refreshAfterPortChange(
  svc: { readonly conf: Config; readonly db: Db; readonly clock: Clock; readonly log: { warn(o: object, m: string): void } },
  inst: Pick<InstanceRow, 'uuid' | 'requested_networks'>,
): Promise<void> {
  await refreshInfoCache(portsEnvOf(svc), inst).catch((err: unknown) => svc.log.warn({ err, instance: inst.uuid }, 'could not refresh the network info cache'));
}

/**
 * The server's ports go with it: those made for it are deleted, the user's
 * own are unbound and left. Found by device id, so a second run (a delete
 * again, start-up recovery) finishes what a first one left.
 */
export async function deallocateForServer(env: PortsEnv, inst: Pick<InstanceRow, 'uuid' | 'requested_networks'>): Promise<void> {
  const { client } = env;
  const keep = await preexistingPorts(env, inst);
  for (const p of await portsOfServer(client, inst.uuid)) {
    const id = String(p['id']);
    try {
      if (keep.has(id)) await updatePort(client, id, { device_id: '', device_owner: '', 'binding:host_id': '', 'binding:profile': {} });
      else await client.call('DELETE', `/ports/${id}`);
    } catch (err) {
      // Gone meanwhile: what this step wanted.
      if (!(err instanceof NeutronRequestError && err.status === 404)) throw err;
    }
  }
  await saveInfoCache(env.db, inst.uuid, { networkInfo: [], securityGroups: [] }, env.now());
}

/** Binds each of the server's ports to `host` (a move that finished or was reverted), and refreshes the cache. */
export async function bindPortsToHost(env: PortsEnv, inst: Pick<InstanceRow, 'uuid' | 'requested_networks'>, host: string): Promise<Vif[]> {
  for (const p of await portsOfServer(env.client, inst.uuid)) {
    if (p['binding:host_id'] !== host) await updatePort(env.client, String(p['id']), { 'binding:host_id': host });
  }
  return refreshInfoCache(env, inst);
}

// ---- live migration: Neutron's multiple port bindings when it has them.

/** Whether the network service serves per-host port bindings (`binding-extended`). */
export const hasBindingExtended = (env: PortsEnv): Promise<boolean> => hasExtension(env.client, 'binding-extended');

const ignoring = async (statuses: readonly number[], fn: () => Promise<unknown>): Promise<void> => {
  try {
    await fn();
  } catch (err) {
    if (!(err instanceof NeutronRequestError && statuses.includes(err.status))) throw err;
  }
};

/**
 * Pre-live-migration, on the destination: an inactive binding there for each
 * port, so the source's stays active until the guest switches over. A
 * binding left there by an earlier try that was not rolled back is made
 * again, so the destination plugs it (and the network service reports it
 * plugged) for this one. Nothing without the extension; says whether
 * bindings were made.
 */
export async function bindPortsOnDestination(env: PortsEnv, uuid: string, dest: string): Promise<boolean> {
  if (!(await hasBindingExtended(env))) return false;
  let bound = false;
  for (const p of await portsOfServer(env.client, uuid)) {
    if (p['binding:host_id'] === dest) continue;
    const id = encodeURIComponent(String(p['id']));
    const binding = { binding: { host: dest, vnic_type: p['binding:vnic_type'] ?? 'normal', profile: p['binding:profile'] ?? {} } };
    try {
      await env.client.call('POST', `/ports/${id}/bindings`, binding);
    } catch (err) {
      if (!(err instanceof NeutronRequestError && err.status === 409)) throw err;
      await ignoring([404], () => env.client.call('DELETE', `/ports/${id}/bindings/${encodeURIComponent(dest)}`));
      await ignoring([409], () => env.client.call('POST', `/ports/${id}/bindings`, binding));
    }
    bound = true;
  }
  return bound;
}

/**
 * The guest switched over to `dest`: its bindings there are activated and the
 * source's dropped (with the extension), or each port's binding:host_id is
 * set to `dest` (without it, as Nova does then). Run again, it finds the work done.
 */
export async function activatePortsOnDestination(env: PortsEnv, inst: Pick<InstanceRow, 'uuid' | 'requested_networks'>, source: string, dest: string): Promise<Vif[]> {
  if (!(await hasBindingExtended(env))) return bindPortsToHost(env, inst, dest);
  for (const p of await portsOfServer(env.client, inst.uuid)) {
    const id = encodeURIComponent(String(p['id']));
    if (p['binding:host_id'] !== dest) {
      // 404: no binding there (made before the port was the server's); the host is set instead.
      try {
        await env.client.call('PUT', `/ports/${id}/bindings/${encodeURIComponent(dest)}/activate`);
      } catch (err) {
        if (!(err instanceof NeutronRequestError)) throw err;
        if (err.status === 404) await updatePort(env.client, String(p['id']), { 'binding:host_id': dest });
        else if (err.status !== 409) throw err;
      }
    }
    if (source !== '' && source !== dest) await ignoring([404, 409], () => env.client.call('DELETE', `/ports/${id}/bindings/${encodeURIComponent(source)}`));
  }
  return refreshInfoCache(env, inst);
}

/** A live migration that did not switch over: the destination's inactive bindings go. */
export async function dropDestinationBindings(env: PortsEnv, uuid: string, dest: string): Promise<void> {
  if (!(await hasBindingExtended(env))) return;
  for (const p of await portsOfServer(env.client, uuid)) {
    // The active binding is the server's own: never dropped here.
    if (p['binding:host_id'] === dest) continue;
    await ignoring([404, 409], () => env.client.call('DELETE', `/ports/${encodeURIComponent(String(p['id']))}/bindings/${encodeURIComponent(dest)}`));
  }
}

// ---- os-interface

/** One more port for the server on `host`: a new one on the network, or the user's own. */
export async function attachPort(
  env: PortsEnv,
  inst: InstanceRow,
  host: string,
  req: { readonly networkId: string; readonly portId?: string | undefined; readonly fixedIp?: string | undefined; readonly tag?: string | undefined },
): Promise<{ portId: string; networkInfo: Vif[] }> {
  const zone = inst.availability_zone ?? (await hostZoneOf(env.db, env.conf, host));
  const binding = { device_id: inst.uuid, device_owner: `compute:${zone}`, 'binding:host_id': host };
  let portId = req.portId;
  if (portId !== undefined) {
    await updatePort(env.client, portId, binding);
  } else {
    const body = await env.client.call('POST', '/ports', {
      port: { network_id: req.networkId, project_id: inst.project_id, ...binding, ...(req.fixedIp !== undefined && { fixed_ips: [{ ip_address: req.fixedIp }] }) },
    });
    portId = String((body['port'] as Json)['id']);
  }
  const previous = (await infoCacheOf(env.db, inst.uuid)).networkInfo.map((v) => v.id);
  const networkInfo = await refreshInfoCache(env, inst, {
    order: [...previous, portId],
    alsoPreserved: req.portId !== undefined ? [req.portId] : [],
    ...(req.tag !== undefined && { tags: new Map([[portId, req.tag]]) }),
  });
  return { portId, networkInfo };
}

/** Takes one port off the server: deleted when it was made for it, unbound when the user brought it. */
export async function detachPort(env: PortsEnv, inst: Pick<InstanceRow, 'uuid' | 'requested_networks'>, portId: string): Promise<Vif[]> {
  const keep = await preexistingPorts(env, inst);
  try {
    if (keep.has(portId)) await updatePort(env.client, portId, { device_id: '', device_owner: '', 'binding:host_id': '', 'binding:profile': {} });
    else await env.client.call('DELETE', `/ports/${encodeURIComponent(portId)}`);
  } catch (err) {
    if (!(err instanceof NeutronRequestError && err.status === 404)) throw err;
  }
  return refreshInfoCache(env, inst);
}
