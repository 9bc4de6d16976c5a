// trigger_crash_dump (2.17+): ask the server's host to inject an NMI so the
// guest's kernel writes a crash dump. Guards as Nova's: lock, a host, a
// launched server with no task in a state whose guest can take it; then the
// instance action and the host's job in one transaction, whose conditional
// write makes sure the state still held at the commit.
import type { InstanceRow } from '../db/schema.js';
import { getInstance, updateInstance } from '../db/instances.js';
import { recordAction } from '../db/instance-actions.js';
import { transact } from '../jobs/transaction.js';
import { InstanceNotReady } from './errors.js';
import { checkLock, checkState, lostRaceConflict, type StateGuard } from './guards.js';
import type { ComputeService, Requester } from './service.js';
import { VmState } from './states.js';

const CRASH_DUMP_GUARD: StateGuard = { vmStates: [VmState.ACTIVE, VmState.PAUSED, VmState.RESCUED, VmState.RESIZED, VmState.ERROR] };

export async function triggerCrashDump(svc: ComputeService, who: Requester, inst: InstanceRow): Promise<void> {
  checkLock(inst, who.isAdmin);
  if (inst.host === null) throw new InstanceNotReady(inst.uuid);
  checkState(inst, 'trigger_crash_dump', CRASH_DUMP_GUARD);
  const now = svc.clock.now();
  await transact(svc, async (tx) => {
    const held = await updateInstance(tx.q, inst.uuid, {}, now, { taskState: [null], vmState: CRASH_DUMP_GUARD.vmStates });
    if (!held) throw lostRaceConflict((await getInstance(tx.q, inst.uuid)) ?? inst, 'trigger_crash_dump', CRASH_DUMP_GUARD);
    await recordAction(tx.q, { action: 'trigger_crash_dump', instanceUuid: inst.uuid, requestId: who.requestId, userId: who.userId, projectId: who.projectId }, now);
    await tx.post(`compute.${inst.host}`, 'trigger_crash_dump', { instance_uuid: inst.uuid }, { requestId: who.requestId, instanceUuid: inst.uuid });
  });
}
