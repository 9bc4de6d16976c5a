// revertResize: go back to the source host and the old flavor. The API
// claims the server (task `resize_reverting`) and the migration (`reverting`);
// the destination tears down, then the source brings the old guest back.
import type { InstanceFlavor, InstanceRow } from '../db/schema.js';
import { flavorOf, getInstance, updateInstance } from '../db/instances.js';
import { recordAction } from '../db/instance-actions.js';
import { migrationOfInstanceByStatus, updateMigration } from '../db/migrations-repo.js';
import { transact } from '../jobs/transaction.js';
import { FlavorNotFound, InstanceNotFound, MigrationNotFound } from './errors.js';
import { checkLock, checkState, lostRaceConflict, type StateGuard } from './guards.js';
import { NOT_RESIZED } from './confirm-resize.js';
import type { ComputeService, Requester } from './service.js';
import { checkUpsizeQuota } from './quota-check.js';
import { TaskState, VmState } from './states.js';

const REVERT_GUARD: StateGuard = { vmStates: [VmState.RESIZED] };

export async function revertResize(svc: ComputeService, who: Requester, inst: InstanceRow): Promise<void> {
  checkLock(inst, who.isAdmin);
  checkState(inst, 'revertResize', REVERT_GUARD);
  const migration = await migrationOfInstanceByStatus(svc.db, inst.uuid, ['finished']);
  if (!migration) throw new MigrationNotFound(NOT_RESIZED);
  if (inst.old_flavor === null) throw new FlavorNotFound('');
  // Going back to a bigger flavor grows the server again: the quotas must still have room for it.
  await checkUpsizeQuota(svc.db.kysely, svc.conf, { projectId: inst.project_id, userId: inst.user_id }, flavorOf(inst), JSON.parse(inst.old_flavor) as InstanceFlavor);
  const now = svc.clock.now();
  await transact(svc, async (tx) => {
    const won = await updateInstance(tx.q, inst.uuid, { task_state: TaskState.RESIZE_REVERTING }, now, {
      taskState: [null],
      vmState: REVERT_GUARD.vmStates,
    });
    if (!won) {
      const seen = await getInstance(tx.q, inst.uuid);
      if (!seen) throw new InstanceNotFound(inst.uuid);
      throw lostRaceConflict(seen, 'revertResize', REVERT_GUARD);
    }
    // A concurrent confirm took the migration: the server is given back untouched (the transaction rolls back).
    if (!(await updateMigration(tx.q, migration.id, { status: 'reverting' }, { expectStatus: ['finished'], now }))) throw new MigrationNotFound(NOT_RESIZED);
    await recordAction(
      tx.q,
      { action: 'revertResize', instanceUuid: inst.uuid, requestId: who.requestId, userId: who.userId, projectId: who.projectId },
      now,
    );
    await tx.post(
      `compute.${migration.dest_compute}`,
      'revert_resize',
      { instance_uuid: inst.uuid, migration_id: migration.id },
      { requestId: who.requestId, instanceUuid: inst.uuid },
    );
  });
}
