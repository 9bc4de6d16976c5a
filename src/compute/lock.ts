// Locking a server: a locked server refuses guarded operations to everyone
// but admins. Who locked it (`owner` = its own project, `admin` = anyone
// else) decides who may unlock it without the override policy.
import type { InstanceRow } from '../db/schema.js';
import { recordAction, startEvent, finishEvent } from '../db/instance-actions.js';
import { updateInstance } from '../db/instances.js';
import type { ComputeService, Requester } from './service.js';

type Caller = Requester & { readonly projectId: string | null };

function lockedByFor(inst: Pick<InstanceRow, 'project_id'>, who: Caller): 'owner' | 'admin' {
  return inst.project_id === who.projectId ? 'owner' : 'admin';
}

/** Unlocking a lock taken by the other party (owner vs admin) needs the override policy. */
export function isExpectedLocker(inst: Pick<InstanceRow, 'project_id' | 'locked_by'>, who: Caller): boolean {
  return inst.locked_by === null || inst.locked_by === lockedByFor(inst, who);
}

async function inEvent(svc: ComputeService, who: Caller, inst: InstanceRow, action: string, fn: () => Promise<void>): Promise<void> {
  const db = svc.db.kysely;
  await recordAction(db, { action, instanceUuid: inst.uuid, requestId: who.requestId, userId: who.userId, projectId: who.projectId, finished: true }, svc.clock.now());
  await startEvent(db, inst.uuid, who.requestId, `api_${action}`, null, svc.clock.now());
  try {
    await fn();
    await finishEvent(db, inst.uuid, who.requestId, `api_${action}`, null, svc.clock.now());
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    await finishEvent(db, inst.uuid, who.requestId, `api_${action}`, { message }, svc.clock.now());
    throw err;
  }
}

/** An owner locking an already locked server changes nothing and records nothing. */
export async function lockServer(svc: ComputeService, who: Caller, inst: InstanceRow, reason: string | null): Promise<void> {
  const by = lockedByFor(inst, who);
  if (inst.locked_by !== null && by === 'owner') return;
  await inEvent(svc, who, inst, 'lock', async () => {
    await updateInstance(svc.db.kysely, inst.uuid, { locked_by: by, ...(reason !== null && { locked_reason: reason }) }, svc.clock.now());
  });
}

export async function unlockServer(svc: ComputeService, who: Caller, inst: InstanceRow): Promise<void> {
  await inEvent(svc, who, inst, 'unlock', async () => {
    await updateInstance(svc.db.kysely, inst.uuid, { locked_by: null, locked_reason: null }, svc.clock.now());
  });
}
