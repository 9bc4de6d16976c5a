// Waiting, around a guest's creation, for the network service to report the
// server's new ports plugged (network-vif-plugged), as Nova's libvirt driver
// does: only for VIFs the network info shows inactive (one already ACTIVE,
// as on a build run again, will not go up again), up to `[DEFAULT]
// vif_plugging_timeout` (0 = no wait). A timeout, or a plug reported failed,
// fails the build when `[DEFAULT] vif_plugging_is_fatal`; else it goes on.
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

const vifCreationFailed = (uuid: string): BuildAborted =>
  new BuildAborted(uuid, 'Failed to allocate the network(s), not rescheduling.', 'VirtualInterfaceCreateException: Virtual Interface creation failed');

/** Nova's _get_neutron_events: the VIFs that are down now and are expected to come up. */
export const vifsToWaitFor = (info: readonly Vif[]): string[] => info.filter((v) => v.active === false && v.vnic_type !== 'remote-managed').map((v) => v.id);

export async function waitForVifsPlugged(ctx: AgentContext, uuid: string, info: readonly Vif[], expectation: Expectation): Promise<void> {
  const timeout = ctx.conf.num('DEFAULT', 'vif_plugging_timeout');
  const tags = vifsToWaitFor(info);
  if (!(timeout > 0) || tags.length === 0) return;
  const fatal = ctx.conf.bool('DEFAULT', 'vif_plugging_is_fatal');
  const missing = await expectation.waitFor('network-vif-plugged', tags, timeout * 1000, (tag) => {
    ctx.log.error({ instance: uuid, event: `network-vif-plugged-${tag}` }, 'the network service reported a failure on a plug event');
    if (fatal) throw vifCreationFailed(uuid);
  });
  if (missing.length === 0) return;
  ctx.log.warn({ instance: uuid, events: missing.map((t) => `network-vif-plugged-${t}`), fatal }, 'timed out waiting for the network service to plug the ports');
  if (fatal) throw vifCreationFailed(uuid);
}
