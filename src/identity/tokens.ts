// Self-contained signed tokens: base64url(JSON payload) + '.' + base64url(HMAC-SHA256).
// Any process holding the same secret checks their signature and expiry
// without a shared store, so the secret comes from `[identity] token_secret`
// or a file under state_path that every process started on the same state
// directory reads. Revocations are shared through the database (revocations.ts).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, linkSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/config.js';
import { systemClock, type Clock } from '../compute/clock.js';

export type AuthMethod = 'password' | 'token';

export interface TokenPayload {
  readonly userId: string;
  readonly projectId: string;
  /** Role names, implied roles already expanded. */
  readonly roles: readonly string[];
  readonly methods: readonly AuthMethod[];
  readonly issuedAt: Date;
  readonly expiresAt: Date;
  /** This token's audit id first, then the audit id of the token it was made from, if any. */
  readonly auditIds: readonly string[];
}

export interface IssueRequest {
  readonly userId: string;
  readonly projectId: string;
  readonly roles: readonly string[];
  readonly methods?: readonly AuthMethod[];
  /** Audit id of the token this one was issued from (token method). */
  readonly parentAuditId?: string;
}

export interface IssuedToken {
  readonly token: string;
  readonly payload: TokenPayload;
}

export interface TokenSignerOptions {
  /** Token lifetime in seconds; default 3600. */
  readonly ttlSeconds?: number;
  readonly clock?: Clock;
  /** Validated tokens remembered, so the HMAC is not recomputed on every request. */
  readonly cacheSize?: number;
}

// Methods travel as a bit mask to keep tokens short.
const METHOD_BITS: Readonly<Record<AuthMethod, number>> = { password: 1, token: 2 };
const VERSION = 1;
const SECRET_FILE = 'token_secret';

type WirePayload = [number, string, string, string[], number, number, number, string[]];

function isWire(v: unknown): v is WirePayload {
  return (
    Array.isArray(v) &&
    v.length === 8 &&
    v[0] === VERSION &&
    typeof v[1] === 'string' &&
    typeof v[2] === 'string' &&
    Array.isArray(v[3]) &&
    v[3].every((r) => typeof r === 'string') &&
    Number.isInteger(v[4]) &&
    Number.isInteger(v[5]) &&
    Number.isInteger(v[6]) &&
    Array.isArray(v[7]) &&
    v[7].length >= 1 &&
    v[7].every((a) => typeof a === 'string')
  );
}

/** A Keystone-style audit id: 16 random bytes, url-safe base64 without padding. */
export const newAuditId = (): string => randomBytes(16).toString('base64url');

export class TokenSigner {
  private readonly key: Buffer;
  readonly ttlSeconds: number;
  private readonly clock: Clock;
  private readonly cacheSize: number;
  private readonly cache = new Map<string, TokenPayload>();

  constructor(secret: string, opts: TokenSignerOptions = {}) {
    if (secret === '') throw new Error('token secret must not be empty');
    this.key = Buffer.from(secret);
    this.ttlSeconds = opts.ttlSeconds ?? 3600;
    this.clock = opts.clock ?? systemClock;
    this.cacheSize = opts.cacheSize ?? 10_000;
  }

  static fromConfig(conf: Config, opts: Omit<TokenSignerOptions, 'ttlSeconds'> = {}): TokenSigner {
    return new TokenSigner(loadTokenSecret(conf), { ...opts, ttlSeconds: conf.num('identity', 'token_expiration') });
  }

  private sign(body: string): Buffer {
    return createHmac('sha256', this.key).update(body).digest();
  }

  issue(req: IssueRequest): IssuedToken {
    const issued = Math.floor(this.clock.now().getTime() / 1000);
    const expires = issued + this.ttlSeconds;
    const methods = req.methods ?? ['password'];
    const mask = methods.reduce((m, k) => m | METHOD_BITS[k], 0);
    const auditIds = [newAuditId(), ...(req.parentAuditId ? [req.parentAuditId] : [])];
    const wire: WirePayload = [VERSION, req.userId, req.projectId, [...req.roles], issued, expires, mask, auditIds];
    const body = Buffer.from(JSON.stringify(wire)).toString('base64url');
    const token = `${body}.${this.sign(body).toString('base64url')}`;
    return { token, payload: fromWire(wire) };
  }

  /**
   * The token's payload, or null when it is malformed, tampered with or
   * expired. Whether it was revoked is kept elsewhere (revocations.ts).
   */
  validate(token: string): TokenPayload | null {
    let payload = this.cache.get(token);
    if (!payload) {
      const parsed = this.verify(token);
      if (!parsed) return null;
      payload = parsed;
      if (this.cache.size >= this.cacheSize) {
        const oldest = this.cache.keys().next();
        if (!oldest.done) this.cache.delete(oldest.value);
      }
      this.cache.set(token, payload);
    }
    if (payload.expiresAt.getTime() <= this.clock.now().getTime()) {
      this.cache.delete(token);
      return null;
    }
    return payload;
  }

  private verify(token: string): TokenPayload | null {
    const dot = token.indexOf('.');
    if (dot <= 0 || token.length > 4096) return null;
    const body = token.slice(0, dot);
    // Compared as text: base64url's last character carries unused bits, so
    // decoding first would take several spellings of one signature as valid.
    const sig = Buffer.from(token.slice(dot + 1));
    const want = Buffer.from(this.sign(body).toString('base64url'));
    if (sig.length !== want.length || !timingSafeEqual(sig, want)) return null;
    let wire: unknown;
    try {
      wire = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      return null;
    }
    return isWire(wire) ? fromWire(wire) : null;
  }

}

function fromWire(w: WirePayload): TokenPayload {
  const [, userId, projectId, roles, issued, expires, mask, auditIds] = w;
  const methods = (Object.keys(METHOD_BITS) as AuthMethod[]).filter((m) => (mask & METHOD_BITS[m]) !== 0);
  // Keystone lists the token method first when a token was exchanged.
  methods.sort((a, b) => (a === 'token' ? -1 : b === 'token' ? 1 : 0));
  return {
    userId,
    projectId,
    roles,
    methods,
    issuedAt: new Date(issued * 1000),
    expiresAt: new Date(expires * 1000),
    auditIds,
  };
}

/**
 * `[identity] token_secret`, or the secret kept in `<state_path>/token_secret`,
 * created (mode 600) by whichever process gets there first. The file is
 * written aside and hard-linked into place, so a concurrent reader never sees
 * it half-written and two starters cannot end up with different secrets.
 */
export function loadTokenSecret(conf: Config): string {
  const configured = conf.str('identity', 'token_secret');
  if (configured !== '') return configured;
  const dir = conf.path('DEFAULT', 'state_path');
  const file = join(dir, SECRET_FILE);
  const existing = readSecretFile(file);
  if (existing) return existing;
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${SECRET_FILE}.${process.pid}.${randomBytes(4).toString('hex')}`);
  writeFileSync(tmp, randomBytes(32).toString('hex') + '\n', { mode: 0o600 });
  try {
    linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(tmp);
  }
  const secret = readSecretFile(file);
  if (!secret) throw new Error(`${file} is empty`);
  return secret;
}

function readSecretFile(file: string): string | null {
  try {
    const s = readFileSync(file, 'utf8').trim();
    return s === '' ? null : s;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}
