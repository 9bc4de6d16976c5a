// External events a server's host handles (Neutron's network-changed, on
// which it refreshes the server's network info) or waits for
// (network-vif-plugged and -unplugged): cast to the agent of the host the
// server is on, one message per host, as Nova's compute API casts
// external_instance_event. A server that is being moved has its plug events
// sent to both ends of the move as well (Nova's _get_relevant_hosts): the
// destination of an evacuation waits for its plug events while the server
// is still recorded on the failed host. network-changed goes to the
// server's host only: one refresh of its info cache is enough.
import type { Json } from '../rpc/bus.js';
import type { InstanceRow } from '../db/schema.js';
import { unfinishedMigrationOf } from '../db/migrations-repo.js';
import type { ComputeService } from './service.js';

/** The events the compute API hands on to hosts rather than handling itself. */
export const HOST_EVENTS: ReadonlySet<string> = new Set(['network-changed', 'network-vif-plugged', 'network-vif-unplugged']);

export interface HostEvent {
  readonly instance_uuid: string;
  readonly name: string;
  readonly tag: string | null;
  readonly status: string;
}

/** The hosts a server's event goes to: its own, and for plug events both ends of a move under way. */
export async function hostsOfServer(svc: ComputeService, inst: Pick<InstanceRow, 'uuid' | 'host'>, event: string): Promise<string[]> {
  const hosts = new Set<string>(inst.host ? [inst.host] : []);
  if (event === 'network-changed') return [...hosts];
  const m = await unfinishedMigrationOf(svc.db.kysely, inst.uuid);
  for (const h of [m?.source_compute, m?.dest_compute]) if (h) hosts.add(h);
  return [...hosts];
}

export async function castHostEvents(svc: ComputeService, byHost: ReadonlyMap<string, readonly HostEvent[]>, requestId: string): Promise<void> {
  for (const [host, events] of byHost) {
    await svc.bus.cast(`compute.${host}`, 'external_instance_event', { events: events as unknown as Json }, { requestId });
  }
}
