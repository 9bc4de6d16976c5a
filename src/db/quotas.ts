// The quota limit tables: a project's limits, a user's limits within a
// project, and quota classes. Each setter writes one row per resource,
// inserting or updating in one statement so concurrent updates of the same
// limit cannot collide on the unique index.
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';
import type { DialectName } from './connect.js';
import { compiledOnce } from './compiled-once.js';

type Queryable = Kysely<Database>;

/** Limits by resource name (only those that have a row). */
export type LimitRows = Record<string, number>;

function byResource(rows: ReadonlyArray<{ resource: string; hard_limit: number }>): LimitRows {
  const out: LimitRows = {};
  for (const r of rows) out[r.resource] = Number(r.hard_limit);
  return out;
}

// Read on every create and resize: compiled once (see compiled-once.ts).
const projectRows = compiledOnce((q, projectId: string) => q.selectFrom('quotas').select(['resource', 'hard_limit']).where('project_id', '=', projectId));
const userRows = compiledOnce((q, projectId: string, userId: string) =>
  q.selectFrom('project_user_quotas').select(['resource', 'hard_limit']).where('project_id', '=', projectId).where('user_id', '=', userId),
);
const classRows = compiledOnce((q, className: string) => q.selectFrom('quota_classes').select(['resource', 'hard_limit']).where('class_name', '=', className));

export async function projectLimits(q: Queryable, projectId: string): Promise<LimitRows> {
  return byResource(await projectRows(q, projectId));
}

export async function userLimits(q: Queryable, projectId: string, userId: string): Promise<LimitRows> {
  return byResource(await userRows(q, projectId, userId));
}

/** Every user limit set in a project: what is already handed out to its users. */
export async function allUserLimitsOfProject(q: Queryable, projectId: string): Promise<ReadonlyArray<{ user_id: string; resource: string; hard_limit: number }>> {
  return q.selectFrom('project_user_quotas').select(['user_id', 'resource', 'hard_limit']).where('project_id', '=', projectId).execute();
}

export async function classLimits(q: Queryable, className: string): Promise<LimitRows> {
  return byResource(await classRows(q, className));
}

export async function setProjectLimit(q: Queryable, projectId: string, resource: string, limit: number, now: string): Promise<void> {
  await q
    .insertInto('quotas')
    .values({ project_id: projectId, resource, hard_limit: limit, created_at: now, updated_at: null })
    .onConflict((oc) => oc.columns(['project_id', 'resource']).doUpdateSet({ hard_limit: limit, updated_at: now }))
    .execute();
}

export async function setUserLimit(q: Queryable, projectId: string, userId: string, resource: string, limit: number, now: string): Promise<void> {
  await q
    .insertInto('project_user_quotas')
    .values({ project_id: projectId, user_id: userId, resource, hard_limit: limit, created_at: now, updated_at: null })
    .onConflict((oc) => oc.columns(['project_id', 'user_id', 'resource']).doUpdateSet({ hard_limit: limit, updated_at: now }))
    .execute();
}

export async function setClassLimit(q: Queryable, className: string, resource: string, limit: number, now: string): Promise<void> {
  await q
    .insertInto('quota_classes')
    .values({ class_name: className, resource, hard_limit: limit, created_at: now, updated_at: null })
    .onConflict((oc) => oc.columns(['class_name', 'resource']).doUpdateSet({ hard_limit: limit, updated_at: now }))
    .execute();
}

/** Back to the defaults: the project's own limits and every user limit in it. */
export async function deleteProjectLimits(q: Queryable, projectId: string): Promise<void> {
  await q.deleteFrom('project_user_quotas').where('project_id', '=', projectId).execute();
  await q.deleteFrom('quotas').where('project_id', '=', projectId).execute();
}

export async function deleteUserLimits(q: Queryable, projectId: string, userId: string): Promise<void> {
  await q.deleteFrom('project_user_quotas').where('project_id', '=', projectId).where('user_id', '=', userId).execute();
}

/**
 * Serialises quota checks of one scope (a project, a user) until the
 * transaction ends, so two requests cannot both count the same headroom.
 * SQLite runs one transaction at a time already; PostgreSQL takes a
 * transaction-scoped advisory lock.
 */
export async function lockQuotaScope(q: Queryable, dialect: DialectName, scope: string): Promise<void> {
  if (dialect !== 'postgres') return;
  await sql`SELECT pg_advisory_xact_lock(hashtext(${`quota:${scope}`}))`.execute(q);
}
