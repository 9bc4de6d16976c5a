// The flavors a fresh deployment starts with.
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import { dbTime } from './time.js';

const FLAVORS = [
  { flavorid: '1', name: 'm1.tiny', memory_mb: 512, vcpus: 1, root_gb: 1 },
  { flavorid: '2', name: 'm1.small', memory_mb: 2048, vcpus: 1, root_gb: 20 },
  { flavorid: '3', name: 'm1.medium', memory_mb: 4096, vcpus: 2, root_gb: 40 },
  { flavorid: '4', name: 'm1.large', memory_mb: 8192, vcpus: 4, root_gb: 80 },
] as const;

/** Inserts the default flavors once, into an empty flavors table. */
export async function seedFlavors(db: Kysely<Database>, now: Date): Promise<void> {
  const any = await db.selectFrom('flavors').select('id').limit(1).executeTakeFirst();
  if (any) return;
  const t = dbTime(now);
  for (const f of FLAVORS) {
    await db
      .insertInto('flavors')
      .values({ ...f, ephemeral_gb: 0, swap: 0, rxtx_factor: 1.0, is_public: 1, disabled: 0, description: null, created_at: t, updated_at: null, deleted: 0 })
      .execute();
  }
}
