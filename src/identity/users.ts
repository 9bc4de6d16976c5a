// The seeded identity data of the embedded Keystone subset: one domain, the
// admin/demo/alt_demo projects, the users Tempest and the docs expect, and the
// default roles with Keystone's implications (admin ⊃ manager ⊃ member ⊃ reader).
// Ids are derived from names, so every process started from the same config
// agrees on them without sharing a database.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config/config.js';

export interface Domain {
  readonly id: string;
  readonly name: string;
}

export interface Project {
  readonly id: string;
  readonly name: string;
  readonly domainId: string;
  readonly description: string;
}

export interface Role {
  readonly id: string;
  readonly name: string;
}

export interface User {
  readonly id: string;
  readonly name: string;
  readonly domainId: string;
  readonly defaultProjectId: string;
  /** Role names granted directly, by project id (before implication). */
  readonly assignments: ReadonlyMap<string, readonly string[]>;
}

/** One user to seed. */
export interface UserSpec {
  readonly name: string;
  readonly password: string;
  readonly project: string;
  readonly roles: readonly string[];
}

export const DEFAULT_DOMAIN: Domain = { id: 'default', name: 'Default' };

/** A stable 32-hex id for a named thing: md5 of `<kind>:<name>`. */
export function stableId(kind: string, name: string): string {
  return createHash('md5').update(`${kind}:${name}`).digest('hex');
}

export const projectIdFor = (name: string): string => stableId('project', name);

/** Keystone's default implied roles: each role implies the next one down. */
const IMPLIES: Readonly<Record<string, readonly string[]>> = {
  admin: ['manager'],
  manager: ['member'],
  member: ['reader'],
};

/** The roles `name` directly implies. */
export function impliedRoles(name: string): readonly string[] {
  return IMPLIES[name] ?? [];
}

const DEFAULT_ROLES = ['admin', 'manager', 'member', 'reader'] as const;

/** The role names plus everything they imply, each once, in a stable order. */
export function expandRoles(names: readonly string[]): string[] {
  const out: string[] = [];
  const visit = (n: string): void => {
    if (out.includes(n)) return;
    out.push(n);
    for (const implied of IMPLIES[n] ?? []) visit(implied);
  };
  for (const n of names) visit(n);
  return out;
}

/** Parses `[identity] extra_users` entries: `name:password:project:role[+role...]`. */
export function parseExtraUser(entry: string): UserSpec {
  const parts = entry.split(':');
  if (parts.length !== 4 || parts.some((p) => p === '')) {
    throw new Error(`[identity] extra_users: '${entry}' must be name:password:project:role[+role...]`);
  }
  const [name, password, project, roles] = parts as [string, string, string, string];
  return { name, password, project, roles: roles.split('+').filter((r) => r !== '') };
}

/** The users every Magnetar serves, with passwords from `[identity] *_password`. */
export function seededUsers(passwords: Readonly<Record<string, string>> = {}): UserSpec[] {
  const pw = (name: string): string => passwords[name] ?? name;
  return [
    { name: 'admin', password: pw('admin'), project: 'admin', roles: ['admin'] },
    { name: 'demo', password: pw('demo'), project: 'demo', roles: ['member', 'reader'] },
    { name: 'alt_demo', password: pw('alt_demo'), project: 'alt_demo', roles: ['member', 'reader'] },
    { name: 'demo_manager', password: pw('demo_manager'), project: 'demo', roles: ['manager'] },
    { name: 'demo_reader', password: pw('demo_reader'), project: 'demo', roles: ['reader'] },
  ];
}

export class IdentityStore {
  readonly domains: readonly Domain[] = [DEFAULT_DOMAIN];
  private readonly projectsById = new Map<string, Project>();
  private readonly usersById = new Map<string, User>();
  private readonly rolesById = new Map<string, Role>();
  private readonly passwords = new Map<string, Buffer>();

  constructor(users: readonly UserSpec[] = seededUsers()) {
    for (const p of ['admin', 'demo', 'alt_demo']) this.addProject(p);
    for (const r of DEFAULT_ROLES) this.addRole(r);
    for (const spec of users) this.addUser(spec);
  }

  static fromConfig(conf: Config): IdentityStore {
    const names = ['admin', 'demo', 'alt_demo', 'demo_manager', 'demo_reader'];
    const passwords = Object.fromEntries(names.map((n) => [n, conf.str('identity', `${n}_password`)]));
    const extra = conf.list('identity', 'extra_users').map(parseExtraUser);
    return new IdentityStore([...seededUsers(passwords), ...extra]);
  }

  private addProject(name: string): Project {
    const existing = this.projectByName(name);
    if (existing) return existing;
    const p: Project = { id: projectIdFor(name), name, domainId: DEFAULT_DOMAIN.id, description: `${name} project` };
    this.projectsById.set(p.id, p);
    return p;
  }

  private addRole(name: string): Role {
    const r: Role = this.roleByName(name) ?? { id: stableId('role', name), name };
    this.rolesById.set(r.id, r);
    return r;
  }

  /** Adds a user, or more roles to an existing one (an extra_users entry may repeat a name). */
  private addUser(spec: UserSpec): void {
    const project = this.addProject(spec.project);
    for (const r of spec.roles) this.addRole(r);
    const id = stableId('user', spec.name);
    const prev = this.usersById.get(id);
    const assignments = new Map(prev?.assignments ?? []);
    assignments.set(project.id, [...new Set([...(assignments.get(project.id) ?? []), ...spec.roles])]);
    this.usersById.set(id, {
      id,
      name: spec.name,
      domainId: DEFAULT_DOMAIN.id,
      defaultProjectId: prev?.defaultProjectId ?? project.id,
      assignments,
    });
    this.passwords.set(id, Buffer.from(spec.password));
  }

  domainById(id: string): Domain | undefined {
    return this.domains.find((d) => d.id === id);
  }
  domainByName(name: string): Domain | undefined {
    return this.domains.find((d) => d.name === name);
  }

  projectById(id: string): Project | undefined {
    return this.projectsById.get(id);
  }
  projectByName(name: string, domainId: string = DEFAULT_DOMAIN.id): Project | undefined {
    for (const p of this.projectsById.values()) if (p.name === name && p.domainId === domainId) return p;
    return undefined;
  }
  listProjects(): Project[] {
    return [...this.projectsById.values()];
  }

  userById(id: string): User | undefined {
    return this.usersById.get(id);
  }
  userByName(name: string, domainId: string = DEFAULT_DOMAIN.id): User | undefined {
    for (const u of this.usersById.values()) if (u.name === name && u.domainId === domainId) return u;
    return undefined;
  }
  listUsers(): User[] {
    return [...this.usersById.values()];
  }

  roleById(id: string): Role | undefined {
    return this.rolesById.get(id);
  }
  roleByName(name: string): Role | undefined {
    for (const r of this.rolesById.values()) if (r.name === name) return r;
    return undefined;
  }
  listRoles(): Role[] {
    return [...this.rolesById.values()];
  }

  /** Compares in constant time, so response timing says nothing about the password. */
  checkPassword(userId: string, password: string): boolean {
    const want = this.passwords.get(userId);
    if (!want) return false;
    const got = Buffer.from(password);
    return got.length === want.length && timingSafeEqual(got, want);
  }

  /** The user's roles on a project, implied ones included; empty when none are assigned. */
  rolesOn(userId: string, projectId: string): Role[] {
    const direct = this.usersById.get(userId)?.assignments.get(projectId) ?? [];
    return expandRoles(direct).map((n) => this.roleByName(n) ?? { id: stableId('role', n), name: n });
  }

  /** Projects the user holds any role on. */
  projectsOf(userId: string): Project[] {
    const user = this.usersById.get(userId);
    if (!user) return [];
    return [...user.assignments.keys()].map((id) => this.projectsById.get(id)).filter((p): p is Project => !!p);
  }
}
