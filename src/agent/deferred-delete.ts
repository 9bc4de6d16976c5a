// Soft delete on this host: the guest is powered off and the server waits in
// vm_state soft-delete; a restore powers it on again. Every
// [DEFAULT] reclaim_instance_interval the host deletes the servers soft-deleted
// longer ago than that, as Nova's reclaim of queued deletes does.
import type { Handlers, MessageArgs, MessageContext } from '../rpc/bus.js';
import type { AgentContext } from './context.js';
import { hostEvent } from './context.js';
import { addFault, getInstance, updateInstance } from '../db/instances.js';
import { dbTime } from '../db/time.js';
import { transact } from '../jobs/transaction.js';
import { POWER_STATE, TaskState, VmState } from '../compute/states.js';

interface Step {
  readonly task: string;
  readonly run: (ctx: AgentContext, uuid: string) => Promise<void>;
  readonly vmState: string;
  readonly powerState: number;
}

const STEPS: Readonly<Record<string, Step>> = {
  soft_delete_instance: { task: TaskState.SOFT_DELETING, run: (c, u) => c.driver.powerOff(u), vmState: VmState.SOFT_DELETED, powerState: POWER_STATE.SHUTDOWN },
  restore_instance: { task: TaskState.RESTORING, run: (c, u) => c.driver.powerOn(u), vmState: VmState.ACTIVE, powerState: POWER_STATE.RUNNING },
};

export function deferredDeleteHandlers(ctx: AgentContext): Handlers {
  const db = ctx.db.kysely;
  const handle = (method: string, step: Step) => async (args: MessageArgs, mctx: MessageContext) => {
    const uuid = String(args['instance_uuid']);
    const inst = await getInstance(db, uuid);
    // Done already, reset, deleted or moved: nothing to do.
    if (!inst || inst.task_state !== step.task || inst.host !== ctx.host) return;
    try {
      // A guest already in the end state (a step an earlier life finished) is only recorded.
      if (ctx.driver.getGuest(uuid)?.powerState !== step.powerState) await hostEvent(ctx, uuid, mctx.requestId, method, () => step.run(ctx, uuid));
    } catch (err) {
      // As Nova reverts the task of a failed step and records the fault.
      await transact(ctx, async (tx) => {
        const now = ctx.clock.now();
        if (await updateInstance(tx.q, uuid, { task_state: null }, now, { taskState: [step.task] }))
          await addFault(tx.q, uuid, 500, err instanceof Error ? err.message : String(err), null, ctx.host, now);
        await tx.finish(mctx.job);
      });
      return;
    }
    await transact(ctx, async (tx) => {
      await updateInstance(tx.q, uuid, { vm_state: step.vmState, power_state: step.powerState, task_state: null }, ctx.clock.now(), { taskState: [step.task] });
      await tx.finish(mctx.job);
    });
  };
  return Object.fromEntries(Object.entries(STEPS).map(([method, step]) => [method, handle(method, step)]));
}

/**
 * Deletes this host's servers soft-deleted longer ago than the reclaim
 * interval: each is claimed for deletion (task deleting) and handed to the
 * host's own terminate step, in one transaction, so a crash never loses one.
 */
export async function reclaimSoftDeleted(ctx: AgentContext): Promise<void> {
  const interval = ctx.conf.num('DEFAULT', 'reclaim_instance_interval');
  if (!(interval > 0)) return;
  const cutoff = dbTime(new Date(ctx.clock.now().getTime() - interval * 1000));
  const due = await ctx.db.kysely
    .selectFrom('instances')
    .select('uuid')
    .where('host', '=', ctx.host)
    .where('deleted', '=', 0)
    .where('vm_state', '=', VmState.SOFT_DELETED)
    .where('task_state', 'is', null)
    .where((eb) => eb.or([eb('deleted_at', 'is', null), eb('deleted_at', '<', cutoff)]))
    .execute();
  for (const { uuid } of due) {
    ctx.log.info({ instance: uuid }, 'reclaiming soft-deleted server');
    await transact(ctx, async (tx) => {
      const claimed = await updateInstance(tx.q, uuid, { task_state: TaskState.DELETING }, ctx.clock.now(), { taskState: [null], vmState: [VmState.SOFT_DELETED] });
      if (claimed) await tx.post(`compute.${ctx.host}`, 'terminate_instance', { instance_uuid: uuid }, { instanceUuid: uuid });
    });
  }
}
