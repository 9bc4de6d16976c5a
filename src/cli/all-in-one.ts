// `magnetar serve`: every role in one process on the in-process bus, with
// simulated compute hosts.
import type { Config } from '../config/config.js';
import { systemClock, type Clock } from '../compute/clock.js';
import { openBase, startApi, startScheduler, startConductorRole, startCompute, type Base, type ApiListeners } from './roles.js';
import type { ComputeAgent } from '../agent/manager.js';
import type { Subscription } from '../rpc/bus.js';
import { FaultRules } from '../virt/fake/faults.js';

export interface AllInOne {
  readonly base: Base;
  readonly api: ApiListeners;
  readonly agents: Map<string, ComputeAgent>;
  readonly faults: FaultRules;
  /** Starts (or restarts) the agent of a simulated host. */
  startHost(host: string): Promise<ComputeAgent>;
  /** Stops a host's agent: it stops heartbeating and serving, like a crashed host. */
  stopHost(host: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startAllInOne(conf: Config, opts: { clock?: Clock } = {}): Promise<AllInOne> {
  // Every role runs in this process, so it is the database file's only user.
  const base = await openBase(conf, 'magnetar', opts.clock ?? systemClock, { exclusiveDb: true });
  const subs: Subscription[] = [await startScheduler(base), await startConductorRole(base)];
  const faults = new FaultRules();
  const agents = new Map<string, ComputeAgent>();
  const startHost = async (host: string): Promise<ComputeAgent> => {
    const a = await startCompute(base, host, faults);
    agents.set(host, a);
    return a;
  };
  await Promise.all(conf.list('magnetar', 'compute_hosts').map(startHost));
  const api = await startApi(base);
  return {
    base,
    api,
    agents,
    faults,
    startHost,
    async stopHost(host) {
      await agents.get(host)?.stop();
      agents.delete(host);
    },
    async stop() {
      await api.close();
      for (const a of agents.values()) await a.stop();
      for (const s of subs) await s.close();
      await base.bus.close();
      await base.db.close();
    },
  };
}
