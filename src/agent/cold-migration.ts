// The hosts' part of cold migration and resize, and of confirming or
// reverting one. Each step runs as instance-action event `compute_<step>` on
// its host and hands over to the next host with a cast:
//   move:    destination prep_resize → source resize_instance → destination finish_resize
//   confirm: source confirm_resize
//   revert:  destination revert_resize → source finish_revert_resize
// A failed step marks the migration `error` and leaves exactly one
// allocation, on the host where the server now is; the server goes to ERROR
// with a fault (a refused prep_resize, which touched nothing, only gives the
// server back its previous state).
import type { Handlers, MessageArgs } from '../rpc/bus.js';
import type { InstanceFlavor, InstanceRow, InstanceUpdate, MigrationRow } from '../db/schema.js';
import type { AgentContext } from './context.js';
import { guestSpec, hostEvent } from './context.js';
import { addFault, flavorOf, getInstance, updateInstance } from '../db/instances.js';
import { getMigration, updateMigration } from '../db/migrations-repo.js';
import { moveAllocations, release } from '../scheduler/claims.js';
import { dbTime } from '../db/time.js';
import { Conflict } from '../compute/errors.js';
import { POWER_STATE, TaskState, VmState } from '../compute/states.js';

interface StepArgs {
  readonly instanceUuid: string;
  readonly migrationId: number;
}

function stepArgs(a: MessageArgs): StepArgs {
  return { instanceUuid: String(a['instance_uuid']), migrationId: Number(a['migration_id']) };
}

/** Hands the move to the next host; a migration that does not name it cannot go on. */
async function cast(ctx: AgentContext, host: string | null, method: string, s: StepArgs, requestId: string | undefined): Promise<void> {
  if (host === null) throw new Conflict(`Migration ${s.migrationId} names no host for ${method}`);
  await ctx.bus.cast(`compute.${host}`, method, { instance_uuid: s.instanceUuid, migration_id: s.migrationId }, { requestId });
}

/** Compare-and-swap on task_state; a lost race (reset-state, delete) fails the step. */
async function advance(ctx: AgentContext, uuid: string, values: InstanceUpdate, expected: ReadonlyArray<string | null>): Promise<void> {
  if (await updateInstance(ctx.db.kysely, uuid, values, ctx.clock.now(), { taskState: expected })) return;
  const seen = await getInstance(ctx.db.kysely, uuid);
  const show = (t: string | null | undefined): string => (t === null || t === undefined ? 'None' : t);
  throw new Conflict(
    `Conflict updating instance ${uuid}. Expected: task_state ${expected.map(show).join(', ')}. Actual: ${seen ? `task_state ${show(seen.task_state)}` : 'deleted'}`,
  );
}

async function setMigration(ctx: AgentContext, m: MigrationRow, values: Parameters<typeof updateMigration>[2], expect?: readonly string[]): Promise<void> {
  const ok = await updateMigration(ctx.db, m.id, values, { now: ctx.clock.now(), ...(expect ? { expectStatus: expect } : {}) });
  if (!ok) throw new Conflict(`Migration ${m.id} is no longer ${expect?.join(' or ') ?? 'present'}`);
}

/**
 * Where the allocations end after a failure: with the server on the source
 * (its destination claim dropped, the source given back by the migration) or
 * on the destination (the migration's source allocation dropped). A server
 * deleted meanwhile keeps nothing.
 */
async function settleAllocations(ctx: AgentContext, uuid: string, m: MigrationRow, serverIsOn: 'source' | 'dest'): Promise<void> {
  const alive = await getInstance(ctx.db.kysely, uuid);
  if (!alive) {
    await release(ctx.db, uuid);
    await release(ctx.db, m.uuid);
  } else if (serverIsOn === 'source') {
    await release(ctx.db, uuid);
    await moveAllocations(ctx.db, m.uuid, uuid);
  } else {
    await release(ctx.db, m.uuid);
  }
}

function describe(err: unknown): { message: string; details: string } {
  const message = err instanceof Error ? err.message : String(err);
  const name = err instanceof Error ? err.name : 'Error';
  return { message, details: `${name}: ${message}` };
}

/** The step failed: migration `error`, then the server either ERROR (with a fault) or rolled back to `rollbackTo`. */
async function failStep(ctx: AgentContext, uuid: string, m: MigrationRow, err: unknown, rollbackTo?: string): Promise<void> {
  const now = ctx.clock.now();
  const { message, details } = describe(err);
  ctx.log.warn({ instance: uuid, migration: m.id, err: message }, 'cold migration step failed');
  await updateMigration(ctx.db, m.id, { status: 'error' }, { now });
  const values: InstanceUpdate = rollbackTo !== undefined ? { vm_state: rollbackTo, task_state: null } : { vm_state: VmState.ERROR, task_state: null };
  if (await updateInstance(ctx.db.kysely, uuid, values, now)) await addFault(ctx.db.kysely, uuid, 500, message, details, ctx.host, now);
}

/** The step's records, or nothing to do when the server or migration is gone. */
async function load(ctx: AgentContext, s: StepArgs): Promise<{ inst: InstanceRow; m: MigrationRow } | undefined> {
  const m = await getMigration(ctx.db, s.migrationId);
  if (!m) return undefined;
  const inst = await getInstance(ctx.db.kysely, s.instanceUuid);
  if (!inst) {
    // Deleted mid-move: whatever the migration still holds is free.
    await release(ctx.db, m.uuid);
    await updateMigration(ctx.db, m.id, { status: 'error' }, { now: ctx.clock.now() });
    return undefined;
  }
  return { inst, m };
}

const flavorFrom = (json: string | null, fallback: InstanceFlavor): InstanceFlavor => (json === null ? fallback : (JSON.parse(json) as InstanceFlavor));

export function coldMigrationHandlers(ctx: AgentContext): Handlers {
  const db = ctx.db.kysely;
  return {
    /** Destination: take the move on (its resources were claimed by the scheduler). */
    async prep_resize(args, mctx) {
      const s = stepArgs(args);
      const flavor = args['flavor'] as unknown as InstanceFlavor;
      const rec = await load(ctx, s);
      if (!rec) return;
      const { inst, m } = rec;
      try {
        await hostEvent(ctx, s.instanceUuid, mctx.requestId, 'prep_resize', async () => {
          await setMigration(ctx, m, { dest_compute: ctx.host, dest_node: ctx.nodeName, dest_host: ctx.hostIp }, ['pre-migrating']);
          await advance(ctx, inst.uuid, { new_flavor: JSON.stringify(flavor) }, [TaskState.RESIZE_PREP]);
          await cast(ctx, m.source_compute, 'resize_instance', s, mctx.requestId);
        });
      } catch (err) {
        await settleAllocations(ctx, inst.uuid, m, 'source');
        // Nothing has happened to the guest yet: the server keeps its state.
        await failStep(ctx, inst.uuid, m, err, inst.vm_state);
      }
    },

    /** Source: power the guest off and send its disks; the server now belongs to the destination. */
    async resize_instance(args, mctx) {
      const s = stepArgs(args);
      const rec = await load(ctx, s);
      if (!rec) return;
      const { inst, m } = rec;
      try {
        await hostEvent(ctx, s.instanceUuid, mctx.requestId, 'resize_instance', async () => {
          await setMigration(ctx, m, { status: 'migrating' }, ['pre-migrating']);
          await advance(ctx, inst.uuid, { task_state: TaskState.RESIZE_MIGRATING }, [TaskState.RESIZE_PREP]);
          await ctx.driver.migrateDiskAndPowerOff(inst.uuid, m.dest_compute ?? '');
          await setMigration(ctx, m, { status: 'post-migrating' }, ['migrating']);
          await advance(
            ctx,
            inst.uuid,
            {
              host: m.dest_compute,
              node: m.dest_node,
              old_flavor: inst.flavor,
              power_state: POWER_STATE.SHUTDOWN,
              task_state: TaskState.RESIZE_MIGRATED,
            },
            [TaskState.RESIZE_MIGRATING],
          );
          await cast(ctx, m.dest_compute, 'finish_resize', s, mctx.requestId);
        });
      } catch (err) {
        await settleAllocations(ctx, inst.uuid, m, 'source');
        await failStep(ctx, inst.uuid, m, err);
      }
    },

    /** Destination: start the guest with its (new) flavor; the server waits for confirm or revert. */
    async finish_resize(args, mctx) {
      const s = stepArgs(args);
      const rec = await load(ctx, s);
      if (!rec) return;
      const { inst, m } = rec;
      try {
        await hostEvent(ctx, s.instanceUuid, mctx.requestId, 'finish_resize', async () => {
          const oldFlavor = flavorOf(inst);
          const flavor = m.old_instance_type_id !== m.new_instance_type_id ? flavorFrom(inst.new_flavor, oldFlavor) : oldFlavor;
          // A stopped server is moved, not started: it stays off (and still VERIFY_RESIZE).
          const powerOn = inst.vm_state !== VmState.STOPPED;
          await advance(ctx, inst.uuid, { task_state: TaskState.RESIZE_FINISH }, [TaskState.RESIZE_MIGRATED]);
          await ctx.driver.finishMigration(guestSpec(inst, flavor), powerOn);
          await setMigration(ctx, m, { status: 'finished' }, ['post-migrating']);
          const now = ctx.clock.now();
          await advance(
            ctx,
            inst.uuid,
            {
              vm_state: VmState.RESIZED,
              task_state: null,
              flavor: JSON.stringify(flavor),
              power_state: powerOn ? POWER_STATE.RUNNING : POWER_STATE.SHUTDOWN,
              launched_at: dbTime(now),
            },
            [TaskState.RESIZE_FINISH],
          );
        });
      } catch (err) {
        // The server is recorded here now; the source allocation has no one left to use it.
        await settleAllocations(ctx, inst.uuid, m, 'dest');
        await failStep(ctx, inst.uuid, m, err);
      }
    },

    /** Source: drop the old guest and its allocation; the server stays where it is. */
    async confirm_resize(args, mctx) {
      const s = stepArgs(args);
      const m = await getMigration(ctx.db, s.migrationId);
      if (!m || m.status === 'confirmed' || !['finished', 'confirming'].includes(m.status)) return;
      const inst = await getInstance(db, s.instanceUuid);
      if (!inst) return;
      try {
        await hostEvent(ctx, s.instanceUuid, mctx.requestId, 'confirm_resize', async () => {
          try {
            await ctx.driver.confirmMigration(inst.uuid);
          } finally {
            // The server runs on the destination whatever happened here.
            await release(ctx.db, m.uuid);
          }
          await setMigration(ctx, m, { status: 'confirmed' });
          const fresh = (await getInstance(db, inst.uuid)) ?? inst;
          // Whatever it was before the move, a guest that is off now makes a stopped server.
          const vmState = fresh.power_state === POWER_STATE.SHUTDOWN ? VmState.STOPPED : VmState.ACTIVE;
          await advance(ctx, inst.uuid, { vm_state: vmState, task_state: null, old_flavor: null, new_flavor: null }, [
            null,
            TaskState.DELETING,
            'soft-deleting',
          ]);
        });
      } catch (err) {
        await failStep(ctx, inst.uuid, m, err);
      }
    },

    /** Destination: drop the new guest and its claim, give the source allocation back to the server. */
    async revert_resize(args, mctx) {
      const s = stepArgs(args);
      const rec = await load(ctx, s);
      if (!rec) return;
      const { inst, m } = rec;
      try {
        await hostEvent(ctx, s.instanceUuid, mctx.requestId, 'revert_resize', async () => {
          await ctx.driver.revertMigrationAtDestination(inst.uuid);
          await release(ctx.db, inst.uuid);
          await moveAllocations(ctx.db, m.uuid, inst.uuid);
          await setMigration(ctx, m, { status: 'reverted' }, ['reverting']);
          await cast(ctx, m.source_compute, 'finish_revert_resize', s, mctx.requestId);
        });
      } catch (err) {
        // Still recorded on this host: keep its allocation, drop the source's.
        await settleAllocations(ctx, inst.uuid, m, 'dest');
        await failStep(ctx, inst.uuid, m, err);
      }
    },

    /** Source: the old guest with the old flavor, in the state the server had before the move. */
    async finish_revert_resize(args, mctx) {
      const s = stepArgs(args);
      const m = await getMigration(ctx.db, s.migrationId);
      if (!m) return;
      const inst = await getInstance(db, s.instanceUuid);
      if (!inst) return;
      try {
        await hostEvent(ctx, s.instanceUuid, mctx.requestId, 'finish_revert_resize', async () => {
          const oldFlavor = flavorFrom(inst.old_flavor, flavorOf(inst));
          // The destination kept a stopped server off (finish_resize), so the
          // power state still tells what the server was before the move.
          const powerOn = inst.power_state !== POWER_STATE.SHUTDOWN;
          await advance(ctx, inst.uuid, { host: m.source_compute, node: m.source_node, flavor: JSON.stringify(oldFlavor) }, [
            TaskState.RESIZE_REVERTING,
          ]);
          await ctx.driver.finishRevertMigration(guestSpec(inst, oldFlavor), powerOn);
          const launched = dbTime(ctx.clock.now());
          const done: InstanceUpdate = { task_state: null, old_flavor: null, new_flavor: null, launched_at: launched };
          if (powerOn) {
            await advance(ctx, inst.uuid, { ...done, vm_state: VmState.ACTIVE, power_state: POWER_STATE.RUNNING }, [TaskState.RESIZE_REVERTING]);
            return;
          }
          await advance(ctx, inst.uuid, { task_state: TaskState.POWERING_OFF, launched_at: launched }, [TaskState.RESIZE_REVERTING]);
          await hostEvent(ctx, inst.uuid, mctx.requestId, 'stop_instance', () => ctx.driver.powerOff(inst.uuid));
          await advance(ctx, inst.uuid, { ...done, vm_state: VmState.STOPPED, power_state: POWER_STATE.SHUTDOWN }, [TaskState.POWERING_OFF]);
        });
      } catch (err) {
        await failStep(ctx, inst.uuid, m, err);
      }
    },
  };
}
