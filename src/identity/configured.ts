// The identity records the configuration seeds: projects, roles, users with
// their passwords and grants, all in memory and fixed for the process's life.
import { timingSafeEqual } from 'node:crypto';
import { DEFAULT_DOMAIN, DEFAULT_ROLES, projectIdFor, stableId, type Grant, type Project, type Role, type User, type UserSpec } from './users.js';

export class ConfiguredIdentity {
  readonly projects = new Map<string, Project>();
  readonly users = new Map<string, User>();
  readonly roles = new Map<string, Role>();
  readonly grants: Grant[] = [];
  private readonly passwords = new Map<string, Buffer>();

  constructor(users: readonly UserSpec[]) {
    for (const p of ['admin', 'demo', 'alt_demo']) this.addProject(p);
    for (const r of DEFAULT_ROLES) this.addRole(r);
    for (const spec of users) this.addUser(spec);
  }

  projectByName(name: string, domainId: string): Project | undefined {
    for (const p of this.projects.values()) if (p.name === name && p.domainId === domainId) return p;
    return undefined;
  }
  userByName(name: string, domainId: string): User | undefined {
    for (const u of this.users.values()) if (u.name === name && u.domainId === domainId) return u;
    return undefined;
  }
  roleByName(name: string): Role | undefined {
    for (const r of this.roles.values()) if (r.name === name) return r;
    return undefined;
  }

  /** Compares in constant time, so response timing says nothing about the password. */
  checkPassword(userId: string, password: string): boolean {
    const want = this.passwords.get(userId);
    if (!want) return false;
    const got = Buffer.from(password);
    return got.length === want.length && timingSafeEqual(got, want);
  }

  private addProject(name: string): Project {
    const existing = this.projectByName(name, DEFAULT_DOMAIN.id);
    if (existing) return existing;
    const p: Project = {
      id: projectIdFor(name),
      name,
      domainId: DEFAULT_DOMAIN.id,
      description: `${name} project`,
      enabled: true,
      tags: [],
      extra: {},
      configured: true,
    };
    this.projects.set(p.id, p);
    return p;
  }

  private addRole(name: string): Role {
    const r: Role = this.roleByName(name) ?? { id: stableId('role', name), name, description: null, configured: true };
    this.roles.set(r.id, r);
    return r;
  }

  /** Adds a user, or more roles to an existing one (an extra_users entry may repeat a name). */
  private addUser(spec: UserSpec): void {
    const project = this.addProject(spec.project);
    const id = stableId('user', spec.name);
    const prev = this.users.get(id);
    for (const name of spec.roles) {
      const role = this.addRole(name);
      if (!this.grants.some((g) => g.userId === id && g.projectId === project.id && g.roleId === role.id)) {
        this.grants.push({ userId: id, projectId: project.id, roleId: role.id, configured: true });
      }
    }
    this.users.set(id, {
      id,
      name: spec.name,
      domainId: DEFAULT_DOMAIN.id,
      defaultProjectId: prev?.defaultProjectId ?? project.id,
      enabled: true,
      extra: {},
      configured: true,
    });
    this.passwords.set(id, Buffer.from(spec.password));
  }
}
