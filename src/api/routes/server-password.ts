// /servers/{server_id}/os-server-password: the encrypted password the guest
// posted ('' when none), and clearing it (204).
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import { authorize } from '../context.js';
import { getServer, serverTarget } from '../../compute/lookup.js';
import { serverPassword, setServerPassword } from '../../compute/server-password.js';
import { noParams, noParamsStrict } from '../schemas/flavors.js';

export function registerServerPasswordRoutes(routes: RouteTable, deps: ApiDeps): void {
  const path = '/servers/:server_id/os-server-password';

  routes.route({
    method: 'GET',
    path,
    status: 200,
    query: [
      { max: '2.101', schema: noParams },
      { min: '2.102', schema: noParamsStrict },
    ],
    handler: async ({ ctx, params }) => {
      const inst = await getServer(deps.compute, ctx, params['server_id']!);
      authorize(ctx, 'os_compute_api:os-server-password:show', serverTarget(inst));
      return { password: serverPassword(inst) };
    },
  });

  routes.route({
    method: 'DELETE',
    path,
    status: 204,
    handler: async ({ ctx, params }) => {
      const inst = await getServer(deps.compute, ctx, params['server_id']!);
      authorize(ctx, 'os_compute_api:os-server-password:clear', serverTarget(inst));
      await setServerPassword(deps.compute, inst, '');
      return undefined;
    },
  });
}
