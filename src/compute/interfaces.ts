// os-interface: a server's ports as interface attachments, and attaching or
// detaching one while it runs (Nova's attach_interface/detach_interface).
// What can be refused is checked here with the caller's token, with Nova's
// faults for this API (a missing port or network is a 404 here, a port or
// address in use a 409); the server's host then makes or binds the port and
// refreshes the network info cache, as Nova's compute manager does.
import type { InstanceRow } from '../db/schema.js';
import { recordAction } from '../db/instance-actions.js';
import { infoCacheOf } from '../db/info-caches.js';
import { MessagingTimeout } from '../rpc/bus.js';
import { Conflict, Forbidden, Invalid, InstanceNotReady, NotFound, ServiceUnavailable } from './errors.js';
import { checkLock, checkState, hostIsUp, type StateGuard } from './guards.js';
import { VmState } from './states.js';
import type { ComputeService, Requester } from './service.js';
import { neutronFor } from './neutron/shared-client.js';
import { NeutronRequestError } from './neutron/client.js';
import { availableNetworks } from './neutron/requested-networks.js';
import { portsOfServer } from './neutron/server-ports.js';

type Json = Record<string, unknown>;

const GUARD: StateGuard = { vmStates: [VmState.ACTIVE, VmState.PAUSED, VmState.STOPPED], mustBeLaunched: false };

export interface AttachRequest {
  readonly networkId?: string;
  readonly portId?: string;
  readonly fixedIp?: string;
  readonly tag?: string;
}

/** Device tags of the server's ports, as its network info cache keeps them (os-interface from 2.70). */
export async function interfaceTags(svc: ComputeService, inst: InstanceRow): Promise<Map<string, string>> {
  const info = (await infoCacheOf(svc.db.kysely, inst.uuid)).networkInfo;
  return new Map(info.flatMap((v) => (typeof v.meta['tag'] === 'string' ? [[v.id, v.meta['tag']] as const] : [])));
}

/** The server's ports, as GET os-interface lists them. */
export async function serverInterfaces(svc: ComputeService, inst: InstanceRow, token: string | undefined): Promise<Json[]> {
  return neutronFor(svc.conf).list('ports', { device_id: inst.uuid }, token);
}

/** One port of the server; 404 when the port is unknown or another server's. */
export async function serverInterface(svc: ComputeService, inst: InstanceRow, portId: string, token: string | undefined): Promise<Json> {
  let port: Json | undefined;
  try {
    port = await neutronFor(svc.conf).show('ports', 'port', portId, token);
  } catch (err) {
    // An id the network service cannot even read names no port.
    if (!(err instanceof NeutronRequestError && err.status === 400)) throw err;
  }
  if (!port) throw new NotFound(`Port id ${portId} could not be found.`);
  if (port['device_id'] !== inst.uuid) throw new NotFound(`Instance ${inst.uuid} does not have a port with id ${portId}`);
  return port;
}

async function onHost<T>(svc: ComputeService, inst: InstanceRow, fn: (host: string) => Promise<T>): Promise<T> {
  if (inst.host === null) throw new InstanceNotReady(inst.uuid);
  if (!(await hostIsUp(svc, inst.host))) throw new ServiceUnavailable();
  try {
    return await fn(inst.host);
  } catch (err) {
    if (err instanceof MessagingTimeout) throw new ServiceUnavailable();
    throw err;
  }
}

/** Attaches a new port on a network, or the user's own port; answers the port's id once the host has it. */
export async function attachInterface(svc: ComputeService, who: Requester, inst: InstanceRow, req: AttachRequest, opts: { token: string | undefined; mayAttachExternal: boolean }): Promise<string> {
  checkLock(inst, who.isAdmin);
  checkState(inst, 'attach_interface', GUARD);
  const client = neutronFor(svc.conf);
  const { token } = opts;
  let networkId = req.networkId;
  if (req.portId !== undefined) {
    const port = await client.show('ports', 'port', req.portId, token);
    if (!port) throw new NotFound(`Port id ${req.portId} could not be found.`);
    if (port['device_id']) throw new Conflict(`Port ${req.portId} is still in use.`);
    networkId = String(port['network_id']);
  } else if (networkId === undefined) {
    const nets = await availableNetworks(client, inst.project_id, token);
    if (nets.length === 0) throw new Invalid(`No specific network was requested and none are available for project '${inst.project_id}'.`);
    if (nets.length > 1) throw new Invalid('Multiple possible networks found, use a Network ID to be more specific.');
    networkId = String(nets[0]!['id']);
  }
  const net = await client.show('networks', 'network', networkId!, token);
  if (!net) throw new NotFound(`Network ${networkId} could not be found.`);
  if (!opts.mayAttachExternal && net['router:external'] === true && net['shared'] !== true)
    throw new Forbidden(`It is not allowed to create an interface on external network ${networkId}`);
  if (req.fixedIp !== undefined) {
    const holders = await client.list('ports', { network_id: networkId!, fixed_ips: `ip_address=${req.fixedIp}`, fields: ['device_id'] }, token);
    if (holders.length > 0) throw new Conflict(`Fixed IP address ${req.fixedIp} is already in use on instance ${String(holders[0]!['device_id'] ?? '')}.`);
  }
  return onHost(svc, inst, async (host) => {
    await recordAction(svc.db.kysely, { action: 'attach_interface', instanceUuid: inst.uuid, requestId: who.requestId, userId: who.userId, projectId: who.projectId }, svc.clock.now());
    const portId = await svc.bus.call(
      `compute.${host}`,
      'attach_interface',
      { instance_uuid: inst.uuid, network_id: networkId!, port_id: req.portId ?? null, fixed_ip: req.fixedIp ?? null, tag: req.tag ?? null },
      { requestId: who.requestId },
    );
    return String(portId);
  });
}

/** Detaches one of the server's ports: the host deletes it (made for the server) or unbinds it (the user's). */
export async function detachInterface(svc: ComputeService, who: Requester, inst: InstanceRow, portId: string): Promise<void> {
  checkLock(inst, who.isAdmin);
  checkState(inst, 'detach_interface', GUARD);
  const ports = await portsOfServer(neutronFor(svc.conf), inst.uuid);
  if (!ports.some((p) => p['id'] === portId)) throw new NotFound(`Port id ${portId} could not be found.`);
  await onHost(svc, inst, async (host) => {
    await recordAction(svc.db.kysely, { action: 'detach_interface', instanceUuid: inst.uuid, requestId: who.requestId, userId: who.userId, projectId: who.projectId }, svc.clock.now());
    await svc.bus.cast(`compute.${host}`, 'detach_interface', { instance_uuid: inst.uuid, port_id: portId }, { requestId: who.requestId });
  });
}
