// The current flavor's vCPUs and RAM as columns of their own, beside the
// flavor's JSON (as Nova's instances table has them): the cores and ram
// quotas are then one SUM over a project's servers, instead of every
// server's flavor read and parsed on each create. Filled from the flavors
// there are; db/instances.ts keeps them in step with every flavor written.
import { sql, type Kysely } from 'kysely';

type Dialect = 'sqlite' | 'postgres';

export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await sql.raw('ALTER TABLE instances ADD COLUMN vcpus integer NOT NULL DEFAULT 0').execute(db);
  await sql.raw('ALTER TABLE instances ADD COLUMN memory_mb integer NOT NULL DEFAULT 0').execute(db);
  const field = (name: string): string =>
    dialect === 'postgres' ? `COALESCE((flavor::json->>'${name}')::integer, 0)` : `COALESCE(CAST(json_extract(flavor, '$.${name}') AS integer), 0)`;
  await sql.raw(`UPDATE instances SET vcpus = ${field('vcpus')}, memory_mb = ${field('memory_mb')}`).execute(db);
}
