// Flavors, their extra specs and the projects a private flavor is shared with.
// Flavors are deleted for real (servers keep their own flavor snapshot).
import { sql, type ExpressionBuilder, type Kysely, type Transaction } from 'kysely';
import type { Db } from './connect.js';
import type { Database, FlavorRow, InstanceFlavor } from './schema.js';
import { dbTime } from './time.js';

/** Who is looking: non-admins see public flavors and private ones shared with their project. */
export interface FlavorViewer {
  readonly projectId: string;
  readonly isAdmin: boolean;
}

export interface FlavorWithSpecs extends FlavorRow {
  readonly extra_specs: Record<string, string>;
}

/** Public, or shared with the project: what a non-admin of that project may see. */
function publicOrSharedWith(projectId: string) {
  return (eb: ExpressionBuilder<Database, 'flavors'>) =>
    eb.or([
      eb('flavors.is_public', '=', 1),
      eb.exists(
        eb
          .selectFrom('flavor_projects')
          .select('flavor_projects.flavor_id')
          .whereRef('flavor_projects.flavor_id', '=', 'flavors.id')
          .where('flavor_projects.project_id', '=', projectId),
      ),
    ]);
}

// `deleted` stays 0 (flavors are deleted for real); the filter still guards every lookup.
function visible(db: Kysely<Database>, viewer: FlavorViewer) {
  let q = db.selectFrom('flavors').selectAll('flavors').where('flavors.deleted', '=', 0);
  if (!viewer.isAdmin) q = q.where(publicOrSharedWith(viewer.projectId));
  return q;
}

export async function extraSpecsOf(db: Kysely<Database>, flavorRowIds: readonly number[]): Promise<Map<number, Record<string, string>>> {
  const out = new Map<number, Record<string, string>>();
  for (const id of flavorRowIds) out.set(id, {});
  if (flavorRowIds.length === 0) return out;
  const rows = await db.selectFrom('flavor_extra_specs').selectAll().where('flavor_id', 'in', [...flavorRowIds]).orderBy('key').execute();
  for (const r of rows) out.get(r.flavor_id)![r.key] = r.value;
  return out;
}

async function withSpecs(db: Kysely<Database>, rows: readonly FlavorRow[]): Promise<FlavorWithSpecs[]> {
  const specs = await extraSpecsOf(
    db,
    rows.map((r) => r.id),
  );
  return rows.map((r) => ({ ...r, extra_specs: specs.get(r.id) ?? {} }));
}

/** The flavor with that flavorid, if the viewer may see it. */
export async function getFlavor(db: Kysely<Database>, viewer: FlavorViewer, flavorid: string): Promise<FlavorWithSpecs | undefined> {
  const row = await visible(db, viewer).where('flavors.flavorid', '=', flavorid).orderBy('flavors.id').executeTakeFirst();
  return row ? (await withSpecs(db, [row]))[0] : undefined;
}

/** The copy of a flavor an instance keeps (at boot, and as new_flavor of a resize). */
export function instanceFlavorOf(f: FlavorWithSpecs): InstanceFlavor {
  return {
    id: f.id,
    flavorid: f.flavorid,
    name: f.name,
    memory_mb: f.memory_mb,
    vcpus: f.vcpus,
    root_gb: f.root_gb,
    ephemeral_gb: f.ephemeral_gb,
    swap: f.swap,
    extra_specs: { ...f.extra_specs },
  };
}

export type SortKey =
  | 'created_at'
  | 'description'
  | 'disabled'
  | 'ephemeral_gb'
  | 'flavorid'
  | 'id'
  | 'is_public'
  | 'memory_mb'
  | 'name'
  | 'root_gb'
  | 'rxtx_factor'
  | 'swap'
  | 'updated_at'
  | 'vcpu_weight'
  | 'vcpus';

export interface FlavorFilters {
  /** true = public (plus shared with the viewer), false = private only, null = all. */
  readonly isPublic: boolean | null;
  readonly disabled?: boolean;
  readonly minMemoryMb?: number;
  readonly minRootGb?: number;
  /** A regular expression the name must match (search, not full match). */
  readonly name?: RegExp;
}

export class FlavorMarkerNotFound extends Error {}

function sortValue(f: FlavorRow, key: SortKey): string | number | null {
  if (key === 'vcpu_weight') return null;
  return f[key];
}

function compareValues(a: string | number | null, b: string | number | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/**
 * A page of flavors in (sort key, row id) order; the marker (a flavorid the
 * viewer can see) is the item the page starts after. Flavors are few, so the
 * filtering, ordering and paging happen here rather than in SQL, which keeps
 * the order identical on every database.
 */
export async function listFlavors(
  db: Kysely<Database>,
  viewer: FlavorViewer,
  filters: FlavorFilters,
  sort: { key: SortKey; dir: 'asc' | 'desc' },
  page: { limit: number; marker: string | undefined },
): Promise<FlavorWithSpecs[]> {
  let q = visible(db, viewer);
  if (filters.minMemoryMb !== undefined) q = q.where('flavors.memory_mb', '>=', filters.minMemoryMb);
  if (filters.minRootGb !== undefined) q = q.where('flavors.root_gb', '>=', filters.minRootGb);
  if (filters.disabled !== undefined) q = q.where('flavors.disabled', '=', filters.disabled ? 1 : 0);
  if (filters.isPublic === false) q = q.where('flavors.is_public', '=', 0);
  if (filters.isPublic === true) {
    // Public, or shared with the viewer's project.
    q = q.where(publicOrSharedWith(viewer.projectId));
  }
  let rows = await q.execute();
  if (filters.name) {
    const rx = filters.name;
    rows = rows.filter((r) => rx.test(r.name));
  }
  const sign = sort.dir === 'desc' ? -1 : 1;
  const cmp = (a: FlavorRow, b: FlavorRow): number => sign * (compareValues(sortValue(a, sort.key), sortValue(b, sort.key)) || a.id - b.id);
  rows.sort(cmp);
  if (page.marker !== undefined) {
    const marker = await visible(db, viewer).where('flavors.flavorid', '=', page.marker).orderBy('flavors.id').executeTakeFirst();
    if (!marker) throw new FlavorMarkerNotFound(page.marker);
    rows = rows.filter((r) => cmp(r, marker) > 0);
  }
  if (page.limit === 0) return [];
  return withSpecs(db, rows.slice(0, page.limit));
}

export interface NewFlavor {
  readonly flavorid: string;
  readonly name: string;
  readonly memory_mb: number;
  readonly vcpus: number;
  readonly root_gb: number;
  readonly ephemeral_gb: number;
  readonly swap: number;
  readonly rxtx_factor: number;
  readonly is_public: boolean;
  readonly description: string | null;
}

export type CreateFlavorResult = { ok: true; flavor: FlavorWithSpecs } | { ok: false; conflict: 'flavorid' | 'name' };

/** Serialises writers that check-then-insert (SQLite transactions already are). */
async function lockFlavors(db: Db, trx: Transaction<Database>): Promise<void> {
  if (db.dialect === 'postgres') await sql`LOCK TABLE flavors IN SHARE ROW EXCLUSIVE MODE`.execute(trx);
}

/** Creates a flavor unless its flavorid or name is taken. */
export async function createFlavor(db: Db, f: NewFlavor, now: Date): Promise<CreateFlavorResult> {
  return db.kysely.transaction().execute(async (trx) => {
    await lockFlavors(db, trx);
    const clash = await trx
      .selectFrom('flavors')
      .select(['flavorid', 'name'])
      .where((eb) => eb.or([eb('flavorid', '=', f.flavorid), eb('name', '=', f.name)]))
      .execute();
    if (clash.some((c) => c.flavorid === f.flavorid)) return { ok: false, conflict: 'flavorid' } as const;
    if (clash.length > 0) return { ok: false, conflict: 'name' } as const;
    const r = await trx
      .insertInto('flavors')
      .values({
        flavorid: f.flavorid,
        name: f.name,
        memory_mb: f.memory_mb,
        vcpus: f.vcpus,
        root_gb: f.root_gb,
        ephemeral_gb: f.ephemeral_gb,
        swap: f.swap,
        rxtx_factor: f.rxtx_factor,
        is_public: f.is_public ? 1 : 0,
        disabled: 0,
        description: f.description,
        created_at: dbTime(now),
        updated_at: null,
        deleted: 0,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const row = await trx.selectFrom('flavors').selectAll().where('id', '=', r.id).executeTakeFirstOrThrow();
    return { ok: true, flavor: { ...row, extra_specs: {} } } as const;
  });
}

/**
 * Deletes a flavor with its extra specs and access list; false when there is
 * none. It takes the writers' lock first: a writer holding it that waited on
 * a spec row this delete had removed would otherwise deadlock with it.
 */
export async function deleteFlavor(db: Db, flavorid: string): Promise<boolean> {
  return db.kysely.transaction().execute(async (trx) => {
    await lockFlavors(db, trx);
    const row = await trx.selectFrom('flavors').select('id').where('flavorid', '=', flavorid).orderBy('id').executeTakeFirst();
    if (!row) return false;
    await trx.deleteFrom('flavor_projects').where('flavor_id', '=', row.id).execute();
    await trx.deleteFrom('flavor_extra_specs').where('flavor_id', '=', row.id).execute();
    await trx.deleteFrom('flavors').where('id', '=', row.id).execute();
    return true;
  });
}

/** Whether the flavor a writer read before taking the lock is still there (a delete may have come between). */
async function stillThere(trx: Transaction<Database>, rowId: number): Promise<boolean> {
  return (await trx.selectFrom('flavors').select('id').where('id', '=', rowId).executeTakeFirst()) !== undefined;
}

export async function setFlavorDescription(db: Kysely<Database>, rowId: number, description: string | null, now: Date): Promise<void> {
  await db.updateTable('flavors').set({ description, updated_at: dbTime(now) }).where('id', '=', rowId).execute();
}

/** Project ids a flavor is shared with, in the order they were added. */
export async function flavorProjects(db: Kysely<Database>, rowId: number): Promise<string[]> {
  const rows = await db.selectFrom('flavor_projects').select('project_id').where('flavor_id', '=', rowId).orderBy('project_id').execute();
  return rows.map((r) => r.project_id);
}

/** Shares a flavor with a project: 'exists' when it already is, 'gone' when the flavor was deleted meanwhile. */
export async function addFlavorProject(db: Db, rowId: number, projectId: string): Promise<'added' | 'exists' | 'gone'> {
  return db.kysely.transaction().execute(async (trx) => {
    await lockFlavors(db, trx);
    if (!(await stillThere(trx, rowId))) return 'gone' as const;
    const have = await trx.selectFrom('flavor_projects').select('flavor_id').where('flavor_id', '=', rowId).where('project_id', '=', projectId).executeTakeFirst();
    if (have) return 'exists' as const;
    await trx.insertInto('flavor_projects').values({ flavor_id: rowId, project_id: projectId }).execute();
    return 'added' as const;
  });
}

/** Stops sharing a flavor with a project; false when it was not shared. */
export async function removeFlavorProject(db: Kysely<Database>, rowId: number, projectId: string): Promise<boolean> {
  const r = await db.deleteFrom('flavor_projects').where('flavor_id', '=', rowId).where('project_id', '=', projectId).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

/** Adds or replaces extra specs; false when the flavor was deleted meanwhile. */
export async function putExtraSpecs(db: Db, rowId: number, specs: Readonly<Record<string, string>>): Promise<boolean> {
  return db.kysely.transaction().execute(async (trx) => {
    await lockFlavors(db, trx);
    if (!(await stillThere(trx, rowId))) return false;
    for (const [key, value] of Object.entries(specs)) {
      await trx.deleteFrom('flavor_extra_specs').where('flavor_id', '=', rowId).where('key', '=', key).execute();
      await trx.insertInto('flavor_extra_specs').values({ flavor_id: rowId, key, value }).execute();
    }
    return true;
  });
}

/** Removes one extra spec; false when the flavor has no such key. */
export async function deleteExtraSpec(db: Kysely<Database>, rowId: number, key: string): Promise<boolean> {
  const r = await db.deleteFrom('flavor_extra_specs').where('flavor_id', '=', rowId).where('key', '=', key).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
