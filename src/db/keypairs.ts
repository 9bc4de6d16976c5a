// The key_pairs table: one row per (user, name), removed outright on delete
// (as Nova's API database does), pages ordered by name.
import type { Kysely } from 'kysely';
import type { Database, KeyPairRow } from './schema.js';

export interface NewKeyPair {
  readonly name: string;
  readonly userId: string;
  readonly fingerprint: string;
  readonly publicKey: string;
  readonly type: string;
  readonly createdAt: string;
}

export async function getKeyPair(db: Kysely<Database>, userId: string, name: string): Promise<KeyPairRow | undefined> {
  return db.selectFrom('key_pairs').selectAll().where('user_id', '=', userId).where('name', '=', name).where('deleted', '=', 0).executeTakeFirst();
}

/** A user's keypairs by name, after `afterName` when given, at most `limit` (undefined = all). */
export async function listKeyPairs(db: Kysely<Database>, userId: string, opts: { limit?: number; afterName?: string } = {}): Promise<KeyPairRow[]> {
  let q = db.selectFrom('key_pairs').selectAll().where('user_id', '=', userId).where('deleted', '=', 0);
  if (opts.afterName !== undefined) q = q.where('name', '>', opts.afterName);
  q = q.orderBy('name', 'asc').orderBy('id', 'asc');
  if (opts.limit !== undefined) q = q.limit(opts.limit);
  return q.execute();
}

/**
 * Inserts a keypair; false when the user already has one of that name (the
 * unique index decides, so two concurrent creates cannot both win).
 */
export async function insertKeyPair(db: Kysely<Database>, kp: NewKeyPair): Promise<KeyPairRow | false> {
  try {
    return await db
      .insertInto('key_pairs')
      .values({ name: kp.name, user_id: kp.userId, fingerprint: kp.fingerprint, public_key: kp.publicKey, type: kp.type, created_at: kp.createdAt, deleted: 0 })
      .returningAll()
      .executeTakeFirstOrThrow();
  } catch (err) {
    if (await getKeyPair(db, kp.userId, kp.name)) return false;
    throw err;
  }
}

/** Removes a keypair; false when there was none. */
export async function deleteKeyPair(db: Kysely<Database>, userId: string, name: string): Promise<boolean> {
  const r = await db.deleteFrom('key_pairs').where('user_id', '=', userId).where('name', '=', name).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
