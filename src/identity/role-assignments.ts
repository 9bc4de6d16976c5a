// GET /v3/role_assignments: who holds which role where, in Keystone's shape.
// Only user assignments on projects exist here (no groups, domain or system
// assignments, no inheritance), so those filters simply match nothing.
import type { IdentityStore } from './store.js';
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

/** Each assignment followed by the ones its role implies, transitively, each naming its prior role. */
async function withImplied(store: IdentityStore, list: readonly Assignment[]): Promise<Assignment[]> {
  const out: Assignment[] = [];
  for (const a of list) {
    const pending: Assignment[] = [a];
    const seen = new Set<string>();
    while (pending.length > 0) {
      const next = pending.shift()!;
      if (seen.has(next.roleId)) continue;
      seen.add(next.roleId);
      out.push(next);
      const name = (await store.roleById(next.roleId))?.name ?? '';
      for (const impliedName of impliedRoles(name)) {
        const implied = await store.roleByName(impliedName);
        if (implied) pending.push({ userId: next.userId, projectId: next.projectId, roleId: implied.id, priorRoleId: next.roleId });
      }
    }
  }
  return out;
}

export async function listRoleAssignments(store: IdentityStore, q: RoleAssignmentQuery, v3Url: string): Promise<Record<string, unknown>[]> {
  // Nothing but user-on-project assignments exists.
  if (q.groupId || q.domainId || q.system) return [];
  const base = (await store.grants({ userId: q.userId, projectId: q.projectId })).map(({ userId, projectId, roleId }): Assignment => ({ userId, projectId, roleId }));
  const all = q.effective ? await withImplied(store, base) : base;
  const wanted = all.filter((a) => q.roleId === undefined || a.roleId === q.roleId);
  return Promise.all(wanted.map((a) => view(store, a, q.includeNames, v3Url)));
}

async function view(store: IdentityStore, a: Assignment, names: boolean, v3Url: string): Promise<Record<string, unknown>> {
  const project = names ? await store.projectById(a.projectId) : undefined;
  const user = names ? await store.userById(a.userId) : undefined;
  const role = names ? await store.roleById(a.roleId) : undefined;
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
