// Every identity record the embedded Keystone serves: the configured ones
// (in memory, fixed) and those made through the identity API (in the
// database, so every API process sharing it and every restart sees them).
// A configured record is found without a query; a stored one is read on
// each use, so a deleted user's or project's tokens stop working at once in
// every process.
import { randomUUID } from 'node:crypto';
import type { Config } from '../config/config.js';
import type { Db } from '../db/connect.js';
import { systemClock, type Clock } from '../compute/clock.js';
import { dbTime } from '../db/time.js';
import {
  deleteGrant,
  deleteIdentityProject,
  deleteIdentityRole,
  deleteIdentityUser,
  getIdentityProject,
  getIdentityProjectByName,
  getIdentityRole,
  getIdentityRoleByName,
  getIdentityUser,
  getIdentityUserByName,
  insertGrant,
  insertIdentityProject,
  insertIdentityRole,
  insertIdentityUser,
  listGrants,
  listIdentityProjects,
  listIdentityRoles,
  listIdentityUsers,
  updateIdentityProject,
  updateIdentityUser,
  type GrantFilter,
  type IdentityProjectRow,
  type IdentityRoleRow,
  type IdentityUserRow,
} from '../db/identity.js';
import { ConfiguredIdentity } from './configured.js';
import { configured, duplicate, notFound } from './errors.js';
import { hashPassword, verifyPassword } from './passwords.js';
import { DEFAULT_DOMAIN, expandRoles, parseExtraUser, seededUsers, type Domain, type Grant, type Project, type Role, type User, type UserSpec } from './users.js';

export interface NewProject {
  readonly name: string;
  readonly domainId: string;
  readonly description: string;
  readonly enabled: boolean;
  readonly tags: readonly string[];
  readonly extra: Readonly<Record<string, unknown>>;
}

export type ProjectChanges = Partial<Omit<NewProject, 'domainId'>>;

export interface NewUser {
  readonly name: string;
  readonly domainId: string;
  readonly defaultProjectId: string | null;
  readonly enabled: boolean;
  readonly password: string | null;
  readonly extra: Readonly<Record<string, unknown>>;
}

export type UserChanges = Partial<Omit<NewUser, 'domainId'>>;

const parseJson = <T>(text: string, fallback: T): T => {
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
};

const projectFromRow = (r: IdentityProjectRow): Project => ({
  id: r.id,
  name: r.name,
  domainId: r.domain_id,
  description: r.description,
  enabled: r.enabled === 1,
  tags: parseJson<string[]>(r.tags, []),
  extra: parseJson<Record<string, unknown>>(r.extra, {}),
  configured: false,
});

const userFromRow = (r: IdentityUserRow): User => ({
  id: r.id,
  name: r.name,
  domainId: r.domain_id,
  defaultProjectId: r.default_project_id,
  enabled: r.enabled === 1,
  extra: parseJson<Record<string, unknown>>(r.extra, {}),
  configured: false,
});

const roleFromRow = (r: IdentityRoleRow): Role => ({ id: r.id, name: r.name, description: r.description, configured: false });

/** Keystone's ids: a random uuid as 32 hex digits. */
const newId = (): string => randomUUID().replace(/-/g, '');

export class IdentityStore {
  readonly domains: readonly Domain[] = [DEFAULT_DOMAIN];
  private readonly fixed: ConfiguredIdentity;

  /** Without a database only the configured records exist and nothing can be made. */
  constructor(
    users: readonly UserSpec[] = seededUsers(),
    private readonly db: Db | null = null,
    private readonly clock: Clock = systemClock,
  ) {
    this.fixed = new ConfiguredIdentity(users);
  }

  static fromConfig(conf: Config, db: Db | null, clock: Clock = systemClock): IdentityStore {
    const names = ['admin', 'demo', 'alt_demo', 'demo_manager', 'demo_reader'];
    const passwords = Object.fromEntries(names.map((n) => [n, conf.str('identity', `${n}_password`)]));
    const extra = conf.list('identity', 'extra_users').map(parseExtraUser);
    return new IdentityStore([...seededUsers(passwords), ...extra], db, clock);
  }

  private get k() {
    if (!this.db) throw new Error('the identity store has no database to keep records in');
    return this.db.kysely;
  }
  private now(): string {
    return dbTime(this.clock.now());
  }

  domainById(id: string): Domain | undefined {
    return this.domains.find((d) => d.id === id);
  }
  domainByName(name: string): Domain | undefined {
    return this.domains.find((d) => d.name === name);
  }

  // Projects.

  async projectById(id: string): Promise<Project | undefined> {
    const fixed = this.fixed.projects.get(id);
    if (fixed || !this.db) return fixed;
    const row = await getIdentityProject(this.k, id);
    return row && projectFromRow(row);
  }
  async projectByName(name: string, domainId: string = DEFAULT_DOMAIN.id): Promise<Project | undefined> {
    const fixed = this.fixed.projectByName(name, domainId);
    if (fixed || !this.db) return fixed;
    const row = await getIdentityProjectByName(this.k, name, domainId);
    return row && projectFromRow(row);
  }
  async listProjects(): Promise<Project[]> {
    const stored = this.db ? (await listIdentityProjects(this.k)).map(projectFromRow) : [];
    return [...this.fixed.projects.values(), ...stored];
  }

  async createProject(p: NewProject): Promise<Project> {
    if (this.fixed.projectByName(p.name, p.domainId)) throw duplicate('project', p.name, p.domainId);
    const row: IdentityProjectRow = {
      id: newId(),
      name: p.name,
      domain_id: p.domainId,
      description: p.description,
      enabled: p.enabled ? 1 : 0,
      tags: JSON.stringify(p.tags),
      extra: JSON.stringify(p.extra),
      created_at: this.now(),
    };
    if (!(await insertIdentityProject(this.k, row))) throw duplicate('project', p.name, p.domainId);
    return projectFromRow(row);
  }

  /** The stored project, or a refusal: 404 when there is none, 403 when it is a configured one. */
  private async storedProject(id: string): Promise<Project> {
    const p = await this.projectById(id);
    if (!p) throw notFound('project', id);
    if (p.configured) throw configured('project', id);
    return p;
  }

  async updateProject(id: string, c: ProjectChanges): Promise<Project> {
    const p = await this.storedProject(id);
    const name = c.name ?? p.name;
    if (c.name !== undefined && c.name !== p.name && this.fixed.projectByName(name, p.domainId)) throw duplicate('project', name, p.domainId);
    const ok = await updateIdentityProject(this.k, id, {
      name,
      description: c.description ?? p.description,
      enabled: (c.enabled ?? p.enabled) ? 1 : 0,
      tags: JSON.stringify(c.tags ?? p.tags),
      extra: JSON.stringify({ ...p.extra, ...(c.extra ?? {}) }),
    });
    if (!ok) throw duplicate('project', name, p.domainId);
    const after = await this.projectById(id);
    if (!after) throw notFound('project', id);
    return after;
  }

  /** Deletes the project and every grant on it. */
  async deleteProject(id: string): Promise<void> {
    await this.storedProject(id);
    if (!(await deleteIdentityProject(this.k, id))) throw notFound('project', id);
  }

  // Users.

  async userById(id: string): Promise<User | undefined> {
    const fixed = this.fixed.users.get(id);
    if (fixed || !this.db) return fixed;
    const row = await getIdentityUser(this.k, id);
    return row && userFromRow(row);
  }
  async userByName(name: string, domainId: string = DEFAULT_DOMAIN.id): Promise<User | undefined> {
    const fixed = this.fixed.userByName(name, domainId);
    if (fixed || !this.db) return fixed;
    const row = await getIdentityUserByName(this.k, name, domainId);
    return row && userFromRow(row);
  }
  async listUsers(): Promise<User[]> {
    const stored = this.db ? (await listIdentityUsers(this.k)).map(userFromRow) : [];
    return [...this.fixed.users.values(), ...stored];
  }

  async createUser(u: NewUser): Promise<User> {
    if (this.fixed.userByName(u.name, u.domainId)) throw duplicate('user', u.name, u.domainId);
    const row: IdentityUserRow = {
      id: newId(),
      name: u.name,
      domain_id: u.domainId,
      default_project_id: u.defaultProjectId,
      enabled: u.enabled ? 1 : 0,
      password_hash: u.password === null ? null : await hashPassword(u.password),
      extra: JSON.stringify(u.extra),
      created_at: this.now(),
    };
    if (!(await insertIdentityUser(this.k, row))) throw duplicate('user', u.name, u.domainId);
    return userFromRow(row);
  }

  private async storedUser(id: string): Promise<User> {
    const u = await this.userById(id);
    if (!u) throw notFound('user', id);
    if (u.configured) throw configured('user', id);
    return u;
  }

  async updateUser(id: string, c: UserChanges): Promise<User> {
    const u = await this.storedUser(id);
    const name = c.name ?? u.name;
    if (c.name !== undefined && c.name !== u.name && this.fixed.userByName(name, u.domainId)) throw duplicate('user', name, u.domainId);
    const ok = await updateIdentityUser(this.k, id, {
      name,
      default_project_id: c.defaultProjectId !== undefined ? c.defaultProjectId : u.defaultProjectId,
      enabled: (c.enabled ?? u.enabled) ? 1 : 0,
      ...(c.password !== undefined && { password_hash: c.password === null ? null : await hashPassword(c.password) }),
      extra: JSON.stringify({ ...u.extra, ...(c.extra ?? {}) }),
    });
    if (!ok) throw duplicate('user', name, u.domainId);
    const after = await this.userById(id);
    if (!after) throw notFound('user', id);
    return after;
  }

  /** Deletes the user and every grant it holds. */
  async deleteUser(id: string): Promise<void> {
    await this.storedUser(id);
    if (!(await deleteIdentityUser(this.k, id))) throw notFound('user', id);
  }

  /** Compares in constant time, so response timing says nothing about the password. */
  async checkPassword(userId: string, password: string): Promise<boolean> {
    if (this.fixed.users.has(userId)) return this.fixed.checkPassword(userId, password);
    if (!this.db) return false;
    const row = await getIdentityUser(this.k, userId);
    return row?.password_hash ? verifyPassword(password, row.password_hash) : false;
  }

  // Roles.

  async roleById(id: string): Promise<Role | undefined> {
    const fixed = this.fixed.roles.get(id);
    if (fixed || !this.db) return fixed;
    const row = await getIdentityRole(this.k, id);
    return row && roleFromRow(row);
  }
  async roleByName(name: string): Promise<Role | undefined> {
    const fixed = this.fixed.roleByName(name);
    if (fixed || !this.db) return fixed;
    const row = await getIdentityRoleByName(this.k, name);
    return row && roleFromRow(row);
  }
  async listRoles(): Promise<Role[]> {
    const stored = this.db ? (await listIdentityRoles(this.k)).map(roleFromRow) : [];
    return [...this.fixed.roles.values(), ...stored];
  }

  async createRole(name: string, description: string | null): Promise<Role> {
    if (this.fixed.roleByName(name)) throw duplicate('role', name);
    const row: IdentityRoleRow = { id: newId(), name, description, created_at: this.now() };
    if (!(await insertIdentityRole(this.k, row))) throw duplicate('role', name);
    return roleFromRow(row);
  }

  /** Deletes the role and every grant of it. */
  async deleteRole(id: string): Promise<void> {
    const r = await this.roleById(id);
    if (!r) throw notFound('role', id);
    if (r.configured) throw configured('role', id);
    if (!(await deleteIdentityRole(this.k, id))) throw notFound('role', id);
  }

  // Grants: roles of users on projects.

  /** Direct grants, configured ones first, filtered by any of user, project and role. */
  async grants(f: GrantFilter = {}): Promise<Grant[]> {
    const match = (g: Grant): boolean =>
      (f.userId === undefined || g.userId === f.userId) && (f.projectId === undefined || g.projectId === f.projectId) && (f.roleId === undefined || g.roleId === f.roleId);
    const stored = this.db ? (await listGrants(this.k, f)).map((r): Grant => ({ userId: r.user_id, projectId: r.project_id, roleId: r.role_id, configured: false })) : [];
    // A stored grant repeating a configured one is shown once.
    const fixed = this.fixed.grants.filter(match);
    return [...fixed, ...stored.filter((s) => !fixed.some((g) => g.userId === s.userId && g.projectId === s.projectId && g.roleId === s.roleId))];
  }

  async grant(userId: string, projectId: string, roleId: string): Promise<void> {
    await insertGrant(this.k, { user_id: userId, project_id: projectId, role_id: roleId }, this.now());
  }

  /** Revokes a stored grant; false when there is none. A configured grant cannot be revoked. */
  async revoke(userId: string, projectId: string, roleId: string): Promise<boolean> {
    if (this.fixed.grants.some((g) => g.userId === userId && g.projectId === projectId && g.roleId === roleId)) {
      throw configured('role assignment', `${roleId} of user ${userId} on project ${projectId}`);
    }
    return deleteGrant(this.k, { user_id: userId, project_id: projectId, role_id: roleId });
  }

  /** The user's roles on a project, implied ones included; empty when none are granted. */
  async rolesOn(userId: string, projectId: string): Promise<Role[]> {
    const direct = await this.grants({ userId, projectId });
    const names: string[] = [];
    for (const g of direct) {
      const r = await this.roleById(g.roleId);
      if (r) names.push(r.name);
    }
    const out: Role[] = [];
    for (const n of expandRoles(names)) {
      const r = await this.roleByName(n);
      if (r) out.push(r);
    }
    return out;
  }

  /**
   * The token's roles the user still holds on the project. Configured grants
   * never change, so a token whose roles they all explain needs no query.
   */
  async heldRoles(userId: string, projectId: string, tokenRoles: readonly string[]): Promise<readonly string[]> {
    const fixedIds = this.fixed.grants.filter((g) => g.userId === userId && g.projectId === projectId).map((g) => this.fixed.roles.get(g.roleId)?.name ?? '');
    const fixed = new Set(expandRoles(fixedIds));
    if (tokenRoles.every((r) => fixed.has(r))) return tokenRoles;
    const held = new Set((await this.rolesOn(userId, projectId)).map((r) => r.name));
    return tokenRoles.filter((r) => held.has(r));
  }

  /** Projects the user holds any role on. */
  async projectsOf(userId: string): Promise<Project[]> {
    const ids = [...new Set((await this.grants({ userId })).map((g) => g.projectId))];
    const out: Project[] = [];
    for (const id of ids) {
      const p = await this.projectById(id);
      if (p) out.push(p);
    }
    return out;
  }
}
