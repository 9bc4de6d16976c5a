// The identity tables: projects, users, roles and grants made through the
// identity API. Deleting a project, user or role takes its grants with it in
// the same transaction.
import type { Kysely, Selectable } from 'kysely';
import type { Database, IdentityProjectsTable, IdentityRolesTable, IdentityUsersTable } from './schema.js';

export type IdentityProjectRow = Selectable<IdentityProjectsTable>;
export type IdentityUserRow = Selectable<IdentityUsersTable>;
export type IdentityRoleRow = Selectable<IdentityRolesTable>;

export interface GrantRow {
  readonly user_id: string;
  readonly project_id: string;
  readonly role_id: string;
}

type Db = Kysely<Database>;

export const getIdentityProject = (db: Db, id: string): Promise<IdentityProjectRow | undefined> =>
  db.selectFrom('identity_projects').selectAll().where('id', '=', id).executeTakeFirst();

export const getIdentityProjectByName = (db: Db, name: string, domainId: string): Promise<IdentityProjectRow | undefined> =>
  db.selectFrom('identity_projects').selectAll().where('name', '=', name).where('domain_id', '=', domainId).executeTakeFirst();

export const listIdentityProjects = (db: Db): Promise<IdentityProjectRow[]> =>
  db.selectFrom('identity_projects').selectAll().orderBy('created_at').orderBy('id').execute();

/** Inserts a project; false when its domain already has a project of that name (the unique index decides). */
export async function insertIdentityProject(db: Db, row: IdentityProjectRow): Promise<boolean> {
  try {
    await db.insertInto('identity_projects').values(row).execute();
    return true;
  } catch (err) {
    if (await getIdentityProjectByName(db, row.name, row.domain_id)) return false;
    throw err;
  }
}

/** Updates a project; false when the new name is taken in its domain. */
export async function updateIdentityProject(db: Db, id: string, values: Partial<Omit<IdentityProjectRow, 'id' | 'created_at'>>): Promise<boolean> {
  try {
    await db.updateTable('identity_projects').set(values).where('id', '=', id).execute();
    return true;
  } catch (err) {
    const own = await getIdentityProject(db, id);
    const clash = values.name !== undefined && own ? await getIdentityProjectByName(db, values.name, own.domain_id) : undefined;
    if (clash && clash.id !== id) return false;
    throw err;
  }
}

/** Removes a project and every grant on it; false when there was none. */
export async function deleteIdentityProject(db: Db, id: string): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    await tx.deleteFrom('identity_grants').where('project_id', '=', id).execute();
    const r = await tx.deleteFrom('identity_projects').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  });
}

export const getIdentityUser = (db: Db, id: string): Promise<IdentityUserRow | undefined> =>
  db.selectFrom('identity_users').selectAll().where('id', '=', id).executeTakeFirst();

export const getIdentityUserByName = (db: Db, name: string, domainId: string): Promise<IdentityUserRow | undefined> =>
  db.selectFrom('identity_users').selectAll().where('name', '=', name).where('domain_id', '=', domainId).executeTakeFirst();

export const listIdentityUsers = (db: Db): Promise<IdentityUserRow[]> =>
  db.selectFrom('identity_users').selectAll().orderBy('created_at').orderBy('id').execute();

/** Inserts a user; false when its domain already has a user of that name. */
export async function insertIdentityUser(db: Db, row: IdentityUserRow): Promise<boolean> {
  try {
    await db.insertInto('identity_users').values(row).execute();
    return true;
  } catch (err) {
    if (await getIdentityUserByName(db, row.name, row.domain_id)) return false;
    throw err;
  }
}

/** Updates a user; false when the new name is taken in its domain. */
export async function updateIdentityUser(db: Db, id: string, values: Partial<Omit<IdentityUserRow, 'id' | 'created_at'>>): Promise<boolean> {
  try {
    await db.updateTable('identity_users').set(values).where('id', '=', id).execute();
    return true;
  } catch (err) {
    const own = await getIdentityUser(db, id);
    const clash = values.name !== undefined && own ? await getIdentityUserByName(db, values.name, own.domain_id) : undefined;
    if (clash && clash.id !== id) return false;
    throw err;
  }
}

/** Removes a user and every grant it holds; false when there was none. */
export async function deleteIdentityUser(db: Db, id: string): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    await tx.deleteFrom('identity_grants').where('user_id', '=', id).execute();
    const r = await tx.deleteFrom('identity_users').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  });
}

export const getIdentityRole = (db: Db, id: string): Promise<IdentityRoleRow | undefined> =>
  db.selectFrom('identity_roles').selectAll().where('id', '=', id).executeTakeFirst();

export const getIdentityRoleByName = (db: Db, name: string): Promise<IdentityRoleRow | undefined> =>
  db.selectFrom('identity_roles').selectAll().where('name', '=', name).executeTakeFirst();

export const listIdentityRoles = (db: Db): Promise<IdentityRoleRow[]> =>
  db.selectFrom('identity_roles').selectAll().orderBy('created_at').orderBy('id').execute();

/** Inserts a role; false when one of that name exists. */
export async function insertIdentityRole(db: Db, row: IdentityRoleRow): Promise<boolean> {
  try {
    await db.insertInto('identity_roles').values(row).execute();
    return true;
  } catch (err) {
    if (await getIdentityRoleByName(db, row.name)) return false;
    throw err;
  }
}

/** Removes a role and every grant of it; false when there was none. */
export async function deleteIdentityRole(db: Db, id: string): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    await tx.deleteFrom('identity_grants').where('role_id', '=', id).execute();
    const r = await tx.deleteFrom('identity_roles').where('id', '=', id).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  });
}

export interface GrantFilter {
  readonly userId?: string | undefined;
  readonly projectId?: string | undefined;
  readonly roleId?: string | undefined;
}

export async function listGrants(db: Db, f: GrantFilter = {}): Promise<GrantRow[]> {
  let q = db.selectFrom('identity_grants').select(['user_id', 'project_id', 'role_id']);
  if (f.userId !== undefined) q = q.where('user_id', '=', f.userId);
  if (f.projectId !== undefined) q = q.where('project_id', '=', f.projectId);
  if (f.roleId !== undefined) q = q.where('role_id', '=', f.roleId);
  return q.orderBy('created_at').orderBy('user_id').orderBy('project_id').orderBy('role_id').execute();
}

/** Grants a role; granting it again changes nothing. */
export async function insertGrant(db: Db, g: GrantRow, createdAt: string): Promise<void> {
  await db
    .insertInto('identity_grants')
    .values({ ...g, created_at: createdAt })
    .onConflict((oc) => oc.columns(['user_id', 'project_id', 'role_id']).doNothing())
    .execute();
}

/** Revokes a role; false when it was not granted. */
export async function deleteGrant(db: Db, g: GrantRow): Promise<boolean> {
  const r = await db
    .deleteFrom('identity_grants')
    .where('user_id', '=', g.user_id)
    .where('project_id', '=', g.project_id)
    .where('role_id', '=', g.role_id)
    .executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}
