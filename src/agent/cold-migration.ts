// The hosts' part of cold migration and resize, and of confirming or
// reverting one. Each step runs as instance-action event `compute_<step>` on
// its host, and is a job that ends with one transaction over everything it
// changes — the server's host and task, the migration's status, the
// allocations — together with the next host's job:
//   move:    destination prep_resize → source resize_instance → destination finish_resize
//   confirm: source confirm_resize
//   revert:  destination revert_resize → source finish_revert_resize (which,
//            as Nova's driver, waits for the ports bound back to be reported
//            plugged before the server is ACTIVE again; finish_resize does
//            not wait, as Nova's does not)
//   failed after the server moved: destination → source restore_migrated_guest
// At every commit the server's recorded host is the host that holds its
// guest (or, while the disk is in flight, the source that still does). A step
// an earlier life of this agent did not finish is run again from its
// records: the hypervisor steps may be repeated, the records say what is done.
// A step whose server was reset or deleted underneath it undoes what it did
// on its own host and gives the move up.
import { validateInstanceGroupPolicy } from '../compute/server-group-policy-check.js';
import { bindPortsToHost, portsEnvOf } from '../compute/neutron/server-ports.js';
import { VirtualInterfaceCreateFailed, waitForMovedVifsPlugged } from './vif-plugging.js';
import type { Handlers, JobHandle, Json, MessageArgs } from '../rpc/bus.js';
import type { LiveMigrateData } from '../virt/driver.js';
import type { InstanceFlavor, InstanceRow, MigrationRow } from '../db/schema.js';
import type { AgentContext } from './context.js';
import { guestSpec, hostEvent, notifyFromHost } from './context.js';
import { flavorPayload } from '../notifications/instance-payload.js';
import { addFault, flavorOf, getInstance, updateInstance } from '../db/instances.js';
import { getMigration, updateMigration } from '../db/migrations-repo.js';
import { moveAllocations, release } from '../scheduler/claims.js';
import { dbTime } from '../db/time.js';
import { transact, type Tx } from '../jobs/transaction.js';
import { POWER_STATE, TaskState, VmState, isDeleting } from '../compute/states.js';

interface StepArgs {
  readonly instanceUuid: string;
  readonly migrationId: number;
}

function stepArgs(a: MessageArgs): StepArgs {
  return { instanceUuid: String(a['instance_uuid']), migrationId: Number(a['migration_id']) };
}

const flavorFrom = (json: string | null, fallback: InstanceFlavor): InstanceFlavor => (json === null ? fallback : (JSON.parse(json) as InstanceFlavor));

/** The flavor the server had before the move. */
const oldFlavorOf = (inst: InstanceRow): InstanceFlavor => flavorFrom(inst.old_flavor, flavorOf(inst));

function describe(err: unknown): { message: string; details: string } {
  const message = err instanceof Error ? err.message : String(err);
  const name = err instanceof Error ? err.name : 'Error';
  return { message, details: `${name}: ${message}` };
}

/** Queues the next host's step of the same move. */
function next(tx: Tx, host: string | null, method: string, s: StepArgs, requestId: string | undefined, migrateData?: Json): Promise<number> {
  const args = { instance_uuid: s.instanceUuid, migration_id: s.migrationId, ...(migrateData !== undefined && migrateData !== null ? { migrate_data: migrateData } : {}) };
  return tx.post(`compute.${host ?? ''}`, method, args, { requestId, instanceUuid: s.instanceUuid });
}

/**
 * The move is given up while the server is still on its source: the
 * migration ends in `error`, the destination claim is dropped, the source
 * share returns to the server (or, for a deleted server, goes too).
 */
async function giveUpOnSource(tx: Tx, m: MigrationRow, serverAlive: boolean, now: Date): Promise<boolean> {
  if (!(await updateMigration(tx.q, m.id, { status: 'error' }, { expectStatus: [m.status], now }))) return false;
  await release(tx.q, m.instance_uuid);
  if (serverAlive) await moveAllocations(tx.q, m.uuid, m.instance_uuid);
  else await release(tx.q, m.uuid);
  return true;
}

export function coldMigrationHandlers(ctx: AgentContext): Handlers {
  const db = ctx.db.kysely;
  const ports = portsEnvOf(ctx);

  /** Puts the source guest back as the server had it (after its disk was sent, or a failed send). */
  const restoreSourceGuest = async (inst: InstanceRow): Promise<void> => {
    if (!ctx.driver.getGuest(inst.uuid)) return;
    await ctx.driver.finishRevertMigration(guestSpec(inst, oldFlavorOf(inst)), inst.vm_state !== VmState.STOPPED);
  };

  /** The move ends on the source before the server left it: records set back, and the server in ERROR when `failure` says why. */
  const endOnSource = async (m: MigrationRow, inst: InstanceRow | undefined, job: JobHandle | undefined, failure?: unknown): Promise<void> => {
    await transact(ctx, async (tx) => {
      const now = ctx.clock.now();
      const alive = inst !== undefined && (await getInstance(tx.q, inst.uuid)) !== undefined;
      if (await giveUpOnSource(tx, m, alive, now)) {
        ctx.log.warn({ instance: m.instance_uuid, migration: m.id, err: failure === undefined ? 'given up' : describe(failure).message }, 'cold migration ended on its source');
        if (alive && failure !== undefined) {
          const { message, details } = describe(failure);
          const values = m.status === 'pre-migrating' ? { task_state: null } : { vm_state: VmState.ERROR, task_state: null };
          const tasks = [TaskState.RESIZE_PREP, TaskState.RESIZE_MIGRATING];
          if (await updateInstance(tx.q, m.instance_uuid, values, now, { taskState: tasks })) await addFault(tx.q, m.instance_uuid, 500, message, details, ctx.host, now);
        } else if (alive) {
          await updateInstance(tx.q, m.instance_uuid, { task_state: null }, now, { taskState: [TaskState.RESIZE_PREP, TaskState.RESIZE_MIGRATING] });
        }
      }
      await tx.finish(job);
    });
  };

  /**
   * The move failed after the server was recorded on the destination: this
   * host (the destination) drops what arrived, and the server goes back to
   * its source, which still holds the old guest, to end there in ERROR.
   */
  const sendBackToSource = async (m: MigrationRow, inst: InstanceRow, job: JobHandle | undefined, failure: unknown, requestId: string | undefined): Promise<void> => {
    if (ctx.driver.getGuest(inst.uuid)) await ctx.driver.revertMigrationAtDestination(inst.uuid);
    const { message, details } = describe(failure);
    await transact(ctx, async (tx) => {
      const now = ctx.clock.now();
      if (await updateMigration(tx.q, m.id, { status: 'error' }, { expectStatus: ['post-migrating'], now })) {
        const current = await getInstance(tx.q, inst.uuid);
        if (!current) {
          // Deleted meanwhile: nothing is left to hold.
          await release(tx.q, inst.uuid);
          await release(tx.q, m.uuid);
          await tx.finish(job);
          return;
        }
        if (isDeleting(current.task_state)) {
          // Its delete is under way on this host (the task changed under this step for it, not
          // for a reset): sent back, the server would leave that delete nothing to do here.
          // The delete ends the rest of the move; the source's old guest is reaped as a deleted server's.
          await tx.finish(job);
          return;
        }
        await release(tx.q, inst.uuid);
        await moveAllocations(tx.q, m.uuid, inst.uuid);
        await updateInstance(
          tx.q,
          inst.uuid,
          { host: m.source_compute, node: m.source_node, flavor: JSON.stringify(oldFlavorOf(inst)), new_flavor: null, task_state: TaskState.RESIZE_REVERTING },
          now,
        );
        await addFault(tx.q, inst.uuid, 500, message, details, ctx.host, now);
        await tx.post(
          `compute.${m.source_compute ?? ''}`,
          'restore_migrated_guest',
          { instance_uuid: inst.uuid, migration_id: m.id, previous_vm_state: inst.vm_state },
          { requestId, instanceUuid: inst.uuid },
        );
      }
      await tx.finish(job);
    });
  };

  return {
    /** Destination: take the move on (its resources were claimed by the scheduler). */
    async prep_resize(args, mctx) {
      const s = stepArgs(args);
      const flavor = args['flavor'] as unknown as InstanceFlavor;
      const m = await getMigration(ctx.db, s.migrationId);
      if (!m || m.status !== 'pre-migrating' || m.dest_compute !== ctx.host) return;
      const inst = await getInstance(db, s.instanceUuid);
      // Reset or deleted while the move waited: nothing has happened to the guest yet.
      if (!inst || inst.task_state !== TaskState.RESIZE_PREP) return endOnSource(m, inst, mctx.job);
      const prepNote = { kind: 'resize_prep', override: { new_flavor: flavorPayload(flavor) as unknown as Json } } as const;
      await notifyFromHost(ctx, 'instance.resize_prep.start', s.instanceUuid, mctx.requestId, prepNote);
      try {
        await hostEvent(ctx, s.instanceUuid, mctx.requestId, 'prep_resize', async () => {
          // Moves placed at the same time may have broken the group's policy.
          await validateInstanceGroupPolicy(db, ctx.conf, inst.uuid, ctx.host);
          await transact(
            ctx,
            async (tx) => {
              const ok = await updateInstance(tx.q, inst.uuid, { new_flavor: JSON.stringify(flavor) }, ctx.clock.now(), { taskState: [TaskState.RESIZE_PREP] });
              if (!ok || !(await updateMigration(tx.q, m.id, {}, { expectStatus: ['pre-migrating'], now: ctx.clock.now() })))
                throw new Error(`Instance ${inst.uuid} changed while its migration was being prepared`);
              await next(tx, m.source_compute, 'resize_instance', s, mctx.requestId);
              await tx.finish(mctx.job);
            },
            { afterCommit: () => ctx.crash.at('compute.prep_resize.after_commit', inst.uuid) },
          );
        });
        await notifyFromHost(ctx, 'instance.resize_prep.end', s.instanceUuid, mctx.requestId, prepNote);
      } catch (err) {
        if (err instanceof Error && err.name === 'CrashPointReached') throw err;
        // Nothing has happened to the guest yet: the server keeps its state.
        await endOnSource(m, inst, mctx.job, err);
      }
    },

    /** Source: power the guest off and send its disks; then the server belongs to the destination. */
    async resize_instance(args, mctx) {
      const s = stepArgs(args);
      const m = await getMigration(ctx.db, s.migrationId);
      if (!m || m.source_compute !== ctx.host || !['pre-migrating', 'migrating'].includes(m.status)) return;
      let inst = await getInstance(db, s.instanceUuid);
      const expected = m.status === 'pre-migrating' ? TaskState.RESIZE_PREP : TaskState.RESIZE_MIGRATING;
      if (!inst || inst.task_state !== expected) {
        // Reset or deleted underneath the move: the guest is put back as it was, the move given up.
        if (inst) await restoreSourceGuest(inst);
        return endOnSource(m, inst, mctx.job);
      }
      // What the destination needs to fetch the disk (the driver's answer; repeatable).
      let migrateData: Json | undefined;
      await notifyFromHost(ctx, 'instance.resize.start', s.instanceUuid, mctx.requestId);
      try {
        await hostEvent(ctx, s.instanceUuid, mctx.requestId, 'resize_instance', async () => {
          if (m.status === 'pre-migrating') {
            const started = await transact(ctx, async (tx) => {
              const now = ctx.clock.now();
              if (!(await updateMigration(tx.q, m.id, { status: 'migrating' }, { expectStatus: ['pre-migrating'], now }))) return false;
              return updateInstance(tx.q, s.instanceUuid, { task_state: TaskState.RESIZE_MIGRATING }, now, { taskState: [TaskState.RESIZE_PREP] });
            });
            if (!started) throw new Error(`Instance ${s.instanceUuid} changed before its disk was sent`);
          }
          migrateData = ((await ctx.driver.migrateDiskAndPowerOff(s.instanceUuid, m.dest_compute ?? '')) ?? undefined) as Json | undefined;
        });
      } catch (err) {
        if (err instanceof Error && err.name === 'CrashPointReached') throw err;
        inst = (await getInstance(db, s.instanceUuid)) ?? inst;
        await restoreSourceGuest(inst).catch(() => undefined);
        return endOnSource({ ...m, status: (await getMigration(ctx.db, m.id))?.status ?? m.status }, inst, mctx.job, err);
      }
      ctx.crash.at('compute.resize_instance.after_driver', s.instanceUuid);
      const handed = await transact(ctx, async (tx) => {
        const now = ctx.clock.now();
        if (!(await updateMigration(tx.q, m.id, { status: 'post-migrating' }, { expectStatus: ['migrating'], now }))) return false;
        const moved = await updateInstance(
          tx.q,
          s.instanceUuid,
          {
            host: m.dest_compute,
            node: m.dest_node,
            old_flavor: inst.flavor,
            power_state: POWER_STATE.SHUTDOWN,
            task_state: TaskState.RESIZE_MIGRATED,
          },
          now,
          { taskState: [TaskState.RESIZE_MIGRATING] },
        );
        if (!moved) throw new Error('reset');
        await next(tx, m.dest_compute, 'finish_resize', s, mctx.requestId, migrateData);
        await tx.finish(mctx.job);
        return true;
      }).catch(async (err: unknown) => {
        if (!(err instanceof Error) || err.message !== 'reset') throw err;
        return false;
      });
      if (handed) await notifyFromHost(ctx, 'instance.resize.end', s.instanceUuid, mctx.requestId);
      if (!handed) {
        // Reset or deleted while the disk was sent: the guest comes back up here.
        const now = await getInstance(db, s.instanceUuid);
        if (now) await restoreSourceGuest(now);
        const fresh = await getMigration(ctx.db, m.id);
        if (fresh && fresh.status === 'migrating') await endOnSource(fresh, now, mctx.job);
      }
    },

    /** Destination: start the guest with its (new) flavor; the server waits for confirm or revert. */
    async finish_resize(args, mctx) {
      const s = stepArgs(args);
      const m = await getMigration(ctx.db, s.migrationId);
      if (!m || m.status !== 'post-migrating' || m.dest_compute !== ctx.host) return;
      const inst = await getInstance(db, s.instanceUuid);
      if (!inst) {
        // Deleted on its way here: nothing of it stays here.
        if (ctx.driver.getGuest(s.instanceUuid)) await ctx.driver.revertMigrationAtDestination(s.instanceUuid);
        await transact(ctx, async (tx) => {
          if (await updateMigration(tx.q, m.id, { status: 'error' }, { expectStatus: ['post-migrating'], now: ctx.clock.now() })) await release(tx.q, m.uuid);
          await tx.finish(mctx.job);
        });
        return;
      }
      const oldFlavor = flavorOf(inst);
      const flavor = m.old_instance_type_id !== m.new_instance_type_id ? flavorFrom(inst.new_flavor, oldFlavor) : oldFlavor;
      // A stopped server is moved, not started: it stays off (and still VERIFY_RESIZE).
      const powerOn = inst.vm_state !== VmState.STOPPED;
      await notifyFromHost(ctx, 'instance.resize_finish.start', s.instanceUuid, mctx.requestId);
      try {
        await hostEvent(ctx, s.instanceUuid, mctx.requestId, 'finish_resize', async () => {
          const ok = await updateInstance(db, inst.uuid, { task_state: TaskState.RESIZE_FINISH }, ctx.clock.now(), {
            taskState: [TaskState.RESIZE_MIGRATED, TaskState.RESIZE_FINISH],
          });
          if (!ok) throw new Error(`Instance ${inst.uuid} was reset while it was being moved`);
          // As Nova's migrate_instance_finish: the ports follow the server here before its guest plugs them.
          await bindPortsToHost(ports, inst, ctx.host);
          const data = args['migrate_data'];
          await ctx.driver.finishMigration(guestSpec(inst, flavor), powerOn, data !== null && typeof data === 'object' && !Array.isArray(data) ? (data as LiveMigrateData) : undefined);
        });
      } catch (err) {
        if (err instanceof Error && err.name === 'CrashPointReached') throw err;
        return sendBackToSource(m, (await getInstance(db, inst.uuid)) ?? inst, mctx.job, err, mctx.requestId);
      }
      ctx.crash.at('compute.finish_resize.after_driver', inst.uuid);
      const done = await transact(ctx, async (tx) => {
        const now = ctx.clock.now();
        if (!(await updateMigration(tx.q, m.id, { status: 'finished' }, { expectStatus: ['post-migrating'], now }))) return true;
        const ok = await updateInstance(
          tx.q,
          inst.uuid,
          {
            vm_state: VmState.RESIZED,
            task_state: null,
            flavor: JSON.stringify(flavor),
            power_state: powerOn ? POWER_STATE.RUNNING : POWER_STATE.SHUTDOWN,
            launched_at: dbTime(now),
          },
          now,
          { taskState: [TaskState.RESIZE_FINISH] },
        );
        if (!ok) throw new Error('reset');
        await tx.finish(mctx.job);
        return true;
      }).catch((err: unknown) => {
        if (err instanceof Error && err.message === 'reset') return false;
        throw err;
      });
      if (done) await notifyFromHost(ctx, 'instance.resize_finish.end', s.instanceUuid, mctx.requestId);
      if (!done) await sendBackToSource(m, (await getInstance(db, inst.uuid)) ?? inst, mctx.job, new Error(`Instance ${inst.uuid} was reset while it was being moved`), mctx.requestId);
    },

    /** Source, after a move failed on the destination: the old guest comes back and the server ends here in ERROR. */
    async restore_migrated_guest(args, mctx) {
      const s = stepArgs(args);
      const inst = await getInstance(db, s.instanceUuid);
      if (!inst || inst.host !== ctx.host || inst.task_state !== TaskState.RESIZE_REVERTING) return;
      const powerOn = args['previous_vm_state'] !== VmState.STOPPED;
      let power: number = powerOn ? POWER_STATE.RUNNING : POWER_STATE.SHUTDOWN;
      // The ports come back with the old guest, if the destination had taken them.
      await bindPortsToHost(ports, inst, ctx.host).catch((err: unknown) => ctx.log.warn({ instance: inst.uuid, err }, 'could not bind the ports back'));
      try {
        await ctx.driver.finishRevertMigration(guestSpec(inst, flavorOf(inst)), powerOn);
      } catch (err) {
        power = ctx.driver.getGuest(inst.uuid)?.powerState ?? POWER_STATE.NOSTATE;
        ctx.log.warn({ instance: inst.uuid, err: describe(err).message }, 'could not bring the old guest back');
      }
      await transact(ctx, async (tx) => {
        await updateInstance(tx.q, inst.uuid, { vm_state: VmState.ERROR, task_state: null, power_state: power, old_flavor: null, new_flavor: null }, ctx.clock.now(), {
          taskState: [TaskState.RESIZE_REVERTING],
        });
        await tx.finish(mctx.job);
      });
    },

    /** Source: drop the old guest and its allocation; the server stays where it is. */
    async confirm_resize(args, mctx) {
      const s = stepArgs(args);
      const m = await getMigration(ctx.db, s.migrationId);
      if (!m || m.status !== 'confirming') return;
      const inst = await getInstance(db, s.instanceUuid);
      await notifyFromHost(ctx, 'instance.resize_confirm.start', s.instanceUuid, mctx.requestId);
      try {
        await hostEvent(ctx, s.instanceUuid, mctx.requestId, 'confirm_resize', () => ctx.driver.confirmMigration(s.instanceUuid));
      } catch (err) {
        if (err instanceof Error && err.name === 'CrashPointReached') throw err;
        const { message, details } = describe(err);
        await transact(ctx, async (tx) => {
          const now = ctx.clock.now();
          // The server runs on the destination whatever happened here; the old guest is swept later.
          if (await updateMigration(tx.q, m.id, { status: 'error' }, { expectStatus: ['confirming'], now })) await release(tx.q, m.uuid);
          if (inst && (await updateInstance(tx.q, inst.uuid, { vm_state: VmState.ERROR, task_state: null }, now))) await addFault(tx.q, inst.uuid, 500, message, details, ctx.host, now);
          await tx.finish(mctx.job);
        });
        return;
      }
      ctx.crash.at('compute.confirm_resize.after_driver', s.instanceUuid);
      // A resize whose server was reset out of VERIFY_RESIZE is cleaned up the same way but ends in `error`.
      const status = args['outcome'] === 'error' ? 'error' : 'confirmed';
      await transact(ctx, async (tx) => {
        const now = ctx.clock.now();
        // updateMigration takes the server's row first, as a delete takes it before the allocations this releases.
        if (await updateMigration(tx.q, m.id, { status }, { expectStatus: ['confirming'], now })) {
          await release(tx.q, m.uuid);
          const fresh = await getInstance(tx.q, s.instanceUuid);
          if (fresh) {
            // Whatever it was before the move, a guest that is off now makes a stopped server.
            const vmState = fresh.power_state === POWER_STATE.SHUTDOWN ? VmState.STOPPED : VmState.ACTIVE;
            // A delete queued with this confirm keeps its task, or its host would find nothing to do.
            const deleting = fresh.task_state === TaskState.DELETING || fresh.task_state === TaskState.SOFT_DELETING;
            await updateInstance(tx.q, fresh.uuid, { vm_state: vmState, task_state: deleting ? fresh.task_state : null, old_flavor: null, new_flavor: null }, now, {
              taskState: [null, TaskState.DELETING, TaskState.SOFT_DELETING],
              vmState: [VmState.RESIZED],
            });
          }
        }
        await tx.finish(mctx.job);
      });
      await notifyFromHost(ctx, 'instance.resize_confirm.end', s.instanceUuid, mctx.requestId);
    },

    /** Destination: drop the new guest and its claim; the server goes back to the source with the source's share. */
    async revert_resize(args, mctx) {
      const s = stepArgs(args);
      const m = await getMigration(ctx.db, s.migrationId);
      if (!m || m.status !== 'reverting') return;
      const inst = await getInstance(db, s.instanceUuid);
      await notifyFromHost(ctx, 'instance.resize_revert.start', s.instanceUuid, mctx.requestId);
      try {
        await hostEvent(ctx, s.instanceUuid, mctx.requestId, 'revert_resize', () => ctx.driver.revertMigrationAtDestination(s.instanceUuid));
      } catch (err) {
        if (err instanceof Error && err.name === 'CrashPointReached') throw err;
        const { message, details } = describe(err);
        await transact(ctx, async (tx) => {
          const now = ctx.clock.now();
          // Still here, with its new guest: it keeps this host's claim; the source's share goes.
          if (await updateMigration(tx.q, m.id, { status: 'error' }, { expectStatus: ['reverting'], now })) await release(tx.q, m.uuid);
          if (inst && (await updateInstance(tx.q, inst.uuid, { vm_state: VmState.ERROR, task_state: null }, now))) await addFault(tx.q, inst.uuid, 500, message, details, ctx.host, now);
          await tx.finish(mctx.job);
        });
        return;
      }
      ctx.crash.at('compute.revert_resize.after_driver', s.instanceUuid);
      await transact(ctx, async (tx) => {
        const now = ctx.clock.now();
        if (await updateMigration(tx.q, m.id, { status: 'reverted' }, { expectStatus: ['reverting'], now })) {
          if (inst && (await getInstance(tx.q, inst.uuid))) {
            await release(tx.q, inst.uuid);
            await moveAllocations(tx.q, m.uuid, inst.uuid);
            await updateInstance(tx.q, inst.uuid, { host: m.source_compute, node: m.source_node, flavor: JSON.stringify(oldFlavorOf(inst)) }, now);
            await next(tx, m.source_compute, 'finish_revert_resize', s, mctx.requestId);
          } else {
            await release(tx.q, m.uuid);
          }
        }
        await tx.finish(mctx.job);
      });
    },

    /** Source: the old guest with the old flavor, in the state the server had before the move. */
    async finish_revert_resize(args, mctx) {
      const s = stepArgs(args);
      const m = await getMigration(ctx.db, s.migrationId);
      if (!m || m.status !== 'reverted') return;
      const inst = await getInstance(db, s.instanceUuid);
      if (!inst || inst.host !== ctx.host) return;
      if (inst.task_state !== TaskState.RESIZE_REVERTING && inst.task_state !== TaskState.POWERING_OFF) {
        // Reset during the revert: the old guest still comes back, in the state the reset asked for.
        if (ctx.driver.getGuest(inst.uuid)?.migratingTo == null) return;
        await bindPortsToHost(ports, inst, ctx.host);
        const on = inst.vm_state !== VmState.STOPPED;
        await ctx.driver.finishRevertMigration(guestSpec(inst, flavorOf(inst)), on);
        await transact(ctx, async (tx) => {
          await updateInstance(tx.q, inst.uuid, { power_state: on ? POWER_STATE.RUNNING : POWER_STATE.SHUTDOWN, old_flavor: null, new_flavor: null }, ctx.clock.now());
          await tx.finish(mctx.job);
        });
        return;
      }
      // The destination kept a stopped server off (finish_resize), so the
      // power state still tells what the server was before the move.
      const powerOn = inst.power_state !== POWER_STATE.SHUTDOWN;
      // Expected before the ports are bound back here, so a plug event that comes early is kept.
      const plugEvents = ctx.instanceEvents.expect(inst.uuid);
      try {
        await hostEvent(ctx, s.instanceUuid, mctx.requestId, 'finish_revert_resize', async () => {
          // The ports come back to this host with the old guest.
          const networkInfo = await bindPortsToHost(ports, inst, ctx.host);
          await ctx.driver.finishRevertMigration(guestSpec(inst, flavorOf(inst)), powerOn);
          // As Nova's driver does when it starts the old guest again (not one kept off): its ports are to be reported plugged.
          if (powerOn) await waitForMovedVifsPlugged(ctx, inst.uuid, networkInfo, plugEvents);
          ctx.crash.at('compute.finish_revert_resize.after_driver', inst.uuid);
          const launched = dbTime(ctx.clock.now());
          const done = { task_state: null, old_flavor: null, new_flavor: null, launched_at: launched };
          if (powerOn) {
            await transact(ctx, async (tx) => {
              await updateInstance(tx.q, inst.uuid, { ...done, vm_state: VmState.ACTIVE, power_state: POWER_STATE.RUNNING }, ctx.clock.now(), {
                taskState: [TaskState.RESIZE_REVERTING],
              });
              await tx.finish(mctx.job);
            });
            return;
          }
          await updateInstance(db, inst.uuid, { task_state: TaskState.POWERING_OFF, launched_at: launched }, ctx.clock.now(), {
            taskState: [TaskState.RESIZE_REVERTING, TaskState.POWERING_OFF],
          });
          await hostEvent(ctx, inst.uuid, mctx.requestId, 'stop_instance', () => ctx.driver.powerOff(inst.uuid));
          await transact(ctx, async (tx) => {
            await updateInstance(tx.q, inst.uuid, { ...done, vm_state: VmState.STOPPED, power_state: POWER_STATE.SHUTDOWN }, ctx.clock.now(), {
              taskState: [TaskState.POWERING_OFF],
            });
            await tx.finish(mctx.job);
          });
        });
        await notifyFromHost(ctx, 'instance.resize_revert.end', s.instanceUuid, mctx.requestId);
      } catch (err) {
        if (err instanceof Error && err.name === 'CrashPointReached') throw err;
        const { message, details } = describe(err);
        // Its ports never came up: the guest is not left running without them (Nova's driver tears it down; its disk stays).
        let power: number | undefined;
        if (err instanceof VirtualInterfaceCreateFailed && ctx.driver.getGuest(inst.uuid)) {
          await ctx.driver.powerOff(inst.uuid).catch((e: unknown) => ctx.log.warn({ instance: inst.uuid, err: describe(e).message }, 'could not power the old guest off'));
          power = ctx.driver.getGuest(inst.uuid)?.powerState;
        }
        await transact(ctx, async (tx) => {
          const now = ctx.clock.now();
          // As Nova's errors_out_migration: a revert that failed here leaves its migration in `error`.
          await updateMigration(tx.q, m.id, { status: 'error' }, { expectStatus: ['reverted'], now });
          const values = { vm_state: VmState.ERROR, task_state: null, ...(power !== undefined && { power_state: power }) };
          if (await updateInstance(tx.q, inst.uuid, values, now, { taskState: [TaskState.RESIZE_REVERTING, TaskState.POWERING_OFF] }))
            await addFault(tx.q, inst.uuid, 500, message, details, ctx.host, now);
          await tx.finish(mctx.job);
        });
      } finally {
        ctx.instanceEvents.forget(inst.uuid, plugEvents);
      }
    },
  };
}
