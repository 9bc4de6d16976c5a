// /os-quota-sets/{id} (id = a project id; the route cannot call it
// project_id, which names the URL's own project segment): show, detail
// (with usage), defaults, update and revert to the defaults, for a project
// or, with `user_id`, one user in it. Limits live in the database; what a
// project or user has not set comes from the `default` quota class, then the
// `[quota]` options. An id Keystone does not know is a 400 (not on revert).
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import type { Query } from '../query.js';
import { authorize } from '../context.js';
import { verifyProjectId } from '../project-check.js';
import { QUOTA_UPDATE_BODY, QUOTA_USER_QUERY } from '../schemas/quota-sets.js';
import { quotaSet, quotaSetDetail } from '../views/quota-sets.js';
import { shownUsage } from '../../compute/quota-counters.js';
import { defaultLimits, quotaLimits } from '../../compute/quota-limits.js';
import { revertQuotaLimits, updateQuotaLimits } from '../../compute/quota-update.js';
import { dbTime } from '../../db/time.js';
import { boolish } from '../validation.js';

const POLICY = 'os_compute_api:os-quota-sets';
/** Nova keeps no reservations: nothing is ever reserved. */
const RESERVED = 0;

/** The `user_id` asked about; an empty one means the project, as in Nova. */
function userOf(query: Query): string | undefined {
  const v = query.all('user_id')[0];
  return v === undefined || v === '' ? undefined : v;
}

export function registerQuotaSetRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.route({
    method: 'GET',
    path: '/os-quota-sets/:id',
    status: 200,
    query: QUOTA_USER_QUERY,
    handler: async ({ ctx, params, query, headers }) => {
      const q = deps.db.kysely;
      const projectId = params['id']!;
      authorize(ctx, `${POLICY}:show`, { project_id: projectId });
      await verifyProjectId(deps.identityUrl, headers, projectId);
      return quotaSet(ctx.version, projectId, await quotaLimits(q, deps.conf, projectId, userOf(query)));
    },
  });

  routes.route({
    method: 'GET',
    path: '/os-quota-sets/:id/detail',
    status: 200,
    query: QUOTA_USER_QUERY,
    handler: async ({ ctx, params, query, headers }) => {
      const q = deps.db.kysely;
      const projectId = params['id']!;
      authorize(ctx, `${POLICY}:detail`, { project_id: projectId });
      await verifyProjectId(deps.identityUrl, headers, projectId);
      // With user_id the usage is that user's share of the project.
      const userId = query.get('user_id') || undefined;
      const limits = await quotaLimits(q, deps.conf, projectId, userId);
      return quotaSetDetail(ctx.version, projectId, limits, await shownUsage(q, projectId, userId), RESERVED);
    },
  });

  routes.route({
    method: 'GET',
    path: '/os-quota-sets/:id/defaults',
    status: 200,
    query: [{ schema: { params: {}, strict: false } }],
    handler: async ({ ctx, params, headers }) => {
      const q = deps.db.kysely;
      const projectId = params['id']!;
      authorize(ctx, `${POLICY}:defaults`, { project_id: projectId });
      await verifyProjectId(deps.identityUrl, headers, projectId);
      return quotaSet(ctx.version, projectId, await defaultLimits(q, deps.conf));
    },
  });

  routes.route({
    method: 'PUT',
    path: '/os-quota-sets/:id',
    status: 200,
    body: QUOTA_UPDATE_BODY,
    query: QUOTA_USER_QUERY,
    handler: async ({ ctx, params, query, body, headers }) => {
      const q = deps.db.kysely;
      const projectId = params['id']!;
      authorize(ctx, `${POLICY}:update`, { project_id: projectId });
      await verifyProjectId(deps.identityUrl, headers, projectId);
      const userId = userOf(query);
      const requested = (body as { quota_set: Record<string, unknown> }).quota_set;
      const limits: Record<string, number> = {};
      for (const [key, raw] of Object.entries(requested)) if (key !== 'force') limits[key] = Number(raw);
      await updateQuotaLimits(q, deps.conf, { projectId, userId, limits, force: boolish(requested['force'] ?? false) }, dbTime(deps.clock.now()));
      return quotaSet(ctx.version, null, await quotaLimits(q, deps.conf, projectId, userId));
    },
  });

  routes.route({
    method: 'DELETE',
    path: '/os-quota-sets/:id',
    status: 202,
    query: QUOTA_USER_QUERY,
    handler: async ({ ctx, params, query }) => {
      const q = deps.db.kysely;
      const projectId = params['id']!;
      authorize(ctx, `${POLICY}:delete`, { project_id: projectId });
      await revertQuotaLimits(q, projectId, userOf(query));
      return undefined;
    },
  });
}
