// Power and lifecycle steps on this host. On success the server reaches the
// operation's end state; on failure the task is cleared and the server keeps
// the state it had, as Nova reverts a failed power action. A step an earlier
// life of this agent did not finish is run again; a guest already in the
// step's end state is only recorded. Starting a server that was only shelved
// (its unshelve) also drops the image its disk was saved to, as Nova's start does.
import type { Handlers, MessageArgs } from '../rpc/bus.js';
import type { AgentContext } from './context.js';
import { hostEvent, notifyFromHost } from './context.js';
import { getInstance, updateInstance, addFault } from '../db/instances.js';
import { transact } from '../jobs/transaction.js';
import { POWER_STATE, TaskState } from '../compute/states.js';
import { changedSystemMetadata, SHELVED_KEYS, shelvedImageOf } from '../compute/shelved-metadata.js';
import { hostImages } from '../image/host-images.js';

interface Step {
  readonly event: string;
  /** The action of its notifications: instance.<notification>.start/.end. */
  readonly notification: string;
  readonly run: (ctx: AgentContext, uuid: string, args: MessageArgs) => Promise<void>;
  /** The tasks the API sets for this step. */
  readonly tasks: readonly string[];
  readonly vmState: string;
  readonly powerState: number;
}

const REBOOT_TASKS = [
  TaskState.REBOOTING,
  TaskState.REBOOT_PENDING,
  TaskState.REBOOT_STARTED,
  TaskState.REBOOTING_HARD,
  TaskState.REBOOT_PENDING_HARD,
  TaskState.REBOOT_STARTED_HARD,
];

const STEPS: Readonly<Record<string, Step>> = {
  stop_instance: { event: 'stop_instance', notification: 'power_off', run: (c, u) => c.driver.powerOff(u), tasks: [TaskState.POWERING_OFF], vmState: 'stopped', powerState: POWER_STATE.SHUTDOWN },
  start_instance: { event: 'start_instance', notification: 'power_on', run: (c, u) => c.driver.powerOn(u), tasks: [TaskState.POWERING_ON], vmState: 'active', powerState: POWER_STATE.RUNNING },
  pause_instance: { event: 'pause_instance', notification: 'pause', run: (c, u) => c.driver.pause(u), tasks: [TaskState.PAUSING], vmState: 'paused', powerState: POWER_STATE.PAUSED },
  unpause_instance: { event: 'unpause_instance', notification: 'unpause', run: (c, u) => c.driver.unpause(u), tasks: [TaskState.UNPAUSING], vmState: 'active', powerState: POWER_STATE.RUNNING },
  suspend_instance: { event: 'suspend_instance', notification: 'suspend', run: (c, u) => c.driver.suspend(u), tasks: [TaskState.SUSPENDING], vmState: 'suspended', powerState: POWER_STATE.SUSPENDED },
  resume_instance: { event: 'resume_instance', notification: 'resume', run: (c, u) => c.driver.resume(u), tasks: [TaskState.RESUMING], vmState: 'active', powerState: POWER_STATE.RUNNING },
  reboot_instance: {
    event: 'reboot_instance',
    notification: 'reboot',
    // An interrupted reboot is done again hard: the guest may be anywhere in between.
    run: (c, u, a) => c.driver.reboot(u, a['hard'] === true || a['resumed'] === true),
    tasks: REBOOT_TASKS,
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
      // Done already, reset, or deleted: nothing to do.
      if (!inst || inst.task_state === null || !step.tasks.includes(inst.task_state) || inst.host !== ctx.host) return;
      const task = inst.task_state;
      const resumed = (mctx.job?.attempt ?? 1) > 1;
      const already = resumed && method !== 'reboot_instance' && ctx.driver.getGuest(uuid)?.powerState === step.powerState;
      await notifyFromHost(ctx, `instance.${step.notification}.start`, uuid, mctx.requestId);
      try {
        if (!already) await hostEvent(ctx, uuid, mctx.requestId, step.event, () => step.run(ctx, uuid, { ...args, resumed }));
      } catch (err) {
        await transact(ctx, async (tx) => {
          const now = ctx.clock.now();
          if (await updateInstance(tx.q, uuid, { task_state: null }, now, { taskState: [task] }))
            await addFault(tx.q, uuid, 500, err instanceof Error ? err.message : String(err), null, ctx.host, now);
          await tx.finish(mctx.job);
        });
        return;
      }
      ctx.crash.at('compute.power.after_driver', uuid);
      // A shelved server started again (its unshelve) no longer needs the image its disk was saved to.
      const shelvedImage = method === 'start_instance' ? shelvedImageOf(inst) : null;
      if (shelvedImage !== null) await hostImages(ctx.conf).discard(shelvedImage);
      await transact(ctx, async (tx) => {
        const sys = shelvedImage !== null ? await changedSystemMetadata(tx.q, uuid, {}, SHELVED_KEYS) : undefined;
        const values = { vm_state: step.vmState, power_state: step.powerState, task_state: null, ...(sys !== undefined && { system_metadata: sys }) };
        await updateInstance(tx.q, uuid, values, ctx.clock.now(), { taskState: [task] });
        await tx.finish(mctx.job);
      });
      await notifyFromHost(ctx, `instance.${step.notification}.end`, uuid, mctx.requestId);
    };
  }
  return handlers;
}
