// The token_revocations table: audit ids of revoked tokens until those
// tokens expire.
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import { dbTime, parseDbTime } from './time.js';

/** Records a revocation; revoking an audit id twice keeps the first record. */
export async function insertTokenRevocation(db: Kysely<Database>, auditId: string, expiresAt: Date, now: Date): Promise<void> {
  await db
    .insertInto('token_revocations')
    .values({ audit_id: auditId, expires_at: dbTime(expiresAt), revoked_at: dbTime(now) })
    .onConflict((oc) => oc.column('audit_id').doNothing())
    .execute();
}

/** Which of these audit ids are revoked, with the expiry of each. */
export async function revokedAuditIds(db: Kysely<Database>, auditIds: readonly string[]): Promise<Map<string, Date>> {
  if (auditIds.length === 0) return new Map();
  const rows = await db.selectFrom('token_revocations').select(['audit_id', 'expires_at']).where('audit_id', 'in', auditIds).execute();
  return new Map(rows.map((r) => [r.audit_id, parseDbTime(r.expires_at)]));
}

/** Removes revocations of tokens that have expired anyway; returns how many. */
export async function purgeExpiredTokenRevocations(db: Kysely<Database>, now: Date): Promise<number> {
  const r = await db.deleteFrom('token_revocations').where('expires_at', '<=', dbTime(now)).executeTakeFirst();
  return Number(r.numDeletedRows);
}
