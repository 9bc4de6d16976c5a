// Token validation as the compute and image APIs need it: who is calling, on
// which project, with which roles. Either checked locally (embedded identity)
// or asked of an external Keystone (`[identity] external_url`).
import type { Config } from '../config/config.js';
import { systemClock, type Clock } from '../compute/clock.js';
import type { TokenSigner } from './tokens.js';
import { checkToken, type TokenRevocations } from './revocations.js';
import type { IdentityStore } from './store.js';

export interface AuthContext {
  readonly userId: string;
  readonly userName: string;
  readonly projectId: string;
  readonly projectName: string;
  /** Domain of the project the token is scoped to. */
  readonly domainId: string;
  /** Role names, implied roles included. */
  readonly roles: readonly string[];
  readonly expiresAt: Date;
  /** The token itself. */
  readonly tokenId: string;
}

export interface TokenValidator {
  /** The token's context, or null when it is not a valid, unexpired, unrevoked token. */
  validate(token: string): Promise<AuthContext | null>;
}

/** The value of `WWW-Authenticate` on a 401, pointing clients at the identity service. */
export function wwwAuthenticate(identityUrl: string): string {
  return `Keystone uri="${identityUrl}"`;
}

/**
 * Validates tokens signed by this deployment's secret, and refuses those
 * revoked through any API process sharing the database.
 */
export class LocalTokenValidator implements TokenValidator {
  constructor(
    private readonly signer: TokenSigner,
    private readonly revocations: TokenRevocations,
    private readonly store: IdentityStore,
  ) {}

  async validate(token: string): Promise<AuthContext | null> {
    const p = await checkToken(this.signer, this.revocations, token);
    if (!p) return null;
    // A token outlives neither its user nor its project, nor their being enabled.
    const user = await this.store.userById(p.userId);
    const project = await this.store.projectById(p.projectId);
    if (!user?.enabled || !project?.enabled) return null;
    // A role granted through the identity API and revoked since is gone from the token.
    const roles = await this.store.heldRoles(user.id, project.id, p.roles);
    if (roles.length === 0) return null;
    return {
      userId: user.id,
      userName: user.name,
      projectId: project.id,
      projectName: project.name,
      domainId: project.domainId,
      roles,
      expiresAt: p.expiresAt,
      tokenId: token,
    };
  }
}

export interface KeystoneValidatorOptions {
  readonly fetch?: typeof fetch;
  readonly clock?: Clock;
  /** Longest a validation result is reused, in seconds; default 300. */
  readonly maxCacheSeconds?: number;
  readonly maxCacheEntries?: number;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const s = (o: unknown, k: string): string | undefined => (isObj(o) && typeof o[k] === 'string' ? (o[k] as string) : undefined);

/** Reads the fields Magnetar needs from a Keystone `{token: {...}}` body. */
export function contextFromKeystoneBody(body: unknown, tokenId: string): AuthContext | null {
  const t = isObj(body) ? body.token : undefined;
  if (!isObj(t)) return null;
  const user = t.user;
  const project = t.project;
  const userId = s(user, 'id');
  const projectId = s(project, 'id');
  const expires = s(t, 'expires_at');
  if (!userId || !projectId || !expires || !isObj(project)) return null;
  const expiresAt = new Date(expires);
  if (Number.isNaN(expiresAt.getTime())) return null;
  const roles = Array.isArray(t.roles) ? t.roles.map((r) => s(r, 'name')).filter((n): n is string => !!n) : [];
  return {
    userId,
    userName: s(user, 'name') ?? userId,
    projectId,
    projectName: s(project, 'name') ?? projectId,
    domainId: s(project.domain, 'id') ?? 'default',
    roles,
    expiresAt,
    tokenId,
  };
}

/**
 * Asks an external Keystone (`GET /v3/auth/tokens`), presenting the token as
 * both the caller and the subject — Keystone lets a token validate itself, so
 * no service credentials are needed. Valid results are reused until the
 * token expires, at most maxCacheSeconds, so revocation there is seen late.
 */
export class KeystoneTokenValidator implements TokenValidator {
  private readonly base: string;
  private readonly fetchImpl: typeof fetch;
  private readonly clock: Clock;
  private readonly maxCacheMs: number;
  private readonly maxEntries: number;
  private readonly cache = new Map<string, { ctx: AuthContext; until: number }>();

  constructor(identityUrl: string, opts: KeystoneValidatorOptions = {}) {
    this.base = identityUrl.replace(/\/+$/, '').replace(/\/v3$/, '');
    this.fetchImpl = opts.fetch ?? fetch;
    this.clock = opts.clock ?? systemClock;
    this.maxCacheMs = (opts.maxCacheSeconds ?? 300) * 1000;
    this.maxEntries = opts.maxCacheEntries ?? 10_000;
  }

  async validate(token: string): Promise<AuthContext | null> {
    const now = this.clock.now().getTime();
    const hit = this.cache.get(token);
    if (hit && hit.until > now) return hit.ctx;
    this.cache.delete(token);
    const res = await this.fetchImpl(`${this.base}/v3/auth/tokens?nocatalog`, {
      headers: { 'X-Auth-Token': token, 'X-Subject-Token': token, Accept: 'application/json' },
    });
    if (res.status === 401 || res.status === 403 || res.status === 404) return null;
    if (!res.ok) throw new Error(`identity service at ${this.base} answered ${res.status} to a token validation`);
    const ctx = contextFromKeystoneBody(await res.json(), token);
    if (!ctx || ctx.expiresAt.getTime() <= now) return null;
    if (this.cache.size >= this.maxEntries) {
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    this.cache.set(token, { ctx, until: Math.min(ctx.expiresAt.getTime(), now + this.maxCacheMs) });
    return ctx;
  }
}

/** The validator `[identity] external_url` asks for: external Keystone, else local. */
export function tokenValidatorFromConfig(
  conf: Config,
  signer: TokenSigner,
  revocations: TokenRevocations,
  store: IdentityStore,
): TokenValidator {
  const external = conf.str('identity', 'external_url');
  return external !== '' ? new KeystoneTokenValidator(external) : new LocalTokenValidator(signer, revocations, store);
}
