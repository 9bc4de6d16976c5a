// os-networks (2.1–2.35; 404 from 2.36, as in Nova): list and show the
// networks the caller can see in the network service, read with the caller's
// token. Creating, deleting and (dis)associating went with nova-network and
// answer 410 (routes/removed.ts).
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import { authorize } from '../context.js';
import { asUser } from '../../compute/neutron/as-user.js';
import { getNetwork, listNetworks } from '../../compute/neutron/networks.js';
import { networkView } from '../views/networks.js';

const POLICY = 'os_compute_api:os-networks';
export const MAX_PROXY_VERSION = '2.35';

export function registerNetworkRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.route({
    method: 'GET',
    path: '/os-networks',
    max: MAX_PROXY_VERSION,
    status: 200,
    handler: async ({ ctx, headers }) => {
      authorize(ctx, `${POLICY}:list`, { project_id: ctx.projectId });
      const nets = await listNetworks(asUser(deps.conf, headers));
      return { networks: nets.map((n) => networkView(n, ctx.isAdmin)) };
    },
  });

  routes.route({
    method: 'GET',
    path: '/os-networks/:id',
    max: MAX_PROXY_VERSION,
    status: 200,
    handler: async ({ ctx, headers, params }) => {
      authorize(ctx, `${POLICY}:show`, { project_id: ctx.projectId });
      const net = await getNetwork(asUser(deps.conf, headers), params['id']!);
      return { network: networkView(net, ctx.isAdmin) };
    },
  });
}
