// Token revocation, shared through the database: a token revoked with
// DELETE /v3/auth/tokens by any API process is refused by every other one and
// after any restart. The process that revokes knows at once; the others
// re-read an audit id they last found unrevoked after `recheckMs`, so they
// honour it within that time without a query on every request.
import type { Db } from '../db/connect.js';
import { insertTokenRevocation, purgeExpiredTokenRevocations, revokedAuditIds } from '../db/token-revocations.js';
import { systemClock, type Clock } from '../compute/clock.js';
import type { TokenPayload, TokenSigner } from './tokens.js';

export interface TokenRevocationsOptions {
  readonly clock?: Clock;
  /** How long an audit id found unrevoked is trusted before it is read again; default 1000 ms. */
  readonly recheckMs?: number;
  /** Audit ids remembered as unrevoked, at most; default 10,000. */
  readonly cacheSize?: number;
}

export class TokenRevocations {
  private readonly clock: Clock;
  private readonly recheckMs: number;
  private readonly cacheSize: number;
  /** Audit ids known revoked, with the expiry of the token (after which the entry is useless). */
  private readonly revoked = new Map<string, number>();
  /** Audit ids found unrevoked, with the time until which that answer is trusted. */
  private readonly unrevokedUntil = new Map<string, number>();
  /** Reads under way, so a burst of requests with one token makes one query. */
  private readonly reading = new Map<string, Promise<boolean>>();

  constructor(
    private readonly db: Db,
    opts: TokenRevocationsOptions = {},
  ) {
    this.clock = opts.clock ?? systemClock;
    this.recheckMs = opts.recheckMs ?? 1000;
    this.cacheSize = opts.cacheSize ?? 10_000;
  }

  /** Revokes the token and every token issued from it (they carry its audit id). */
  async revoke(payload: TokenPayload): Promise<void> {
    const audit = payload.auditIds[0];
    if (audit === undefined) return;
    const now = this.clock.now();
    await insertTokenRevocation(this.db.kysely, audit, payload.expiresAt, now);
    this.remember(audit, payload.expiresAt.getTime());
    await purgeExpiredTokenRevocations(this.db.kysely, now);
  }

  /** Whether the token, or the token it was issued from, has been revoked. */
  async isRevoked(payload: TokenPayload): Promise<boolean> {
    const now = this.clock.now().getTime();
    if (payload.auditIds.some((a) => this.revoked.has(a))) return true;
    const stale = payload.auditIds.filter((a) => !((this.unrevokedUntil.get(a) ?? 0) > now));
    if (stale.length === 0) return false;
    const key = stale.join(' ');
    let pending = this.reading.get(key);
    if (!pending) {
      pending = this.read(stale).finally(() => this.reading.delete(key));
      this.reading.set(key, pending);
    }
    return pending;
  }

  private async read(auditIds: readonly string[]): Promise<boolean> {
    const found = await revokedAuditIds(this.db.kysely, auditIds);
    const until = this.clock.now().getTime() + this.recheckMs;
    for (const a of auditIds) {
      const expires = found.get(a);
      if (expires) {
        this.remember(a, expires.getTime());
        continue;
      }
      this.unrevokedUntil.delete(a); // re-inserted last: the map stays in age order
      if (this.unrevokedUntil.size >= this.cacheSize) {
        const oldest = this.unrevokedUntil.keys().next();
        if (!oldest.done) this.unrevokedUntil.delete(oldest.value);
      }
      this.unrevokedUntil.set(a, until);
    }
    return found.size > 0;
  }

  /** Notes a revoked audit id, forgetting those whose tokens have expired since. */
  private remember(auditId: string, expiresAt: number): void {
    const now = this.clock.now().getTime();
    for (const [a, until] of this.revoked) if (until <= now) this.revoked.delete(a);
    this.revoked.set(auditId, expiresAt);
    this.unrevokedUntil.delete(auditId);
  }
}

/** The token's payload when it is well signed, unexpired and not revoked; else null. */
export async function checkToken(signer: TokenSigner, revocations: TokenRevocations, token: string): Promise<TokenPayload | null> {
  const payload = signer.validate(token);
  if (!payload || (await revocations.isRevoked(payload))) return null;
  return payload;
}
