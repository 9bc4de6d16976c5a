// Revoked tokens, by audit id: kept in the database so that a token revoked
// through one API process is refused by every other and after any restart.
// The expiry is the revoked token's own; past it the row serves no purpose
// and is purged.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('token_revocations')
    .addColumn('audit_id', 'varchar(64)', (c) => c.primaryKey())
    .addColumn('expires_at', 'varchar(32)', (c) => c.notNull())
    .addColumn('revoked_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('token_revocations_expires').on('token_revocations').column('expires_at').execute();
}
