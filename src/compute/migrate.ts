// Cold migration, and the part of it resize shares: the guards (lock, state,
// a live source host), then in one transaction the compare-and-swap to task
// `resize_prep`, the migration record, the instance action and the job of
// the conductor's `migrate_server`.
import type { InstanceFlavor, InstanceRow } from '../db/schema.js';
import { flavorOf, getInstance, updateInstance } from '../db/instances.js';
import { recordAction } from '../db/instance-actions.js';
import { createMigrationIn } from '../db/migrations-repo.js';
import { moveAllocations } from '../scheduler/claims.js';
import { transact } from '../jobs/transaction.js';
import type { Json } from '../rpc/bus.js';
import { Invalid, InstanceNotFound } from './errors.js';
import { checkComputeHostExists, checkLock, checkSourceHostUp, checkState, lostRaceConflict, moveInProgress, type StateGuard } from './guards.js';
import type { ComputeService, Requester } from './service.js';
import { TaskState, VmState } from './states.js';

export type ColdMoveAction = 'migrate' | 'resize';

const COLD_MOVE_GUARD: StateGuard = { vmStates: [VmState.ACTIVE, VmState.STOPPED] };

/** The bus message of the conductor's `migrate_server` (cold migration and resize). */
export interface MigrateServerMessage {
  readonly instance_uuid: string;
  /** The migration the API recorded; the conductor carries it out. */
  readonly migration_uuid: string;
  /** The flavor the server ends with: its own for a migration, the new one for a resize. */
  readonly flavor: InstanceFlavor;
  /** Requested destination (migrate at ≥ 2.56), or null for the scheduler's choice. */
  readonly host: string | null;
  /** Whether the source host may be chosen (resize with allow_resize_to_same_host). */
  readonly allow_same_host: boolean;
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
 * found — and, in the same transaction, records the migration (which from
 * now on holds the source host's resources), the instance action and the
 * conductor's job. A crash can lose none of it without losing all of it.
 */
export async function beginColdMove(svc: ComputeService, who: Requester, inst: InstanceRow, move: ColdMove): Promise<void> {
  const now = svc.clock.now();
  await transact(
    svc,
    async (tx) => {
      const won = await updateInstance(tx.q, inst.uuid, { task_state: TaskState.RESIZE_PREP, progress: 0, auto_disk_config: move.autoDiskConfig ? 1 : 0 }, now, {
        taskState: [null],
        vmState: COLD_MOVE_GUARD.vmStates,
      });
      if (!won) {
        const seen = await getInstance(tx.q, inst.uuid);
        if (!seen) throw new InstanceNotFound(inst.uuid);
        throw lostRaceConflict(seen, move.action, COLD_MOVE_GUARD);
      }
      const current = flavorOf(inst);
      const migration = await createMigrationIn(tx.q, svc.db.dialect, {
        instanceUuid: inst.uuid,
        migrationType: current.id !== move.flavor.id ? 'resize' : 'migration',
        status: 'pre-migrating',
        sourceCompute: inst.host,
        sourceNode: inst.node,
        oldInstanceTypeId: current.id,
        newInstanceTypeId: move.flavor.id,
        userId: who.userId,
        projectId: who.projectId,
        now,
      });
      if (!migration) throw await moveInProgress(tx.q, inst.uuid, move.action);
      await moveAllocations(tx.q, inst.uuid, migration.uuid);
      await recordAction(tx.q, { action: move.action, instanceUuid: inst.uuid, requestId: who.requestId, userId: who.userId, projectId: who.projectId }, now);
      const msg: MigrateServerMessage = {
        instance_uuid: inst.uuid,
        migration_uuid: migration.uuid,
        flavor: move.flavor,
        host: move.host,
        allow_same_host: move.allowSameHost,
      };
      await tx.post('conductor', 'migrate_server', { ...msg, flavor: msg.flavor as unknown as Json }, { requestId: who.requestId, instanceUuid: inst.uuid });
    },
    { afterCommit: () => svc.crash.at('api.migrate.after_commit', inst.uuid) },
  );
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
