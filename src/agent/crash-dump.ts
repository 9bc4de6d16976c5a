// `trigger_crash_dump`: an NMI into the guest, so its kernel writes a crash
// dump. It changes no state, as in Nova; a failure is recorded on the
// instance action's event and as an instance fault.
import type { Handlers } from '../rpc/bus.js';
import type { AgentContext } from './context.js';
import { hostEvent } from './context.js';
import { addFault, getInstance } from '../db/instances.js';
import { transact } from '../jobs/transaction.js';

export function crashDumpHandlers(ctx: AgentContext): Handlers {
  return {
    async trigger_crash_dump(args, mctx) {
      const uuid = String(args['instance_uuid']);
      const inst = await getInstance(ctx.db.kysely, uuid);
      let failure: unknown;
      if (inst && inst.host === ctx.host) {
        try {
          await hostEvent(ctx, uuid, mctx.requestId, 'trigger_crash_dump', () => ctx.driver.triggerCrashDump(uuid));
        } catch (err) {
          failure = err;
        }
      }
      await transact(ctx, async (tx) => {
        if (failure !== undefined)
          await addFault(tx.q, uuid, 500, failure instanceof Error ? failure.message : String(failure), null, ctx.host, ctx.clock.now());
        await tx.finish(mctx.job);
      });
    },
  };
}
