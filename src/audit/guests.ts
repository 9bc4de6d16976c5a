// The hypervisors' side of an audit snapshot: every compute host is asked for
// its guests over the bus (`list_guests` on `compute.<host>`), all at once,
// each with a short timeout. A host that does not answer is unreachable.
import type { Bus, Json } from '../rpc/bus.js';
import type { ListedGuest } from '../agent/host-info.js';
import type { AuditGuest, AuditHost } from './types.js';

/** How long one host has to answer. */
export const GUEST_LIST_TIMEOUT_MS = 2000;

function parseGuests(reply: Json): AuditGuest[] {
  if (!Array.isArray(reply)) throw new Error('list_guests answered something that is not a list');
  return (reply as unknown as ListedGuest[]).map((g) => ({ uuid: String(g.uuid), powerState: Number(g.power_state), migratingTo: g.migrating_to ?? null }));
}

async function askHost(bus: Bus, host: string, timeoutMs: number): Promise<AuditHost> {
  try {
    const reply = await bus.call<Json>(`compute.${host}`, 'list_guests', {}, { timeoutMs });
    return { host, reachable: true, guests: parseGuests(reply) };
  } catch (err) {
    return { host, reachable: false, guests: [], error: err instanceof Error ? err.message : String(err) };
  }
}

export function askHosts(bus: Bus, hosts: readonly string[], timeoutMs = GUEST_LIST_TIMEOUT_MS): Promise<AuditHost[]> {
  return Promise.all(hosts.map((h) => askHost(bus, h, timeoutMs)));
}
