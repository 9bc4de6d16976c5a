// injectNetworkInfo: re-plumb the guest's network on its host. Nothing is
// recorded and no state changes; the host's agent does the work.
import type { InstanceRow } from '../db/schema.js';
import { checkLock } from './guards.js';
import { InstanceNotReady } from './errors.js';
import type { ComputeService, Requester } from './service.js';

export async function injectNetworkInfo(svc: ComputeService, who: Requester, inst: InstanceRow): Promise<void> {
  checkLock(inst, who.isAdmin);
  // Nova casts to a host of None and answers 500; a server that never got a
  // host (or was offloaded) has nothing to inject into, which is a conflict.
  if (inst.host === null) throw new InstanceNotReady(inst.uuid);
  await svc.bus.cast(`compute.${inst.host}`, 'inject_network_info', { instance_uuid: inst.uuid }, { requestId: who.requestId });
}
