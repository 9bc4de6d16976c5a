// GET /v3/role_assignments: who holds which role where, in Keystone's shape.
// Only user assignments on projects exist here (no groups, domain or system
// assignments, no inheritance), so those filters simply match nothing.
import type { IdentityStore } from './users.js';
import { impliedRoles } from './users.js';

export interface RoleAssignmentQuery {
  readonly userId?: string;
  readonly groupId?: string;
  readonly roleId?: string;
  readonly projectId?: string;
  readonly domainId?: string;
  readonly system?: string;
  /** Expand implied roles (Keystone's `effective`). */
  readonly effective: boolean;
  readonly includeNames: boolean;
}

interface Assignment {
  readonly userId: string;
  readonly projectId: string;
  readonly roleId: string;
  /** The role that implied this one (effective listing only). */
  readonly priorRoleId?: string;
}

/** Keystone's refusals of filter combinations, or null when the query is acceptable. */
export function invalidCombination(q: RoleAssignmentQuery): string | null {
  if (q.domainId && q.projectId) return 'Specify a domain or project, not both';
  if (q.domainId && q.system) return 'Specify system or domain, not both';
  if (q.projectId && q.system) return 'Specify system or project, not both';
  if (q.userId && q.groupId) return 'Specify a user or group, not both';
  if (q.effective && q.groupId) return 'Combining effective and group filter will always result in an empty list.';
  return null;
}

function direct(store: IdentityStore): Assignment[] {
  const out: Assignment[] = [];
  for (const user of store.listUsers()) {
    for (const [projectId, roles] of user.assignments) {
      for (const name of roles) {
        const role = store.roleByName(name);
        if (role) out.push({ userId: user.id, projectId, roleId: role.id });
      }
    }
  }
  return out;
}

/** Each assignment followed by the ones its role implies, transitively, each naming its prior role. */
function withImplied(store: IdentityStore, list: readonly Assignment[]): Assignment[] {
  const out: Assignment[] = [];
  for (const a of list) {
    const pending: Assignment[] = [a];
    const seen = new Set<string>();
    while (pending.length > 0) {
      const next = pending.shift()!;
      if (seen.has(next.roleId)) continue;
      seen.add(next.roleId);
      out.push(next);
      const name = store.roleById(next.roleId)?.name ?? '';
      for (const impliedName of impliedRoles(name)) {
        const implied = store.roleByName(impliedName);
        if (implied) pending.push({ userId: next.userId, projectId: next.projectId, roleId: implied.id, priorRoleId: next.roleId });
      }
    }
  }
  return out;
}

export function listRoleAssignments(store: IdentityStore, q: RoleAssignmentQuery, v3Url: string): Record<string, unknown>[] {
  // Nothing but user-on-project assignments exists.
  if (q.groupId || q.domainId || q.system) return [];
  const base = direct(store).filter((a) => (q.userId === undefined || a.userId === q.userId) && (q.projectId === undefined || a.projectId === q.projectId));
  const all = q.effective ? withImplied(store, base) : base;
  return all.filter((a) => q.roleId === undefined || a.roleId === q.roleId).map((a) => view(store, a, q.includeNames, v3Url));
}

function view(store: IdentityStore, a: Assignment, names: boolean, v3Url: string): Record<string, unknown> {
  const project = store.projectById(a.projectId);
  const user = store.userById(a.userId);
  const role = store.roleById(a.roleId);
  const domainOf = (id: string): { id: string; name: string } => ({ id, name: store.domainById(id)?.name ?? id });
  const links: Record<string, string> = {
    // An implied role's assignment link points at the grant of the role that implied it.
    assignment: `${v3Url}/projects/${a.projectId}/users/${a.userId}/roles/${a.priorRoleId ?? a.roleId}`,
  };
  if (a.priorRoleId) links['prior_role'] = `${v3Url}/prior_role/${a.roleId}/implies/${a.priorRoleId}`;
  return {
    scope: { project: names && project ? { id: a.projectId, name: project.name, domain: domainOf(project.domainId) } : { id: a.projectId } },
    user: names && user ? { id: a.userId, name: user.name, domain: domainOf(user.domainId) } : { id: a.userId },
    role: names && role ? { id: a.roleId, name: role.name } : { id: a.roleId },
    links,
  };
}
