// Token revocation, shared through the database: a token revoked with
// DELETE /v3/auth/tokens by any API process is refused by every other one and
// after any restart. The process that revokes knows at once; the others trust
// an audit id they found unrevoked for at most `recheckMs`, so they honour a
// revocation within that time without a query on every request. Past half
// that time the answer is re-read in the background, so a token in steady use
// never waits on the database.
import type { Db } from '../db/connect.js';
import { insertTokenRevocation, purgeExpiredTokenRevocations, revokedAuditIds } from '../db/token-revocations.js';
import { systemClock, type Clock } from '../compute/clock.js';
import type { TokenPayload, TokenSigner } from './tokens.js';

export interface TokenRevocationsOptions {
  readonly clock?: Clock;
  /** How long an audit id found unrevoked is trusted; default 1000 ms. */
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
  /** Audit ids found unrevoked, with the time of the read that found them so. */
  private readonly unrevokedAt = new Map<string, number>();
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
    if (payload.auditIds.some((a) => this.revoked.has(a))) return true;
    const now = this.clock.now().getTime();
    const age = (a: string): number => now - (this.unrevokedAt.get(a) ?? -Infinity);
    const due = payload.auditIds.filter((a) => age(a) >= this.recheckMs);
    if (due.length > 0) return this.read(due);
    const ageing = payload.auditIds.filter((a) => age(a) >= this.recheckMs / 2);
    if (ageing.length > 0) this.read(ageing).catch(() => undefined); // the next due read reports a failure
    return false;
  }

  /** Reads these audit ids from the database; concurrent reads of the same ids share one query. */
  private read(auditIds: readonly string[]): Promise<boolean> {
    const key = auditIds.join(' ');
    let pending = this.reading.get(key);
    if (!pending) {
      pending = this.query(auditIds).finally(() => this.reading.delete(key));
      this.reading.set(key, pending);
    }
    return pending;
  }

  private async query(auditIds: readonly string[]): Promise<boolean> {
    // What the database says is true at least as of when the query was sent.
    const asOf = this.clock.now().getTime();
    const found = await revokedAuditIds(this.db.kysely, auditIds);
    for (const a of auditIds) {
      const expires = found.get(a);
      if (expires) {
        this.remember(a, expires.getTime());
        continue;
      }
      if (this.revoked.has(a)) continue; // revoked here while the query ran
      this.unrevokedAt.delete(a); // re-inserted last: the map stays in age order
      if (this.unrevokedAt.size >= this.cacheSize) {
        const oldest = this.unrevokedAt.keys().next();
        if (!oldest.done) this.unrevokedAt.delete(oldest.value);
      }
      this.unrevokedAt.set(a, asOf);
    }
    return found.size > 0 || auditIds.some((a) => this.revoked.has(a));
  }

  /** Notes a revoked audit id, forgetting those whose tokens have expired since. */
  private remember(auditId: string, expiresAt: number): void {
    const now = this.clock.now().getTime();
    for (const [a, until] of this.revoked) if (until <= now) this.revoked.delete(a);
    this.revoked.set(auditId, expiresAt);
    this.unrevokedAt.delete(auditId);
  }
}

/** The token's payload when it is well signed, unexpired and not revoked; else null. */
export async function checkToken(signer: TokenSigner, revocations: TokenRevocations, token: string): Promise<TokenPayload | null> {
  const payload = signer.validate(token);
  if (!payload || (await revocations.isRevoked(payload))) return null;
  return payload;
}
