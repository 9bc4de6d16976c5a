// Waiting for the network service to report a server's ports plugged
// (network-vif-plugged), as Nova's compute host waits for Neutron: around a
// guest's creation (a build, an evacuation's or an unshelve's spawn, a resize
// reverted on its source) for the VIFs the network info shows inactive (one
// already ACTIVE will not go up again), and before a live migration's
// transfer for every VIF, bound anew on the destination. Up to `[DEFAULT]
// vif_plugging_timeout` (0 = no wait). A timeout, or a plug reported failed,
// fails the work when `[DEFAULT] vif_plugging_is_fatal`; else it goes on.
// The work says it expects the events before it binds the ports, so one
// that comes early is kept (instance-events.ts).
import type { AgentContext } from './context.js';
import type { Expectation } from './instance-events.js';
import type { Vif } from '../compute/neutron/network-info.js';

/** The fault a build aborted for its network gets, in Nova's words; the cause is in its details. */
export class BuildAborted extends Error {
  constructor(uuid: string, reason: string, readonly details: string) {
    super(`Build of instance ${uuid} aborted: ${reason}`);
    this.name = 'BuildAbortException';
  }
}

/** What a guest made for a move fails with when its ports were not plugged (Nova's VirtualInterfaceCreateException). */
export class VirtualInterfaceCreateFailed extends Error {
  constructor() {
    super('Virtual Interface creation failed');
    this.name = 'VirtualInterfaceCreateException';
  }
}

const vifCreationFailed = (uuid: string): BuildAborted =>
  new BuildAborted(uuid, 'Failed to allocate the network(s), not rescheduling.', 'VirtualInterfaceCreateException: Virtual Interface creation failed');

/** Nova's _get_neutron_events: the VIFs that are down now and are expected to come up. */
export const vifsToWaitFor = (info: readonly Vif[]): string[] => info.filter((v) => v.active === false && v.vnic_type !== 'remote-managed').map((v) => v.id);

/** The errors a fatal wait ends in: a plug reported failed, or plugs that did not come in time. */
export interface PlugFaults {
  failed(tag: string): Error;
  timedOut(missing: readonly string[]): Error;
}

/** Waits for network-vif-plugged for each of `tags` (port ids); throws one of `faults` when that is fatal. */
export async function waitForPlugEvents(ctx: AgentContext, uuid: string, tags: readonly string[], expectation: Expectation, faults: PlugFaults): Promise<void> {
  const timeout = ctx.conf.num('DEFAULT', 'vif_plugging_timeout');
  if (!(timeout > 0) || tags.length === 0) return;
  const fatal = ctx.conf.bool('DEFAULT', 'vif_plugging_is_fatal');
  const missing = await expectation.waitFor('network-vif-plugged', tags, timeout * 1000, (tag) => {
    ctx.log.error({ instance: uuid, event: `network-vif-plugged-${tag}` }, 'the network service reported a failure on a plug event');
    if (fatal) throw faults.failed(tag);
  });
  if (missing.length === 0) return;
  ctx.log.warn({ instance: uuid, events: missing.map((t) => `network-vif-plugged-${t}`), fatal }, 'timed out waiting for the network service to plug the ports');
  if (fatal) throw faults.timedOut(missing);
}

/** A build's wait, after spawning: its fault is Nova's aborted build. */
export function waitForVifsPlugged(ctx: AgentContext, uuid: string, info: readonly Vif[], expectation: Expectation): Promise<void> {
  const fault = (): Error => vifCreationFailed(uuid);
  return waitForPlugEvents(ctx, uuid, vifsToWaitFor(info), expectation, { failed: fault, timedOut: fault });
}

/** A guest made for a move (evacuation, unshelve, revert), after it is created: its fault is Nova's VirtualInterfaceCreateException. */
export function waitForMovedVifsPlugged(ctx: AgentContext, uuid: string, info: readonly Vif[], expectation: Expectation): Promise<void> {
  const fault = (): Error => new VirtualInterfaceCreateFailed();
  return waitForPlugEvents(ctx, uuid, vifsToWaitFor(info), expectation, { failed: fault, timedOut: fault });
}
