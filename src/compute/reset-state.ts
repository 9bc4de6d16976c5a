// os-resetState: an operator's way out of a stuck server. It sets vm_state
// and clears task_state whatever the server is doing — no lock or state
// guard, and running work is not cancelled.
import type { InstanceRow } from '../db/schema.js';
import { updateInstance } from '../db/instances.js';
import { recordAction } from '../db/instance-actions.js';
import { InstanceNotFound } from './errors.js';
import type { ComputeService, Requester } from './service.js';

export type ResetTarget = 'active' | 'error';

export async function resetState(svc: ComputeService, who: Requester, inst: InstanceRow, state: ResetTarget): Promise<void> {
  const now = svc.clock.now();
  const db = svc.db.kysely;
  // Deleted between lookup and now: the same 404 the lookup would give.
  if (!(await updateInstance(db, inst.uuid, { vm_state: state, task_state: null }, now))) throw new InstanceNotFound(inst.uuid);
  await recordAction(
    db,
    { action: 'resetState', instanceUuid: inst.uuid, requestId: who.requestId, userId: who.userId, projectId: who.projectId, finished: true },
    now,
  );
}
