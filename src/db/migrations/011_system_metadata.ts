// Servers keep system metadata, as Nova's instance_system_metadata holds it:
// keys the services set for themselves (the encrypted admin password a guest
// posts, in chunks `password_0`…`password_3`), never shown as user metadata.
// A JSON object, as user metadata and tags are kept.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('instances').addColumn('system_metadata', 'text', (c) => c.notNull().defaultTo('{}')).execute();
}
