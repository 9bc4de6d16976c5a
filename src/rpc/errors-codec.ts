// How a handler's error crosses the bus: as plain JSON `{name, message, fields}`,
// rebuilt on the caller's side by an error factory. Both buses use this one
// encoding so a domain error looks the same whether it came from the same
// process or from another host.

import { RemoteError, type Json } from './bus.js';

export interface EncodedError {
  readonly name: string;
  readonly message: string;
  readonly fields: Record<string, Json>;
}

/** Turns an encoded error back into an Error; lets callers rebuild their own domain error classes. */
export type ErrorFactory = (name: string, message: string, fields: Record<string, Json>) => Error;

export const rebuildAsRemoteError: ErrorFactory = (name, message, fields) => new RemoteError(name, message, fields);

// Properties every Error has that are carried separately or must not travel.
const NOT_FIELDS = new Set(['name', 'message', 'stack', 'cause']);

export function encodeError(err: unknown): EncodedError {
  if (err instanceof RemoteError) {
    // An error passed along from a further hop keeps its original identity.
    return { name: err.remoteName, message: err.message, fields: { ...err.fields } };
  }
  if (!(err instanceof Error)) {
    return { name: 'Error', message: String(err), fields: {} };
  }
  const fields: Record<string, Json> = {};
  for (const [key, value] of Object.entries(err)) {
    if (NOT_FIELDS.has(key)) continue;
    if (isJson(value)) fields[key] = value;
  }
  return { name: errorName(err), message: err.message, fields };
}

export function decodeError(encoded: EncodedError, factory: ErrorFactory): Error {
  return factory(encoded.name, encoded.message, encoded.fields);
}

export function isEncodedError(value: unknown): value is EncodedError {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.name === 'string' && typeof v.message === 'string' && typeof v.fields === 'object' && v.fields !== null;
}

// Subclasses that forget to set `name` are still told apart by their class.
function errorName(err: Error): string {
  if (err.name && err.name !== 'Error') return err.name;
  const ctor = (err as { constructor?: { name?: unknown } }).constructor;
  return typeof ctor?.name === 'string' && ctor.name !== '' ? ctor.name : 'Error';
}

function isJson(value: unknown): value is Json {
  if (value === null) return true;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (Array.isArray(value)) return value.every(isJson);
      const proto: unknown = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return false;
      return Object.values(value as Record<string, unknown>).every(isJson);
    }
    default:
      return false;
  }
}
