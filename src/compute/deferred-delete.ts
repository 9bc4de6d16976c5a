// Deferred delete. With [DEFAULT] reclaim_instance_interval > 0 a delete
// only soft-deletes a server: its host powers the guest off and the server
// waits in vm_state soft-delete, keeping its resources, until `restore`
// brings it back, `forceDelete` deletes it, or its host reclaims it once the
// interval has passed since the delete.
import type { InstanceRow } from '../db/schema.js';
import { getInstance, updateInstance } from '../db/instances.js';
import { recordAction } from '../db/instance-actions.js';
import { dbTime } from '../db/time.js';
import { transact } from '../jobs/transaction.js';
import { InstanceInvalidState } from './errors.js';
import { checkLock, hostIsUp } from './guards.js';
import { confirmResizeOnDelete, deleteServer } from './servers.js';
import type { ComputeService, Requester } from './service.js';
import { TaskState, VmState, isDeleting } from './states.js';

/** Whether DELETE /servers/{id} soft-deletes. */
export const softDeleteEnabled = (svc: ComputeService): boolean => svc.conf.num('DEFAULT', 'reclaim_instance_interval') > 0;

/**
 * DELETE /servers/{id} with a reclaim interval. A server never launched, or
 * whose host is gone or down, is deleted outright, as Nova does; otherwise
 * its host is asked to soft-delete it.
 */
export async function softDeleteServer(svc: ComputeService, who: Requester, inst: InstanceRow): Promise<void> {
  checkLock(inst, who.isAdmin);
  if (inst.launched_at === null || inst.host === null || !(await hostIsUp(svc, inst.host))) return deleteServer(svc, who, inst);
  if (isDeleting(inst.task_state)) return;
  const host = inst.host;
  await transact(svc, async (tx) => {
    const now = svc.clock.now();
    if (inst.vm_state === VmState.RESIZED) await confirmResizeOnDelete(tx, who, inst, now);
    const values = { task_state: TaskState.SOFT_DELETING, progress: 0, deleted_at: dbTime(now) };
    if (!(await updateInstance(tx.q, inst.uuid, values, now, { taskState: [inst.task_state] }))) {
      const seen = await getInstance(tx.q, inst.uuid);
      if (!seen || isDeleting(seen.task_state)) return;
      throw new InstanceInvalidState(inst.uuid, 'soft_delete', 'task_state', seen.task_state);
    }
    await recordAction(tx.q, { action: 'delete', instanceUuid: inst.uuid, requestId: who.requestId, userId: who.userId, projectId: who.projectId }, now);
    await tx.post(`compute.${host}`, 'soft_delete_instance', { instance_uuid: inst.uuid }, { requestId: who.requestId, instanceUuid: inst.uuid });
  });
}

/**
 * `restore`: a soft-deleted server with no task comes back. Its host powers
 * the guest on; a server without a host is active again at once. The lock is
 * checked first, then the state; `serverId` is the id as the client sent it,
 * which the conflict message repeats.
 */
export async function restoreServer(svc: ComputeService, who: Requester, inst: InstanceRow, serverId: string): Promise<void> {
  checkLock(inst, who.isAdmin);
  if (inst.vm_state !== VmState.SOFT_DELETED) throw new InstanceInvalidState(serverId, 'restore', 'vm_state', inst.vm_state);
  if (inst.task_state !== null) throw new InstanceInvalidState(serverId, 'restore', 'task_state', inst.task_state);
  const host = inst.host;
  await transact(svc, async (tx) => {
    const now = svc.clock.now();
    const values = host !== null ? { task_state: TaskState.RESTORING, deleted_at: null } : { vm_state: VmState.ACTIVE, task_state: null, deleted_at: null };
    if (!(await updateInstance(tx.q, inst.uuid, values, now, { taskState: [null], vmState: [VmState.SOFT_DELETED] }))) {
      // Another request got there first: the conflict names what it left.
      const seen = (await getInstance(tx.q, inst.uuid)) ?? { vm_state: VmState.DELETED, task_state: null };
      if (seen.vm_state !== VmState.SOFT_DELETED) throw new InstanceInvalidState(serverId, 'restore', 'vm_state', seen.vm_state);
      throw new InstanceInvalidState(serverId, 'restore', 'task_state', seen.task_state);
    }
    await recordAction(tx.q, { action: 'restore', instanceUuid: inst.uuid, requestId: who.requestId, userId: who.userId, projectId: who.projectId }, now);
    if (host !== null) await tx.post(`compute.${host}`, 'restore_instance', { instance_uuid: inst.uuid }, { requestId: who.requestId, instanceUuid: inst.uuid });
  });
}

/** `forceDelete`: an ordinary delete in any vm_state and task_state, soft-deleted or not; only a lock stops it. */
export async function forceDeleteServer(svc: ComputeService, who: Requester, inst: InstanceRow): Promise<void> {
  await deleteServer(svc, who, inst);
}
