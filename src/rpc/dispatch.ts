// Serving side shared by both buses: run the handler a request names and turn
// its outcome (value or thrown error) into a reply envelope.

import type { Handlers } from './bus.js';
import { encodeError } from './errors-codec.js';
import type { ReplyEnvelope, RequestEnvelope } from './envelope.js';

/** A message named a method the server of its topic does not have. */
export class NoSuchMethod extends Error {
  constructor(
    readonly topic: string,
    readonly method: string,
  ) {
    super(`Endpoint on topic ${topic} does not support RPC method ${method}`);
    this.name = 'NoSuchMethod';
  }
}

export async function dispatch(topic: string, handlers: Handlers, request: RequestEnvelope): Promise<ReplyEnvelope> {
  try {
    // Own properties only: a method called "toString" must not reach Object.prototype.
    const handler = Object.hasOwn(handlers, request.method) ? handlers[request.method] : undefined;
    if (handler === undefined) throw new NoSuchMethod(topic, request.method);
    const ctx = request.requestId === undefined ? {} : { requestId: request.requestId };
    const result = await handler(request.args, ctx);
    return result === undefined ? { ok: true } : { ok: true, result };
  } catch (err) {
    return { ok: false, error: encodeError(err) };
  }
}
