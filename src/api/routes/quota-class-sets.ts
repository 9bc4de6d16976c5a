// /os-quota-class-sets/{id}: show and update the limits of a quota class.
// The class `default` is the one that matters: its limits are every
// project's defaults (over the `[quota]` options). Any other name is kept
// and shown but applies to nobody, as in Nova.
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import { authorize } from '../context.js';
import { badRequest } from '../faults.js';
import { QUOTA_CLASS_SHOW_QUERY, QUOTA_CLASS_UPDATE_BODY } from '../schemas/quota-class-sets.js';
import { quotaClassSet } from '../views/quota-sets.js';
import { quotaClassLimits } from '../../compute/quota-limits.js';
import { updateQuotaClass } from '../../compute/quota-update.js';
import { dbTime } from '../../db/time.js';

const POLICY = 'os_compute_api:os-quota-class-sets';
const MAX_CLASS_NAME = 255;

export function registerQuotaClassSetRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.route({
    method: 'GET',
    path: '/os-quota-class-sets/:id',
    status: 200,
    query: QUOTA_CLASS_SHOW_QUERY,
    handler: async ({ ctx, params }) => {
      const q = deps.db.kysely;
      authorize(ctx, `${POLICY}:show`, {});
      const className = params['id']!;
      return quotaClassSet(ctx.version, className, await quotaClassLimits(q, deps.conf, className));
    },
  });

  routes.route({
    method: 'PUT',
    path: '/os-quota-class-sets/:id',
    status: 200,
    body: QUOTA_CLASS_UPDATE_BODY,
    handler: async ({ ctx, params, body }) => {
      const q = deps.db.kysely;
      authorize(ctx, `${POLICY}:update`, {});
      const className = params['id']!;
      const length = [...className].length;
      if (length > MAX_CLASS_NAME) throw badRequest(`quota_class_name has ${length} characters, more than ${MAX_CLASS_NAME}.`);
      const requested = (body as { quota_class_set: Record<string, unknown> }).quota_class_set;
      const limits: Record<string, number> = {};
      for (const [key, raw] of Object.entries(requested)) limits[key] = Number(raw);
      await updateQuotaClass(q, className, limits, dbTime(deps.clock.now()));
      return quotaClassSet(ctx.version, null, await quotaClassLimits(q, deps.conf, className));
    },
  });
}
