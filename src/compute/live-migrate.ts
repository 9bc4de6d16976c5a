// os-migrateLive: the rules of the request (lock, state, a known target host),
// the compare-and-swap to task `migrating`, the `live-migration` instance
// action, then the conductor — cast from 2.34, called (and its pre-check
// failures returned to the client) below it.
import type { InstanceRow } from '../db/schema.js';
import { getInstance, updateInstance } from '../db/instances.js';
import { recordAction } from '../db/instance-actions.js';
import { checkComputeHostExists, checkLock, checkState, lostRaceConflict } from './guards.js';
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
  readonly host: string | null;
  readonly forced: boolean;
  readonly block_migration: boolean | null;
  readonly disk_over_commit: boolean | null;
  readonly user_id: string | null;
  readonly project_id: string | null;
  /** Called synchronously (below 2.34): the conductor's event is then `conductor_migrate_server`. */
  readonly sync: boolean;
}

export async function liveMigrate(svc: ComputeService, who: Requester, inst: InstanceRow, req: LiveMigrateRequest): Promise<void> {
  checkLock(inst, who.isAdmin);
  checkState(inst, LIVE_MIGRATE_ACTION, { vmStates: ALLOWED_VM_STATES });
  // A known host equal to the current one passes here: the conductor refuses it.
  if (req.host !== null) await checkComputeHostExists(svc, req.host);

  const db = svc.db.kysely;
  const now = svc.clock.now();
  const won = await updateInstance(db, inst.uuid, { task_state: TaskState.MIGRATING }, now, {
    taskState: [null],
    vmState: ALLOWED_VM_STATES,
  });
  // Another request got there first: answer with the state it left behind.
  if (!won) throw lostRaceConflict((await getInstance(db, inst.uuid)) ?? inst, LIVE_MIGRATE_ACTION, { vmStates: ALLOWED_VM_STATES });
  await recordAction(
    db,
    { action: 'live-migration', instanceUuid: inst.uuid, requestId: who.requestId, userId: who.userId, projectId: who.projectId },
    now,
  );

  const msg: LiveMigrateMessage = {
    instance_uuid: inst.uuid,
    host: req.host,
    forced: req.forced,
    block_migration: req.blockMigration,
    disk_over_commit: req.diskOverCommit,
    user_id: who.userId,
    project_id: who.projectId,
    sync: !req.async,
  };
  const args = { ...msg };
  if (req.async) await svc.bus.cast('conductor', 'live_migrate_instance', args, { requestId: who.requestId });
  else await svc.bus.call('conductor', 'live_migrate_instance', args, { requestId: who.requestId });
}
