// One audit snapshot: the records first (one transaction), then every host's
// guests. Moves record a step after the hypervisor does it, so records read
// first describe a state the guests have reached or passed. Guests of servers
// created after the records were read are left out; guests of servers deleted
// meanwhile are known as such.
import type { Db } from '../db/connect.js';
import type { Bus } from '../rpc/bus.js';
import type { Clock } from '../compute/clock.js';
import { askHosts } from './guests.js';
import { deletedAmong, liveAmong, readRecords } from './records.js';
import { RECENT_MIGRATION_SECONDS, type AuditHost, type AuditPort, type Snapshot } from './types.js';

export interface SnapshotSources {
  readonly db: Db;
  readonly bus: Bus;
  readonly clock: Clock;
  /** How long each host has to list its guests (default 2 s). */
  readonly hostTimeoutMs?: number;
  /** The servers' ports as the network service has them; undefined (or failing) = not checked. */
  readonly ports?: () => Promise<readonly AuditPort[]>;
}

export async function takeSnapshot(src: SnapshotSources): Promise<Snapshot> {
  const takenAt = src.clock.now();
  const rec = await readRecords(src.db, new Date(takenAt.getTime() - RECENT_MIGRATION_SECONDS * 1000));
  const asked = await askHosts(src.bus, rec.computeHosts, src.hostTimeoutMs);

  const known = new Set([...rec.servers.map((s) => s.uuid), ...rec.deletedServers]);
  const unknown = [...new Set(asked.flatMap((h) => h.guests.map((g) => g.uuid)).filter((u) => !known.has(u)))];
  const deletedServers = new Set([...rec.deletedServers, ...(await deletedAmong(src.db.kysely, unknown))]);
  const newer = await liveAmong(src.db.kysely, unknown);
  const hosts: AuditHost[] = asked.map((h) => (newer.size === 0 ? h : { ...h, guests: h.guests.filter((g) => !newer.has(g.uuid)) }));

  // Read after the records, like the guests: ports of servers created meanwhile are left out.
  let ports: readonly AuditPort[] | undefined;
  try {
    ports = src.ports ? await src.ports() : undefined;
  } catch {
    ports = undefined;
  }
  if (ports) {
    const unknownDevices = [...new Set(ports.map((p) => p.deviceId).filter((u) => !known.has(u)))];
    const newerDevices = await liveAmong(src.db.kysely, unknownDevices);
    for (const u of await deletedAmong(src.db.kysely, unknownDevices)) deletedServers.add(u);
    ports = ports.filter((p) => !newerDevices.has(p.deviceId));
  }
  return {
    takenAt, servers: rec.servers, deletedServers, migrations: rec.migrations, allocations: rec.allocations, nodes: rec.nodes, hosts,
    ...(ports !== undefined && { ports }),
  };
}
