// /os-quota-sets/{id} (id = a project id; the route cannot call it
// project_id, which names the URL's own project segment): show, detail
// (with usage), defaults, update and revert. Magnetar enforces no quotas, so
// every limit is -1 (unlimited), as in a Nova whose limits are all unlimited
// and kept outside its database: an update is checked and authorised, then
// changes nothing and answers with the limits in force; a revert does
// nothing.
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import { authorize } from '../context.js';
import { quotaUsage, UNLIMITED } from '../../compute/quota-usage.js';
import { QUOTA_UPDATE_BODY, QUOTA_USER_QUERY } from '../schemas/quota-sets.js';
import { quotaSet, quotaSetDetail } from '../views/quota-sets.js';

const POLICY = 'os_compute_api:os-quota-sets';
const unlimited = (): number => UNLIMITED;
/** Without reservations there is nothing reserved. */
const RESERVED = 0;

export function registerQuotaSetRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.route({
    method: 'GET',
    path: '/os-quota-sets/:id',
    status: 200,
    query: QUOTA_USER_QUERY,
    handler: ({ ctx, params }) => {
      const projectId = params['id']!;
      authorize(ctx, `${POLICY}:show`, { project_id: projectId });
      return quotaSet(ctx.version, projectId, unlimited);
    },
  });

  routes.route({
    method: 'GET',
    path: '/os-quota-sets/:id/detail',
    status: 200,
    query: QUOTA_USER_QUERY,
    handler: async ({ ctx, params, query }) => {
      const projectId = params['id']!;
      authorize(ctx, `${POLICY}:detail`, { project_id: projectId });
      // With user_id the usage is that user's share of the project.
      const usage = await quotaUsage(deps.compute, projectId, query.get('user_id') || undefined);
      return quotaSetDetail(ctx.version, projectId, unlimited, usage, RESERVED);
    },
  });

  routes.route({
    method: 'GET',
    path: '/os-quota-sets/:id/defaults',
    status: 200,
    query: [{ schema: { params: {}, strict: false } }],
    handler: ({ ctx, params }) => {
      const projectId = params['id']!;
      authorize(ctx, `${POLICY}:defaults`, { project_id: projectId });
      return quotaSet(ctx.version, projectId, unlimited);
    },
  });

  routes.route({
    method: 'PUT',
    path: '/os-quota-sets/:id',
    status: 200,
    body: QUOTA_UPDATE_BODY,
    query: QUOTA_USER_QUERY,
    handler: ({ ctx, params }) => {
      authorize(ctx, `${POLICY}:update`, { project_id: params['id']! });
      return quotaSet(ctx.version, null, unlimited);
    },
  });

  routes.route({
    method: 'DELETE',
    path: '/os-quota-sets/:id',
    status: 202,
    query: QUOTA_USER_QUERY,
    handler: ({ ctx, params }) => {
      authorize(ctx, `${POLICY}:delete`, { project_id: params['id']! });
      return undefined;
    },
  });
}
