// Rebuild on the server's own host: the guest is recreated from its image
// through the rebuild task states; a stopped server stays stopped.
import type { Handlers } from '../rpc/bus.js';
import type { AgentContext } from './context.js';
import { guestSpec, hostEvent } from './context.js';
import { getInstance, updateInstance, addFault, flavorOf } from '../db/instances.js';
import { POWER_STATE } from '../compute/states.js';
import { dbTime } from '../db/time.js';

export function rebuildHandlers(ctx: AgentContext): Handlers {
  const db = ctx.db.kysely;
  return {
    async rebuild_instance(args, mctx) {
      const uuid = String(args['instance_uuid']);
      const wasStopped = args['previous_vm_state'] === 'stopped';
      try {
        await hostEvent(ctx, uuid, mctx.requestId, 'rebuild_instance', async () => {
          for (const task of ['rebuild_block_device_mapping', 'rebuild_spawning']) {
            if (!(await updateInstance(db, uuid, { task_state: task }, ctx.clock.now()))) throw new Error('Instance disappeared during rebuild');
          }
          const inst = await getInstance(db, uuid);
          if (!inst) throw new Error('Instance disappeared during rebuild');
          await ctx.driver.rebuild(guestSpec(inst, flavorOf(inst)));
        });
      } catch (err) {
        const now = ctx.clock.now();
        await updateInstance(db, uuid, { vm_state: 'error', task_state: null }, now);
        await addFault(db, uuid, 500, err instanceof Error ? err.message : String(err), null, ctx.host, now);
        return;
      }
      const now = ctx.clock.now();
      await updateInstance(db, uuid, {
        vm_state: wasStopped ? 'stopped' : 'active',
        power_state: wasStopped ? POWER_STATE.SHUTDOWN : POWER_STATE.RUNNING,
        task_state: null,
        launched_at: dbTime(now),
      }, now);
    },
  };
}
