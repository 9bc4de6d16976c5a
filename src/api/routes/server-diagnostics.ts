// GET /servers/{server_id}/diagnostics (admin): the guest's figures from its
// host — the hypervisor's free form before 2.48, the standard form from 2.48.
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import { authorize } from '../context.js';
import { withServerIdAsGiven } from '../faults.js';
import { getServer, serverTarget } from '../../compute/lookup.js';
import { getDiagnostics } from '../../compute/diagnostics.js';
import { noParams, noParamsStrict } from '../schemas/flavors.js';

export function registerServerDiagnosticsRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.route({
    method: 'GET',
    path: '/servers/:server_id/diagnostics',
    status: 200,
    query: [
      { max: '2.101', schema: noParams },
      { min: '2.102', schema: noParamsStrict },
    ],
    handler: async ({ ctx, params }) => {
      const id = params['server_id']!;
      const inst = await getServer(deps.compute, ctx, id);
      authorize(ctx, 'os_compute_api:os-server-diagnostics', serverTarget(inst));
      try {
        return await getDiagnostics(deps.compute, ctx.requestId, inst, ctx.version.atLeast('2.48'));
      } catch (err) {
        throw withServerIdAsGiven(err, id, 'get_diagnostics');
      }
    },
  });
}
