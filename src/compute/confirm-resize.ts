// confirmResize: keep the server where it now runs. The API only moves the
// migration from `finished` to `confirming`; the source host then drops the
// old guest and its allocation and settles the server's state. The
// resize_confirm_window periodic task confirms through here too, as the system.
import type { InstanceRow, MigrationRow } from '../db/schema.js';
import { recordAction } from '../db/instance-actions.js';
import { migrationOfInstanceByStatus, updateMigration } from '../db/migrations-repo.js';
import { transact } from '../jobs/transaction.js';
import { MigrationNotFound, ServiceUnavailable } from './errors.js';
import { checkLock, checkState, hostIsUp } from './guards.js';
import type { ComputeService, Requester } from './service.js';
import { VmState } from './states.js';

export const NOT_RESIZED = 'Instance has not been resized.';

export async function confirmResize(svc: ComputeService, who: Requester, inst: InstanceRow, given?: MigrationRow): Promise<void> {
  checkLock(inst, who.isAdmin);
  checkState(inst, 'confirmResize', { vmStates: [VmState.RESIZED] });
  const migration = given ?? (await migrationOfInstanceByStatus(svc.db, inst.uuid, ['finished']));
  if (!migration) throw new MigrationNotFound(NOT_RESIZED);
  // Checked before the migration changes: once it is `confirming` a retry
  // would no longer find a `finished` migration to confirm.
  if (migration.source_compute === null || !(await hostIsUp(svc, migration.source_compute))) throw new ServiceUnavailable();
  const now = svc.clock.now();
  await transact(svc, async (tx) => {
    if (!(await updateMigration(tx.q, migration.id, { status: 'confirming' }, { expectStatus: ['finished'], now }))) {
      // A concurrent confirm or revert took it.
      throw new MigrationNotFound(NOT_RESIZED);
    }
    await recordAction(
      tx.q,
      { action: 'confirmResize', instanceUuid: inst.uuid, requestId: who.requestId, userId: who.userId, projectId: who.projectId },
      now,
    );
    await tx.post(
      `compute.${migration.source_compute}`,
      'confirm_resize',
      { instance_uuid: inst.uuid, migration_id: migration.id },
      { requestId: who.requestId, instanceUuid: inst.uuid },
    );
  });
}
