// Reading a server's diagnostics: the figures live with its guest, so the
// server needs a host (409 `Instance <id> is not ready` without) and that
// host has to answer; a host that is down or silent is a 409, not a long
// wait ending in a 500. `standard` picks the 2.48 form over the free form.
import type { InstanceRow } from '../db/schema.js';
import { MessagingTimeout } from '../rpc/bus.js';
import { InstanceNotReady, ServiceUnavailable } from './errors.js';
import { hostIsUp } from './guards.js';
import type { ComputeService } from './service.js';

export async function getDiagnostics(svc: ComputeService, requestId: string, inst: InstanceRow, standard: boolean): Promise<Record<string, unknown>> {
  if (inst.host === null) throw new InstanceNotReady(inst.uuid);
  if (!(await hostIsUp(svc, inst.host))) throw new ServiceUnavailable();
  const method = standard ? 'get_instance_diagnostics' : 'get_diagnostics';
  try {
    const out = await svc.bus.call(`compute.${inst.host}`, method, { instance_uuid: inst.uuid }, { requestId });
    return out !== null && typeof out === 'object' && !Array.isArray(out) ? (out as Record<string, unknown>) : {};
  } catch (err) {
    if (err instanceof MessagingTimeout) throw new ServiceUnavailable();
    throw err;
  }
}
