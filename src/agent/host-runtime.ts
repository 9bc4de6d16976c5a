// The lives of the simulated hosts a process runs (every host of the
// all-in-one, or the one host of a `magnetar compute` process), and their
// lifecycle at run time, for failure drills:
//   stop  — the agent dies where it stands: no more heartbeats (the service
//           goes down after service_down_time), no more work; guests run on
//   crash — the same, and the host loses power: its guests stay defined but
//           none runs any more
//   start — a new life of the agent: its start-up recovery runs, as after a
//           real restart, then it serves and heartbeats again
// Each host is also reachable for this over the bus, on `hostctl.<host>`,
// served by the process whatever the agent's state.
import type { Logger } from 'pino';
import type { Bus, Handlers, Subscription } from '../rpc/bus.js';
import { Conflict } from '../compute/errors.js';
import type { ComputeAgent } from './manager.js';
import { lazyHandlers } from '../rpc/lazy-handlers.js';

export type HostState = 'running' | 'stopped' | 'crashed';

/** Builds a new life of a host's agent; `die` ends it from inside (a crash point). */
export type AgentFactory = (host: string, die: () => void) => ComputeAgent;

interface Host {
  agent: ComputeAgent | undefined;
  state: HostState;
  /** One change at a time per host. */
  busy: Promise<unknown>;
}

export class HostRuntime {
  private readonly hosts = new Map<string, Host>();
  /** The running life of each host's agent. */
  readonly agents = new Map<string, ComputeAgent>();
  private readonly subs: Subscription[] = [];

  constructor(
    private readonly makeAgent: AgentFactory,
    private readonly bus: Bus,
    private readonly log: Logger,
    /** Called once every agent has stopped (the process's shared timers end). */
    private readonly onClose: () => void = () => undefined,
  ) {}

  names(): string[] {
    return [...this.hosts.keys()];
  }

  state(host: string): HostState | undefined {
    return this.hosts.get(host)?.state;
  }

  /** Starts a host's agent (a new host, or one that was stopped or crashed). */
  start(host: string): Promise<HostState> {
    return this.serialised(host, async (h) => {
      if (h.state === 'running') throw new Conflict(`Host ${host} is already running.`);
      const agent = this.makeAgent(host, () => this.kill(host));
      h.agent = agent;
      h.state = 'running';
      this.agents.set(host, agent);
      try {
        await agent.start();
      } catch (err) {
        agent.kill();
        this.agents.delete(host);
        h.state = 'stopped';
        throw err;
      }
      return h.state;
    });
  }

  stop(host: string): Promise<HostState> {
    return this.serialised(host, async (h) => {
      if (h.state !== 'running') throw new Conflict(`Host ${host} is not running (it is ${h.state}).`);
      this.agents.delete(host);
      await h.agent?.stop();
      h.state = 'stopped';
      return h.state;
    });
  }

  crash(host: string): Promise<HostState> {
    return this.serialised(host, async (h) => {
      if (h.state === 'crashed') throw new Conflict(`Host ${host} has already crashed.`);
      this.agents.delete(host);
      await h.agent?.stop();
      await h.agent?.ctx.driver.losePower?.();
      h.state = 'crashed';
      return h.state;
    });
  }

  /** Ends a host's running life at once, from inside it (a crash point fired). */
  kill(host: string): void {
    const h = this.hosts.get(host);
    if (!h || h.state !== 'running') return;
    this.agents.delete(host);
    h.agent?.kill();
    h.state = 'stopped';
    this.log.warn({ host }, 'compute agent killed at a crash point');
  }

  /** Serves `hostctl.<host>` for every host given (and registers them as stopped until started). */
  async serveControl(hosts: readonly string[]): Promise<void> {
    for (const host of hosts) {
      this.entry(host);
      // Made when the host is first controlled: most hosts of a big process never are.
      this.subs.push(await this.bus.serve(`hostctl.${host}`, lazyHandlers(() => this.controlHandlers(host))));
    }
  }

  private controlHandlers(host: string): Handlers {
    const view = (state: HostState | undefined) => ({ host, state: state ?? 'stopped' });
    return {
      host_state: () => view(this.state(host)),
      host_start: async () => view(await this.start(host)),
      host_stop: async () => view(await this.stop(host)),
      host_crash: async () => view(await this.crash(host)),
    };
  }

  /** Stops every running agent and the control topics. */
  async close(): Promise<void> {
    for (const s of this.subs) await s.close().catch(() => undefined);
    for (const h of this.hosts.values()) await h.agent?.stop();
    this.onClose();
  }

  private entry(host: string): Host {
    let h = this.hosts.get(host);
    if (!h) {
      h = { agent: undefined, state: 'stopped', busy: Promise.resolve() };
      this.hosts.set(host, h);
    }
    return h;
  }

  private serialised<T>(host: string, fn: (h: Host) => Promise<T>): Promise<T> {
    const h = this.entry(host);
    const run = h.busy.then(() => fn(h));
    h.busy = run.catch(() => undefined);
    return run;
  }
}
