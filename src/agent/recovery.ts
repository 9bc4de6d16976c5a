// Start-up recovery: work this host was doing when its agent stopped cannot
// resume (the handler and its driver call are gone), so servers left in a
// transitional task are settled the way Nova's compute start-up settles them,
// and every server's power_state is made to match the hypervisor's guests.
//
//   building / scheduling…spawning           → ERROR
//   active|stopped + rebuilding…              → ERROR
//   resize_prep                               → task cleared
//   resize_migrating (this is the source)     → old guest powered back, task cleared, migration error
//   resize_migrated … resize_confirming       → ERROR, migration error (the move cannot be finished from here)
//   migrating (live, this is the source)      → task cleared (the migration record: agent/live-migration.ts)
//   reboot / pause / power tasks              → finished or retried against the guest's real state
//   deleting                                  → deletion completed
// Servers being evacuated away from this host are left to agent/evacuation.ts.
import type { AgentContext } from './context.js';
import { guestSpec } from './context.js';
import { finishDelete } from './build.js';
import { flavorOf, updateInstance } from '../db/instances.js';
import { unfinishedMigrations, updateMigration } from '../db/migrations-repo.js';
import type { InstanceRow, InstanceUpdate } from '../db/schema.js';
import { moveAllocations, release } from '../scheduler/claims.js';
import { POWER_STATE, TaskState, VmState } from '../compute/states.js';

const BUILD_TASKS: ReadonlyArray<string | null> = [TaskState.SCHEDULING, TaskState.BLOCK_DEVICE_MAPPING, TaskState.NETWORKING, TaskState.SPAWNING];
const REBUILD_TASKS: ReadonlyArray<string | null> = [TaskState.REBUILDING, TaskState.REBUILD_BLOCK_DEVICE_MAPPING, TaskState.REBUILD_SPAWNING];
const UNFINISHABLE_RESIZE_TASKS: ReadonlyArray<string | null> = [
  TaskState.RESIZE_MIGRATED,
  TaskState.RESIZE_FINISH,
  TaskState.RESIZE_REVERTING,
  TaskState.RESIZE_CONFIRMING,
];
const REBOOT_PENDING: ReadonlyArray<string | null> = [TaskState.REBOOT_PENDING, TaskState.REBOOT_PENDING_HARD];
const REBOOT_STARTED: ReadonlyArray<string | null> = [
  TaskState.REBOOTING,
  TaskState.REBOOTING_HARD,
  TaskState.REBOOT_STARTED,
  TaskState.REBOOT_STARTED_HARD,
];

export async function recoverInterruptedWork(ctx: AgentContext): Promise<void> {
  const instances = await ctx.db.kysely.selectFrom('instances').selectAll().where('host', '=', ctx.host).where('deleted', '=', 0).execute();
  if (instances.length === 0) return;
  const evacuations = await unfinishedMigrations(ctx.db, { host: ctx.host, types: ['evacuation'], statuses: ['accepted', 'pre-migrating', 'done'] });
  const evacuating = new Set(evacuations.filter((m) => m.source_compute === ctx.host).map((m) => m.instance_uuid));
  for (const inst of instances) {
    if (evacuating.has(inst.uuid)) continue;
    try {
      await recoverInstance(ctx, inst);
    } catch (err) {
      ctx.log.error({ err, instance: inst.uuid }, 'start-up recovery of a server failed');
    }
  }
}

/** Marks the server's unfinished cold migration/resize `error`; returns them. */
async function errorMigrations(ctx: AgentContext, inst: InstanceRow) {
  const migrations = await unfinishedMigrations(ctx.db, { instanceUuid: inst.uuid, types: ['migration', 'resize'] });
  for (const m of migrations) await updateMigration(ctx.db, m.id, { status: 'error' }, { expectStatus: [m.status], now: ctx.clock.now() });
  return migrations;
}

async function recoverInstance(ctx: AgentContext, inst: InstanceRow): Promise<void> {
  const db = ctx.db.kysely;
  const uuid = inst.uuid;
  const task = inst.task_state;
  const vm = inst.vm_state;
  /** Applies `values` only while the server is still in the task we found it in. */
  const settle = (values: InstanceUpdate): Promise<boolean> => updateInstance(db, uuid, values, ctx.clock.now(), { taskState: [task] });
  const powerNow = (): number => ctx.driver.getGuest(uuid)?.powerState ?? POWER_STATE.NOSTATE;

  if (task === TaskState.DELETING) {
    await ctx.driver.destroy(uuid);
    await finishDelete(ctx, uuid);
    return;
  }
  const inError = vm === VmState.ERROR && task !== TaskState.RESIZE_MIGRATING;
  if (vm === VmState.SOFT_DELETED || inError) {
    // Nothing to resume; only the power state is brought up to date.
  } else if (vm === VmState.BUILDING || BUILD_TASKS.includes(task)) {
    await settle({ vm_state: VmState.ERROR, task_state: null });
  } else if ((vm === VmState.ACTIVE || vm === VmState.STOPPED) && REBUILD_TASKS.includes(task)) {
    await settle({ vm_state: VmState.ERROR, task_state: null });
  } else if (task === TaskState.RESIZE_PREP) {
    await settle({ task_state: null });
  } else if (task === TaskState.RESIZE_MIGRATING) {
    // The guest was being moved away from here: bring it back as it was.
    if (ctx.driver.getGuest(uuid)) {
      await ctx.driver.finishRevertMigration(guestSpec(inst, flavorOf(inst)), vm !== VmState.STOPPED).catch((err: unknown) => {
        ctx.log.error({ err, instance: uuid }, 'could not revert an interrupted migration');
      });
    }
    for (const m of await errorMigrations(ctx, inst)) {
      // The server stays here: it holds this host again, not the destination.
      await release(ctx.db, uuid);
      await moveAllocations(ctx.db, m.uuid, uuid);
    }
    await settle({ task_state: null });
  } else if (UNFINISHABLE_RESIZE_TASKS.includes(task)) {
    await errorMigrations(ctx, inst);
    await settle({ vm_state: VmState.ERROR, task_state: null });
  } else if (task === TaskState.MIGRATING) {
    // The migration record and what it holds are settled by the live-migration start-up task.
    await settle({ task_state: null });
  } else if (REBOOT_PENDING.includes(task) || (REBOOT_STARTED.includes(task) && powerNow() !== POWER_STATE.RUNNING)) {
    // The reboot never finished: do it again, hard.
    if (ctx.driver.getGuest(uuid)) await ctx.driver.reboot(uuid, true);
    await settle({ vm_state: VmState.ACTIVE, task_state: null });
  } else if (
    powerNow() === POWER_STATE.RUNNING &&
    (REBOOT_STARTED.includes(task) || task === TaskState.PAUSING || task === TaskState.UNPAUSING)
  ) {
    await settle({ vm_state: VmState.ACTIVE, task_state: null });
  } else if (task === TaskState.UNPAUSING && powerNow() === POWER_STATE.PAUSED) {
    await ctx.driver.unpause(uuid);
    await settle({ vm_state: VmState.ACTIVE, task_state: null });
  } else if (task === TaskState.POWERING_OFF) {
    if (ctx.driver.getGuest(uuid) && powerNow() !== POWER_STATE.SHUTDOWN) await ctx.driver.powerOff(uuid);
    await settle({ vm_state: VmState.STOPPED, task_state: null });
  } else if (task === TaskState.POWERING_ON) {
    if (ctx.driver.getGuest(uuid) && powerNow() !== POWER_STATE.RUNNING) await ctx.driver.powerOn(uuid);
    await settle({ vm_state: VmState.ACTIVE, task_state: null });
  }

  const power = powerNow();
  if (power !== inst.power_state) await updateInstance(db, uuid, { power_state: power }, ctx.clock.now());
}
