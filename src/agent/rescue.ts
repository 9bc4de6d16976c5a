// Rescue and unrescue on the server's host. A failed rescue puts the server
// in ERROR, as Nova does; a failed unrescue clears the task and leaves it
// rescued. A step an earlier life of this agent did not finish is run again
// (the driver's steps are repeatable).
import type { Handlers, JobHandle } from '../rpc/bus.js';
import type { InstanceUpdate } from '../db/schema.js';
import type { AgentContext } from './context.js';
import { hostEvent } from './context.js';
import { addFault, getInstance, updateInstance } from '../db/instances.js';
import { dbTime } from '../db/time.js';
import { transact } from '../jobs/transaction.js';
import { POWER_STATE, TaskState, VmState } from '../compute/states.js';

export function rescueHandlers(ctx: AgentContext): Handlers {
  const db = ctx.db.kysely;
  /** Records the outcome in one transaction with the end of the job. */
  const settle = (uuid: string, task: string, values: InstanceUpdate, job: JobHandle | undefined, fault?: unknown) =>
    transact(ctx, async (tx) => {
      const now = ctx.clock.now();
      if ((await updateInstance(tx.q, uuid, values, now, { taskState: [task] })) && fault !== undefined)
        await addFault(tx.q, uuid, 500, fault instanceof Error ? fault.message : String(fault), null, ctx.host, now);
      await tx.finish(job);
    });

  return {
    async rescue_instance(args, mctx) {
      const uuid = String(args['instance_uuid']);
      const inst = await getInstance(db, uuid);
      if (!inst || inst.task_state !== TaskState.RESCUING || inst.host !== ctx.host) return;
      const image = typeof args['rescue_image_ref'] === 'string' ? args['rescue_image_ref'] : null;
      try {
        await hostEvent(ctx, uuid, mctx.requestId, 'rescue_instance', () => ctx.driver.rescue(uuid, image));
      } catch (err) {
        await settle(uuid, TaskState.RESCUING, { vm_state: VmState.ERROR, task_state: null }, mctx.job, err);
        return;
      }
      const now = dbTime(ctx.clock.now());
      await settle(uuid, TaskState.RESCUING, { vm_state: VmState.RESCUED, task_state: null, power_state: POWER_STATE.RUNNING, launched_at: now }, mctx.job);
    },

    async unrescue_instance(args, mctx) {
      const uuid = String(args['instance_uuid']);
      const inst = await getInstance(db, uuid);
      if (!inst || inst.task_state !== TaskState.UNRESCUING || inst.host !== ctx.host) return;
      try {
        await hostEvent(ctx, uuid, mctx.requestId, 'unrescue_instance', () => ctx.driver.unrescue(uuid));
      } catch (err) {
        await settle(uuid, TaskState.UNRESCUING, { task_state: null }, mctx.job, err);
        return;
      }
      await settle(uuid, TaskState.UNRESCUING, { vm_state: VmState.ACTIVE, task_state: null, power_state: POWER_STATE.RUNNING }, mctx.job);
    },
  };
}
