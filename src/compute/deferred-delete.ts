// Deferred delete: `restore` brings back a soft-deleted server and
// `forceDelete` deletes one at once. Magnetar never soft-deletes (a delete
// always completes; there is no reclaim interval), so no server is ever in
// vm_state soft-delete: restore always meets Nova's state check and is
// refused, and forceDelete is an ordinary delete.
import type { InstanceRow } from '../db/schema.js';
import { InstanceInvalidState } from './errors.js';
import { checkLock } from './guards.js';
import { deleteServer } from './servers.js';
import type { ComputeService, Requester } from './service.js';

/**
 * Nova restores only servers in vm_state soft-delete, which no server here
 * ever is: after the lock check the answer is always Nova's state conflict.
 * `serverId` is the id as the client sent it, which the message repeats.
 */
export function restoreServer(who: Requester, inst: InstanceRow, serverId: string): never {
  checkLock(inst, who.isAdmin);
  throw new InstanceInvalidState(serverId, 'restore', 'vm_state', inst.vm_state);
}

/** Any vm_state and task_state; only a lock stops it (deleteServer checks it). */
export async function forceDeleteServer(svc: ComputeService, who: Requester, inst: InstanceRow): Promise<void> {
  await deleteServer(svc, who, inst);
}
