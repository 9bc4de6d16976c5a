// os-resetState: an operator's way out of a stuck server. It sets vm_state
// and clears task_state whatever the server is doing — no lock or state
// guard, and running work is not cancelled (the moves' own records stop a
// second move, and each step copes with a server reset under it).
// A server reset out of VERIFY_RESIZE can no longer be confirmed or
// reverted: its migration ends in `error`, as Nova's resize_confirm_window
// task records it, and the source host drops the old guest and the share it
// still holds there (Nova leaves both behind for good).
import type { InstanceRow } from '../db/schema.js';
import { setVmStateUnless, updateInstance, vmStateOf } from '../db/instances.js';
import { recordAction } from '../db/instance-actions.js';
import { migrationOfInstanceByStatus, updateMigration } from '../db/migrations-repo.js';
import { transact } from '../jobs/transaction.js';
import { InstanceNotFound } from './errors.js';
import type { ComputeService, Requester } from './service.js';
import { VmState } from './states.js';

export type ResetTarget = 'active' | 'error';

export async function resetState(svc: ComputeService, who: Requester, inst: InstanceRow, state: ResetTarget): Promise<void> {
  const now = svc.clock.now();
  const action = { action: 'resetState', instanceUuid: inst.uuid, requestId: who.requestId, userId: who.userId, projectId: who.projectId, finished: true };
  await transact(svc, async (tx) => {
    // The common case in one statement: a server not in RESIZED.
    if (await setVmStateUnless(tx.q, inst.uuid, state, VmState.RESIZED, now)) {
      await recordAction(tx.q, action, now);
      return;
    }
    const was = await vmStateOf(tx.q, inst.uuid);
    // Deleted between lookup and now: the same 404 the lookup would give.
    if (was === undefined || !(await updateInstance(tx.q, inst.uuid, { vm_state: state, task_state: null }, now))) throw new InstanceNotFound(inst.uuid);
    await recordAction(tx.q, action, now);
    if (was !== VmState.RESIZED) return;
    const m = await migrationOfInstanceByStatus(tx.q, inst.uuid, ['finished']);
    if (!m || !(await updateMigration(tx.q, m.id, { status: 'confirming' }, { expectStatus: ['finished'], now }))) return;
    await tx.post(
      `compute.${m.source_compute}`,
      'confirm_resize',
      { instance_uuid: inst.uuid, migration_id: m.id, outcome: 'error' },
      { requestId: who.requestId, instanceUuid: inst.uuid },
    );
  });
}
