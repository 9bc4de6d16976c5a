// What the audit reads (a snapshot of the records and of every host's guests)
// and what it reports (findings). Plain data: the checks are pure functions
// of a snapshot, so they can be tested with snapshots built by hand.
import type { Resources } from '../scheduler/resources.js';

/** A server as the audit sees it (not deleted). */
export interface AuditServer {
  readonly uuid: string;
  readonly vmState: string;
  readonly taskState: string | null;
  readonly host: string | null;
  readonly node: string | null;
  /** What the current flavor allocates. */
  readonly flavor: Resources;
  /** What the flavor before a cold migration or resize allocates, once recorded. */
  readonly oldFlavor: Resources | null;
  /** What the flavor a resize goes to allocates, once recorded. */
  readonly newFlavor: Resources | null;
  readonly updatedAt: Date;
  /** The server has at least one instance fault recorded. */
  readonly hasFault: boolean;
}

export type MigrationType = 'migration' | 'resize' | 'live-migration' | 'evacuation';

export interface AuditMigration {
  readonly uuid: string;
  readonly instanceUuid: string;
  readonly type: string;
  readonly status: string;
  readonly sourceCompute: string | null;
  readonly sourceNode: string | null;
  readonly destCompute: string | null;
  readonly destNode: string | null;
  /** What the flavor the move goes to allocates (from new_instance_type_id), when known. */
  readonly newFlavor: Resources | null;
  readonly updatedAt: Date;
}

export interface AuditAllocation {
  readonly consumer: string;
  readonly nodeUuid: string;
  readonly resources: Resources;
}

export interface AuditNode {
  readonly uuid: string;
  readonly host: string;
  readonly nodename: string;
  /** Totals × allocation ratios. */
  readonly capacity: Resources;
}

export interface AuditGuest {
  readonly uuid: string;
  readonly powerState: number;
  readonly migratingTo: string | null;
}

/** A compute service's host and what its hypervisor answered. */
export interface AuditHost {
  readonly host: string;
  readonly reachable: boolean;
  /** Empty when the host is unreachable. */
  readonly guests: readonly AuditGuest[];
  /** Why it is unreachable. */
  readonly error?: string;
}

/** A port the network service holds for a server (device_owner `compute:…`). */
export interface AuditPort {
  readonly id: string;
  readonly deviceId: string;
  /** binding:host_id ('' when unbound). */
  readonly host: string;
}

export interface Snapshot {
  readonly takenAt: Date;
  readonly servers: readonly AuditServer[];
  /** Uuids of deleted servers (to tell a deleted server's leftovers from unknown ones). */
  readonly deletedServers: ReadonlySet<string>;
  /**
   * Migrations not in a final status, final ones changed lately (see
   * RECENT_MIGRATION_SECONDS) and any migration an allocation names as
   * consumer; oldest first.
   */
  readonly migrations: readonly AuditMigration[];
  readonly allocations: readonly AuditAllocation[];
  readonly nodes: readonly AuditNode[];
  /** Every compute service's host. */
  readonly hosts: readonly AuditHost[];
  /** Servers' ports, when the network service answered (left unchecked otherwise). */
  readonly ports?: readonly AuditPort[];
}

export type Severity = 'violation' | 'warning' | 'in-progress';

export const FINDING_KINDS = [
  'unreachable-host',
  'orphan-guest',
  'duplicate-guest',
  'missing-guest',
  'power-mismatch',
  'error-without-fault',
  'allocation-leak',
  'allocation-missing',
  'allocation-mismatch',
  'over-capacity',
  'port-leak',
  'in-progress',
  'stuck',
] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

export interface Finding {
  readonly kind: FindingKind;
  readonly severity: Severity;
  readonly server: string | null;
  readonly migration: string | null;
  readonly host: string | null;
  readonly message: string;
}

/**
 * A finding as a check makes it, before the severity policy: a finding that
 * work in progress on `explainedBy` (a server) may explain is shown as
 * in-progress (or a warning once that work is stuck) instead of a violation.
 */
export interface FindingDraft extends Finding {
  readonly explainedBy?: string;
}

/** How far back a snapshot reads final migrations, so that a move just ended counts as a recent change. */
export const RECENT_MIGRATION_SECONDS = 60;

export interface AuditOptions {
  /** Every warning and in-progress finding counts as a violation. */
  readonly strict: boolean;
  /** Work not updated for longer than this is `stuck`. */
  readonly stuckAfterSeconds: number;
  /**
   * A server whose records changed this recently may still be settling: the
   * hypervisor and the records cannot change in one step (a source drops its
   * copy just after the move is recorded done), so what such a change
   * explains is shown as in-progress. At most RECENT_MIGRATION_SECONDS.
   */
  readonly settleSeconds: number;
}

export const DEFAULT_STUCK_AFTER_SECONDS = 300;
export const DEFAULT_SETTLE_SECONDS = 5;

export interface AuditReport {
  readonly checkedAt: Date;
  readonly strict: boolean;
  readonly hosts: ReadonlyArray<{ readonly host: string; readonly reachable: boolean; readonly guests: number }>;
  readonly counts: { readonly servers: number; readonly migrations: number; readonly allocations: number; readonly guests: number };
  readonly findings: readonly Finding[];
}
