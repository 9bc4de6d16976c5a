// Evacuation on the hosts: the destination rebuilds the server (tasks
// rebuilding → rebuild_block_device_mapping → rebuild_spawning, then the new
// guest, and the server moves here), and the failed source, when its agent
// starts again, destroys the guest it still has and gives back the resources
// the migration held for it.
import type { Handlers, MessageArgs } from '../rpc/bus.js';
import type { AgentContext } from './context.js';
import { guestSpec, hostEvent } from './context.js';
import { addFault, flavorOf, getInstance, updateInstance } from '../db/instances.js';
import { getMigration, unfinishedMigrations, updateMigration } from '../db/migrations-repo.js';
import { moveAllocations, release } from '../scheduler/claims.js';
import { dbTime } from '../db/time.js';
import { POWER_STATE, TaskState, VmState } from '../compute/states.js';
import { ComputeTaskError } from '../compute/errors.js';
import type { MigrationRow } from '../db/schema.js';

const REBUILD_TASKS = [TaskState.REBUILDING, TaskState.REBUILD_BLOCK_DEVICE_MAPPING, TaskState.REBUILD_SPAWNING];

const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Moves the server through one rebuild task; a lost race (deleted, reset) ends the evacuation. */
async function advance(ctx: AgentContext, uuid: string, to: string, from: string, extra: { power_state?: number } = {}): Promise<void> {
  const ok = await updateInstance(ctx.db.kysely, uuid, { task_state: to, ...extra }, ctx.clock.now(), { taskState: [from] });
  if (!ok) throw new ComputeTaskError(`Instance ${uuid} was deleted or changed while it was being evacuated`);
}

/** The rebuild here failed: the server stays on its source, in ERROR, and this host gives back its claim. */
async function failEvacuation(ctx: AgentContext, migration: MigrationRow, uuid: string, message: string): Promise<void> {
  const now = ctx.clock.now();
  await updateMigration(ctx.db, migration.id, { status: 'failed' }, { expectStatus: ['accepted', 'pre-migrating'], now });
  if (ctx.driver.getGuest(uuid)) await ctx.driver.destroy(uuid).catch(() => undefined);
  await release(ctx.db, uuid, ctx.nodeUuid);
  const inst = await getInstance(ctx.db.kysely, uuid);
  if (!inst) return; // deleted meanwhile: the delete freed the rest
  await moveAllocations(ctx.db, migration.uuid, uuid);
  const errored = await updateInstance(ctx.db.kysely, uuid, { vm_state: VmState.ERROR, task_state: null }, now, { taskState: REBUILD_TASKS });
  if (errored) await addFault(ctx.db.kysely, uuid, 500, message, null, ctx.host, now);
}

/** Powers the rebuilt guest off, for a server that must end stopped. Failing here leaves it running, task cleared. */
async function stopAfterEvacuation(ctx: AgentContext, uuid: string, requestId: string | undefined): Promise<void> {
  const db = ctx.db.kysely;
  if (!(await updateInstance(db, uuid, { task_state: TaskState.POWERING_OFF, progress: 0 }, ctx.clock.now(), { taskState: [null] }))) return;
  try {
    await hostEvent(ctx, uuid, requestId, 'stop_instance', () => ctx.driver.powerOff(uuid));
  } catch (err) {
    const now = ctx.clock.now();
    await updateInstance(db, uuid, { task_state: null }, now, { taskState: [TaskState.POWERING_OFF] });
    await addFault(db, uuid, 500, errorMessage(err), null, ctx.host, now);
    return;
  }
  await updateInstance(db, uuid, { vm_state: VmState.STOPPED, power_state: POWER_STATE.SHUTDOWN, task_state: null }, ctx.clock.now(), {
    taskState: [TaskState.POWERING_OFF],
  });
}

async function rebuildHere(ctx: AgentContext, args: MessageArgs, requestId: string | undefined): Promise<void> {
  const db = ctx.db.kysely;
  const uuid = String(args['instance_uuid']);
  const migration = await getMigration(ctx.db, String(args['migration_uuid']));
  const inst = await getInstance(db, uuid);
  if (!migration) return;
  if (!inst || !REBUILD_TASKS.includes(inst.task_state as (typeof REBUILD_TASKS)[number])) {
    // Deleted or reset while the message waited: this host's claim is not
    // needed, and a server that is still there keeps its old host's share.
    await release(ctx.db, uuid, ctx.nodeUuid);
    if (inst) await moveAllocations(ctx.db, migration.uuid, uuid);
    await updateMigration(ctx.db, migration.id, { status: 'failed' }, { expectStatus: ['accepted'], now: ctx.clock.now() });
    return;
  }
  const node = typeof args['node'] === 'string' ? args['node'] : ctx.nodeName;
  const origVmState = inst.vm_state;
  // From 2.95 the server ends stopped, unless it was in error; below, it keeps its state.
  const endStopped = args['target_state'] === VmState.STOPPED ? origVmState !== VmState.ERROR : origVmState === VmState.STOPPED;

  let moved = false;
  try {
    await hostEvent(ctx, uuid, requestId, 'rebuild_instance', async () => {
      const claimed = await updateMigration(
        ctx.db,
        migration.id,
        { status: 'pre-migrating', dest_compute: ctx.host, dest_node: node, dest_host: ctx.hostIp },
        { expectStatus: ['accepted'], now: ctx.clock.now() },
      );
      if (!claimed) throw new ComputeTaskError(`Migration ${migration.uuid} is no longer accepted`);
      // No guest of this server here yet.
      await advance(ctx, uuid, TaskState.REBUILDING, TaskState.REBUILDING, { power_state: POWER_STATE.NOSTATE });
      await advance(ctx, uuid, TaskState.REBUILD_BLOCK_DEVICE_MAPPING, TaskState.REBUILDING);
      await advance(ctx, uuid, TaskState.REBUILD_SPAWNING, TaskState.REBUILD_BLOCK_DEVICE_MAPPING);
      await ctx.driver.spawn(guestSpec(inst, flavorOf(inst)));
      const now = ctx.clock.now();
      const done = await updateInstance(
        db,
        uuid,
        {
          vm_state: VmState.ACTIVE,
          task_state: null,
          power_state: POWER_STATE.RUNNING,
          host: ctx.host,
          node,
          launched_at: dbTime(now),
          progress: 0,
        },
        now,
        { taskState: [TaskState.REBUILD_SPAWNING] },
      );
      if (!done) throw new ComputeTaskError(`Instance ${uuid} was deleted or changed while it was being evacuated`);
      moved = true;
      // The source may already have cleaned up (it came back meanwhile): then the record stays `completed`.
      await updateMigration(ctx.db, migration.id, { status: 'done' }, { expectStatus: ['pre-migrating'], now });
      if (endStopped) await stopAfterEvacuation(ctx, uuid, requestId);
    });
  } catch (err) {
    if (!moved) await failEvacuation(ctx, migration, uuid, errorMessage(err));
    ctx.log.info({ err, instance: uuid, requestId }, 'evacuation failed on this host');
  }
}

export function evacuationHandlers(ctx: AgentContext): Handlers {
  return {
    async rebuild_evacuated_instance(args, mctx) {
      await rebuildHere(ctx, args, mctx.requestId);
    },
  };
}

/**
 * Start-up: servers evacuated away from this host while it was down still
 * have their old guests here. Destroy them, free the resources the migration
 * held on this host, and mark the evacuations `completed`. An evacuation that
 * is still under way is left alone while the server is still this host's (it
 * may yet fail and the server be rebuilt here). Also fails rebuilds that this
 * host had started as a destination when it went down.
 */
export async function cleanUpEvacuations(ctx: AgentContext): Promise<void> {
  const db = ctx.db.kysely;
  const migrations = await unfinishedMigrations(ctx.db, {
    host: ctx.host,
    types: ['evacuation'],
    statuses: ['accepted', 'pre-migrating', 'done'],
  });
  for (const m of migrations) {
    const inst = await getInstance(db, m.instance_uuid, { readDeleted: true });
    const livesHere = inst !== undefined && inst.deleted === 0 && inst.host === ctx.host;
    if (m.source_compute === ctx.host) {
      if (m.status !== 'done' && livesHere) continue;
      if (ctx.driver.getGuest(m.instance_uuid)) await ctx.driver.destroy(m.instance_uuid);
      await release(ctx.db, m.uuid);
      await updateMigration(ctx.db, m.id, { status: 'completed' }, { expectStatus: [m.status], now: ctx.clock.now() });
    } else if (m.dest_compute === ctx.host && m.status === 'pre-migrating') {
      // This host was rebuilding the server when it went down.
      if (livesHere) await updateMigration(ctx.db, m.id, { status: 'done' }, { expectStatus: ['pre-migrating'], now: ctx.clock.now() });
      else await failEvacuation(ctx, m, m.instance_uuid, `Evacuation to ${ctx.host} was interrupted by a restart of its compute service`);
    }
  }
}
