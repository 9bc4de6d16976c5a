// Listing instances with Nova's filters, sort keys and keyset paging. Exact
// filters, status, order, marker and limit go to SQL; regular-expression
// filters (Nova's `REGEXP`, which SQLite lacks), tag and flavor filters are
// applied to the rows SQL returns in the list's order, a batch at a time,
// until the page is full.
import { PostgresAdapter, sql, type Kysely, type RawBuilder, type SqlBool } from 'kysely';
import type { DialectName } from './connect.js';
import type { Database, InstanceRow } from './schema.js';
import { dbTime } from './time.js';

export interface StatePair {
  readonly vmState: string;
  /** null = any task state except `excludeTasks`. */
  readonly taskStates: readonly string[] | null;
  readonly excludeTasks: readonly string[];
}

export interface InstanceFilters {
  /** Only these projects' servers; undefined = every project. */
  readonly projectId?: string;
  readonly userId?: string;
  /** true = only deleted rows, false = only live rows, undefined = both. */
  readonly deleted?: boolean;
  readonly uuid?: readonly string[];
  readonly imageRef?: readonly string[];
  readonly host?: readonly string[];
  readonly vmState?: readonly string[];
  readonly taskState?: readonly string[];
  /** Rows must show one of these (vm_state, task_state) pairs (a `status` filter). */
  readonly statePairs?: readonly StatePair[];
  /** Internal flavor row id the server runs with. */
  readonly flavorRowId?: number;
  readonly locked?: boolean;
  readonly changesSince?: Date;
  readonly changesBefore?: Date;
  /** Column → regular expression (Python `re.search` semantics). */
  readonly regex?: Readonly<Partial<Record<RegexColumn, string>>>;
  /** The zone the availability_zone expression is matched against (its host's), instead of the column. */
  readonly zoneOf?: (row: InstanceRow) => string | null;
  readonly tags?: readonly string[];
  readonly tagsAny?: readonly string[];
  readonly notTags?: readonly string[];
  readonly notTagsAny?: readonly string[];
  /** Matches nothing (a filter on something no server has, e.g. an IP). */
  readonly none?: boolean;
}

export const REGEX_COLUMNS = [
  'display_name', 'display_description', 'hostname', 'node', 'key_name', 'reservation_id', 'availability_zone',
  'config_drive', 'access_ip_v4', 'access_ip_v6', 'locked_by', 'launched_at', 'terminated_at', 'created_at',
  'power_state', 'progress', 'launch_index',
] as const;
export type RegexColumn = (typeof REGEX_COLUMNS)[number];

/** Sortable columns (API sort keys that name a real column). */
export const SORT_COLUMNS = [
  'access_ip_v4', 'access_ip_v6', 'availability_zone', 'config_drive', 'created_at', 'display_description',
  'display_name', 'host', 'hostname', 'image_ref', 'key_name', 'launch_index', 'launched_at', 'locked_by', 'node',
  'power_state', 'progress', 'project_id', 'task_state', 'terminated_at', 'updated_at', 'user_id', 'uuid', 'vm_state',
  'id',
] as const;
export type SortColumn = (typeof SORT_COLUMNS)[number];

export interface SortSpec {
  readonly key: SortColumn;
  readonly dir: 'asc' | 'desc';
}

export class MarkerNotFound extends Error {
  constructor(readonly marker: string) {
    super(`marker [${marker}] not found`);
    this.name = 'MarkerNotFound';
  }
}

function matches(re: RegExp, v: unknown): boolean {
  if (v === null || v === undefined) return false;
  return re.test(String(v));
}

function tagsOf(row: InstanceRow): string[] {
  try {
    const t = JSON.parse(row.tags) as unknown;
    return Array.isArray(t) ? t.map(String) : [];
  } catch {
    return [];
  }
}

function compileRegex(pattern: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch {
    // Not a valid expression: match it literally.
    return new RegExp(pattern.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  }
}

function passesMemoryFilters(row: InstanceRow, f: InstanceFilters, regex: ReadonlyArray<[RegexColumn, RegExp]>): boolean {
  for (const [col, re] of regex) if (!matches(re, col === 'availability_zone' && f.zoneOf ? f.zoneOf(row) : row[col])) return false;
  if (f.flavorRowId !== undefined) {
    try {
      if ((JSON.parse(row.flavor) as { id?: number }).id !== f.flavorRowId) return false;
    } catch {
      return false;
    }
  }
  if (f.tags || f.tagsAny || f.notTags || f.notTagsAny) {
    const have = new Set(tagsOf(row));
    if (f.tags && !f.tags.every((t) => have.has(t))) return false;
    if (f.tagsAny && !f.tagsAny.some((t) => have.has(t))) return false;
    if (f.notTags && f.notTags.length > 0 && f.notTags.every((t) => have.has(t))) return false;
    if (f.notTagsAny && f.notTagsAny.some((t) => have.has(t))) return false;
  }
  return true;
}

/** Sortable columns that may hold NULL (the others need no NULL ordering term). */
const NULLABLE_SORT_COLUMNS: ReadonlySet<SortColumn> = new Set<SortColumn>([
  'access_ip_v4', 'access_ip_v6', 'availability_zone', 'display_description', 'host', 'key_name', 'launched_at',
  'locked_by', 'node', 'task_state', 'terminated_at', 'updated_at',
]);
const NUMERIC_SORT_COLUMNS: ReadonlySet<SortColumn> = new Set<SortColumn>(['id', 'launch_index', 'power_state', 'progress']);

/**
 * A sort column as SQL. PostgreSQL orders text by the database's locale; the
 * "C" collation orders by bytes, as SQLite does, so pages are the same on both.
 */
function sortExpr(dialect: DialectName, col: SortColumn): RawBuilder<unknown> {
  return dialect === 'postgres' && !NUMERIC_SORT_COLUMNS.has(col) ? sql`${sql.ref(col)} collate "C"` : sql`${sql.ref(col)}`;
}

/**
 * Rows strictly after the marker row in the order `keys`, where NULL is the
 * smallest value (first ascending, last descending), as the ORDER BY has it.
 */
function afterMarker(dialect: DialectName, keys: readonly SortSpec[], marker: InstanceRow): RawBuilder<SqlBool> {
  const alternatives: RawBuilder<SqlBool>[] = [];
  for (let i = 0; i < keys.length; i++) {
    const { key, dir } = keys[i]!;
    const m = marker[key] as string | number | null;
    const col = sortExpr(dialect, key);
    let beyond: RawBuilder<SqlBool> | null;
    if (dir === 'asc') beyond = m === null ? sql<SqlBool>`${sql.ref(key)} is not null` : sql<SqlBool>`${col} > ${m}`;
    else beyond = m === null ? null : sql<SqlBool>`(${col} < ${m} or ${sql.ref(key)} is null)`;
    if (beyond) {
      const equalBefore = keys.slice(0, i).map(({ key: k }) => {
        const v = marker[k] as string | number | null;
        return v === null ? sql<SqlBool>`${sql.ref(k)} is null` : sql<SqlBool>`${sql.ref(k)} = ${v}`;
      });
      alternatives.push(sql<SqlBool>`(${sql.join([...equalBefore, beyond], sql` and `)})`);
    }
  }
  if (alternatives.length === 0) return sql<SqlBool>`1 = 0`;
  const exact = sql<SqlBool>`(${sql.join(alternatives, sql` or `)})`;
  // The same condition as one row comparison, which both databases answer
  // with a range of an ordering index instead of reading every row before
  // the marker. It says the same only without NULLs and with one direction,
  // so it is added beside the exact condition and only then.
  const oneDirection = keys.every((k) => k.dir === keys[0]!.dir);
  if (!oneDirection || keys.some((k) => NULLABLE_SORT_COLUMNS.has(k.key) || marker[k.key] === null)) return exact;
  const cols = sql.join(keys.map((k) => sortExpr(dialect, k.key)));
  const values = sql.join(keys.map((k) => marker[k.key] as string | number));
  const range = keys[0]!.dir === 'asc' ? sql<SqlBool>`(${cols}) > (${values})` : sql<SqlBool>`(${cols}) < (${values})`;
  return sql<SqlBool>`(${range} and ${exact})`;
}

/** Filters that SQL cannot express here (regular expressions, JSON tags and flavor). */
function needsMemoryFilters(f: InstanceFilters): boolean {
  const hasRegex = Object.values(f.regex ?? {}).some((v) => v !== undefined);
  return hasRegex || f.flavorRowId !== undefined || !!(f.tags || f.tagsAny || f.notTags || f.notTagsAny);
}

/**
 * Instances matching `f`, sorted by `sort` (id is always the last tie-breaker),
 * starting after the instance `marker` (any project, deleted or not), at most `limit`.
 * Without regex/tag/flavor filters the order, marker and limit are all done in
 * SQL, so a small page costs a small query; otherwise SQL's rows are filtered
 * in batches until the page is full.
 */
export async function listInstances(
  db: Kysely<Database>,
  f: InstanceFilters,
  sort: readonly SortSpec[],
  page: { limit: number; marker?: string },
): Promise<InstanceRow[]> {
  const dialect: DialectName = db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
  const keys = [...sort];
  if (!keys.some((s) => s.key === 'id')) keys.push({ key: 'id', dir: keys[keys.length - 1]?.dir ?? 'desc' });
  let markerRow: InstanceRow | undefined;
  if (page.marker !== undefined) {
    markerRow = await db.selectFrom('instances').selectAll().where('uuid', '=', page.marker).executeTakeFirst();
    if (!markerRow) throw new MarkerNotFound(page.marker);
  }
  if (f.none || page.limit === 0) return [];

  let q = db.selectFrom('instances').selectAll();
  if (f.projectId !== undefined) q = q.where('project_id', '=', f.projectId);
  if (f.userId !== undefined) q = q.where('user_id', '=', f.userId);
  // Soft-deleted servers count as deleted here, as in Nova.
  if (f.deleted === true) q = q.where((eb) => eb.or([eb('deleted', '!=', 0), eb('vm_state', '=', 'soft-delete')]));
  if (f.deleted === false) q = q.where('deleted', '=', 0).where('vm_state', '!=', 'soft-delete');
  if (f.uuid) q = q.where('uuid', 'in', f.uuid.length ? [...f.uuid] : ['']);
  if (f.imageRef) q = q.where('image_ref', 'in', f.imageRef.length ? [...f.imageRef] : ['']);
  if (f.host) q = q.where('host', 'in', f.host.length ? [...f.host] : ['']);
  if (f.vmState) q = q.where('vm_state', 'in', f.vmState.length ? [...f.vmState] : ['']);
  if (f.taskState) q = q.where('task_state', 'in', f.taskState.length ? [...f.taskState] : ['']);
  if (f.statePairs) {
    const pairs = f.statePairs;
    q = q.where((eb) =>
      eb.or(
        pairs.map((p) => {
          const vm = eb('vm_state', '=', p.vmState);
          if (p.taskStates) return eb.and([vm, eb('task_state', 'in', p.taskStates.length ? [...p.taskStates] : [''])]);
          if (p.excludeTasks.length === 0) return vm;
          return eb.and([vm, eb.or([eb('task_state', 'is', null), eb('task_state', 'not in', [...p.excludeTasks])])]);
        }),
      ),
    );
  }
  if (f.locked === true) q = q.where('locked_by', 'is not', null);
  if (f.locked === false) q = q.where('locked_by', 'is', null);
  if (f.changesSince) q = q.where('updated_at', '>=', dbTime(f.changesSince));
  if (f.changesBefore) q = q.where('updated_at', '<=', dbTime(f.changesBefore));

  const order = (qq: typeof q, after: InstanceRow | undefined): typeof q => {
    if (after) {
      const cond = afterMarker(dialect, keys, after);
      qq = qq.where(() => cond);
    }
    for (const { key, dir } of keys) {
      // NULL counts as the smallest value on both databases (PostgreSQL's default is the opposite).
      if (NULLABLE_SORT_COLUMNS.has(key)) qq = qq.orderBy(sql`case when ${sql.ref(key)} is null then 0 else 1 end`, dir);
      qq = qq.orderBy(sortExpr(dialect, key), dir);
    }
    return qq;
  };
  // Order and cut on the narrow id column first: sorting whole rows (flavor
  // and metadata JSON included) costs more than a second lookup by id.
  const rowsAfter = async (after: InstanceRow | undefined, limit: number): Promise<InstanceRow[]> => {
    const pageIds = (await order(q, after).clearSelect().select('id').limit(limit).execute()).map((r) => r.id);
    if (pageIds.length === 0) return [];
    const byId = new Map((await db.selectFrom('instances').selectAll().where('id', 'in', pageIds).execute()).map((r) => [r.id, r]));
    // A row purged between the two reads is simply left out.
    return pageIds.flatMap((id) => byId.get(id) ?? []);
  };

  if (!needsMemoryFilters(f)) return rowsAfter(markerRow, page.limit);

  // The other filters are applied to the rows SQL returns, read in the
  // list's order a batch at a time until the page is full: a page costs the
  // rows read to fill it, not the whole table.
  const regex = Object.entries(f.regex ?? {})
    .filter((e): e is [RegexColumn, string] => e[1] !== undefined)
    .map(([c, p]) => [c, compileRegex(p)] as [RegexColumn, RegExp]);
  const kept: InstanceRow[] = [];
  let after = markerRow;
  for (let batch = Math.max(200, page.limit); ; batch = Math.min(batch * 2, 5000)) {
    const rows = await rowsAfter(after, batch);
    for (const r of rows) if (passesMemoryFilters(r, f, regex)) kept.push(r);
    if (kept.length >= page.limit || rows.length < batch) return kept.slice(0, page.limit);
    after = rows[rows.length - 1];
  }
}
