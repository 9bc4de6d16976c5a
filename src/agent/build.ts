// Building, deleting and re-plumbing guests on this host. Each step is a job:
// one that an earlier life of this agent started and did not finish is run
// again from its records, and finds what is already done (a guest that was
// spawned, a guest that was destroyed) instead of doing it twice.
import type { Handlers, MessageArgs } from '../rpc/bus.js';
import type { AgentContext } from './context.js';
import { guestSpec, hostEvent, notifyFromHost } from './context.js';
import { getInstance, updateInstance, flavorOf, addFault } from '../db/instances.js';
import { release } from '../scheduler/claims.js';
import { dbTime } from '../db/time.js';
import { transact } from '../jobs/transaction.js';
import { finishDelete } from '../compute/finish-delete.js';
import { POWER_STATE, TaskState, VmState } from '../compute/states.js';
import { validateInstanceGroupPolicy } from '../compute/server-group-policy-check.js';
import { allocateForServer, deallocateForServer, portsEnvOf, refreshInfoCache } from '../compute/neutron/server-ports.js';
import type { Vif } from '../compute/neutron/network-info.js';
import { BuildAborted, waitForVifsPlugged } from './vif-plugging.js';

const str = (a: MessageArgs, k: string): string => String(a[k]);

const BUILD_TASKS: ReadonlyArray<string | null> = [TaskState.SCHEDULING, TaskState.NETWORKING, TaskState.BLOCK_DEVICE_MAPPING, TaskState.SPAWNING];

export function buildHandlers(ctx: AgentContext): Handlers {
  const db = ctx.db.kysely;
  const ports = portsEnvOf(ctx);
  /** A server deleted under its build: the ports the build made after the delete released them go too. */
  const releasePortsOfDeleted = async (uuid: string): Promise<void> => {
    const row = await getInstance(db, uuid, { readDeleted: true });
    if (row) await deallocateForServer(ports, row).catch((e: unknown) => ctx.log.warn({ err: e, instance: uuid }, 'could not release the ports of a deleted server'));
  };
  return {
    async build_and_run_instance(args, mctx) {
      const uuid = str(args, 'instance_uuid');
      const requestId = mctx.requestId;
      const inst = await getInstance(db, uuid);
      if (!inst) {
        // Deleted before or while it was built: a guest an earlier try spawned goes too, and ports it made.
        if (ctx.driver.getGuest(uuid)) await ctx.driver.destroy(uuid);
        await releasePortsOfDeleted(uuid);
        return;
      }
      // Reset, or placed elsewhere: not this build's server any more.
      if (inst.vm_state !== VmState.BUILDING || inst.host !== ctx.host) return;
      await notifyFromHost(ctx, 'instance.create.start', uuid, requestId, { kind: 'create' });
      // Expected before the ports are bound, so a plug event that comes early is kept.
      const plugEvents = ctx.instanceEvents.expect(uuid);
      try {
        await hostEvent(ctx, uuid, requestId, 'build_and_run_instance', async () => {
          // Builds placed at the same time may have broken the group's policy.
          await validateInstanceGroupPolicy(db, ctx.conf, uuid, ctx.host);
          let networkInfo: Vif[] = [];
          for (const task of [TaskState.NETWORKING, TaskState.BLOCK_DEVICE_MAPPING, TaskState.SPAWNING]) {
            const ok = await updateInstance(db, uuid, { task_state: task }, ctx.clock.now(), { vmState: [VmState.BUILDING], taskState: BUILD_TASKS });
            if (!ok) throw new Error('Instance was deleted or changed during build');
            // The ports this host gives the server (made, or the user's own bound here), before the guest that plugs them.
            if (task === TaskState.NETWORKING) networkInfo = await allocateForServer(ports, inst, ctx.host);
          }
          // A guest already here is the one an earlier try of this build spawned before it died.
          if (!ctx.driver.getGuest(uuid)) await ctx.driver.spawn({ ...guestSpec(inst, flavorOf(inst)), networkInfo });
          await waitForVifsPlugged(ctx, uuid, networkInfo, plugEvents);
        });
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        const details = err instanceof BuildAborted ? err.details : null;
        // Deleted meanwhile: nothing to record, but ports made after the delete released them go too.
        if (!(await getInstance(db, uuid))) return releasePortsOfDeleted(uuid);
        await ctx.driver.destroy(uuid).catch(() => undefined);
        // The server keeps no ports of a failed build: those made for it go, the user's own are given back.
        await deallocateForServer(ports, inst).catch((e: unknown) => ctx.log.warn({ err: e, instance: uuid }, 'could not release the ports of a failed build'));
        // As Nova does after a failed build, the server keeps no host: it has no guest anywhere.
        await transact(ctx, async (tx) => {
          const now = ctx.clock.now();
          const failed = await updateInstance(
            tx.q,
            uuid,
            { vm_state: VmState.ERROR, task_state: null, power_state: POWER_STATE.NOSTATE, host: null, node: null },
            now,
            // A delete that came meanwhile is left to finish: its task is not overwritten.
            { vmState: [VmState.BUILDING], taskState: BUILD_TASKS },
          );
          if (failed) {
            await release(tx.q, uuid);
            await addFault(tx.q, uuid, 500, message, details, ctx.host, now);
          }
          await tx.finish(mctx.job);
        });
        await notifyFromHost(ctx, 'instance.create.error', uuid, requestId, { kind: 'create', priority: 'ERROR' });
        return;
      } finally {
        ctx.instanceEvents.forget(uuid, plugEvents);
      }
      ctx.crash.at('compute.build.after_spawn', uuid);
      const built = await transact(ctx, async (tx) => {
        const now = ctx.clock.now();
        const ok = await updateInstance(
          tx.q,
          uuid,
          { vm_state: VmState.ACTIVE, task_state: null, power_state: POWER_STATE.RUNNING, launched_at: dbTime(now), progress: 0 },
          now,
          // A delete that came meanwhile keeps its task: its host job terminates this guest.
          { vmState: [VmState.BUILDING], taskState: BUILD_TASKS },
        );
        await tx.finish(mctx.job);
        return ok;
      });
      // Deleted while spawning: the delete was done without this guest, so it goes now.
      if (!built && !(await getInstance(db, uuid))) {
        await ctx.driver.destroy(uuid).catch(() => undefined);
        await releasePortsOfDeleted(uuid);
      }
      if (built) await notifyFromHost(ctx, 'instance.create.end', uuid, requestId, { kind: 'create' });
    },

    async terminate_instance(args, mctx) {
      const uuid = str(args, 'instance_uuid');
      const inst = await getInstance(db, uuid);
      if (inst && inst.task_state !== TaskState.DELETING) return;
      await notifyFromHost(ctx, 'instance.delete.start', uuid, mctx.requestId);
      try {
        await hostEvent(ctx, uuid, mctx.requestId, 'terminate_instance', () => ctx.driver.destroy(uuid));
      } catch (err) {
        // As Nova does: the server goes to ERROR, and can be deleted again.
        await transact(ctx, async (tx) => {
          const now = ctx.clock.now();
          if (await updateInstance(tx.q, uuid, { vm_state: VmState.ERROR, task_state: null }, now, { taskState: [TaskState.DELETING] }))
            await addFault(tx.q, uuid, 500, err instanceof Error ? err.message : String(err), null, ctx.host, now);
          await tx.finish(mctx.job);
        });
        return;
      }
      ctx.crash.at('compute.terminate.after_destroy', uuid);
      // Ports before the row: a crash between them leaves a server still deleting, whose next delete finds fewer ports.
      if (inst) await deallocateForServer(ports, inst);
      await transact(ctx, async (tx) => {
        await finishDelete(tx.q, uuid, ctx.clock.now());
        await tx.finish(mctx.job);
      });
      await notifyFromHost(ctx, 'instance.delete.end', uuid, mctx.requestId);
    },

    async inject_network_info(args) {
      const uuid = str(args, 'instance_uuid');
      const inst = await getInstance(db, uuid);
      if (!inst) return;
      // The network info as the server's ports have it now, refreshed into its cache too.
      await ctx.driver.injectNetworkInfo(uuid, await refreshInfoCache(ports, inst));
    },
  };
}
