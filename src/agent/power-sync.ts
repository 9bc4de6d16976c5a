// The servers of this host against its guests' power: at start-up (after a
// power loss the guests are defined but off) and every
// [DEFAULT] sync_power_state_interval. As Nova's power-state sync does, a
// server whose guest went off becomes SHUTOFF — or, after a power loss with
// [DEFAULT] resume_guests_state_on_host_boot, its guest is started again —
// and a stopped server whose guest runs has it stopped. Servers with work
// under way are left to that work.
import type { AgentContext } from './context.js';
import { updateInstance } from '../db/instances.js';
import { UNFINISHED_STATUSES } from '../db/migrations-repo.js';
import { POWER_STATE, VmState } from '../compute/states.js';

/** vm_states whose guest should be running. */
const RUNNING_STATES: readonly string[] = [VmState.ACTIVE, VmState.PAUSED, VmState.SUSPENDED, VmState.RESCUED];
const OFF: readonly number[] = [POWER_STATE.SHUTDOWN, POWER_STATE.CRASHED];

async function settledServersHere(ctx: AgentContext) {
  const busy = ctx.db.kysely
    .selectFrom('migrations')
    .select('instance_uuid')
    .where('deleted', '=', 0)
    .where('status', 'in', [...UNFINISHED_STATUSES]);
  return ctx.db.kysely
    .selectFrom('instances')
    .selectAll()
    .where('host', '=', ctx.host)
    .where('deleted', '=', 0)
    .where('task_state', 'is', null)
    .where('uuid', 'not in', busy)
    .execute();
}

export async function syncPowerStates(ctx: AgentContext, opts: { afterBoot: boolean }): Promise<void> {
  const resume = opts.afterBoot && ctx.conf.bool('DEFAULT', 'resume_guests_state_on_host_boot');
  for (const inst of await settledServersHere(ctx)) {
    const guest = ctx.driver.getGuest(inst.uuid);
    const cas = { taskState: [null] as Array<string | null>, vmState: [inst.vm_state] };
    if (!guest) {
      if (inst.power_state !== POWER_STATE.NOSTATE) await updateInstance(ctx.db.kysely, inst.uuid, { power_state: POWER_STATE.NOSTATE }, ctx.clock.now(), cas);
      ctx.log.warn({ instance: inst.uuid }, 'a server of this host has no guest on it');
      continue;
    }
    let power: number = guest.powerState;
    let vmState = inst.vm_state;
    if (RUNNING_STATES.includes(inst.vm_state) && OFF.includes(power)) {
      if (resume && inst.vm_state === VmState.ACTIVE) {
        await ctx.driver.powerOn(inst.uuid);
        power = POWER_STATE.RUNNING;
      } else {
        vmState = VmState.STOPPED;
      }
    } else if (inst.vm_state === VmState.STOPPED && !OFF.includes(power)) {
      await ctx.driver.powerOff(inst.uuid);
      power = POWER_STATE.SHUTDOWN;
    }
    if (power !== inst.power_state || vmState !== inst.vm_state)
      await updateInstance(ctx.db.kysely, inst.uuid, { power_state: power, vm_state: vmState }, ctx.clock.now(), cas);
  }
}
