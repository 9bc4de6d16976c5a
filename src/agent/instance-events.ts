// Events from other services a host's work waits for (Nova's InstanceEvents):
// a build says it expects events for its server before it does what causes
// them (binding its ports), so an event that comes early is kept, not lost;
// it then waits for the ones it needs, up to a deadline. The compute API
// casts the events here (`external_instance_event`); an event nobody
// expects is logged and dropped, as Nova drops it. network-changed is not
// waited for: the host refreshes the server's network info cache from its
// ports, as Nova's host does.
import type { Handlers } from '../rpc/bus.js';
import type { AgentContext } from './context.js';
import { getInstance } from '../db/instances.js';
import { portsEnvOf, refreshInfoCache } from '../compute/neutron/server-ports.js';

export interface InstanceEvent {
  readonly name: string;
  readonly tag: string | null;
  /** completed, failed or in-progress, as the sender said. */
  readonly status: string;
}

/** What one piece of work expects for a server: the events received so far. */
export class Expectation {
  private readonly received: InstanceEvent[] = [];
  private wake: (() => void) | null = null;

  receive(event: InstanceEvent): void {
    this.received.push(event);
    this.wake?.();
  }

  /**
   * Waits until `name` came with each of `tags`. A `failed` one is handed to
   * `onFailed` (which throws to stop waiting, or returns to wait for the
   * rest, as Nova's error callback). Resolves with the tags still missing
   * at the deadline (none: all came).
   */
  async waitFor(name: string, tags: readonly string[], timeoutMs: number, onFailed: (tag: string) => void): Promise<string[]> {
    const missing = new Set(tags);
    const deadline = Date.now() + timeoutMs;
    let seen = 0;
    for (;;) {
      for (; seen < this.received.length; seen++) {
        const e = this.received[seen]!;
        if (e.name !== name || e.tag === null || !missing.has(e.tag)) continue;
        missing.delete(e.tag);
        if (e.status === 'failed') onFailed(e.tag);
      }
      const left = deadline - Date.now();
      if (missing.size === 0 || left <= 0) return [...missing];
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        // A wait never keeps a process alive on its own (one whose agent was stopped may still be waiting).
        t.unref();
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = null;
    }
  }
}

/** The expectations of one life of a host's agent, by server. */
export class InstanceEvents {
  private readonly expected = new Map<string, Expectation>();

  /** From now on, the server's events are kept for the returned expectation. */
  expect(uuid: string): Expectation {
    const e = new Expectation();
    this.expected.set(uuid, e);
    return e;
  }

  /** The work is done with its events: later ones are unexpected again. */
  forget(uuid: string, e: Expectation): void {
    if (this.expected.get(uuid) === e) this.expected.delete(uuid);
  }

  /** Hands the event to whoever expects it; false when nobody does. */
  deliver(uuid: string, event: InstanceEvent): boolean {
    const e = this.expected.get(uuid);
    e?.receive(event);
    return e !== undefined;
  }
}

export function instanceEventHandlers(ctx: AgentContext): Handlers {
  return {
    async external_instance_event(args) {
      const events = Array.isArray(args['events']) ? (args['events'] as Array<Record<string, unknown>>) : [];
      const changed = new Set<string>();
      for (const e of events) {
        const uuid = String(e['instance_uuid']);
        const event: InstanceEvent = { name: String(e['name']), tag: typeof e['tag'] === 'string' ? e['tag'] : null, status: String(e['status'] ?? 'completed') };
        if (event.name === 'network-changed') changed.add(uuid);
        else if (!ctx.instanceEvents.deliver(uuid, event)) ctx.log.debug({ instance: uuid, event: `${event.name}-${event.tag ?? ''}` }, 'no one waits for this event; dropped');
      }
      // Once per server, however many of its ports changed.
      for (const uuid of changed) {
        const inst = await getInstance(ctx.db.kysely, uuid);
        if (!inst) continue;
        await refreshInfoCache(portsEnvOf(ctx), inst).catch((err: unknown) => ctx.log.warn({ err, instance: uuid }, 'could not refresh the network info cache'));
      }
    },
  };
}
