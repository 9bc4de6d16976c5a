// A simulated host's agent that "dies" inside a process that goes on (the
// all-in-one, or a host stopped through the host lifecycle API) must stop as
// dead as a killed process would: whatever its handlers were doing can no
// longer reach the database, the bus or the hypervisor. Each life of an agent
// gets its own fence; tripping it makes every later query, send and call of
// that life fail, so its work ends where it was cut off and the next life's
// start-up finds exactly what a crash would have left.
import type { KyselyPlugin } from 'kysely';
import type { Db } from '../db/connect.js';
import type { Bus, CallOptions, Json, MessageArgs } from '../rpc/bus.js';

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

/** The database as one agent life sees it: every query fails once the fence is tripped. */
export function fencedDb(db: Db, fence: Fence): Db {
  const plugin: KyselyPlugin = {
    transformQuery(args) {
      fence.check();
      return args.node;
    },
    async transformResult(args) {
      // A statement that ran while the agent died: the agent never learns its outcome.
      fence.check();
      return args.result;
    },
  };
  return { kysely: db.kysely.withPlugin(plugin), dialect: db.dialect, close: async () => undefined };
}

/** The bus as one agent life sees it: nothing is sent, and no reply is heard, once the fence is tripped. */
export function fencedBus(bus: Bus, fence: Fence): Bus {
  return {
    async call<T extends Json | void = Json>(topic: string, method: string, args: MessageArgs, opts?: CallOptions): Promise<T> {
      fence.check();
      const reply = await bus.call<T>(topic, method, args, opts);
      fence.check();
      return reply;
    },
    async cast(topic, method, args, opts) {
      fence.check();
      await bus.cast(topic, method, args, opts);
    },
    serve: (topic, handlers) => {
      fence.check();
      return bus.serve(topic, handlers);
    },
    close: async () => undefined,
  };
}
