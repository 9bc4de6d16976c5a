// The RabbitMQ bus, for the distributed mode. One queue per topic
// (`<prefix>.<topic>`, e.g. `magnetar.compute.host1`) reached through the
// default exchange: every server of a topic consumes from the same queue, so
// RabbitMQ hands each message to exactly one of them. A call carries a
// correlation id and names this bus's private reply queue; its TTL equals the
// caller's timeout so nobody serves a call whose caller has already given up.
//
// When the connection is lost the bus reconnects on its own (brokers of the
// URL in order, back-off doubling from 0.1 s up to 5 s), declares a new reply
// queue and re-creates every server's consumer on the same topic queues.
// Calls waiting for a reply at that moment fail at once (their reply queue is
// gone); calls and casts made while reconnecting wait for the new connection.

import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import type { Channel, ChannelModel, ConfirmChannel, ConsumeMessage, Options } from 'amqplib';
import type { Bus, CallOptions, Handlers, Json, MessageArgs, Subscription } from './bus.js';
import { MessagingTimeout } from './bus.js';
import { BusClosed, MessagingUnavailable } from './bus-errors.js';
import { DEFAULT_RPC_RESPONSE_TIMEOUT_MS, type BusLogger, type BusOptions } from './bus-options.js';
import { dispatch } from './dispatch.js';
import { parseReply, parseRequest, serializeReply, serializeRequest } from './envelope.js';
import { decodeError, rebuildAsRemoteError, type ErrorFactory } from './errors-codec.js';
import { redactTransportUrl, toAmqpUrls } from './transport-url.js';
import type { NotificationListener, NotificationTransport } from './notification-transport.js';

export interface AmqpBusOptions extends BusOptions {
  /** First part of every topic queue's name; lets several deployments (or test runs) share a broker. */
  readonly queuePrefix?: string;
  /** Messages one server works on at once; a slow handler does not hold up the others. */
  readonly prefetch?: number;
  /** Topic queues survive a broker restart (Nova's [oslo_messaging_rabbit] amqp_durable_queues). */
  readonly durableQueues?: boolean;
  /** Delete a topic queue after it has been unused this long (RabbitMQ x-expires); unset keeps it forever. */
  readonly queueExpiresMs?: number;
  /** Shown for this connection by rabbitmqctl and the management UI, e.g. `magnetar-compute:host1`. */
  readonly connectionName?: string;
  /** First pause between reconnection rounds after a lost connection (oslo's rabbit_retry_interval). */
  readonly reconnectMinDelayMs?: number;
  /** Longest pause between reconnection rounds (oslo's rabbit_interval_max). */
  readonly reconnectMaxDelayMs?: number;
}

const DEFAULT_QUEUE_PREFIX = 'magnetar';
const DEFAULT_PREFETCH = 16;
const DEFAULT_RECONNECT_MIN_DELAY_MS = 100;
const DEFAULT_RECONNECT_MAX_DELAY_MS = 5000;
const JSON_CONTENT_TYPE = 'application/json';

interface PendingCall {
  readonly timer: NodeJS.Timeout;
  readonly resolve: (value: Json | undefined) => void;
  readonly reject: (err: Error) => void;
}

/** One connection to a broker, with the channel and reply queue of the bus on it. */
interface Link {
  readonly model: ChannelModel;
  readonly channel: ConfirmChannel;
  readonly replyQueue: string;
  readonly brokerUrl: string;
  /** Topic queues declared on this connection. */
  readonly queues: Map<string, Promise<string>>;
}

interface LinkWaiter {
  readonly resolve: (link: Link) => void;
  readonly reject: (err: Error) => void;
}

/** A served topic; it outlives connections and is attached again to each new one. */
interface Server {
  readonly topic: string;
  /** Puts this server's consumer on `link` (once per link). */
  attach(link: Link): Promise<void>;
  close(): Promise<void>;
}

/**
 * Each connection's channel for notifications, with the exchanges declared on
 * it: its own, so that a broker refusing an exchange (say, one declared with
 * other options) closes only it, never the channel the calls and casts use.
 */
interface NotificationChannel {
  readonly channel: ConfirmChannel;
  readonly exchanges: Map<string, Promise<void>>;
}
const notificationChannels = new WeakMap<Link, Promise<NotificationChannel>>();

export class AmqpBus implements Bus, NotificationTransport {
  private readonly pending = new Map<string, PendingCall>();
  private readonly servers = new Set<Server>();
  private readonly waiters = new Set<LinkWaiter>();
  private readonly rebuildError: ErrorFactory;
  private readonly defaultTimeoutMs: number;
  private readonly logger: BusLogger | undefined;
  private readonly queuePrefix: string;
  private readonly prefetch: number;
  private readonly queueOptions: Options.AssertQueue;
  private readonly reconnectMinDelayMs: number;
  private readonly reconnectMaxDelayMs: number;
  /** The connection in use; undefined while reconnecting. */
  private link: Link | undefined;
  private reconnecting: Promise<void> | undefined;
  /** Wakes the reconnection loop from its pause, so close() need not wait for it. */
  private wakeReconnect: (() => void) | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    link: Link,
    private readonly urls: readonly string[],
    private readonly opts: AmqpBusOptions,
  ) {
    this.rebuildError = opts.rebuildError ?? rebuildAsRemoteError;
    this.defaultTimeoutMs = opts.defaultTimeoutMs ?? DEFAULT_RPC_RESPONSE_TIMEOUT_MS;
    this.logger = opts.logger;
    this.queuePrefix = opts.queuePrefix ?? DEFAULT_QUEUE_PREFIX;
    this.prefetch = Math.max(2, opts.prefetch ?? DEFAULT_PREFETCH);
    this.queueOptions = {
      durable: opts.durableQueues ?? false,
      autoDelete: false,
      ...(opts.queueExpiresMs === undefined ? {} : { arguments: { 'x-expires': opts.queueExpiresMs } }),
    };
    this.reconnectMinDelayMs = Math.max(1, opts.reconnectMinDelayMs ?? DEFAULT_RECONNECT_MIN_DELAY_MS);
    this.reconnectMaxDelayMs = Math.max(this.reconnectMinDelayMs, opts.reconnectMaxDelayMs ?? DEFAULT_RECONNECT_MAX_DELAY_MS);
    this.link = link;
  }

  /** Connects to the first reachable broker of an oslo-style `rabbit://user:pass@host:port/vhost` URL. */
  static async connect(transportUrl: string, opts: AmqpBusOptions = {}): Promise<AmqpBus> {
    const urls = toAmqpUrls(transportUrl);
    // Events of the connection before the bus exists find no bus and are dropped; setup fails instead.
    let bus: AmqpBus | undefined;
    const link: Link = await openLink(urls, opts, opts.logger, {
      onReply: (msg) => bus?.onReply(link, msg),
      onLost: (err) => bus?.onLinkLost(link, err),
    }).catch((err: unknown) => {
      throw new MessagingUnavailable(`Cannot connect to RabbitMQ at ${redactTransportUrl(transportUrl)}: ${messageOf(err)}`, {
        cause: err,
      });
    });
    bus = new AmqpBus(link, urls, opts);
    return bus;
  }

  async call<T extends Json | void = Json>(topic: string, method: string, args: MessageArgs, opts: CallOptions = {}): Promise<T> {
    this.assertOpen();
    const timeoutMs = opts.timeoutMs ?? this.defaultTimeoutMs;
    const body = serializeRequest(method, args, opts.requestId);
    const correlationId = randomUUID();
    const deadline = Date.now() + timeoutMs;
    // While reconnecting the call waits for the broker, within its own timeout.
    const link = await this.linkWithin(timeoutMs, () => new MessagingTimeout(topic, method, timeoutMs));
    const remainingMs = Math.ceil(deadline - Date.now());
    if (remainingMs <= 0) throw new MessagingTimeout(topic, method, timeoutMs);
    const reply = new Promise<Json | undefined>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(new MessagingTimeout(topic, method, timeoutMs));
      }, remainingMs);
      this.pending.set(correlationId, { timer, resolve, reject });
    });
    // The reply may fail (timeout, close, loss) while the publish is still under way; it is awaited below.
    reply.catch(() => undefined);
    try {
      // The message lives only as long as its caller still waits for it.
      await this.publish(link, topic, body, { correlationId, replyTo: link.replyQueue, expiration: String(remainingMs) });
    } catch (err) {
      this.settle(correlationId, (p) => p.reject(err instanceof Error ? err : new Error(String(err))));
    }
    return (await reply) as T;
  }

  async cast(topic: string, method: string, args: MessageArgs, opts: { readonly requestId?: string } = {}): Promise<void> {
    this.assertOpen();
    const body = serializeRequest(method, args, opts.requestId);
    // Nobody waits for a cast's result, but its sender waits for it to be taken: no longer than a call would.
    const link = await this.linkWithin(
      this.defaultTimeoutMs,
      () => new MessagingUnavailable(`No connection to RabbitMQ within ${this.defaultTimeoutMs} ms to cast ${method} on ${topic}`),
    );
    await this.publish(link, topic, body, {});
  }

  async serve(topic: string, handlers: Handlers): Promise<Subscription> {
    this.assertOpen();
    const server = this.newServer(topic, handlers);
    this.servers.add(server);
    const link = await this.linkWithin(
      this.defaultTimeoutMs,
      () => new MessagingUnavailable(`No connection to RabbitMQ within ${this.defaultTimeoutMs} ms to serve ${topic}`),
    ).catch(async (err: unknown) => {
      await server.close();
      throw err;
    });
    try {
      await server.attach(link);
    } catch (err) {
      // Lost the connection while attaching: the reconnection attaches this server again.
      if (this.closing === undefined && this.link !== link) return { close: () => server.close() };
      await server.close();
      throw err;
    }
    return { close: () => server.close() };
  }

  /**
   * Publishes to a topic exchange as oslo.messaging's notifier does (declared
   * with the durability of the topic queues), for consumers bound to it.
   */
  async publishNotification(exchange: string, routingKey: string, body: string): Promise<void> {
    this.assertOpen();
    const link = await this.linkWithin(this.defaultTimeoutMs, () => new MessagingUnavailable(`No connection to RabbitMQ to publish ${routingKey}`));
    const { channel } = await this.notificationChannel(link, exchange);
    await new Promise<void>((resolve, reject) => {
      channel.publish(
        exchange,
        routingKey,
        Buffer.from(body),
        { contentType: JSON_CONTENT_TYPE, contentEncoding: 'utf-8', persistent: this.queueOptions.durable === true },
        (err: unknown) => (err ? reject(new MessagingUnavailable(`RabbitMQ did not accept a notification: ${messageOf(err)}`, { cause: err })) : resolve()),
      );
    });
  }

  /** A private queue bound to `exchange`, attached again after each reconnection. */
  async listenNotifications(exchange: string, bindingKeys: readonly string[], onMessage: NotificationListener): Promise<Subscription> {
    this.assertOpen();
    let current: Promise<{ channel: Channel; consumerTag: string }> | undefined;
    let currentLink: Link | undefined;
    let closed: Promise<void> | undefined;
    const server: Server = {
      topic: `notifications of ${exchange}`,
      attach: async (link) => {
        if (closed !== undefined || currentLink === link) return;
        currentLink = link;
        current = (async () => {
          const channel = await link.model.createChannel();
          channel.on('error', (err: unknown) => this.logger?.error({ err, exchange }, 'notification listener channel failed'));
          await channel.assertExchange(exchange, 'topic', { durable: this.queueOptions.durable === true, autoDelete: false });
          const { queue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
          for (const key of bindingKeys) await channel.bindQueue(queue, exchange, key);
          const { consumerTag } = await channel.consume(
            queue,
            (msg) => {
              if (msg !== null) onMessage(msg.fields.routingKey, msg.content.toString('utf8'));
            },
            { noAck: true },
          );
          return { channel, consumerTag };
        })();
        await current;
      },
      close: () => {
        closed ??= (async () => {
          this.servers.delete(server);
          const c = await current?.catch(() => undefined);
          if (c !== undefined) await c.channel.close().catch(() => undefined);
        })();
        return closed;
      },
    };
    this.servers.add(server);
    const link = await this.linkWithin(this.defaultTimeoutMs, () => new MessagingUnavailable(`No connection to RabbitMQ to listen to ${exchange}`));
    await server.attach(link).catch(async (err: unknown) => {
      await server.close();
      throw err;
    });
    return { close: () => server.close() };
  }

  /** The connection's notification channel, with `exchange` declared on it (a new channel after a broken one). */
  private async notificationChannel(link: Link, exchange: string): Promise<NotificationChannel> {
    let opening = notificationChannels.get(link);
    if (opening === undefined) {
      opening = link.model.createConfirmChannel().then((channel) => {
        const forget = () => {
          if (notificationChannels.get(link) === opening) notificationChannels.delete(link);
        };
        channel.on('error', (err: unknown) => this.logger?.warn({ err }, 'RabbitMQ closed the notification channel'));
        channel.on('close', forget);
        return { channel, exchanges: new Map<string, Promise<void>>() };
      });
      opening.catch(() => notificationChannels.delete(link));
      notificationChannels.set(link, opening);
    }
    const nc = await opening;
    let declared = nc.exchanges.get(exchange);
    if (declared === undefined) {
      declared = nc.channel.assertExchange(exchange, 'topic', { durable: this.queueOptions.durable === true, autoDelete: false }).then(() => undefined);
      declared.catch(() => nc.exchanges.delete(exchange));
      nc.exchanges.set(exchange, declared);
    }
    await declared;
    return nc;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const closed = new BusClosed();
      this.rejectPending(closed);
      for (const waiter of [...this.waiters]) waiter.reject(closed);
      this.waiters.clear();
      this.wakeReconnect?.();
      await Promise.allSettled([...this.servers].map((s) => s.close()));
      await this.reconnecting;
      const link = this.link;
      this.link = undefined;
      if (link !== undefined) {
        await link.channel.close().catch(() => undefined);
        await link.model.close().catch(() => undefined);
      }
    })();
    return this.closing;
  }

  private assertOpen(): void {
    if (this.closing !== undefined) throw new BusClosed();
  }

  /** The connection now, or once reconnected if that happens within `limitMs`. */
  private linkWithin(limitMs: number, onTimeout: () => Error): Promise<Link> {
    if (this.closing !== undefined) return Promise.reject(new BusClosed());
    if (this.link !== undefined) return Promise.resolve(this.link);
    return new Promise<Link>((resolve, reject) => {
      const waiter: LinkWaiter = {
        resolve: (link) => {
          clearTimeout(timer);
          resolve(link);
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(onTimeout());
      }, Math.max(0, limitMs));
      this.waiters.add(waiter);
    });
  }

  private ensureQueue(link: Link, topic: string): Promise<string> {
    let queue = link.queues.get(topic);
    if (queue === undefined) {
      const name = `${this.queuePrefix}.${topic}`;
      queue = link.channel.assertQueue(name, this.queueOptions).then(() => name);
      // A failed declaration is retried by the next message instead of being remembered.
      queue.catch(() => link.queues.delete(topic));
      link.queues.set(topic, queue);
    }
    return queue;
  }

  // Resolves once RabbitMQ has taken the message (publisher confirm): after that,
  // it waits in the topic queue even if no server is running yet.
  private async publish(link: Link, topic: string, body: string, props: Options.Publish): Promise<void> {
    const unavailable = (err: unknown) =>
      err instanceof MessagingUnavailable ? err : new MessagingUnavailable(`RabbitMQ did not accept a message for ${topic}: ${messageOf(err)}`, { cause: err });
    try {
      const queue = await this.ensureQueue(link, topic);
      await new Promise<void>((resolve, reject) => {
        link.channel.sendToQueue(
          queue,
          Buffer.from(body),
          { ...props, contentType: JSON_CONTENT_TYPE, persistent: this.queueOptions.durable === true },
          (err: unknown) => (err ? reject(unavailable(err)) : resolve()),
        );
      });
    } catch (err) {
      throw unavailable(err);
    }
  }

  private newServer(topic: string, handlers: Handlers): Server {
    const inFlight = new Set<Promise<void>>();
    let attached: { readonly link: Link; readonly done: Promise<{ channel: Channel; consumerTag: string }> } | undefined;
    let closed: Promise<void> | undefined;
    const attach = async (link: Link): Promise<{ channel: Channel; consumerTag: string }> => {
      const queue = await this.ensureQueue(link, topic);
      // A channel per server: its prefetch bounds that server's concurrent handlers,
      // and closing one server leaves the others untouched.
      const channel = await link.model.createChannel();
      channel.on('error', (err: unknown) => this.logger?.error({ err, topic }, 'bus server channel failed'));
      await channel.prefetch(this.prefetch);
      const { consumerTag } = await channel.consume(queue, (msg) => {
        if (msg === null) {
          this.logger?.warn({ topic }, 'RabbitMQ cancelled the consumer of a topic queue');
          return;
        }
        const work = this.onRequest(topic, handlers, channel, msg);
        inFlight.add(work);
        void work.finally(() => inFlight.delete(work));
      });
      return { channel, consumerTag };
    };
    const server: Server = {
      topic,
      attach: (link) => {
        if (closed !== undefined) return Promise.resolve();
        if (attached?.link !== link) {
          const done = attach(link);
          attached = { link, done };
          done.catch(() => {
            if (attached?.done === done) attached = undefined;
          });
        }
        return attached.done.then(
          () => undefined,
          (err: unknown) => {
            throw err instanceof MessagingUnavailable
              ? err
              : new MessagingUnavailable(`RabbitMQ refused to serve ${topic}: ${messageOf(err)}`, { cause: err });
          },
        );
      },
      close: () => {
        closed ??= (async () => {
          this.servers.delete(server);
          const consumer = await attached?.done.catch(() => undefined);
          if (consumer !== undefined) await consumer.channel.cancel(consumer.consumerTag).catch(() => undefined);
          // Let started handlers ack; closing earlier would requeue their messages for a second run.
          await Promise.allSettled([...inFlight]);
          if (consumer !== undefined) await consumer.channel.close().catch(() => undefined);
        })();
        return closed;
      },
    };
    return server;
  }

  private async onRequest(topic: string, handlers: Handlers, channel: Channel, msg: ConsumeMessage): Promise<void> {
    let request;
    try {
      request = parseRequest(msg.content.toString('utf8'));
    } catch (err) {
      this.logger?.error({ err, topic }, 'dropping malformed bus message');
      safely(() => channel.ack(msg));
      return;
    }
    this.logger?.debug?.({ topic, method: request.method, requestId: request.requestId, args: request.args, call: msg.properties.replyTo !== undefined }, 'bus message');
    const reply = await dispatch(topic, handlers, request);
    const { replyTo, correlationId } = msg.properties as { replyTo?: string; correlationId?: string };
    if (replyTo) {
      safely(() => channel.sendToQueue(replyTo, Buffer.from(serializeReply(reply)), { correlationId, contentType: JSON_CONTENT_TYPE }));
    } else if (!reply.ok) {
      this.logger?.error({ topic, method: request.method, requestId: request.requestId, error: reply.error }, 'cast handler failed');
    }
    // Acked only once handled, so prefetch really bounds the handlers running at once.
    safely(() => channel.ack(msg));
  }

  private onReply(link: Link, msg: ConsumeMessage | null): void {
    if (msg === null) {
      this.onLinkLost(link, new Error('RabbitMQ cancelled the reply queue'));
      return;
    }
    const correlationId: unknown = msg.properties.correlationId;
    if (typeof correlationId !== 'string') return;
    this.settle(correlationId, (pending) => {
      try {
        const envelope = parseReply(msg.content.toString('utf8'));
        if (envelope.ok) pending.resolve(envelope.result);
        else pending.reject(decodeError(envelope.error, this.rebuildError));
      } catch (err) {
        pending.reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }

  private settle(correlationId: string, how: (pending: PendingCall) => void): void {
    const pending = this.pending.get(correlationId);
    if (pending === undefined) return; // timed out already: the late reply is dropped
    this.pending.delete(correlationId);
    clearTimeout(pending.timer);
    how(pending);
  }

  private rejectPending(err: Error): void {
    for (const id of [...this.pending.keys()]) this.settle(id, (p) => p.reject(err));
  }

  // Replies to calls already sent would come to a reply queue that died with
  // the connection: fail those calls now rather than at their timeout, and reconnect.
  private onLinkLost(link: Link, cause: unknown): void {
    if (this.closing !== undefined || this.link !== link) return;
    this.link = undefined;
    const err = new MessagingUnavailable(`Lost the connection to RabbitMQ at ${link.brokerUrl}: ${messageOf(cause)}`, { cause });
    this.logger?.error({ err, broker: link.brokerUrl }, 'lost the connection to RabbitMQ; reconnecting');
    this.rejectPending(err);
    void link.model.close().catch(() => undefined);
    const round: Promise<void> = this.reconnect(Date.now()).finally(() => {
      if (this.reconnecting === round) this.reconnecting = undefined;
    });
    this.reconnecting = round;
  }

  private async reconnect(lostAt: number): Promise<void> {
    let delayMs = this.reconnectMinDelayMs;
    for (let attempt = 1; this.closing === undefined; attempt++) {
      await this.pause(delayMs);
      if (this.closing !== undefined) return;
      let link: Link;
      // Events of the connection while it is being set up find no link and are dropped; setup fails instead.
      let ready: Link | undefined;
      try {
        link = await openLink(this.urls, this.opts, this.logger, {
          onReply: (msg) => ready !== undefined && this.onReply(ready, msg),
          onLost: (err) => ready !== undefined && this.onLinkLost(ready, err),
        });
        ready = link;
      } catch (err) {
        delayMs = Math.min(delayMs * 2, this.reconnectMaxDelayMs);
        this.logger?.warn({ err, attempt, retryInMs: delayMs }, 'cannot reconnect to RabbitMQ yet');
        continue;
      }
      if (this.closing !== undefined) {
        await link.model.close().catch(() => undefined);
        return;
      }
      this.link = link;
      for (const waiter of [...this.waiters]) waiter.resolve(link);
      this.waiters.clear();
      const attached = await Promise.allSettled([...this.servers].map(async (s) => {
        try {
          await s.attach(link);
        } catch (err) {
          // A loss while re-attaching starts a new round, which attaches again.
          if (this.link === link) this.logger?.error({ err, topic: s.topic }, 'cannot serve a topic again after reconnecting');
          throw err;
        }
      }));
      if (this.link === link) {
        const recovered = {
          broker: link.brokerUrl,
          attempts: attempt,
          downMs: Date.now() - lostAt,
          servers: attached.length,
          serverFailures: attached.filter((r) => r.status === 'rejected').length,
        };
        if (this.logger?.info !== undefined) this.logger.info(recovered, 'reconnected to RabbitMQ');
        else this.logger?.warn(recovered, 'reconnected to RabbitMQ');
      }
      return;
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeReconnect = done;
    }).finally(() => {
      this.wakeReconnect = undefined;
    });
  }
}

/** Connects to the first reachable broker of `urls`, in order, and sets up the bus's channel and reply queue. */
async function openLink(
  urls: readonly string[],
  opts: AmqpBusOptions,
  logger: BusLogger | undefined,
  events: { onReply: (msg: ConsumeMessage | null) => void; onLost: (err: unknown) => void },
): Promise<Link> {
  let lastError: unknown;
  for (const url of urls) {
    let model: ChannelModel | undefined;
    try {
      model = await amqp.connect(
        url,
        opts.connectionName === undefined ? {} : { clientProperties: { connection_name: opts.connectionName } },
      );
    } catch (err) {
      lastError = err;
      continue;
    }
    const brokerUrl = redactTransportUrl(url);
    model.on('error', (err: unknown) => logger?.error({ err, broker: brokerUrl }, 'RabbitMQ connection error'));
    model.on('blocked', (reason: unknown) => logger?.warn({ reason, broker: brokerUrl }, 'RabbitMQ blocked publishing'));
    try {
      const channel = await model.createConfirmChannel();
      channel.on('error', (err: unknown) => logger?.error({ err, broker: brokerUrl }, 'bus channel error'));
      const { queue: replyQueue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
      model.on('close', (err: unknown) => events.onLost(err ?? new Error('connection closed')));
      channel.on('close', () => events.onLost(new Error("the bus's channel was closed")));
      await channel.consume(replyQueue, (msg) => events.onReply(msg), { noAck: true });
      return { model, channel, replyQueue, brokerUrl, queues: new Map() };
    } catch (err) {
      await model.close().catch(() => undefined);
      throw new MessagingUnavailable(`RabbitMQ at ${brokerUrl} refused to set up the bus: ${messageOf(err)}`, { cause: err });
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// Acks and replies on a channel that died with the connection have nowhere to go.
function safely(action: () => unknown): void {
  try {
    action();
  } catch {
    /* the connection is gone; the reconnection takes over */
  }
}
