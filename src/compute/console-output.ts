// Reading a server's console log: it lives on the server's host, so the
// server needs one (409 `Instance <id> is not ready` without), and that host
// has to answer. A host that is down or silent is a 409, not a long wait
// ending in a 500.
import type { InstanceRow } from '../db/schema.js';
import { MessagingTimeout } from '../rpc/bus.js';
import { InstanceNotReady, ServiceUnavailable } from './errors.js';
import { hostIsUp } from './guards.js';
import type { ComputeService } from './service.js';

/** `length`: lines from the end (null = all), as the client sent it. */
export async function getConsoleOutput(svc: ComputeService, requestId: string, inst: InstanceRow, length: number | string | null): Promise<string> {
  if (inst.host === null) throw new InstanceNotReady(inst.uuid);
  if (!(await hostIsUp(svc, inst.host))) throw new ServiceUnavailable();
  try {
    const out = await svc.bus.call(`compute.${inst.host}`, 'get_console_output', { instance_uuid: inst.uuid, tail_length: length }, { requestId });
    return typeof out === 'string' ? out : '';
  } catch (err) {
    if (err instanceof MessagingTimeout) throw new ServiceUnavailable();
    throw err;
  }
}
