// The wire shapes shared by both buses: what a request and a reply look like
// once serialized. Keeping them in one place means a message produced by the
// in-process bus is byte-for-byte what RabbitMQ would carry.

import type { Json, MessageArgs } from './bus.js';
import { isEncodedError, type EncodedError } from './errors-codec.js';

export interface RequestEnvelope {
  readonly method: string;
  readonly args: MessageArgs;
  readonly requestId?: string;
}

export type ReplyEnvelope =
  | { readonly ok: true; readonly result?: Json }
  | { readonly ok: false; readonly error: EncodedError };

export function serializeRequest(method: string, args: MessageArgs, requestId: string | undefined): string {
  const envelope: RequestEnvelope = requestId === undefined ? { method, args } : { method, args, requestId };
  return JSON.stringify(envelope);
}

export function parseRequest(text: string): RequestEnvelope {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null) throw new MalformedMessage('request is not an object');
  const v = value as Record<string, unknown>;
  if (typeof v.method !== 'string') throw new MalformedMessage('request has no method');
  if (typeof v.args !== 'object' || v.args === null || Array.isArray(v.args)) {
    throw new MalformedMessage('request args are not an object');
  }
  if (v.requestId !== undefined && typeof v.requestId !== 'string') throw new MalformedMessage('requestId is not a string');
  return { method: v.method, args: v.args as MessageArgs, ...(v.requestId === undefined ? {} : { requestId: v.requestId }) };
}

export function serializeReply(reply: ReplyEnvelope): string {
  return JSON.stringify(reply);
}

export function parseReply(text: string): ReplyEnvelope {
  const value: unknown = JSON.parse(text);
  if (typeof value !== 'object' || value === null) throw new MalformedMessage('reply is not an object');
  const v = value as Record<string, unknown>;
  if (v.ok === true) return v.result === undefined ? { ok: true } : { ok: true, result: v.result as Json };
  if (v.ok === false && isEncodedError(v.error)) return { ok: false, error: v.error };
  throw new MalformedMessage('reply is neither a result nor an error');
}

export class MalformedMessage extends Error {
  constructor(detail: string) {
    super(`Malformed bus message: ${detail}`);
    this.name = 'MalformedMessage';
  }
}
