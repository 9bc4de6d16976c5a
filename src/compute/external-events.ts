// External events a server's host waits for (Neutron's network-vif-plugged
// and -unplugged): cast to the agent of the host the server is on, one
// message per host, as Nova's compute API casts external_instance_event.
import type { Json } from '../rpc/bus.js';
import type { ComputeService } from './service.js';

/** The events the compute API hands on to hosts rather than handling itself. */
export const HOST_EVENTS: ReadonlySet<string> = new Set(['network-vif-plugged', 'network-vif-unplugged']);

export interface HostEvent {
  readonly instance_uuid: string;
  readonly name: string;
  readonly tag: string | null;
  readonly status: string;
}

export async function castHostEvents(svc: ComputeService, byHost: ReadonlyMap<string, readonly HostEvent[]>, requestId: string): Promise<void> {
  for (const [host, events] of byHost) {
    await svc.bus.cast(`compute.${host}`, 'external_instance_event', { events: events as unknown as Json }, { requestId });
  }
}
