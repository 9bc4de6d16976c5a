// The in-process bus, used in all-in-one mode and in most tests. It behaves
// like the RabbitMQ bus on purpose: messages and replies travel as JSON text
// (no shared objects), delivery is always asynchronous, a topic's messages
// wait in its queue until some server takes them, and servers of one topic
// take turns.

import type { Bus, CallOptions, Handlers, Json, MessageArgs, Subscription } from './bus.js';
import { MessagingTimeout } from './bus.js';
import { BusClosed } from './bus-errors.js';
import { DEFAULT_RPC_RESPONSE_TIMEOUT_MS, type BusLogger, type BusOptions } from './bus-options.js';
import { dispatch } from './dispatch.js';
import { parseReply, parseRequest, serializeReply, serializeRequest } from './envelope.js';
import { decodeError, rebuildAsRemoteError, type ErrorFactory } from './errors-codec.js';
import { topicMatches, type NotificationListener, type NotificationTransport } from './notification-transport.js';

interface Delivery {
  readonly body: string;
  /** A call is not worth serving once its caller has given up (RabbitMQ: per-message TTL). */
  readonly expiresAt?: number;
  readonly reply?: (text: string) => void;
}

interface Server {
  readonly handlers: Handlers;
}

interface TopicQueue {
  readonly waiting: Delivery[];
  servers: Server[];
  next: number;
  drainScheduled: boolean;
}

interface PendingCall {
  readonly timer: NodeJS.Timeout;
  readonly reject: (err: Error) => void;
}

interface LocalListener {
  readonly exchange: string;
  readonly bindingKeys: readonly string[];
  readonly onMessage: NotificationListener;
}

/** A server's place in its topic's queue (an object, not a closure: a process may serve tens of thousands of topics). */
class LocalSubscription implements Subscription {
  constructor(
    private readonly queue: TopicQueue,
    private readonly server: Server,
  ) {}

  async close(): Promise<void> {
    this.queue.servers = this.queue.servers.filter((s) => s !== this.server);
  }
}

export class LocalBus implements Bus, NotificationTransport {
  private readonly topics = new Map<string, TopicQueue>();
  private readonly listeners = new Set<LocalListener>();
  private readonly pending = new Set<PendingCall>();
  private readonly rebuildError: ErrorFactory;
  private readonly defaultTimeoutMs: number;
  private readonly logger: BusLogger | undefined;
  private closed = false;

  constructor(opts: BusOptions = {}) {
    this.rebuildError = opts.rebuildError ?? rebuildAsRemoteError;
    this.defaultTimeoutMs = opts.defaultTimeoutMs ?? DEFAULT_RPC_RESPONSE_TIMEOUT_MS;
    this.logger = opts.logger;
  }

  call<T extends Json | void = Json>(topic: string, method: string, args: MessageArgs, opts: CallOptions = {}): Promise<T> {
    if (this.closed) return Promise.reject(new BusClosed());
    const timeoutMs = opts.timeoutMs ?? this.defaultTimeoutMs;
    const body = serializeRequest(method, args, opts.requestId);
    return new Promise<T>((resolve, reject) => {
      const entry: PendingCall = {
        timer: setTimeout(() => {
          this.pending.delete(entry);
          reject(new MessagingTimeout(topic, method, timeoutMs));
        }, timeoutMs),
        reject,
      };
      this.pending.add(entry);
      const reply = (text: string): void => {
        // A reply after the timeout or after close() has nobody left to hear it.
        if (!this.pending.delete(entry)) return;
        clearTimeout(entry.timer);
        const envelope = parseReply(text);
        if (envelope.ok) resolve(envelope.result as T);
        else reject(decodeError(envelope.error, this.rebuildError));
      };
      this.enqueue(topic, { body, expiresAt: Date.now() + timeoutMs, reply });
    });
  }

  async cast(topic: string, method: string, args: MessageArgs, opts: { readonly requestId?: string } = {}): Promise<void> {
    if (this.closed) throw new BusClosed();
    this.enqueue(topic, { body: serializeRequest(method, args, opts.requestId) });
  }

  async serve(topic: string, handlers: Handlers): Promise<Subscription> {
    if (this.closed) throw new BusClosed();
    const queue = this.queueOf(topic);
    const server: Server = { handlers };
    queue.servers.push(server);
    this.scheduleDrain(topic, queue);
    return new LocalSubscription(queue, server);
  }

  async publishNotification(exchange: string, routingKey: string, body: string): Promise<void> {
    if (this.closed) throw new BusClosed();
    const heard = [...this.listeners].filter((l) => l.exchange === exchange && l.bindingKeys.some((b) => topicMatches(b, routingKey)));
    // Later, like any delivery: a listener never runs on the publisher's stack.
    if (heard.length > 0)
      setImmediate(() => {
        for (const l of heard) {
          try {
            l.onMessage(routingKey, body);
          } catch (err) {
            this.logger?.error({ err, routingKey }, 'notification listener failed');
          }
        }
      });
  }

  async listenNotifications(exchange: string, bindingKeys: readonly string[], onMessage: NotificationListener): Promise<Subscription> {
    if (this.closed) throw new BusClosed();
    const l: LocalListener = { exchange, bindingKeys: [...bindingKeys], onMessage };
    this.listeners.add(l);
    return { close: async () => void this.listeners.delete(l) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.listeners.clear();
    for (const entry of this.pending) {
      clearTimeout(entry.timer);
      entry.reject(new BusClosed());
    }
    this.pending.clear();
    this.topics.clear();
  }

  private queueOf(topic: string): TopicQueue {
    let queue = this.topics.get(topic);
    if (queue === undefined) {
      queue = { waiting: [], servers: [], next: 0, drainScheduled: false };
      this.topics.set(topic, queue);
    }
    return queue;
  }

  private enqueue(topic: string, delivery: Delivery): void {
    const queue = this.queueOf(topic);
    queue.waiting.push(delivery);
    this.scheduleDrain(topic, queue);
  }

  // Deliveries happen on a later turn of the event loop, never inside cast/call/serve,
  // so a handler can never run on its sender's stack (it could not on RabbitMQ).
  private scheduleDrain(topic: string, queue: TopicQueue): void {
    if (queue.drainScheduled) return;
    queue.drainScheduled = true;
    setImmediate(() => {
      queue.drainScheduled = false;
      this.drain(topic, queue);
    });
  }

  private drain(topic: string, queue: TopicQueue): void {
    if (this.closed) return;
    while (queue.waiting.length > 0 && queue.servers.length > 0) {
      const delivery = queue.waiting.shift() as Delivery;
      if (delivery.expiresAt !== undefined && delivery.expiresAt <= Date.now()) continue;
      const server = queue.servers[queue.next % queue.servers.length] as Server;
      queue.next = (queue.next + 1) % queue.servers.length;
      void this.deliver(topic, server, delivery);
    }
  }

  private async deliver(topic: string, server: Server, delivery: Delivery): Promise<void> {
    let request;
    try {
      request = parseRequest(delivery.body);
    } catch (err) {
      this.logger?.error({ err, topic }, 'dropping malformed bus message');
      return;
    }
    this.logger?.debug?.({ topic, method: request.method, requestId: request.requestId, args: request.args, call: delivery.reply !== undefined }, 'bus message');
    const reply = await dispatch(topic, server.handlers, request);
    if (delivery.reply !== undefined) {
      delivery.reply(serializeReply(reply));
    } else if (!reply.ok) {
      this.logger?.error(
        { topic, method: request.method, requestId: request.requestId, error: reply.error },
        'cast handler failed',
      );
    }
  }
}
