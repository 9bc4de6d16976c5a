// A simulated host's agent that "dies" inside a process that goes on (the
// all-in-one, or a host stopped through the host lifecycle API) must stop as
// dead as a killed process would: whatever its handlers were doing can no
// longer reach the database, the bus or the hypervisor. Each life of an agent
// gets its own fence; tripping it makes every later query, send and call of
// that life fail, so its work ends where it was cut off and the next life's
// start-up finds exactly what a crash would have left.
import type { KyselyPlugin, PluginTransformQueryArgs, PluginTransformResultArgs, QueryResult, RootOperationNode, UnknownRow } from 'kysely';
import type { Db } from '../db/connect.js';
import { KEEPS_QUERIES } from '../db/compiled-once.js';
import type { Bus, CallOptions, Handlers, Json, MessageArgs, Subscription } from '../rpc/bus.js';

export class AgentStopped extends Error {
  constructor(readonly host: string) {
    super(`the compute agent of ${host} has stopped`);
    this.name = 'AgentStopped';
  }
}

export class Fence {
  private tripped = false;
  constructor(readonly host: string) {}

  get down(): boolean {
    return this.tripped;
  }

  trip(): void {
    this.tripped = true;
  }

  check(): void {
    if (this.tripped) throw new AgentStopped(this.host);
  }
}

/** Checks the fence around every statement of one life (an object, not closures: a process may run ten thousand lives). */
class FencePlugin implements KyselyPlugin {
  constructor(private readonly fence: Fence) {}

  /** It only checks: the queries compiled once for the whole database serve every life. */
  get [KEEPS_QUERIES](): boolean {
    return true;
  }

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    this.fence.check();
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    // A statement that ran while the agent died: the agent never learns its outcome.
    this.fence.check();
    return args.result;
  }
}

/** The shared database is closed by its owner, never by a life's view of it. */
const closeNothing = async (): Promise<void> => undefined;

/** The database as one agent life sees it: every query fails once the fence is tripped. */
export function fencedDb(db: Db, fence: Fence): Db {
  return { kysely: db.kysely.withPlugin(new FencePlugin(fence)), dialect: db.dialect, close: closeNothing };
}

/** The bus as one agent life sees it: nothing is sent, and no reply is heard, once the fence is tripped. */
class FencedBus implements Bus {
  constructor(
    private readonly bus: Bus,
    private readonly fence: Fence,
  ) {}

  async call<T extends Json | void = Json>(topic: string, method: string, args: MessageArgs, opts?: CallOptions): Promise<T> {
    this.fence.check();
    const reply = await this.bus.call<T>(topic, method, args, opts);
    this.fence.check();
    return reply;
  }

  async cast(topic: string, method: string, args: MessageArgs, opts?: Parameters<Bus['cast']>[3]): Promise<void> {
    this.fence.check();
    await this.bus.cast(topic, method, args, opts);
  }

  serve(topic: string, handlers: Handlers): Promise<Subscription> {
    this.fence.check();
    return this.bus.serve(topic, handlers);
  }

  close(): Promise<void> {
    return closeNothing();
  }
}

export function fencedBus(bus: Bus, fence: Fence): Bus {
  return new FencedBus(bus, fence);
}
