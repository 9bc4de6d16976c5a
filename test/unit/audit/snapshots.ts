// Hand-built audit snapshots: hosts h1…h3 with room for 16 vCPUs, 16 GB RAM
// and 100 GB disk, servers of flavor TINY by default, all last changed 1000 s
// before the snapshot.
import type { AuditAllocation, AuditGuest, AuditMigration, AuditNode, AuditServer, Snapshot } from '../../../src/audit/types.js';
import type { Resources } from '../../../src/scheduler/resources.js';

export const NOW = new Date('2026-03-01T12:00:00Z');
export const ago = (seconds: number): Date => new Date(NOW.getTime() - seconds * 1000);

export const TINY: Resources = { vcpus: 1, memory_mb: 512, disk_gb: 1 };
export const SMALL: Resources = { vcpus: 1, memory_mb: 2048, disk_gb: 20 };

export const node = (host: string, capacity: Resources = { vcpus: 16, memory_mb: 16384, disk_gb: 100 }): AuditNode => ({
  uuid: `node-${host}`,
  host,
  nodename: host,
  capacity,
});

export const server = (uuid: string, over: Partial<AuditServer> = {}): AuditServer => ({
  uuid,
  vmState: 'active',
  taskState: null,
  host: 'h1',
  node: over.host === undefined ? 'h1' : over.host,
  flavor: TINY,
  oldFlavor: null,
  newFlavor: null,
  updatedAt: ago(1000),
  hasFault: false,
  ...over,
});

export const migration = (uuid: string, instanceUuid: string, over: Partial<AuditMigration> = {}): AuditMigration => ({
  uuid,
  instanceUuid,
  type: 'migration',
  status: 'finished',
  sourceCompute: 'h1',
  sourceNode: 'h1',
  destCompute: 'h2',
  destNode: 'h2',
  newFlavor: null,
  updatedAt: ago(1000),
  ...over,
});

export const alloc = (consumer: string, host: string, resources: Resources = TINY): AuditAllocation => ({ consumer, nodeUuid: `node-${host}`, resources });

export const guest = (uuid: string, powerState = 1, migratingTo: string | null = null): AuditGuest => ({ uuid, powerState, migratingTo });

export interface SnapshotSpec {
  readonly servers?: readonly AuditServer[];
  readonly deleted?: readonly string[];
  readonly migrations?: readonly AuditMigration[];
  readonly allocations?: readonly AuditAllocation[];
  /** Guests per host; 'unreachable' for a host that did not answer. Hosts h1–h3 exist (empty) unless given. */
  readonly hosts?: Readonly<Record<string, readonly AuditGuest[] | 'unreachable'>>;
  readonly nodes?: readonly AuditNode[];
}

export function snapshot(spec: SnapshotSpec): Snapshot {
  const hosts: Record<string, readonly AuditGuest[] | 'unreachable'> = { h1: [], h2: [], h3: [], ...(spec.hosts ?? {}) };
  return {
    takenAt: NOW,
    servers: spec.servers ?? [],
    deletedServers: new Set(spec.deleted ?? []),
    migrations: spec.migrations ?? [],
    allocations: spec.allocations ?? [],
    nodes: spec.nodes ?? Object.keys(hosts).map((h) => node(h)),
    hosts: Object.entries(hosts).map(([host, g]) =>
      g === 'unreachable' ? { host, reachable: false, guests: [], error: 'timed out' } : { host, reachable: true, guests: g },
    ),
  };
}
