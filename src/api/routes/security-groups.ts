// os-security-groups (2.1–2.35; 404 from 2.36, as in Nova): list (an admin
// may ask for every project's with all_tenants), show, create, update and
// delete security groups, kept in the network service and reached with the
// caller's token.
import type { RouteTable } from '../router.js';
import { respond } from '../router.js';
import type { ApiDeps } from '../deps.js';
import { authorize } from '../context.js';
import { asUser } from '../../compute/neutron/as-user.js';
import { createGroup, deleteGroup, getGroup, listGroups, sourceGroups, updateGroup, validateGroupId } from '../../compute/neutron/security-groups.js';
import { GROUP_BODY, GROUP_LIST_QUERY, type GroupBody } from '../schemas/security-groups.js';
import { groupView, sortedGroups } from '../views/security-groups.js';
import { MAX_PROXY_VERSION } from './networks.js';

const POLICY = 'os_compute_api:os-security-groups';

export function registerSecurityGroupRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.route({
    method: 'GET',
    path: '/os-security-groups',
    max: MAX_PROXY_VERSION,
    status: 200,
    query: [{ schema: GROUP_LIST_QUERY }],
    handler: async ({ ctx, headers, query }) => {
      authorize(ctx, `${POLICY}:get`, { project_id: ctx.projectId });
      const n = asUser(deps.conf, headers);
      const all = await listGroups(n, ctx.projectId, ctx.isAdmin && query.has('all_tenants'));
      // Nova pages the network service's order (offset, then at most [api] max_limit), then sorts the page.
      const max = deps.conf.num('api', 'max_limit');
      const offset = Number(query.get('offset') ?? 0);
      const limit = Math.min(max, Number(query.get('limit') ?? 0) || max);
      const page = all.slice(offset, offset + limit);
      const sources = await sourceGroups(n, page);
      return { security_groups: sortedGroups(page.map((g) => groupView(g, sources))) };
    },
  });

  routes.route({
    method: 'GET',
    path: '/os-security-groups/:id',
    max: MAX_PROXY_VERSION,
    status: 200,
    handler: async ({ ctx, headers, params }) => {
      authorize(ctx, `${POLICY}:show`, { project_id: ctx.projectId });
      const n = asUser(deps.conf, headers);
      const group = await getGroup(n, validateGroupId(params['id']!));
      return { security_group: groupView(group, await sourceGroups(n, [group])) };
    },
  });

  routes.route({
    method: 'POST',
    path: '/os-security-groups',
    max: MAX_PROXY_VERSION,
    status: 200,
    body: [{ schema: GROUP_BODY }],
    handler: async ({ ctx, headers, body }) => {
      authorize(ctx, `${POLICY}:create`, { project_id: ctx.projectId });
      const { name, description } = (body as GroupBody).security_group;
      const n = asUser(deps.conf, headers);
      const group = await createGroup(n, name, description);
      return { security_group: groupView(group, await sourceGroups(n, [group])) };
    },
  });

  routes.route({
    method: 'PUT',
    path: '/os-security-groups/:id',
    max: MAX_PROXY_VERSION,
    status: 200,
    body: [{ schema: GROUP_BODY }],
    handler: async ({ ctx, headers, params, body }) => {
      authorize(ctx, `${POLICY}:update`, { project_id: ctx.projectId });
      const n = asUser(deps.conf, headers);
      const group = await getGroup(n, validateGroupId(params['id']!));
      const { name, description } = (body as GroupBody).security_group;
      const updated = await updateGroup(n, group, name, description);
      return { security_group: groupView(updated, await sourceGroups(n, [updated])) };
    },
  });

  routes.route({
    method: 'DELETE',
    path: '/os-security-groups/:id',
    max: MAX_PROXY_VERSION,
    status: 202,
    handler: async ({ ctx, headers, params }) => {
      authorize(ctx, `${POLICY}:delete`, { project_id: ctx.projectId });
      const n = asUser(deps.conf, headers);
      await deleteGroup(n, await getGroup(n, validateGroupId(params['id']!)));
      return respond(202);
    },
  });
}
