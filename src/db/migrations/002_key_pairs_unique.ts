// A user's keypair names are unique: the index makes a duplicate create lose
// even when two arrive at once.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('key_pairs_user_name').on('key_pairs').columns(['user_id', 'name']).unique().execute();
}
