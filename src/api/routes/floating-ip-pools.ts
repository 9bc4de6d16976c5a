// os-floating-ip-pools (2.1–2.35; 404 from 2.36, as in Nova): the external
// networks the caller can see, by name.
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import { authorize } from '../context.js';
import { asUser } from '../../compute/neutron/as-user.js';
import { listPools } from '../../compute/neutron/floating-ips.js';
import { poolView } from '../views/floating-ips.js';
import { MAX_PROXY_VERSION } from './networks.js';

export function registerFloatingIpPoolRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.route({
    method: 'GET',
    path: '/os-floating-ip-pools',
    max: MAX_PROXY_VERSION,
    status: 200,
    handler: async ({ ctx, headers }) => {
      authorize(ctx, 'os_compute_api:os-floating-ip-pools', {});
      return { floating_ip_pools: (await listPools(asUser(deps.conf, headers))).map(poolView) };
    },
  });
}
