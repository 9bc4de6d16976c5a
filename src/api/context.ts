// What a handler knows about the request it serves.
import type { ApiVersion } from './microversion.js';
import type { Credentials } from '../policy/credentials.js';
import type { PolicyEnforcer } from '../policy/enforcer.js';
import type { Query } from './query.js';
import type { Requester } from '../compute/service.js';

export interface RequestContext {
  readonly requestId: string;
  readonly version: ApiVersion;
  readonly userId: string;
  readonly projectId: string;
  readonly roles: readonly string[];
  readonly creds: Credentials;
  /** The caller passes `context_is_admin`: sees every project, ignores locks. */
  readonly isAdmin: boolean;
  /** `<scheme>://<host>/v2.1[/<project_id>]` — base of self links. */
  readonly selfBase: string;
  /** `<scheme>://<host>[/<project_id>]` — base of bookmark links. */
  readonly bookmarkBase: string;
  /** Raw query string of the request (for paging links). */
  readonly rawQuery: Readonly<Record<string, string[]>>;
  readonly policy: PolicyEnforcer;
  /** Served under `/v2`, the legacy compatibility mode (always 2.1). */
  readonly legacyV2: boolean;
  /** The caller's token, for calls made to other services as the caller (the network service). */
  readonly authToken?: string;
}

/** Policy target of most server APIs. Without a target the caller's own project/user is used. */
export type PolicyTarget = Readonly<Record<string, unknown>>;

export function can(ctx: RequestContext, rule: string, target?: PolicyTarget): boolean {
  return ctx.policy.enforce(rule, target ?? { project_id: ctx.projectId, user_id: ctx.userId }, ctx.creds);
}

/** Who asks, as the compute service records it (the caller's ids, request id and admin flag; nothing of the policy machinery). */
export function requester(ctx: RequestContext): Requester {
  return { requestId: ctx.requestId, userId: ctx.userId, projectId: ctx.projectId, isAdmin: ctx.isAdmin };
}

/** Throws 403 `Policy doesn't allow <rule> to be performed.` */
export function authorize(ctx: RequestContext, rule: string, target?: PolicyTarget): void {
  ctx.policy.authorize(rule, target ?? { project_id: ctx.projectId, user_id: ctx.userId }, ctx.creds);
}

export interface ApiRequest<B = unknown> {
  readonly ctx: RequestContext;
  readonly params: Readonly<Record<string, string>>;
  readonly query: Query;
  /** Parsed JSON body; undefined when none was sent. */
  readonly body: B;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The URL path as sent (the router also matches it with a trailing slash). */
  readonly path?: string;
}

export interface ApiResponse {
  readonly status?: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as the body instead of `body`, as it is produced (e.g. a server-sent event stream). */
  readonly stream?: NodeJS.ReadableStream;
}
