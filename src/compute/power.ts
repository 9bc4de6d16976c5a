// Power and lifecycle actions that run on the server's own host: stop, start,
// pause, unpause, suspend, resume, reboot. Each is a state guard, a
// compare-and-swap to its task_state, an instance action and the host's job,
// in one transaction.
import type { InstanceRow } from '../db/schema.js';
import { updateInstance } from '../db/instances.js';
import { recordAction } from '../db/instance-actions.js';
import { transact } from '../jobs/transaction.js';
import { checkLock, checkState, type StateGuard } from './guards.js';
import { InstanceInvalidState, InstanceNotReady } from './errors.js';
import type { ComputeService, Requester } from './service.js';

export interface PowerOperation {
  /** Name in conflict messages and of the recorded instance action. */
  readonly action: string;
  readonly guard: StateGuard;
  readonly taskState: string;
  /** Agent method on `compute.<host>`. */
  readonly method: string;
}

export const POWER_OPERATIONS = {
  stop: { action: 'stop', guard: { vmStates: ['active', 'error'] }, taskState: 'powering-off', method: 'stop_instance' },
  start: { action: 'start', guard: { vmStates: ['stopped'] }, taskState: 'powering-on', method: 'start_instance' },
  pause: { action: 'pause', guard: { vmStates: ['active'] }, taskState: 'pausing', method: 'pause_instance' },
  unpause: { action: 'unpause', guard: { vmStates: ['paused'] }, taskState: 'unpausing', method: 'unpause_instance' },
  suspend: { action: 'suspend', guard: { vmStates: ['active'] }, taskState: 'suspending', method: 'suspend_instance' },
  resume: { action: 'resume', guard: { vmStates: ['suspended'] }, taskState: 'resuming', method: 'resume_instance' },
  softReboot: {
    action: 'reboot',
    guard: { vmStates: ['active'], taskStates: [null, 'rebooting', 'reboot_pending', 'reboot_started'] },
    taskState: 'rebooting',
    method: 'reboot_instance',
  },
  hardReboot: {
    action: 'reboot',
    guard: {
      vmStates: ['active', 'stopped', 'paused', 'suspended', 'error'],
      taskStates: [null, 'rebooting', 'reboot_pending', 'reboot_started', 'rebooting_hard', 'reboot_pending_hard', 'reboot_started_hard'],
    },
    taskState: 'rebooting_hard',
    method: 'reboot_instance',
  },
} as const satisfies Record<string, PowerOperation>;

export async function requestPowerOperation(svc: ComputeService, inst: InstanceRow, op: PowerOperation, who: Requester): Promise<void> {
  checkLock(inst, who.isAdmin);
  checkState(inst, op.action, op.guard);
  if (inst.host === null) throw new InstanceNotReady(inst.uuid);
  const now = svc.clock.now();
  const guardTasks = op.guard.taskStates === undefined || op.guard.taskStates === 'any' ? [null] : op.guard.taskStates;
  await transact(svc, async (tx) => {
    const ok = await updateInstance(tx.q, inst.uuid, { task_state: op.taskState }, now, {
      vmState: [inst.vm_state],
      taskState: guardTasks,
    });
    if (!ok) {
      const fresh = await tx.q.selectFrom('instances').select(['task_state', 'vm_state']).where('uuid', '=', inst.uuid).executeTakeFirst();
      throw new InstanceInvalidState(inst.uuid, op.action, 'task_state', fresh?.task_state ?? null);
    }
    await recordAction(tx.q, { action: op.action, instanceUuid: inst.uuid, requestId: who.requestId, userId: who.userId, projectId: who.projectId }, now);
    await tx.post(`compute.${inst.host}`, op.method, { instance_uuid: inst.uuid, hard: op.taskState === 'rebooting_hard' }, { requestId: who.requestId, instanceUuid: inst.uuid });
  });
}
