// Steering a live migration in progress: force it to complete, or abort it.
// Both check the server (lock, state), find the migration among the server's,
// check its status, record the instance action and cast to the source host.
import type { InstanceRow, MigrationRow } from '../db/schema.js';
import { recordAction } from '../db/instance-actions.js';
import { migrationOfInstance } from '../db/live-migrations.js';
import { InstanceInvalidState } from './errors.js';
import { checkLock, checkState } from './guards.js';
import { InvalidMigrationState, MigrationNotFoundForInstance } from './live-migration-errors.js';
import type { ComputeService, Requester } from './service.js';
import { TaskState, VmState } from './states.js';

export const FORCE_COMPLETE_ACTION = 'force_complete';
export const ABORT_ACTION = 'abort live migration';

async function findMigration(svc: ComputeService, inst: InstanceRow, migrationId: string): Promise<MigrationRow> {
  const m = await migrationOfInstance(svc.db.kysely, migrationId, inst.uuid);
  if (!m) throw new MigrationNotFoundForInstance(migrationId, inst.uuid);
  return m;
}

async function castToSource(svc: ComputeService, who: Requester, inst: InstanceRow, m: MigrationRow, method: string): Promise<void> {
  const host = m.source_compute ?? inst.host;
  await svc.bus.cast(
    `compute.${host}`,
    method,
    { instance_uuid: inst.uuid, migration_uuid: m.uuid, migration_id: String(m.id) },
    { requestId: who.requestId },
  );
}

/** Asks the source to finish a running transfer now (pausing the guest for the switch-over). */
export async function forceCompleteLiveMigration(svc: ComputeService, who: Requester, inst: InstanceRow, migrationId: string): Promise<void> {
  checkLock(inst, who.isAdmin);
  checkState(inst, FORCE_COMPLETE_ACTION, { vmStates: [VmState.ACTIVE], taskStates: [TaskState.MIGRATING] });
  const m = await findMigration(svc, inst, migrationId);
  if (m.status !== 'running') throw new InvalidMigrationState(migrationId, inst.uuid, m.status, 'force complete');
  await recordAction(
    svc.db.kysely,
    { action: 'live_migration_force_complete', instanceUuid: inst.uuid, requestId: who.requestId, userId: who.userId, projectId: who.projectId },
    svc.clock.now(),
  );
  await castToSource(svc, who, inst, m, 'live_migration_force_complete');
}

/**
 * Cancels a live migration: a running one (any version), or from 2.65 one
 * still queued or preparing. The server stays on its source.
 */
export async function abortLiveMigration(
  svc: ComputeService,
  who: Requester,
  inst: InstanceRow,
  migrationId: string,
  opts: { readonly abortQueued: boolean },
): Promise<void> {
  // A locked server is refused with the generic invalid-state text for this action.
  if (inst.locked_by !== null && !who.isAdmin) throw new InstanceInvalidState(inst.uuid, ABORT_ACTION, null, null);
  checkState(inst, ABORT_ACTION, { taskStates: [TaskState.MIGRATING] });
  const m = await findMigration(svc, inst, migrationId);
  const allowed = opts.abortQueued ? ['running', 'queued', 'preparing'] : ['running'];
  if (!allowed.includes(m.status)) throw new InvalidMigrationState(migrationId, inst.uuid, m.status, 'abort live migration');
  await recordAction(
    svc.db.kysely,
    { action: 'live_migration_cancel', instanceUuid: inst.uuid, requestId: who.requestId, userId: who.userId, projectId: who.projectId },
    svc.clock.now(),
  );
  await castToSource(svc, who, inst, m, 'live_migration_abort');
}
