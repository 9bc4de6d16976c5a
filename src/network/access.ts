// Who may see and change what, after Neutron's default policies: admins
// everything; a project's readers see its resources and its members change
// them; shared networks (and external ones) and their subnets are visible to
// every project. A resource the caller may not see is a 404, as in Neutron;
// one it may see but not change is a 403.
import type { AuthContext } from '../identity/validator.js';
import { policyDenied } from './errors.js';
import type { Resource } from './store.js';

export type Caller = Pick<AuthContext, 'projectId' | 'roles'>;

export const isAdmin = (ctx: Caller): boolean => ctx.roles.includes('admin');
const isMember = (ctx: Caller): boolean => isAdmin(ctx) || ctx.roles.includes('member');
const isReader = (ctx: Caller): boolean => isMember(ctx) || ctx.roles.includes('reader');

/** The caller reads this project's resources. */
export const readsProject = (ctx: Caller, projectId: string): boolean => isAdmin(ctx) || (isReader(ctx) && ctx.projectId === projectId);

export const canSeeNetwork = (ctx: Caller, net: Resource): boolean =>
  readsProject(ctx, net.project_id) || net['shared'] === true || net['router:external'] === true;

/** A subnet is visible with its network when that network is shared or external. */
export const canSeeSubnet = (ctx: Caller, subnet: Resource, net: Resource | undefined): boolean =>
  readsProject(ctx, subnet.project_id) || (net !== undefined && (net['shared'] === true || net['router:external'] === true));

/** The owner of a port's network sees the ports others made on it. */
export const canSeePort = (ctx: Caller, port: Resource, net: Resource | undefined): boolean =>
  readsProject(ctx, port.project_id) || (net !== undefined && readsProject(ctx, net.project_id));

/** A write on a resource of `projectId` (create, update, delete): admin, or a member of that project. */
export function mayWrite(ctx: Caller, projectId: string, rule: string): void {
  if (isAdmin(ctx) || (isMember(ctx) && ctx.projectId === projectId)) return;
  throw policyDenied(rule);
}

/** An attribute only admins set (`create_network:shared`, `update_port:binding:host_id`…). */
export function adminOnly(ctx: Caller, rule: string): void {
  if (!isAdmin(ctx)) throw policyDenied(rule);
}

/** Address scopes and subnet pools: their project's readers see them, and every project sees shared ones. */
export const canSeeShareable = (ctx: Caller, r: Resource): boolean => readsProject(ctx, r.project_id) || r['shared'] === true;
