// Evacuation on the hosts: the destination rebuilds the server (tasks
// rebuilding → rebuild_block_device_mapping → rebuild_spawning, then the new
// guest, which waits for its ports rebound here to be reported plugged, as a
// build does; and in one transaction the server moves here and the migration is
// `done`), and the failed source, once its agent runs again, destroys the
// guest it still has and gives back the resources the migration held for it.
// A rebuild an earlier life of the destination's agent did not finish is run
// again and takes the guest that earlier try left, never destroying it.
import type { Handlers, JobHandle, MessageArgs } from '../rpc/bus.js';
import type { AgentContext } from './context.js';
import { guestSpec, hostEvent } from './context.js';
import { addFault, flavorOf, getInstance, updateInstance } from '../db/instances.js';
import { getMigration, unfinishedMigrations, updateMigration } from '../db/migrations-repo.js';
import { moveAllocations, release } from '../scheduler/claims.js';
import { dbTime } from '../db/time.js';
import { POWER_STATE, TaskState, VmState } from '../compute/states.js';
import { transact } from '../jobs/transaction.js';
import { ComputeTaskError } from '../compute/errors.js';
import type { MigrationRow } from '../db/schema.js';
import { validateInstanceGroupPolicy } from '../compute/server-group-policy-check.js';
import { bindPortsToHost, portsEnvOf } from '../compute/neutron/server-ports.js';
import { waitForMovedVifsPlugged } from './vif-plugging.js';

const REBUILD_TASKS: string[] = [TaskState.REBUILDING, TaskState.REBUILD_BLOCK_DEVICE_MAPPING, TaskState.REBUILD_SPAWNING];

const errorMessage = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * Moves the server forward to one rebuild task (a try resumed after a crash
 * may find it there or past it already); a lost race (deleted, reset) ends
 * the evacuation.
 */
async function advance(ctx: AgentContext, uuid: string, to: string, extra: { power_state?: number } = {}): Promise<void> {
  const from = REBUILD_TASKS.slice(0, REBUILD_TASKS.indexOf(to) + 1);
  if (await updateInstance(ctx.db.kysely, uuid, { task_state: to, ...extra }, ctx.clock.now(), { taskState: from })) return;
  const now = await getInstance(ctx.db.kysely, uuid);
  if (now && REBUILD_TASKS.indexOf(now.task_state ?? '') > REBUILD_TASKS.indexOf(to)) return;
  throw new ComputeTaskError(`Instance ${uuid} was deleted or changed while it was being evacuated`);
}

/**
 * The rebuild here failed (or is no longer wanted): whatever was spawned here
 * for it goes, and in one transaction the migration fails, this host's claim
 * is dropped, the failed host's share returns to the server — which stays
 * recorded there, in ERROR when `message` says why.
 */
async function failEvacuation(ctx: AgentContext, migration: MigrationRow, uuid: string, message: string | null, job: JobHandle | undefined): Promise<void> {
  const inst = await getInstance(ctx.db.kysely, uuid);
  if (ctx.driver.getGuest(uuid) && inst?.host !== ctx.host) await ctx.driver.destroy(uuid).catch(() => undefined);
  await transact(ctx, async (tx) => {
    const now = ctx.clock.now();
    if (await updateMigration(tx.q, migration.id, { status: 'failed' }, { expectStatus: ['accepted', 'pre-migrating'], now })) {
      await release(tx.q, uuid);
      const alive = await getInstance(tx.q, uuid);
      if (alive) await moveAllocations(tx.q, migration.uuid, uuid);
      else await release(tx.q, migration.uuid);
      if (alive && message !== null) {
        const errored = await updateInstance(tx.q, uuid, { vm_state: VmState.ERROR, task_state: null }, now, { taskState: REBUILD_TASKS });
        if (errored) await addFault(tx.q, uuid, 500, message, null, ctx.host, now);
      }
    }
    await tx.finish(job);
  });
}

/** Powers the rebuilt guest off, for a server that must end stopped. Failing here leaves it running, task cleared. */
async function stopAfterEvacuation(ctx: AgentContext, uuid: string, requestId: string | undefined, job: JobHandle | undefined): Promise<void> {
  try {
    await hostEvent(ctx, uuid, requestId, 'stop_instance', () => ctx.driver.powerOff(uuid));
  } catch (err) {
    await transact(ctx, async (tx) => {
      const now = ctx.clock.now();
      if (await updateInstance(tx.q, uuid, { task_state: null }, now, { taskState: [TaskState.POWERING_OFF] }))
        await addFault(tx.q, uuid, 500, errorMessage(err), null, ctx.host, now);
      await tx.finish(job);
    });
    return;
  }
  await transact(ctx, async (tx) => {
    await updateInstance(tx.q, uuid, { vm_state: VmState.STOPPED, power_state: POWER_STATE.SHUTDOWN, task_state: null }, ctx.clock.now(), {
      taskState: [TaskState.POWERING_OFF],
    });
    await tx.finish(job);
  });
}

/**
 * Whether the evacuation starts from the server's own files, as Nova decides
 * it: the caller's word (below 2.14) must match what the driver finds here,
 * and without a word the driver's finding decides. A driver that cannot
 * reach another host's files (the simulated one) rebuilds from the image.
 */
function onSharedStorage(ctx: AgentContext, uuid: string, said: unknown): boolean {
  if (!ctx.driver.instanceOnDisk || !ctx.driver.spawnFromSharedDisk) return false;
  const onDisk = ctx.driver.instanceOnDisk(uuid);
  if (typeof said === 'boolean' && said !== onDisk) throw new ComputeTaskError('Invalid state of instance files on shared storage');
  ctx.log.info({ instance: uuid }, onDisk ? 'disk on shared storage, evacuating using existing disk' : 'disk not on shared storage, evacuating from the image');
  return onDisk;
}

async function rebuildHere(ctx: AgentContext, args: MessageArgs, requestId: string | undefined, job: JobHandle | undefined): Promise<void> {
  const db = ctx.db.kysely;
  const uuid = String(args['instance_uuid']);
  const migration = await getMigration(ctx.db, String(args['migration_uuid']));
  if (!migration || migration.dest_compute !== ctx.host) return;
  const inst = await getInstance(db, uuid);
  if (migration.status === 'done' && inst?.host === ctx.host && inst.task_state === TaskState.POWERING_OFF) {
    // Rebuilt here by an earlier try that died before it stopped the guest.
    await stopAfterEvacuation(ctx, uuid, requestId, job);
    return;
  }
  // Done already, or given up.
  if (!['accepted', 'pre-migrating'].includes(migration.status)) return;
  if (!inst || !REBUILD_TASKS.includes(inst.task_state as (typeof REBUILD_TASKS)[number])) {
    // Deleted or reset while the message waited: this host's claim is not
    // needed, and a server that is still there keeps its old host's share.
    await failEvacuation(ctx, migration, uuid, null, job);
    return;
  }
  const node = typeof args['node'] === 'string' ? args['node'] : ctx.nodeName;
  const origVmState = inst.vm_state;
  // From 2.95 the server ends stopped, unless it was in error; below, it keeps its state.
  const endStopped = args['target_state'] === VmState.STOPPED ? origVmState !== VmState.ERROR : origVmState === VmState.STOPPED;

  let moved = false;
  // Expected before the ports are bound here, so a plug event that comes early is kept.
  const plugEvents = ctx.instanceEvents.expect(uuid);
  try {
    await hostEvent(ctx, uuid, requestId, 'rebuild_instance', async () => {
      // Evacuations placed at the same time, or a forced host, may break the group's policy.
      if (migration.status === 'accepted') await validateInstanceGroupPolicy(db, ctx.conf, uuid, ctx.host);
      if (migration.status === 'accepted') {
        const claimed = await updateMigration(
          ctx.db,
          migration.id,
          { status: 'pre-migrating', dest_compute: ctx.host, dest_node: node, dest_host: ctx.hostIp },
          { expectStatus: ['accepted'], now: ctx.clock.now() },
        );
        if (!claimed) throw new ComputeTaskError(`Migration ${migration.uuid} is no longer accepted`);
        // No guest of this server here yet.
        await advance(ctx, uuid, TaskState.REBUILDING, { power_state: POWER_STATE.NOSTATE });
      }
      // The ports are bound here, as Nova rebinds them on the evacuation's destination.
      const networkInfo = await bindPortsToHost(portsEnvOf(ctx), inst, ctx.host);
      await advance(ctx, uuid, TaskState.REBUILD_BLOCK_DEVICE_MAPPING);
      await advance(ctx, uuid, TaskState.REBUILD_SPAWNING);
      // A guest already here is this server's (an earlier try that died, or a copy
      // an earlier move left): it is used, never destroyed, so nothing is lost.
      const existing = ctx.driver.getGuest(uuid);
      if (!existing) {
        const spec = { ...guestSpec(inst, flavorOf(inst)), networkInfo };
        if (onSharedStorage(ctx, uuid, args['on_shared_storage'])) await ctx.driver.spawnFromSharedDisk!(spec);
        else await ctx.driver.spawn(spec);
      } else if (existing.powerState !== POWER_STATE.RUNNING) await ctx.driver.powerOn(uuid);
      // As a build: the spawned guest waits for its ports, rebound here, to be reported plugged.
      await waitForMovedVifsPlugged(ctx, uuid, networkInfo, plugEvents);
      ctx.crash.at('compute.rebuild.after_spawn', uuid);
      const done = await transact(ctx, async (tx) => {
        const now = ctx.clock.now();
        // The migration first: a rebuild whose evacuation was given up meanwhile must not move the server.
        if (!(await updateMigration(tx.q, migration.id, { status: 'done' }, { expectStatus: ['pre-migrating'], now }))) return false;
        const ok = await updateInstance(
          tx.q,
          uuid,
          {
            vm_state: VmState.ACTIVE,
            task_state: endStopped ? TaskState.POWERING_OFF : null,
            power_state: POWER_STATE.RUNNING,
            host: ctx.host,
            node,
            launched_at: dbTime(now),
            progress: 0,
          },
          now,
          { taskState: [TaskState.REBUILD_SPAWNING] },
        );
        if (!ok) throw new ComputeTaskError(`Instance ${uuid} was deleted or changed while it was being evacuated`);
        if (!endStopped) await tx.finish(job);
        return true;
      });
      if (!done) throw new ComputeTaskError(`Instance ${uuid} was deleted or changed while it was being evacuated`);
      moved = true;
      if (endStopped) await stopAfterEvacuation(ctx, uuid, requestId, job);
    });
  } catch (err) {
    if (err instanceof Error && err.name === 'CrashPointReached') throw err;
    if (!moved) await failEvacuation(ctx, migration, uuid, errorMessage(err), job);
    ctx.log.info({ err, instance: uuid, requestId }, 'evacuation failed on this host');
  } finally {
    ctx.instanceEvents.forget(uuid, plugEvents);
  }
}

export function evacuationHandlers(ctx: AgentContext): Handlers {
  return {
    async rebuild_evacuated_instance(args, mctx) {
      await rebuildHere(ctx, args, mctx.requestId, mctx.job);
    },
  };
}

/**
 * Start-up: servers evacuated away from this host while it was down still
 * have their old guests here. Destroy them, free the resources the migration
 * held on this host, and mark the evacuations `completed`, as Nova does when
 * the failed host's compute service restarts. An evacuation still under way
 * is left alone while the server is still this host's (it may yet fail and
 * the server stay here) — and awaited: once it is done, the periodic task
 * below drops the old guest, so that a host that came back too early does
 * not run a second copy until its next restart.
 */
export async function cleanUpEvacuations(ctx: AgentContext): Promise<void> {
  const migrations = await unfinishedMigrations(ctx.db, { host: ctx.host, types: ['evacuation'], statuses: ['accepted', 'pre-migrating', 'done'] });
  for (const m of migrations) {
    if (m.source_compute !== ctx.host) continue;
    if (m.status === 'done') await completeEvacuation(ctx, m);
    else ctx.awaitedEvacuations.add(m.uuid);
  }
}

/** Periodic: the evacuations this life found under way at its start that are done by now. */
export async function cleanUpAwaitedEvacuations(ctx: AgentContext): Promise<void> {
  for (const uuid of [...ctx.awaitedEvacuations]) {
    const m = await getMigration(ctx.db, uuid);
    if (!m || !['accepted', 'pre-migrating', 'done'].includes(m.status)) ctx.awaitedEvacuations.delete(uuid);
    else if (m.status === 'done') {
      await completeEvacuation(ctx, m);
      ctx.awaitedEvacuations.delete(uuid);
    }
  }
}

async function completeEvacuation(ctx: AgentContext, m: MigrationRow): Promise<void> {
  const inst = await getInstance(ctx.db.kysely, m.instance_uuid, { readDeleted: true });
  const livesHere = inst !== undefined && inst.deleted === 0 && inst.host === ctx.host;
  if (!livesHere && ctx.driver.getGuest(m.instance_uuid)) await ctx.driver.destroy(m.instance_uuid);
  ctx.crash.at('compute.evacuation_cleanup.after_destroy', m.instance_uuid);
  await transact(ctx, async (tx) => {
    if (await updateMigration(tx.q, m.id, { status: 'completed' }, { expectStatus: ['done'], now: ctx.clock.now() })) await release(tx.q, m.uuid);
  });
}
