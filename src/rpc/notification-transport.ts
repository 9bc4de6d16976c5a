// Notifications travel beside the bus's calls and casts: published to a topic
// exchange with a routing key (`versioned_notifications.info`), as
// oslo.messaging's notifier does, and heard by anyone who binds a queue to it.
// Both buses carry them; the in-process bus delivers to listeners in this process.

import type { Bus, Subscription } from './bus.js';

export type NotificationListener = (routingKey: string, body: string) => void;

export interface NotificationTransport {
  /** Publishes one message; resolves once the transport has taken it. */
  publishNotification(exchange: string, routingKey: string, body: string): Promise<void>;
  /** Hears the messages of `exchange` whose routing key matches one of `bindingKeys` (AMQP topic patterns). */
  listenNotifications(exchange: string, bindingKeys: readonly string[], onMessage: NotificationListener): Promise<Subscription>;
}

export function notificationTransportOf(bus: Bus): NotificationTransport | undefined {
  const t = bus as Partial<NotificationTransport>;
  return typeof t.publishNotification === 'function' && typeof t.listenNotifications === 'function' ? (bus as unknown as NotificationTransport) : undefined;
}

/** Whether an AMQP topic binding (`*` one word, `#` any words) matches a routing key. */
export function topicMatches(binding: string, routingKey: string): boolean {
  const b = binding.split('.');
  const k = routingKey.split('.');
  const match = (i: number, j: number): boolean => {
    if (i === b.length) return j === k.length;
    if (b[i] === '#') return match(i + 1, j) || (j < k.length && match(i, j + 1));
    if (j === k.length) return false;
    return (b[i] === '*' || b[i] === k[j]) && match(i + 1, j + 1);
  };
  return match(0, 0);
}
