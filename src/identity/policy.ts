// Keystone's default policies for the identity routes that check them, as
// Keystone writes them (system- and domain-scoped parts included: tokens
// here are always project-scoped, so those parts never match and an admin or
// the subject itself is who passes). Evaluated by the same engine as the
// compute policies.
import { PolicyEnforcer } from '../policy/enforcer.js';
import type { PolicyDefault } from '../policy/defaults.js';
import type { TokenPayload } from './tokens.js';

const ADMIN = 'rule:admin_required';
const SYSTEM_READER = 'role:reader and system_scope:all';

// Projects.
const PROJECT_USER =
  `(${SYSTEM_READER}) or (role:reader and domain_id:%(target.project.domain_id)s and not None:%(target.project.domain_id)s) or ` +
  'project_id:%(target.project.id)s';
const PROJECT_OWNER_READER = `(${SYSTEM_READER}) or (role:reader and domain_id:%(target.user.domain_id)s) or user_id:%(target.user.id)s`;
const DOMAIN_READER = `(${SYSTEM_READER}) or (role:reader and domain_id:%(target.domain_id)s)`;
const PROJECT_DOMAIN_MANAGER = `(${ADMIN}) or (role:manager and domain_id:%(target.project.domain_id)s and not None:%(target.project.domain_id)s)`;

// Users.
const USER_SELF = `(${SYSTEM_READER}) or (role:reader and token.domain.id:%(target.user.domain_id)s) or user_id:%(target.user.id)s`;
const USER_DOMAIN_MANAGER = `(${ADMIN}) or (role:manager and token.domain.id:%(target.user.domain_id)s)`;

// Grants: a domain reader, admin or manager acts within the user's and the project's domain.
const grantsBy = (role: string): string =>
  `(role:${role} and domain_id:%(target.user.domain_id)s and domain_id:%(target.project.domain_id)s) or ` +
  `(role:${role} and domain_id:%(target.user.domain_id)s and domain_id:%(target.domain.id)s) or ` +
  `(role:${role} and domain_id:%(target.group.domain_id)s and domain_id:%(target.project.domain_id)s) or ` +
  `(role:${role} and domain_id:%(target.group.domain_id)s and domain_id:%(target.domain.id)s)`;
const ROLE_IN_DOMAIN = 'domain_id:%(target.role.domain_id)s or None:%(target.role.domain_id)s';

const rule = (name: string, check: string, description: string): PolicyDefault => ({ name, check, description });

export const IDENTITY_POLICY_DEFAULTS: readonly PolicyDefault[] = Object.freeze([
  // Keystone adds `or is_admin:1` for its bootstrap admin token, which does not exist here.
  rule('admin_required', 'role:admin', 'An administrator.'),
  rule('service_role', 'role:service', 'A service user.'),
  rule('service_or_admin', 'rule:admin_required or rule:service_role', 'An administrator or a service user.'),
  rule('owner', 'user_id:%(user_id)s', 'The user the request is about.'),
  rule('admin_or_owner', 'rule:admin_required or rule:owner', 'An administrator or the user the request is about.'),
  rule(
    'domain_managed_target_role',
    "'manager':%(target.role.name)s or 'member':%(target.role.name)s or 'reader':%(target.role.name)s",
    'The roles a domain manager may grant.',
  ),
  rule('identity:get_project', `(${ADMIN}) or ${PROJECT_USER}`, 'Show a project.'),
  rule('identity:list_projects', `(${ADMIN}) or ${DOMAIN_READER}`, 'List projects.'),
  rule('identity:list_user_projects', `(${ADMIN}) or ${PROJECT_OWNER_READER}`, "List a user's projects."),
  rule('identity:create_project', PROJECT_DOMAIN_MANAGER, 'Create a project.'),
  rule('identity:update_project', PROJECT_DOMAIN_MANAGER, 'Update a project.'),
  rule('identity:delete_project', PROJECT_DOMAIN_MANAGER, 'Delete a project.'),
  rule('identity:get_user', `(${ADMIN}) or ${USER_SELF}`, 'Show a user.'),
  rule('identity:list_users', `(${ADMIN}) or (${SYSTEM_READER}) or (role:reader and domain_id:%(target.domain_id)s)`, 'List users.'),
  rule('identity:create_user', USER_DOMAIN_MANAGER, 'Create a user.'),
  rule('identity:update_user', USER_DOMAIN_MANAGER, 'Update a user.'),
  rule('identity:delete_user', USER_DOMAIN_MANAGER, 'Delete a user.'),
  rule('identity:get_role', `(${ADMIN} or (${SYSTEM_READER})) or (role:manager and rule:domain_managed_target_role)`, 'Show a role.'),
  rule('identity:list_roles', `(${ADMIN} or (${SYSTEM_READER})) or (role:manager and not domain_id:None)`, 'List roles.'),
  rule('identity:create_role', ADMIN, 'Create a role.'),
  rule('identity:delete_role', ADMIN, 'Delete a role.'),
  rule('identity:check_grant', `(${ADMIN}) or ((${SYSTEM_READER}) or (${grantsBy('reader')}) and (${ROLE_IN_DOMAIN}))`, "Check a user's role on a project."),
  rule('identity:list_grants', `(${ADMIN}) or ((${SYSTEM_READER}) or ${grantsBy('reader')})`, "List a user's roles on a project."),
  rule(
    'identity:create_grant',
    `(${ADMIN}) or (${grantsBy('admin')}) and (${ROLE_IN_DOMAIN}) or (${grantsBy('manager')}) and rule:domain_managed_target_role`,
    'Grant a user a role on a project.',
  ),
  rule(
    'identity:revoke_grant',
    `(${ADMIN}) or (${grantsBy('admin')}) and (${ROLE_IN_DOMAIN}) or (${grantsBy('manager')}) and rule:domain_managed_target_role`,
    "Revoke a user's role on a project.",
  ),
  rule('identity:list_role_assignments', `(${ADMIN}) or ${DOMAIN_READER}`, 'List role assignments.'),
]);

/** Decides identity actions by Keystone's defaults; `allowed` answers for a token and a target. */
export class IdentityPolicy {
  private readonly enforcer = new PolicyEnforcer({ defaults: IDENTITY_POLICY_DEFAULTS });

  allowed(action: string, target: Record<string, unknown>, t: TokenPayload): boolean {
    // Tokens here are project-scoped: no domain or system scope to match.
    return this.enforcer.enforce(`identity:${action}`, target, { user_id: t.userId, project_id: t.projectId, domain_id: null, system_scope: null, roles: t.roles });
  }
}
