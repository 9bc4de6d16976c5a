// `magnetar serve`: every role in one process on the in-process bus, with
// simulated compute hosts.
import type { Config } from '../config/config.js';
import { systemClock, type Clock } from '../compute/clock.js';
import { imageCatalog } from '../image/on-disk.js';
import { seedDevstackNetworks } from '../network/seed.js';
import { networkEnv, openBase, startApi, startScheduler, startConductorRole, startComputeHosts, type Base, type ApiListeners } from './roles.js';
import type { ComputeAgent } from '../agent/manager.js';
import type { HostRuntime } from '../agent/host-runtime.js';
import type { Subscription } from '../rpc/bus.js';
import type { FaultRules } from '../virt/fake/faults.js';

export interface AllInOne {
  readonly base: Base;
  readonly api: ApiListeners;
  /** The running agent of each simulated host. */
  readonly agents: ReadonlyMap<string, ComputeAgent>;
  readonly hosts: HostRuntime;
  readonly faults: FaultRules;
  /** Starts (or restarts) the agent of a simulated host. */
  startHost(host: string): Promise<ComputeAgent>;
  /** Stops a host's agent: it stops heartbeating and serving, like a killed agent; its guests run on. */
  stopHost(host: string): Promise<void>;
  /** Stops a host's agent and cuts its power: its guests stay defined but none runs. */
  crashHost(host: string): Promise<void>;
  stop(): Promise<void>;
}

export async function startAllInOne(conf: Config, opts: { clock?: Clock } = {}): Promise<AllInOne> {
  // Every role runs in this process, so it is the database file's only user.
  const base = await openBase(conf, 'magnetar', opts.clock ?? systemClock, { exclusiveDb: true });
  // Nothing else uses this state directory: uploads cut off by the last stop are over.
  imageCatalog(conf).store?.recoverInterruptedUploads(base.clock.now().toISOString().replace(/\.\d{3}Z$/, 'Z'));
  const scheduler = await startScheduler(base);
  const subs: Subscription[] = [scheduler, await startConductorRole(base)];
  const hosts = await startComputeHosts(base, conf.list('magnetar', 'compute_hosts'), { crashKillsProcess: false });
  // What devstack leaves a new cloud with: the public and demo's private network.
  await seedDevstackNetworks(networkEnv(base));
  const api = await startApi(base);
  // Once every host is registered: loaded earlier, the view would re-read each of them from the change log.
  scheduler.warmUpSoon();
  return {
    base,
    api,
    agents: hosts.agents,
    hosts,
    faults: base.faults,
    async startHost(host) {
      if (hosts.state(host) === 'running') await hosts.stop(host);
      await hosts.start(host);
      return hosts.agents.get(host)!;
    },
    async stopHost(host) {
      if (hosts.state(host) === 'running') await hosts.stop(host);
    },
    async crashHost(host) {
      if (hosts.state(host) !== 'crashed') await hosts.crash(host);
    },
    async stop() {
      await api.close();
      await hosts.close();
      for (const s of subs) await s.close();
      await base.bus.close();
      await base.db.close();
    },
  };
}
