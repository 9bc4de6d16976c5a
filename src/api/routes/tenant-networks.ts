// os-tenant-networks (2.1–2.35; 404 from 2.36, as in Nova): the networks the
// caller can see, read from the network service with the caller's token, in
// the old short shape. Create and delete answer 410 (routes/removed.ts).
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import { authorize } from '../context.js';
import { asUser } from '../../compute/neutron/as-user.js';
import { getNetwork, listNetworks } from '../../compute/neutron/networks.js';
import { tenantNetworkView } from '../views/networks.js';
import { MAX_PROXY_VERSION } from './networks.js';

const POLICY = 'os_compute_api:os-tenant-networks';

export function registerTenantNetworkRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.route({
    method: 'GET',
    path: '/os-tenant-networks',
    max: MAX_PROXY_VERSION,
    status: 200,
    handler: async ({ ctx, headers }) => {
      authorize(ctx, `${POLICY}:list`, { project_id: ctx.projectId });
      const nets = await listNetworks(asUser(deps.conf, headers));
      return { networks: nets.map(tenantNetworkView) };
    },
  });

  routes.route({
    method: 'GET',
    path: '/os-tenant-networks/:id',
    max: MAX_PROXY_VERSION,
    status: 200,
    handler: async ({ ctx, headers, params }) => {
      authorize(ctx, `${POLICY}:show`, { project_id: ctx.projectId });
      const net = await getNetwork(asUser(deps.conf, headers), params['id']!);
      return { network: tenantNetworkView(net) };
    },
  });
}
