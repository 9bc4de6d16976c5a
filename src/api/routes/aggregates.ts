// GET /os-aggregates. Magnetar has no host aggregates yet (every compute host
// is in the default availability zone), so the list is empty; clients such as
// `openstack hypervisor show` read it and need the call to succeed.
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import { authorize } from '../context.js';

export function registerAggregateRoutes(routes: RouteTable, _deps: ApiDeps): void {
  routes.route({
    method: 'GET',
    path: '/os-aggregates',
    status: 200,
    handler: ({ ctx }) => {
      authorize(ctx, 'os_compute_api:os-aggregates:index');
      return { aggregates: [] };
    },
  });
}
