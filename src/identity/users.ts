// The identity records of the embedded Keystone subset, and the seeded ones:
// one domain, the admin/demo/alt_demo projects, the users Tempest and the
// docs expect, and the default roles with Keystone's implications
// (admin ⊃ manager ⊃ member ⊃ reader). Seeded ids are derived from names, so
// every process started from the same config agrees on them.
import { createHash } from 'node:crypto';

export interface Domain {
  readonly id: string;
  readonly name: string;
}

/** Where an identity record comes from: the configuration (fixed) or the identity API (stored). */
export interface Origin {
  readonly configured: boolean;
}

export interface Project extends Origin {
  readonly id: string;
  readonly name: string;
  readonly domainId: string;
  readonly description: string;
  readonly enabled: boolean;
  readonly tags: readonly string[];
  /** Attributes kept as given. */
  readonly extra: Readonly<Record<string, unknown>>;
}

export interface Role extends Origin {
  readonly id: string;
  readonly name: string;
  readonly description: string | null;
}

export interface User extends Origin {
  readonly id: string;
  readonly name: string;
  readonly domainId: string;
  readonly defaultProjectId: string | null;
  readonly enabled: boolean;
  readonly extra: Readonly<Record<string, unknown>>;
}

/** A role granted directly to a user on a project. */
export interface Grant extends Origin {
  readonly userId: string;
  readonly projectId: string;
  readonly roleId: string;
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

export const DEFAULT_ROLES = ['admin', 'manager', 'member', 'reader'] as const;

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

