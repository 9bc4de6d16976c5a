// Build: schedule each new instance, then hand it to its host's agent.
import type { Handlers } from '../rpc/bus.js';
import type { ConductorContext } from './context.js';
import { conductorEvent, selectDestinations } from './context.js';
import { getInstance, updateInstance, addFault, flavorOf } from '../db/instances.js';
import { parseRequestSpec } from '../scheduler/request-spec-json.js';
import { release } from '../scheduler/claims.js';

export function buildTask(ctx: ConductorContext): Handlers {
  const db = ctx.db.kysely;
  return {
    async build_instances(args, mctx) {
      const spec = parseRequestSpec(args['spec']);
      const uuids = spec.instanceUuids ?? [spec.instanceUuid];
      let selections;
      try {
        selections = await conductorEvent(ctx, uuids[0]!, mctx.requestId, 'conductor_schedule_and_build_instances', () =>
          selectDestinations(ctx, spec, undefined, mctx.requestId),
        );
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        const now = ctx.clock.now();
        for (const uuid of uuids) {
          await updateInstance(db, uuid, { vm_state: 'error', task_state: null }, now, { vmState: ['building'] });
          await addFault(db, uuid, 500, message, null, null, now);
        }
        return;
      }
      for (let i = 0; i < uuids.length; i++) {
        const uuid = uuids[i]!;
        const sel = selections[i]!;
        const inst = await getInstance(db, uuid);
        const placed =
          inst !== undefined &&
          (await updateInstance(db, uuid, { host: sel.host, node: sel.nodename }, ctx.clock.now(), { vmState: ['building'], taskState: ['scheduling'] }));
        if (!placed) {
          // Deleted while it was being scheduled: give the room back.
          await release(ctx.db, uuid);
          continue;
        }
        void flavorOf;
        await ctx.bus.cast(`compute.${sel.host}`, 'build_and_run_instance', { instance_uuid: uuid }, { requestId: mctx.requestId });
      }
    },
  };
}
