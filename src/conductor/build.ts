// Build: schedule the new servers, then hand each to its host's agent. The
// scheduler's claims and the hand-over are separate steps, so a run that dies
// between them is started over: servers already handed over are left alone,
// the claims of those that were not are dropped and made again.
import type { Handlers } from '../rpc/bus.js';
import type { ConductorContext } from './context.js';
import { conductorEvent, SchedulerUnreachable, selectDestinations } from './context.js';
import { updateInstance, addFault } from '../db/instances.js';
import { parseRequestSpec } from '../scheduler/request-spec-json.js';
import type { RequestSpec } from '../scheduler/request-spec.js';
import { release } from '../scheduler/claims.js';
import { transact } from '../jobs/transaction.js';
import { TaskState, VmState } from '../compute/states.js';

export function buildTask(ctx: ConductorContext): Handlers {
  const db = ctx.db.kysely;
  return {
    async build_instances(args, mctx) {
      const spec = parseRequestSpec(args['spec']);
      const all = spec.instanceUuids ?? [spec.instanceUuid];
      // Still waiting for a host: not handed over by an earlier run, not deleted or reset meanwhile.
      const rows = await db
        .selectFrom('instances')
        .select('uuid')
        .where('uuid', 'in', [...all])
        .where('deleted', '=', 0)
        .where('vm_state', '=', VmState.BUILDING)
        .where('task_state', '=', TaskState.SCHEDULING)
        .where('host', 'is', null)
        .execute();
      const waiting = all.filter((u) => rows.some((r) => r.uuid === u));
      if (waiting.length === 0) return;
      // An earlier run that died after the scheduler claimed leaves those claims behind.
      for (const uuid of waiting) await release(ctx.db, uuid);
      const ask: RequestSpec = {
        ...spec,
        instanceUuid: waiting[0]!,
        ...(all.length > 1 ? { numInstances: waiting.length, instanceUuids: waiting } : {}),
      };
      let selections;
      try {
        selections = await conductorEvent(ctx, waiting[0]!, mctx.requestId, 'conductor_schedule_and_build_instances', () =>
          selectDestinations(ctx, ask, undefined, mctx.requestId),
        );
      } catch (err) {
        if (err instanceof SchedulerUnreachable) throw err;
        const message = err instanceof Error ? err.message : String(err);
        await transact(ctx, async (tx) => {
          const now = ctx.clock.now();
          for (const uuid of waiting) {
            await release(tx.q, uuid);
            if (await updateInstance(tx.q, uuid, { vm_state: VmState.ERROR, task_state: null }, now, { vmState: [VmState.BUILDING] }))
              await addFault(tx.q, uuid, 500, message, null, null, now);
          }
          await tx.finish(mctx.job);
        });
        return;
      }
      ctx.crash.at('conductor.build.after_select', waiting[0]);
      await transact(ctx, async (tx) => {
        const now = ctx.clock.now();
        for (let i = 0; i < waiting.length; i++) {
          const uuid = waiting[i]!;
          const sel = selections[i]!;
          const placed = await updateInstance(tx.q, uuid, { host: sel.host, node: sel.nodename }, now, {
            vmState: [VmState.BUILDING],
            taskState: [TaskState.SCHEDULING],
          });
          // Deleted or reset while it was being scheduled: give the room back.
          if (!placed) await release(tx.q, uuid);
          else await tx.post(`compute.${sel.host}`, 'build_and_run_instance', { instance_uuid: uuid }, { requestId: mctx.requestId, instanceUuid: uuid });
        }
        await tx.finish(mctx.job);
      });
    },
  };
}
