// os-migrateLive: the rules of the request (lock, state, a known target host),
// then in one transaction the compare-and-swap to task `migrating`, the
// migration record (`accepted`), the `live-migration` instance action and the
// conductor's job — sent at once from 2.34; below it the API calls the
// conductor with the job and returns its pre-check failures to the client.
import type { InstanceRow } from '../db/schema.js';
import { flavorOf, getInstance, updateInstance } from '../db/instances.js';
import { recordAction } from '../db/instance-actions.js';
import { createMigrationIn } from '../db/migrations-repo.js';
import { jobMessage, transact } from '../jobs/transaction.js';
import { checkComputeHostExists, checkLock, checkState, lostRaceConflict, moveInProgress } from './guards.js';
import type { ComputeService, Requester } from './service.js';
import { TaskState, VmState } from './states.js';

export const LIVE_MIGRATE_ACTION = 'os-migrateLive';
const ALLOWED_VM_STATES = [VmState.ACTIVE, VmState.PAUSED];

export interface LiveMigrateRequest {
  /** Requested destination host, or null to let the scheduler choose. */
  readonly host: string | null;
  /** Use `host` as given, bypassing the scheduler (below 2.30, or force at 2.30–2.67). */
  readonly forced: boolean;
  /** null = `auto`: the driver decides from the storage layout. */
  readonly blockMigration: boolean | null;
  readonly diskOverCommit: boolean | null;
  /** From 2.34 the conductor works asynchronously; below it the request waits for its pre-checks. */
  readonly async: boolean;
}

/** The bus message the conductor's `live_migrate_instance` handler receives. */
export interface LiveMigrateMessage {
  readonly instance_uuid: string;
  /** The migration the API recorded (`accepted`); the conductor carries it out. */
  readonly migration_uuid: string;
  readonly host: string | null;
  readonly forced: boolean;
  readonly block_migration: boolean | null;
  readonly disk_over_commit: boolean | null;
  /** Called synchronously (below 2.34): the conductor's event is then `conductor_migrate_server`. */
  readonly sync: boolean;
}

export async function liveMigrate(svc: ComputeService, who: Requester, inst: InstanceRow, req: LiveMigrateRequest): Promise<void> {
  checkLock(inst, who.isAdmin);
  checkState(inst, LIVE_MIGRATE_ACTION, { vmStates: ALLOWED_VM_STATES });
  // A known host equal to the current one passes here: the conductor refuses it.
  if (req.host !== null) await checkComputeHostExists(svc, req.host);

  const now = svc.clock.now();
  const job = await transact(
    svc,
    async (tx) => {
      const won = await updateInstance(tx.q, inst.uuid, { task_state: TaskState.MIGRATING }, now, {
        taskState: [null],
        vmState: ALLOWED_VM_STATES,
      });
      // Another request got there first: answer with the state it left behind.
      if (!won) throw lostRaceConflict((await getInstance(tx.q, inst.uuid)) ?? inst, LIVE_MIGRATE_ACTION, { vmStates: ALLOWED_VM_STATES });
      const flavor = flavorOf(inst);
      const migration = await createMigrationIn(tx.q, svc.db.dialect, {
        instanceUuid: inst.uuid,
        migrationType: 'live-migration',
        status: 'accepted',
        sourceCompute: inst.host,
        sourceNode: inst.node,
        destCompute: req.host,
        oldInstanceTypeId: flavor.id,
        newInstanceTypeId: flavor.id,
        userId: who.userId,
        projectId: who.projectId,
        now,
      });
      if (!migration) throw await moveInProgress(tx.q, inst.uuid, LIVE_MIGRATE_ACTION);
      await recordAction(
        tx.q,
        { action: 'live-migration', instanceUuid: inst.uuid, requestId: who.requestId, userId: who.userId, projectId: who.projectId },
        now,
      );
      const msg: LiveMigrateMessage = {
        instance_uuid: inst.uuid,
        migration_uuid: migration.uuid,
        host: req.host,
        forced: req.forced,
        block_migration: req.blockMigration,
        disk_over_commit: req.diskOverCommit,
        sync: !req.async,
      };
      // Below 2.34 the API waits for the conductor's pre-checks: it delivers the job itself, as a call.
      return tx.post('conductor', 'live_migrate_instance', { ...msg }, { requestId: who.requestId, instanceUuid: inst.uuid, send: req.async });
    },
    { afterCommit: () => svc.crash.at('api.live_migrate.after_commit', inst.uuid) },
  );
  if (!req.async) await svc.bus.call('conductor', 'live_migrate_instance', { ...jobMessage(job) }, { requestId: who.requestId });
}
