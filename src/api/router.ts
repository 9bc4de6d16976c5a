// Route declarations that read like the api-ref: method, path, the versions a
// method exists in, its success code, a body schema per version range, a query
// schema per version range, and the handler. The router applies Nova's
// processing order around the handler.
import type { ApiRequest, ApiResponse } from './context.js';
import type { JsonSchema } from './validation.js';
import type { QuerySchema } from './query.js';

export interface VersionRange {
  readonly min?: string;
  readonly max?: string;
}

export interface Versioned<T> extends VersionRange {
  readonly schema: T;
}

export type Handler = (req: ApiRequest) => Promise<ApiResponse | unknown> | ApiResponse | unknown;

export interface RouteDef extends VersionRange {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'HEAD' | 'PATCH';
  /** Path below /v2.1 (and below the optional project segment), fastify syntax: `/servers/:server_id`. */
  readonly path: string;
  readonly status: number;
  /** Body schemas by version range; no entry for a version = body not validated. */
  readonly body?: readonly Versioned<JsonSchema>[];
  /** Query schemas by version range; no entry = parameters passed as given. */
  readonly query?: readonly Versioned<QuerySchema>[];
  readonly handler: Handler;
}

export interface ActionDef extends VersionRange {
  /** The single key of the action body, e.g. `os-resetState`. */
  readonly name: string;
  readonly status: number;
  readonly body?: readonly Versioned<JsonSchema>[];
  readonly handler: Handler;
}

/** A response helper for handlers that choose their status at run time. */
export function respond(status: number, body?: unknown, headers?: Record<string, string>): ApiResponse {
  return { status, body, headers, [RESPONSE]: true } as ApiResponse;
}
export const RESPONSE = Symbol('ApiResponse');

/** A response whose body is a stream, with its own content type. */
export function respondStream(status: number, stream: NodeJS.ReadableStream, headers: Record<string, string>): ApiResponse {
  return { status, stream, headers, [RESPONSE]: true } as ApiResponse;
}

export interface RouteTable {
  route(def: RouteDef): void;
  /** Register an action of `POST <resourcePath>/action`. */
  action(resourcePath: string, def: ActionDef): void;
}
