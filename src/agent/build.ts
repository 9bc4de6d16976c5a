// Building, deleting and re-plumbing guests on this host.
import type { Handlers, MessageArgs } from '../rpc/bus.js';
import type { AgentContext } from './context.js';
import { guestSpec, hostEvent } from './context.js';
import { getInstance, updateInstance, flavorOf, addFault } from '../db/instances.js';
import { release } from '../scheduler/claims.js';
import { dbTime } from '../db/time.js';
import { POWER_STATE } from '../compute/states.js';

const str = (a: MessageArgs, k: string): string => String(a[k]);

/** Marks an instance deleted and frees everything it held. */
export async function finishDelete(ctx: Pick<AgentContext, 'db' | 'clock'>, uuid: string): Promise<void> {
  const now = ctx.clock.now();
  const t = dbTime(now);
  const db = ctx.db.kysely;
  await release(ctx.db, uuid);
  const migrations = await db.selectFrom('migrations').select('uuid').where('instance_uuid', '=', uuid).execute();
  for (const m of migrations) await release(ctx.db, m.uuid);
  const row = await db.selectFrom('instances').select('id').where('uuid', '=', uuid).executeTakeFirst();
  await db
    .updateTable('instances')
    .set({ vm_state: 'deleted', task_state: null, power_state: POWER_STATE.NOSTATE, deleted: row?.id ?? 1, deleted_at: t, terminated_at: t, updated_at: t })
    .where('uuid', '=', uuid)
    .execute();
}

export function buildHandlers(ctx: AgentContext): Handlers {
  const db = ctx.db.kysely;
  return {
    async build_and_run_instance(args, mctx) {
      const uuid = str(args, 'instance_uuid');
      const requestId = mctx.requestId;
      const inst = await getInstance(db, uuid);
      if (!inst) return;
      try {
        await hostEvent(ctx, uuid, requestId, 'build_and_run_instance', async () => {
          for (const task of ['networking', 'block_device_mapping', 'spawning']) {
            const ok = await updateInstance(db, uuid, { task_state: task }, ctx.clock.now(), { vmState: ['building'] });
            if (!ok) throw new Error('Instance was deleted or changed during build');
          }
          await ctx.driver.spawn(guestSpec(inst, flavorOf(inst)));
        });
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        const now = ctx.clock.now();
        const still = await getInstance(db, uuid);
        if (!still) return; // deleted meanwhile: nothing to record
        await release(ctx.db, uuid);
        await ctx.driver.destroy(uuid).catch(() => undefined);
        await updateInstance(db, uuid, { vm_state: 'error', task_state: null, power_state: POWER_STATE.NOSTATE }, now);
        await addFault(db, uuid, 500, message, null, ctx.host, now);
        return;
      }
      const now = ctx.clock.now();
      const ok = await updateInstance(
        db,
        uuid,
        { vm_state: 'active', task_state: null, power_state: POWER_STATE.RUNNING, launched_at: dbTime(now), progress: 0 },
        now,
        { vmState: ['building'] },
      );
      // Deleted while spawning: the delete path owns the clean-up.
      if (!ok) await ctx.driver.destroy(uuid).catch(() => undefined);
    },

    async terminate_instance(args, mctx) {
      const uuid = str(args, 'instance_uuid');
      await hostEvent(ctx, uuid, mctx.requestId, 'terminate_instance', async () => {
        await ctx.driver.destroy(uuid);
      });
      await finishDelete(ctx, uuid);
    },

    async inject_network_info(args) {
      const uuid = str(args, 'instance_uuid');
      const inst = await getInstance(db, uuid);
      if (!inst) return;
      await ctx.driver.injectNetworkInfo(uuid, JSON.parse(inst.requested_networks) as unknown);
    },
  };
}
