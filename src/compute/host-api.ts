// The host requests of the deprecated os-hosts API: enable/disable a host,
// maintenance mode, and power actions. Each is passed to the host's agent,
// whose simulated hypervisor accepts it and changes nothing, as Nova's fake
// driver does; the host's compute service is not touched (os-services does
// that). Hosts are named by their compute service.
import type { ComputeService } from './service.js';
import type { MessageArgs } from '../rpc/bus.js';
import { Invalid, NotFound } from './errors.js';
import { computeServiceOfHost } from '../db/compute-nodes.js';
import { serviceIsUp } from './service-liveness.js';

/** A request to a host that does not answer must not hold the API up for long. */
const HOST_CALL_TIMEOUT_MS = 3000;

export type HostPowerAction = 'startup' | 'shutdown' | 'reboot';

/** Nova's host mapping: a host is known to the API once it has a compute service. */
export async function checkHostMapped(svc: ComputeService, host: string): Promise<void> {
  if (!(await computeServiceOfHost(svc.db.kysely, host))) throw new NotFound(`Host '${host}' is not mapped to any cell`);
}

async function callHost(svc: ComputeService, host: string, method: string, args: MessageArgs, requestId: string): Promise<unknown> {
  await checkHostMapped(svc, host);
  const service = await computeServiceOfHost(svc.db.kysely, host);
  const unavailable = new Invalid(`Compute service of ${host} is unavailable at this time.`);
  if (!service || !serviceIsUp(service, svc.clock.now(), svc.serviceDownTime)) throw unavailable;
  try {
    const timeoutMs = Math.min(HOST_CALL_TIMEOUT_MS, svc.conf.num('DEFAULT', 'rpc_response_timeout') * 1000);
    return await svc.bus.call(`compute.${host}`, method, args, { timeoutMs, requestId });
  } catch {
    throw unavailable;
  }
}

/** 'enabled' or 'disabled', as the host's hypervisor answers. */
export async function setHostEnabled(svc: ComputeService, host: string, enabled: boolean, requestId: string): Promise<unknown> {
  return callHost(svc, host, 'set_host_enabled', { enabled }, requestId);
}

/** 'on_maintenance' or 'off_maintenance', as the host's hypervisor answers. */
export async function setHostMaintenance(svc: ComputeService, host: string, mode: boolean, requestId: string): Promise<unknown> {
  return callHost(svc, host, 'host_maintenance_mode', { mode }, requestId);
}

/** The action's name, as the host's hypervisor answers. */
export async function hostPowerAction(svc: ComputeService, host: string, action: HostPowerAction, requestId: string): Promise<unknown> {
  return callHost(svc, host, 'host_power_action', { action }, requestId);
}
