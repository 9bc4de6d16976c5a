// Rebuild on the server's own host: the guest is recreated from its image
// through the rebuild task states; a stopped server stays stopped. A rebuild
// an earlier life of this agent did not finish is run again (the driver's
// rebuild may be repeated).
import type { Handlers } from '../rpc/bus.js';
import type { AgentContext } from './context.js';
import { guestSpec, hostEvent } from './context.js';
import { getInstance, updateInstance, addFault, flavorOf } from '../db/instances.js';
import { transact } from '../jobs/transaction.js';
import { POWER_STATE, TaskState } from '../compute/states.js';
import { dbTime } from '../db/time.js';

const REBUILD_TASKS: ReadonlyArray<string | null> = [TaskState.REBUILDING, TaskState.REBUILD_BLOCK_DEVICE_MAPPING, TaskState.REBUILD_SPAWNING];

export function rebuildHandlers(ctx: AgentContext): Handlers {
  const db = ctx.db.kysely;
  return {
    async rebuild_instance(args, mctx) {
      const uuid = String(args['instance_uuid']);
      const wasStopped = args['previous_vm_state'] === 'stopped';
      const first = await getInstance(db, uuid);
      if (!first || !REBUILD_TASKS.includes(first.task_state) || first.host !== ctx.host) return;
      try {
        await hostEvent(ctx, uuid, mctx.requestId, 'rebuild_instance', async () => {
          for (const task of [TaskState.REBUILD_BLOCK_DEVICE_MAPPING, TaskState.REBUILD_SPAWNING]) {
            if (!(await updateInstance(db, uuid, { task_state: task }, ctx.clock.now(), { taskState: REBUILD_TASKS })))
              throw new Error('Instance was deleted or changed during rebuild');
          }
          const inst = await getInstance(db, uuid);
          if (!inst) throw new Error('Instance disappeared during rebuild');
          await ctx.driver.rebuild(guestSpec(inst, flavorOf(inst)));
        });
      } catch (err) {
        await transact(ctx, async (tx) => {
          const now = ctx.clock.now();
          if (await updateInstance(tx.q, uuid, { vm_state: 'error', task_state: null }, now, { taskState: REBUILD_TASKS }))
            await addFault(tx.q, uuid, 500, err instanceof Error ? err.message : String(err), null, ctx.host, now);
          await tx.finish(mctx.job);
        });
        return;
      }
      await transact(ctx, async (tx) => {
        const now = ctx.clock.now();
        await updateInstance(
          tx.q,
          uuid,
          {
            vm_state: wasStopped ? 'stopped' : 'active',
            power_state: wasStopped ? POWER_STATE.SHUTDOWN : POWER_STATE.RUNNING,
            task_state: null,
            launched_at: dbTime(now),
          },
          now,
          { taskState: [TaskState.REBUILD_SPAWNING] },
        );
        await tx.finish(mctx.job);
      });
    },
  };
}
