// Cold migration, and the part of it resize shares: the guards (lock, state,
// a live source host), then the compare-and-swap to task `resize_prep`, the
// instance action and the hand-over to the conductor's `migrate_server`.
import type { InstanceFlavor, InstanceRow } from '../db/schema.js';
import { flavorOf, getInstance, updateInstance } from '../db/instances.js';
import { recordAction } from '../db/instance-actions.js';
import type { Json } from '../rpc/bus.js';
import { Invalid, InstanceNotFound } from './errors.js';
import { checkComputeHostExists, checkLock, checkSourceHostUp, checkState, lostRaceConflict, type StateGuard } from './guards.js';
import type { ComputeService, Requester } from './service.js';
import { TaskState, VmState } from './states.js';

export type ColdMoveAction = 'migrate' | 'resize';

const COLD_MOVE_GUARD: StateGuard = { vmStates: [VmState.ACTIVE, VmState.STOPPED] };

/** The bus message of the conductor's `migrate_server` (cold migration and resize). */
export interface MigrateServerMessage {
  readonly instance_uuid: string;
  /** The flavor the server ends with: its own for a migration, the new one for a resize. */
  readonly flavor: InstanceFlavor;
  /** Requested destination (migrate at ≥ 2.56), or null for the scheduler's choice. */
  readonly host: string | null;
  /** Whether the source host may be chosen (resize with allow_resize_to_same_host). */
  readonly allow_same_host: boolean;
  /** Who asked; recorded on the migration. */
  readonly user_id: string | null;
  readonly project_id: string | null;
}

/** Steps shared by migrate and resize, in Nova's order: lock, state, host present and up. */
export async function checkColdMoveAllowed(svc: ComputeService, who: Requester, inst: InstanceRow, action: ColdMoveAction): Promise<void> {
  checkLock(inst, who.isAdmin);
  checkState(inst, action, COLD_MOVE_GUARD);
  await checkSourceHostUp(svc, inst);
}

export interface ColdMove {
  readonly action: ColdMoveAction;
  readonly flavor: InstanceFlavor;
  readonly host: string | null;
  readonly allowSameHost: boolean;
  /** OS-DCF:diskConfig asked for on resize (true = AUTO); a migrate or a resize without it sets MANUAL. */
  readonly autoDiskConfig?: boolean;
}

/**
 * Claims the server for the move (task `resize_prep`, progress 0) — only one
 * of several racing requests wins, the others get 409 with the state they
 * found — then records the action and casts to the conductor.
 */
export async function beginColdMove(svc: ComputeService, who: Requester, inst: InstanceRow, move: ColdMove): Promise<void> {
  const db = svc.db.kysely;
  const now = svc.clock.now();
  const won = await updateInstance(db, inst.uuid, { task_state: TaskState.RESIZE_PREP, progress: 0, auto_disk_config: move.autoDiskConfig ? 1 : 0 }, now, {
    taskState: [null],
    vmState: COLD_MOVE_GUARD.vmStates,
  });
  if (!won) {
    const seen = await getInstance(db, inst.uuid);
    if (!seen) throw new InstanceNotFound(inst.uuid);
    throw lostRaceConflict(seen, move.action, COLD_MOVE_GUARD);
  }
  await recordAction(
    db,
    { action: move.action, instanceUuid: inst.uuid, requestId: who.requestId, userId: who.userId, projectId: who.projectId },
    now,
  );
  const msg: MigrateServerMessage = {
    instance_uuid: inst.uuid,
    flavor: move.flavor,
    host: move.host,
    allow_same_host: move.allowSameHost,
    user_id: who.userId,
    project_id: who.projectId,
  };
  await svc.bus.cast('conductor', 'migrate_server', { ...msg, flavor: msg.flavor as unknown as Json }, { requestId: who.requestId });
}

/** Cold migration, optionally to a named host (≥ 2.56). */
export async function migrate(svc: ComputeService, who: Requester, inst: InstanceRow, host: string | null): Promise<void> {
  await checkColdMoveAllowed(svc, who, inst, 'migrate');
  if (host !== null) {
    // Same host is refused before existence is checked, as Nova does.
    if (host === inst.host) throw new Invalid('Cannot migrate to the host where the server exists.');
    await checkComputeHostExists(svc, host);
  }
  // A cold migration never lands on its own host: no simulated host reports
  // the COMPUTE_SAME_HOST_COLD_MIGRATE trait.
  await beginColdMove(svc, who, inst, { action: 'migrate', flavor: flavorOf(inst), host, allowSameHost: false });
}
