// Sends versioned notifications. With `[notifications] notification_format`
// versioned or both they go, as Nova's do, to the `[DEFAULT] control_exchange`
// exchange with routing key `<topic>.<priority>` for each of
// `versioned_notifications_topics`; otherwise only to an internal routing key
// that the compute API's event stream listens to. Emitting never fails and
// never holds the action up for long: a broker that does not take the message
// within a second is logged and left behind.
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { Clock } from '../compute/clock.js';
import type { Bus, Subscription } from '../rpc/bus.js';
import { notificationTransportOf, type NotificationTransport } from '../rpc/notification-transport.js';
import { envelope, newMessage, openEnvelope, type NotificationMessage, type Priority, type RequestContextKeys, type VersionedObject } from './envelope.js';

/** Where the events go when versioned notifications are off: only Magnetar's own event stream listens there. */
export const INTERNAL_TOPIC = 'magnetar_events';
const MAX_WAIT_MS = 1000;

export class Notifier {
  /** Messages go out one after the other, so listeners see them in the order they happened here. */
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly transport: NotificationTransport | undefined,
    readonly exchange: string,
    /** Routing key prefixes the messages go to. */
    readonly topics: readonly string[],
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  static fromConfig(conf: Config, bus: Bus, clock: Clock, log: Logger): Notifier {
    const format = conf.str('notifications', 'notification_format');
    const versioned = format === 'versioned' || format === 'both';
    const topics = versioned ? conf.list('notifications', 'versioned_notifications_topics').filter((t) => t !== '') : [];
    return new Notifier(notificationTransportOf(bus), conf.str('DEFAULT', 'control_exchange'), topics.length > 0 ? topics : [INTERNAL_TOPIC], clock, log);
  }

  /** Publishes one notification; resolves when it is out or given up, never rejects. */
  emit(priority: Priority, eventType: string, publisherId: string, payload: VersionedObject, ctx: RequestContextKeys = {}): Promise<void> {
    const transport = this.transport;
    if (transport === undefined) return Promise.resolve();
    const msg = newMessage(priority, eventType, publisherId, payload, this.clock.now());
    const body = envelope(msg, ctx);
    this.log.debug({ notification: msg, requestId: ctx.requestId }, `notification ${eventType}`);
    const sent = this.chain.then(async () => {
      for (const topic of this.topics) {
        await transport.publishNotification(this.exchange, `${topic}.${priority.toLowerCase()}`, body).catch((err: unknown) => {
          this.log.warn({ err, eventType, requestId: ctx.requestId }, 'could not publish a notification');
        });
      }
    });
    this.chain = sent;
    let timer: NodeJS.Timeout | undefined;
    const givenUp = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, MAX_WAIT_MS);
      timer.unref();
    });
    return Promise.race([sent, givenUp]).finally(() => clearTimeout(timer));
  }

  /** Hears every notification this deployment sends (once each: on the first topic). */
  async listen(onMessage: (msg: NotificationMessage) => void): Promise<Subscription | undefined> {
    if (this.transport === undefined) return undefined;
    return this.transport.listenNotifications(this.exchange, [`${this.topics[0]}.*`], (_key, body) => {
      const msg = openEnvelope(body);
      if (msg !== undefined) onMessage(msg);
    });
  }
}
