// The migration queries of live migration and of the migrations read APIs
// (creation and status changes are in migrations-repo.ts): a server's
// migration by its URL id, its live migrations in progress, and the
// filtered, paged list of GET /os-migrations.
import { sql, type Kysely, type SqlBool } from 'kysely';
import type { Database, MigrationRow } from './schema.js';
import { dbTime } from './time.js';
import { IN_PROGRESS_STATUSES } from './migrations-repo.js';

/** The migration with this integer id (as given in a URL) if it belongs to the instance. */
export async function migrationOfInstance(db: Kysely<Database>, id: string, instanceUuid: string): Promise<MigrationRow | undefined> {
  if (!/^\d{1,15}$/.test(id)) return undefined;
  return db
    .selectFrom('migrations')
    .selectAll()
    .where('id', '=', Number(id))
    .where('instance_uuid', '=', instanceUuid)
    .where('deleted', '=', 0)
    .executeTakeFirst();
}

/** Live migrations of an instance that are queued, preparing, running or post-migrating, oldest first. */
export function liveMigrationsInProgress(db: Kysely<Database>, instanceUuid: string): Promise<MigrationRow[]> {
  return db
    .selectFrom('migrations')
    .selectAll()
    .where('instance_uuid', '=', instanceUuid)
    .where('migration_type', '=', 'live-migration')
    .where('status', 'in', [...IN_PROGRESS_STATUSES])
    .where('deleted', '=', 0)
    .orderBy('id')
    .execute();
}

export interface MigrationFilters {
  readonly host?: string;
  readonly sourceCompute?: string;
  readonly instanceUuid?: string;
  readonly status?: string;
  readonly migrationType?: string;
  readonly hidden?: boolean;
  readonly userId?: string;
  readonly projectId?: string;
  /** updated_at ≥ this time. */
  readonly changesSince?: Date;
  /** updated_at ≤ this time. */
  readonly changesBefore?: Date;
}

export interface MigrationPage {
  /** Newest first (created_at, id) when paging; unordered lists come back by id. */
  readonly sorted: boolean;
  readonly limit?: number;
  /** Uuid of the last migration of the previous page. */
  readonly marker?: string;
}

export class MarkerNotFound extends Error {
  constructor(readonly marker: string) {
    super(`Marker ${marker} could not be found.`);
    this.name = 'MarkerNotFound';
  }
}

/** Migrations matching every filter; hidden and deleted ones are never returned. */
export async function listMigrations(db: Kysely<Database>, f: MigrationFilters, page: MigrationPage): Promise<MigrationRow[]> {
  if (page.limit === 0) return [];
  let q = db.selectFrom('migrations').selectAll().where('deleted', '=', 0).where('hidden', '=', 0);
  if (f.host !== undefined) {
    const host = f.host;
    q = q.where((eb) => eb.or([eb('source_compute', '=', host), eb('dest_compute', '=', host)]));
  } else if (f.sourceCompute !== undefined) q = q.where('source_compute', '=', f.sourceCompute);
  if (f.instanceUuid !== undefined) q = q.where('instance_uuid', '=', f.instanceUuid);
  if (f.status !== undefined) q = q.where('status', '=', f.status);
  if (f.migrationType !== undefined) q = q.where('migration_type', '=', f.migrationType);
  if (f.hidden !== undefined) q = q.where('hidden', '=', f.hidden ? 1 : 0);
  if (f.userId !== undefined) q = q.where('user_id', '=', f.userId);
  if (f.projectId !== undefined) q = q.where('project_id', '=', f.projectId);
  if (f.changesSince !== undefined) q = q.where('updated_at', '>=', dbTime(f.changesSince));
  if (f.changesBefore !== undefined) q = q.where('updated_at', '<=', dbTime(f.changesBefore));
  if (page.marker !== undefined) {
    const m = await db.selectFrom('migrations').selectAll().where('uuid', '=', page.marker).where('deleted', '=', 0).executeTakeFirst();
    if (!m) throw new MarkerNotFound(page.marker);
    q = q.where((eb) =>
      eb.and([
        // The same condition as one row comparison, which both databases answer
        // with a range of migrations_created instead of reading every newer row.
        sql<SqlBool>`("created_at", "id") < (${m.created_at}, ${m.id})`,
        eb.or([eb('created_at', '<', m.created_at), eb.and([eb('created_at', '=', m.created_at), eb('id', '<', m.id)])]),
      ]),
    );
  }
  q = page.sorted ? q.orderBy('created_at', 'desc').orderBy('id', 'desc') : q.orderBy('id');
  if (page.limit !== undefined) q = q.limit(page.limit);
  return q.execute();
}
