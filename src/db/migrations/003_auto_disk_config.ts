// Servers keep their disk config (OS-DCF:diskConfig): 1 = AUTO, 0 = MANUAL.
// Existing servers were all shown as MANUAL, so they stay MANUAL.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('instances').addColumn('auto_disk_config', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}
