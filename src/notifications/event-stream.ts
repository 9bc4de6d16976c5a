// The compute API's side of the notifications: it hears every notification
// of the deployment (in-process in the all-in-one, from RabbitMQ in
// distributed mode) and hands each to the clients of the event stream
// (GET /v2.1/magnetar/events) whose filter it passes.
import type { Logger } from 'pino';
import type { Subscription } from '../rpc/bus.js';
import type { Notifier } from './notifier.js';
import type { NotificationMessage } from './envelope.js';

export interface EventFilter {
  /** Only events about this server. */
  readonly serverId?: string | undefined;
  /** Only events whose type starts with this (e.g. `instance.live_migration`). */
  readonly eventTypePrefix?: string | undefined;
}

type Client = { readonly filter: EventFilter; readonly send: (msg: NotificationMessage) => void; readonly end: () => void };

export class EventStream {
  private readonly clients = new Set<Client>();
  private listening: Promise<Subscription | undefined> | undefined;

  constructor(
    private readonly notifier: Notifier,
    private readonly log: Logger,
  ) {}

  /** Starts hearing notifications (at once, so the first client misses nothing said after start-up). */
  start(): Promise<void> {
    this.listening ??= this.notifier.listen((msg) => this.dispatch(msg)).catch((err: unknown) => {
      this.log.error({ err }, 'the event stream cannot hear notifications');
      this.listening = undefined;
      return undefined;
    });
    return this.listening.then(() => undefined);
  }

  /** `end` is called when the stream shuts down (the API stops), so the client's response can end. */
  subscribe(filter: EventFilter, send: (msg: NotificationMessage) => void, end: () => void = () => undefined): () => void {
    void this.start();
    const client: Client = { filter, send, end };
    this.clients.add(client);
    return () => void this.clients.delete(client);
  }

  async close(): Promise<void> {
    for (const c of [...this.clients]) c.end();
    this.clients.clear();
    const sub = await this.listening;
    this.listening = undefined;
    await sub?.close();
  }

  private dispatch(msg: NotificationMessage): void {
    const uuid = (msg.payload?.['nova_object.data'] as { uuid?: unknown } | undefined)?.uuid;
    for (const c of this.clients) {
      if (c.filter.serverId !== undefined && uuid !== c.filter.serverId) continue;
      if (c.filter.eventTypePrefix !== undefined && !msg.event_type.startsWith(c.filter.eventTypePrefix)) continue;
      try {
        c.send(msg);
      } catch (err) {
        this.log.warn({ err }, 'an event stream client failed');
      }
    }
  }
}

/** One server-sent event: the notification's id, its type as the event name, the message as data. */
export function sseFrame(msg: NotificationMessage): string {
  return `id: ${msg.message_id}\nevent: ${msg.event_type}\ndata: ${JSON.stringify(msg)}\n\n`;
}
