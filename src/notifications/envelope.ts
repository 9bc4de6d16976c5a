// The wire shape of a versioned notification, as oslo.messaging's notifier
// sends it with its v2 envelope: the message is a JSON string inside
// {"oslo.version": "2.0", "oslo.message": "..."}; the request context rides
// along as `_context_*` keys beside the notification's own fields.
import { randomUUID } from 'node:crypto';
import type { Json } from '../rpc/bus.js';

export type Priority = 'INFO' | 'ERROR';

/** A versioned payload: a serialized Nova notification object. */
export interface VersionedObject {
  readonly 'nova_object.name': string;
  readonly 'nova_object.namespace': 'nova';
  readonly 'nova_object.version': string;
  readonly 'nova_object.data': { readonly [k: string]: Json };
}

export interface NotificationMessage {
  readonly message_id: string;
  readonly publisher_id: string;
  readonly event_type: string;
  readonly priority: Priority;
  readonly payload: VersionedObject;
  /** UTC, 'YYYY-MM-DD HH:MM:SS.ffffff' as oslo's str(utcnow()). */
  readonly timestamp: string;
}

export interface RequestContextKeys {
  readonly requestId?: string;
  readonly userId?: string | null;
  readonly projectId?: string | null;
}

export function versionedObject(name: string, version: string, data: { readonly [k: string]: Json }): VersionedObject {
  return { 'nova_object.name': name, 'nova_object.namespace': 'nova', 'nova_object.version': version, 'nova_object.data': data };
}

export function osloTimestamp(d: Date): string {
  const iso = d.toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}000`;
}

export function newMessage(priority: Priority, eventType: string, publisherId: string, payload: VersionedObject, now: Date): NotificationMessage {
  return { message_id: randomUUID(), publisher_id: publisherId, event_type: eventType, priority, payload, timestamp: osloTimestamp(now) };
}

/** The body RabbitMQ carries: the message with its context, in the v2 envelope. */
export function envelope(msg: NotificationMessage, ctx: RequestContextKeys = {}): string {
  const withContext = {
    ...msg,
    _context_request_id: ctx.requestId ?? null,
    _context_global_request_id: null,
    _context_user_id: ctx.userId ?? null,
    _context_project_id: ctx.projectId ?? null,
    _context_user: ctx.userId ?? null,
    _context_tenant: ctx.projectId ?? null,
  };
  return JSON.stringify({ 'oslo.version': '2.0', 'oslo.message': JSON.stringify(withContext) });
}

/** The notification inside an envelope (or a bare message), without the context keys; undefined when it is neither. */
export function openEnvelope(body: string): NotificationMessage | undefined {
  try {
    let value = JSON.parse(body) as Record<string, unknown>;
    if (typeof value['oslo.message'] === 'string') value = JSON.parse(value['oslo.message']) as Record<string, unknown>;
    if (typeof value['event_type'] !== 'string' || typeof value['payload'] !== 'object') return undefined;
    const { message_id, publisher_id, event_type, priority, payload, timestamp } = value as unknown as NotificationMessage;
    return { message_id, publisher_id, event_type, priority, payload, timestamp };
  } catch {
    return undefined;
  }
}
