// Console auth tokens (Nova's console_auth_tokens): what a console proxy
// needs to reach a guest's console, found by the hash of the token handed
// to the user, until it expires.
import type { Kysely } from 'kysely';

type Dialect = 'sqlite' | 'postgres';

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  let t = db.schema.createTable('console_auth_tokens');
  t = dialect === 'postgres' ? t.addColumn('id', 'serial', (c) => c.primaryKey()) : t.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
  await t
    .addColumn('token_hash', 'varchar(255)', (c) => c.notNull().unique())
    .addColumn('console_type', 'varchar(255)', (c) => c.notNull())
    .addColumn('host', 'varchar(255)', (c) => c.notNull())
    .addColumn('port', 'integer', (c) => c.notNull())
    .addColumn('tls_port', 'integer')
    .addColumn('internal_access_path', 'varchar(255)')
    .addColumn('instance_uuid', 'varchar(36)', (c) => c.notNull())
    /** Seconds since the epoch. */
    .addColumn('expires', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'varchar(32)', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('console_auth_tokens_instance').on('console_auth_tokens').column('instance_uuid').execute();
}
