// The checks every server operation makes before it starts: lock, state,
// that the server's host is alive, and that a requested destination exists.
import type { Kysely } from 'kysely';
import type { Database, InstanceRow } from '../db/schema.js';
import { unfinishedMigrationOf } from '../db/migrations-repo.js';
import { computeServiceOfHost } from '../db/compute-nodes.js';
import { ComputeHostNotFound, InstanceInvalidState, InstanceIsLocked, InstanceNotReady, ServiceUnavailable } from './errors.js';
import type { ComputeService } from './service.js';
import { serviceIsUp } from './service-liveness.js';

export interface StateGuard {
  /** Allowed vm_states; undefined = any. */
  readonly vmStates?: readonly string[];
  /** Allowed task_states (null = no task); undefined = only null. 'any' = no check. */
  readonly taskStates?: ReadonlyArray<string | null> | 'any';
  /** Must have been launched (launched_at set). Default true. */
  readonly mustBeLaunched?: boolean;
}

/** 409 with Nova's message when the server is not in a state `action` allows. */
export function checkState(inst: InstanceRow, action: string, guard: StateGuard): void {
  if (guard.vmStates && !guard.vmStates.includes(inst.vm_state))
    throw new InstanceInvalidState(inst.uuid, action, 'vm_state', inst.vm_state);
  const tasks = guard.taskStates ?? [null];
  if (tasks !== 'any' && !tasks.includes(inst.task_state))
    throw new InstanceInvalidState(inst.uuid, action, 'task_state', inst.task_state);
  if ((guard.mustBeLaunched ?? true) && inst.launched_at === null)
    throw new InstanceInvalidState(inst.uuid, action, 'launched_at', null);
}

/**
 * The 409 for a request that lost the compare-and-swap that starts its task:
 * checkState's (thrown) for the state the other request left, else Nova's
 * generic invalid-state one (returned, for the caller to throw).
 */
export function lostRaceConflict(seen: InstanceRow, action: string, guard: StateGuard): InstanceInvalidState {
  checkState(seen, action, guard);
  return new InstanceInvalidState(seen.uuid, action, null, null);
}

/** A locked server refuses guarded operations to everyone but admins. */
export function checkLock(inst: InstanceRow, isAdmin: boolean): void {
  if (inst.locked_by !== null && !isAdmin) throw new InstanceIsLocked(inst.uuid);
}

export async function hostIsUp(svc: ComputeService, host: string): Promise<boolean> {
  const row = await computeServiceOfHost(svc.db.kysely, host);
  return row !== undefined && serviceIsUp(row, svc.clock.now(), svc.serviceDownTime);
}

/** migrate/resize/confirm: the server must have a host whose compute service is up. */
export async function checkSourceHostUp(svc: ComputeService, inst: InstanceRow): Promise<void> {
  if (inst.host === null) throw new InstanceNotReady(inst.uuid);
  if (!(await hostIsUp(svc, inst.host))) throw new ServiceUnavailable();
}

/** A requested destination must be a known compute host (one with a compute node), else ComputeHostNotFound. */
export async function checkComputeHostExists(svc: ComputeService, host: string): Promise<void> {
  const row = await svc.db.kysely.selectFrom('compute_nodes').select('id').where('host', '=', host).where('deleted', '=', 0).executeTakeFirst();
  if (row === undefined) throw new ComputeHostNotFound(host);
}

/**
 * The 409 for a move requested while an earlier move of the server is still
 * under way (its task was cleared by a reset-state, but its hosts may still
 * be working on it): two moves of one server never run at once.
 */
export async function moveInProgress(q: Kysely<Database>, instanceUuid: string, action: string): Promise<InstanceInvalidState> {
  const m = await unfinishedMigrationOf(q, instanceUuid);
  return new InstanceInvalidState(instanceUuid, action, 'migration status', m?.status ?? null);
}
