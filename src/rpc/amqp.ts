// The RabbitMQ bus, for the distributed mode. One queue per topic
// (`<prefix>.<topic>`, e.g. `magnetar.compute.host1`) reached through the
// default exchange: every server of a topic consumes from the same queue, so
// RabbitMQ hands each message to exactly one of them. A call carries a
// correlation id and names this bus's private reply queue; its TTL equals the
// caller's timeout so nobody serves a call whose caller has already given up.

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
}

const DEFAULT_QUEUE_PREFIX = 'magnetar';
const DEFAULT_PREFETCH = 16;
const JSON_CONTENT_TYPE = 'application/json';

interface PendingCall {
  readonly timer: NodeJS.Timeout;
  readonly resolve: (value: Json | undefined) => void;
  readonly reject: (err: Error) => void;
}

interface Server {
  close(): Promise<void>;
}

export class AmqpBus implements Bus {
  private readonly pending = new Map<string, PendingCall>();
  private readonly queues = new Map<string, Promise<string>>();
  private readonly servers = new Set<Server>();
  private readonly rebuildError: ErrorFactory;
  private readonly defaultTimeoutMs: number;
  private readonly logger: BusLogger | undefined;
  private readonly queuePrefix: string;
  private readonly prefetch: number;
  private readonly queueOptions: Options.AssertQueue;
  /** Set once the bus can no longer be used: closed by us, or the broker went away. */
  private unusable: Error | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly model: ChannelModel,
    private readonly channel: ConfirmChannel,
    private readonly replyQueue: string,
    private readonly brokerUrl: string,
    opts: AmqpBusOptions,
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
  }

  /** Connects to the first reachable broker of an oslo-style `rabbit://user:pass@host:port/vhost` URL. */
  static async connect(transportUrl: string, opts: AmqpBusOptions = {}): Promise<AmqpBus> {
    const urls = toAmqpUrls(transportUrl);
    let model: ChannelModel | undefined;
    let brokerUrl = '';
    let lastError: unknown;
    for (const url of urls) {
      try {
        model = await amqp.connect(
          url,
          opts.connectionName === undefined ? {} : { clientProperties: { connection_name: opts.connectionName } },
        );
        brokerUrl = redactTransportUrl(url);
        break;
      } catch (err) {
        lastError = err;
      }
    }
    if (model === undefined) {
      const reason = lastError instanceof Error ? lastError.message : String(lastError);
      throw new MessagingUnavailable(`Cannot connect to RabbitMQ at ${redactTransportUrl(transportUrl)}: ${reason}`, {
        cause: lastError,
      });
    }
    try {
      const channel = await model.createConfirmChannel();
      const { queue: replyQueue } = await channel.assertQueue('', { exclusive: true, autoDelete: true });
      const bus = new AmqpBus(model, channel, replyQueue, brokerUrl, opts);
      bus.watchConnection();
      await channel.consume(replyQueue, (msg) => bus.onReply(msg), { noAck: true });
      return bus;
    } catch (err) {
      await model.close().catch(() => undefined);
      throw new MessagingUnavailable(`RabbitMQ at ${brokerUrl} refused to set up the bus: ${String(err)}`, { cause: err });
    }
  }

  async call<T extends Json | void = Json>(topic: string, method: string, args: MessageArgs, opts: CallOptions = {}): Promise<T> {
    this.assertUsable();
    const timeoutMs = opts.timeoutMs ?? this.defaultTimeoutMs;
    const body = serializeRequest(method, args, opts.requestId);
    const correlationId = randomUUID();
    const deadline = Date.now() + timeoutMs;
    const reply = new Promise<Json | undefined>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(correlationId);
        reject(new MessagingTimeout(topic, method, timeoutMs));
      }, timeoutMs);
      this.pending.set(correlationId, { timer, resolve, reject });
    });
    // The reply may fail (timeout, close) while the publish is still under way; it is awaited below.
    reply.catch(() => undefined);
    try {
      await this.ensureQueue(topic);
      // The message lives only as long as its caller still waits for it.
      const remainingMs = Math.ceil(deadline - Date.now());
      if (remainingMs > 0) {
        await this.publish(topic, body, { correlationId, replyTo: this.replyQueue, expiration: String(remainingMs) });
      }
    } catch (err) {
      this.settle(correlationId, (p) => p.reject(err instanceof Error ? err : new Error(String(err))));
    }
    return (await reply) as T;
  }

  async cast(topic: string, method: string, args: MessageArgs, opts: { readonly requestId?: string } = {}): Promise<void> {
    this.assertUsable();
    await this.publish(topic, serializeRequest(method, args, opts.requestId), {});
  }

  async serve(topic: string, handlers: Handlers): Promise<Subscription> {
    this.assertUsable();
    const queue = await this.ensureQueue(topic);
    // A channel per server: its prefetch bounds that server's concurrent handlers,
    // and closing one server leaves the others untouched.
    const channel = await this.model.createChannel();
    channel.on('error', (err: unknown) => this.logger?.error({ err, topic }, 'bus server channel failed'));
    await channel.prefetch(this.prefetch);
    const inFlight = new Set<Promise<void>>();
    const { consumerTag } = await channel.consume(queue, (msg) => {
      if (msg === null) {
        this.logger?.warn({ topic }, 'RabbitMQ cancelled the consumer of a topic queue');
        return;
      }
      const work = this.onRequest(topic, handlers, channel, msg);
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
    });
    let closed: Promise<void> | undefined;
    const server: Server = {
      close: () => {
        closed ??= (async () => {
          this.servers.delete(server);
          await channel.cancel(consumerTag).catch(() => undefined);
          // Let started handlers ack; closing earlier would requeue their messages for a second run.
          await Promise.allSettled([...inFlight]);
          await channel.close().catch(() => undefined);
        })();
        return closed;
      },
    };
    this.servers.add(server);
    return { close: () => server.close() };
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.unusable ??= new BusClosed();
      this.rejectPending(new BusClosed());
      await Promise.allSettled([...this.servers].map((s) => s.close()));
      await this.channel.close().catch(() => undefined);
      await this.model.close().catch(() => undefined);
    })();
    return this.closing;
  }

  private assertUsable(): void {
    if (this.unusable !== undefined) throw this.unusable;
  }

  private ensureQueue(topic: string): Promise<string> {
    let queue = this.queues.get(topic);
    if (queue === undefined) {
      const name = `${this.queuePrefix}.${topic}`;
      queue = this.channel.assertQueue(name, this.queueOptions).then(() => name);
      // A failed declaration is retried by the next message instead of being remembered.
      queue.catch(() => this.queues.delete(topic));
      this.queues.set(topic, queue);
    }
    return queue;
  }

  // Resolves once RabbitMQ has taken the message (publisher confirm): after that,
  // it waits in the topic queue even if no server is running yet.
  private async publish(topic: string, body: string, props: Options.Publish): Promise<void> {
    const queue = await this.ensureQueue(topic);
    await new Promise<void>((resolve, reject) => {
      this.channel.sendToQueue(
        queue,
        Buffer.from(body),
        { ...props, contentType: JSON_CONTENT_TYPE, persistent: this.queueOptions.durable === true },
        (err: unknown) => (err ? reject(new MessagingUnavailable(`RabbitMQ did not accept a message for ${topic}`, { cause: err })) : resolve()),
      );
    });
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

  private onReply(msg: ConsumeMessage | null): void {
    if (msg === null) {
      this.lose(new MessagingUnavailable(`RabbitMQ at ${this.brokerUrl} cancelled this bus's reply queue`));
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

  // Without reconnection, a lost broker makes the bus unusable; say so loudly
  // and fail every waiting call at once instead of letting them time out.
  private watchConnection(): void {
    this.model.on('error', (err: unknown) => this.logger?.error({ err, broker: this.brokerUrl }, 'RabbitMQ connection error'));
    this.model.on('blocked', (reason: unknown) => this.logger?.warn({ reason, broker: this.brokerUrl }, 'RabbitMQ blocked publishing'));
    this.model.on('close', (err: unknown) => {
      if (this.closing !== undefined) return;
      const reason = err instanceof Error ? `: ${err.message}` : '';
      this.lose(new MessagingUnavailable(`Lost the connection to RabbitMQ at ${this.brokerUrl}${reason}`, { cause: err }));
    });
    this.channel.on('error', (err: unknown) => this.logger?.error({ err, broker: this.brokerUrl }, 'bus channel error'));
    this.channel.on('close', () => {
      if (this.closing !== undefined) return;
      this.lose(new MessagingUnavailable(`RabbitMQ at ${this.brokerUrl} closed the bus's channel`));
    });
  }

  private lose(err: MessagingUnavailable): void {
    if (this.unusable !== undefined) return;
    this.unusable = err;
    this.logger?.error({ err, broker: this.brokerUrl }, 'message bus unusable');
    this.rejectPending(err);
  }
}

// Acks and replies on a channel that died with the connection have nowhere to go.
function safely(action: () => unknown): void {
  try {
    action();
  } catch {
    /* the connection is gone; the loss is reported by the connection watcher */
  }
}
