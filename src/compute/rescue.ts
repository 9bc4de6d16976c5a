// rescue / unrescue: boot a server from a rescue image (its own image unless
// one is given) with its disk attached, for repair, and back. The guards
// (lock, state; a volume-backed server or an unknown rescue image is refused),
// then in one transaction the task, the instance action and the host's job.
import type { InstanceRow } from '../db/schema.js';
import { getInstance, updateInstance } from '../db/instances.js';
import { recordAction } from '../db/instance-actions.js';
import { transact } from '../jobs/transaction.js';
import type { ImageLookup } from '../image/lookup.js';
import { MagnetarError, InstanceNotReady } from './errors.js';
import { checkLock, checkState, lostRaceConflict, type StateGuard } from './guards.js';
import type { ComputeService, Requester } from './service.js';
import { TaskState, VmState } from './states.js';

const RESCUE_GUARD: StateGuard = { vmStates: [VmState.ACTIVE, VmState.STOPPED, VmState.ERROR] };
const UNRESCUE_GUARD: StateGuard = { vmStates: [VmState.RESCUED] };

export class UnsupportedRescueImage extends MagnetarError {
  constructor(image: string) {
    super('Invalid', `Requested rescue image '${image}' is not supported`);
  }
}

export class InstanceNotRescuable extends MagnetarError {
  constructor(instanceUuid: string, reason: string) {
    super('Invalid', `Instance ${instanceUuid} cannot be rescued: ${reason}`);
  }
}

/** Starts the task on the server's host; 409 for a lost race. */
async function begin(svc: ComputeService, who: Requester, inst: InstanceRow, action: string, guard: StateGuard, task: string, method: string, args: Record<string, string | null>): Promise<void> {
  if (inst.host === null) throw new InstanceNotReady(inst.uuid);
  const now = svc.clock.now();
  await transact(svc, async (tx) => {
    const won = await updateInstance(tx.q, inst.uuid, { task_state: task }, now, { taskState: [null], vmState: guard.vmStates });
    if (!won) throw lostRaceConflict((await getInstance(tx.q, inst.uuid)) ?? inst, action, guard);
    await recordAction(tx.q, { action, instanceUuid: inst.uuid, requestId: who.requestId, userId: who.userId, projectId: who.projectId }, now);
    await tx.post(`compute.${inst.host}`, method, { instance_uuid: inst.uuid, ...args }, { requestId: who.requestId, instanceUuid: inst.uuid });
  });
}

export async function rescue(svc: ComputeService, images: ImageLookup, who: Requester, inst: InstanceRow, rescueImageRef: string | null): Promise<void> {
  checkLock(inst, who.isAdmin);
  checkState(inst, 'rescue', RESCUE_GUARD);
  if (rescueImageRef !== null && !images.get(rescueImageRef)) throw new UnsupportedRescueImage(rescueImageRef);
  if (inst.image_ref === '') throw new InstanceNotRescuable(inst.uuid, 'Cannot rescue a volume-backed instance');
  await begin(svc, who, inst, 'rescue', RESCUE_GUARD, TaskState.RESCUING, 'rescue_instance', { rescue_image_ref: rescueImageRef });
}

export async function unrescue(svc: ComputeService, who: Requester, inst: InstanceRow): Promise<void> {
  checkLock(inst, who.isAdmin);
  checkState(inst, 'unrescue', UNRESCUE_GUARD);
  await begin(svc, who, inst, 'unrescue', UNRESCUE_GUARD, TaskState.UNRESCUING, 'unrescue_instance', {});
}
