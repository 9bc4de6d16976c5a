// Server admin actions: os-resetState, injectNetworkInfo, and the removed
// resetNetwork.
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import { authorize, requester } from '../context.js';
import { HttpFault } from '../faults.js';
import { getServer, serverTarget } from '../../compute/lookup.js';
import { resetState } from '../../compute/reset-state.js';
import { injectNetworkInfo } from '../../compute/inject-network.js';
import { RESET_STATE_BODY, type ResetStateBody } from '../schemas/admin-actions.js';

const GONE = 'This resource is no longer available. No forwarding address is given.';

export function registerAdminActionRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.action('/servers/:server_id', {
    name: 'os-resetState',
    status: 202,
    body: [{ schema: RESET_STATE_BODY }],
    handler: async (req) => {
      const inst = await getServer(deps.compute, req.ctx, req.params['server_id']!);
      authorize(req.ctx, 'os_compute_api:os-admin-actions:reset_state', serverTarget(inst));
      await resetState(deps.compute, requester(req.ctx), inst, (req.body as ResetStateBody)['os-resetState'].state);
      return undefined;
    },
  });

  routes.action('/servers/:server_id', {
    name: 'injectNetworkInfo',
    status: 202,
    handler: async (req) => {
      const inst = await getServer(deps.compute, req.ctx, req.params['server_id']!);
      authorize(req.ctx, 'os_compute_api:os-admin-actions:inject_network_info', serverTarget(inst));
      await injectNetworkInfo(deps.compute, requester(req.ctx), inst);
      return undefined;
    },
  });

  // Removed in Nova 23.0.0: gone for everyone, before any lookup or policy.
  routes.action('/servers/:server_id', {
    name: 'resetNetwork',
    status: 410,
    handler: () => {
      throw new HttpFault(410, GONE);
    },
  });
}
