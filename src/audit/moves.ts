// How the audit reads a migration record: which statuses are final, which are
// the two waiting states (`finished` awaits a confirm or revert, `done` awaits
// the failed host of an evacuation), and which type of move it is.
import type { AuditMigration } from './types.js';

/** Statuses after which a migration holds nothing and nothing more happens. */
export const FINAL_STATUSES: ReadonlySet<string> = new Set(['completed', 'confirmed', 'reverted', 'error', 'failed', 'cancelled']);

/** A cold migration or resize waiting for confirm or revert. */
export const FINISHED = 'finished';
/** An evacuation rebuilt elsewhere, waiting for its failed host to come back and clean up. */
export const DONE = 'done';

export const isFinal = (m: Pick<AuditMigration, 'status'>): boolean => FINAL_STATUSES.has(m.status);

/** Neither final nor one of the two waiting states: work is under way. */
export const isUnderWay = (m: Pick<AuditMigration, 'status'>): boolean => !isFinal(m) && m.status !== FINISHED && m.status !== DONE;

export const isColdMove = (m: Pick<AuditMigration, 'type'>): boolean => m.type === 'migration' || m.type === 'resize';
export const isLiveMigration = (m: Pick<AuditMigration, 'type'>): boolean => m.type === 'live-migration';
export const isEvacuation = (m: Pick<AuditMigration, 'type'>): boolean => m.type === 'evacuation';

/** Cold move statuses once the destination runs the server: it waits for, or is in, confirm or revert. */
export const COLD_AFTER_FINISH: ReadonlySet<string> = new Set([FINISHED, 'confirming', 'reverting']);

/** Evacuation statuses in which the migration holds the failed source's resources. */
export const EVACUATION_HOLDING: ReadonlySet<string> = new Set(['accepted', 'pre-migrating', DONE]);

/** `<type> <uuid> (<status>)` for messages. */
export const describeMigration = (m: AuditMigration): string => `${m.type} ${m.uuid} (${m.status})`;
