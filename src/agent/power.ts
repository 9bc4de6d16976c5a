// Power and lifecycle steps on this host. On success the server reaches the
// operation's end state; on failure the task is cleared and the server keeps
// the state it had, as Nova reverts a failed power action.
import type { Handlers, MessageArgs } from '../rpc/bus.js';
import type { AgentContext } from './context.js';
import { hostEvent } from './context.js';
import { getInstance, updateInstance, addFault } from '../db/instances.js';
import { POWER_STATE } from '../compute/states.js';

interface Step {
  readonly event: string;
  readonly run: (ctx: AgentContext, uuid: string, args: MessageArgs) => Promise<void>;
  readonly vmState: string;
  readonly powerState: number;
}

const STEPS: Readonly<Record<string, Step>> = {
  stop_instance: { event: 'stop_instance', run: (c, u) => c.driver.powerOff(u), vmState: 'stopped', powerState: POWER_STATE.SHUTDOWN },
  start_instance: { event: 'start_instance', run: (c, u) => c.driver.powerOn(u), vmState: 'active', powerState: POWER_STATE.RUNNING },
  pause_instance: { event: 'pause_instance', run: (c, u) => c.driver.pause(u), vmState: 'paused', powerState: POWER_STATE.PAUSED },
  unpause_instance: { event: 'unpause_instance', run: (c, u) => c.driver.unpause(u), vmState: 'active', powerState: POWER_STATE.RUNNING },
  suspend_instance: { event: 'suspend_instance', run: (c, u) => c.driver.suspend(u), vmState: 'suspended', powerState: POWER_STATE.SUSPENDED },
  resume_instance: { event: 'resume_instance', run: (c, u) => c.driver.resume(u), vmState: 'active', powerState: POWER_STATE.RUNNING },
  reboot_instance: {
    event: 'reboot_instance',
    run: (c, u, a) => c.driver.reboot(u, a['hard'] === true),
    vmState: 'active',
    powerState: POWER_STATE.RUNNING,
  },
};

export function powerHandlers(ctx: AgentContext): Handlers {
  const db = ctx.db.kysely;
  const handlers: Record<string, Handlers[string]> = {};
  for (const [method, step] of Object.entries(STEPS)) {
    handlers[method] = async (args, mctx) => {
      const uuid = String(args['instance_uuid']);
      const inst = await getInstance(db, uuid);
      if (!inst || inst.task_state === null) return;
      const task = inst.task_state;
      try {
        await hostEvent(ctx, uuid, mctx.requestId, step.event, () => step.run(ctx, uuid, args));
      } catch (err) {
        const now = ctx.clock.now();
        await updateInstance(db, uuid, { task_state: null }, now, { taskState: [task] });
        await addFault(db, uuid, 500, err instanceof Error ? err.message : String(err), null, ctx.host, now);
        return;
      }
      await updateInstance(db, uuid, { vm_state: step.vmState, power_state: step.powerState, task_state: null }, ctx.clock.now(), {
        taskState: [task],
      });
    };
  }
  return handlers;
}
