// Options every bus implementation accepts.

import type { ErrorFactory } from './errors-codec.js';

/** The part of a pino logger the buses use; any pino Logger fits. */
export interface BusLogger {
  /** Good news, such as a reconnection; loggers without it get it as a warning. */
  info?(obj: object, msg?: string): void;
  /** Each message a server takes, with `[DEFAULT] debug = true`. */
  debug?(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface BusOptions {
  /** Rebuilds a handler's error on the caller's side; default makes a RemoteError. */
  readonly rebuildError?: ErrorFactory;
  /** Reply timeout of `call` when the caller gives none ([DEFAULT] rpc_response_timeout). */
  readonly defaultTimeoutMs?: number;
  /** Where errors of cast handlers and losses of the broker go, since nobody waits for them. */
  readonly logger?: BusLogger;
}

/** Nova's [DEFAULT] rpc_response_timeout default, 60 s. */
export const DEFAULT_RPC_RESPONSE_TIMEOUT_MS = 60_000;
