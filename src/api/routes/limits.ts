// GET /limits: the caller's project's absolute limits and usage (another
// project's with `tenant_id`, for admins). Rate limits are always empty, as
// in Nova since it dropped them.
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import { authorize } from '../context.js';
import { LIMITS_QUERY } from '../schemas/limits.js';
import { limitsView } from '../views/limits.js';
import { projectQuotaLimits } from '../../compute/quota-limits.js';
import { shownUsage } from '../../compute/quota-counters.js';

export function registerLimitsRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.route({
    method: 'GET',
    path: '/limits',
    status: 200,
    query: LIMITS_QUERY,
    handler: async ({ ctx, query }) => {
      authorize(ctx, 'os_compute_api:limits', {});
      let projectId = ctx.projectId;
      if (query.has('tenant_id')) {
        projectId = query.get('tenant_id')!;
        authorize(ctx, 'os_compute_api:limits:other_project');
      }
      const q = deps.db.kysely;
      return limitsView(ctx.version, await projectQuotaLimits(q, deps.conf, projectId), await shownUsage(q, projectId));
    },
  });
}
