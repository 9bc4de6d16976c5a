// /servers/{server_id}/ips[/{network_label}]: a server's addresses by
// network. Servers have no ports yet, so the list is empty and no network
// label names one of the server's networks.
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import { authorize } from '../context.js';
import { notFound } from '../faults.js';
import { getServer, serverTarget } from '../../compute/lookup.js';
import { noParams, noParamsStrict } from '../schemas/flavors.js';

const readQuery = [
  { max: '2.101', schema: noParams },
  { min: '2.102', schema: noParamsStrict },
];

/** Addresses by network label, as server bodies show them. */
function addressesOf(): Record<string, Array<{ version: number; addr: string }>> {
  return {};
}

export function registerIpsRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.route({
    method: 'GET',
    path: '/servers/:server_id/ips',
    status: 200,
    query: readQuery,
    handler: async ({ ctx, params }) => {
      const inst = await getServer(deps.compute, ctx, params['server_id']!);
      authorize(ctx, 'os_compute_api:ips:index', serverTarget(inst));
      return { addresses: addressesOf() };
    },
  });

  routes.route({
    method: 'GET',
    path: '/servers/:server_id/ips/:network_label',
    status: 200,
    query: readQuery,
    handler: async ({ ctx, params }) => {
      const inst = await getServer(deps.compute, ctx, params['server_id']!);
      authorize(ctx, 'os_compute_api:ips:show', serverTarget(inst));
      const label = params['network_label']!;
      const networks = addressesOf();
      if (!Object.prototype.hasOwnProperty.call(networks, label)) throw notFound('Instance is not a member of specified network');
      return { [label]: networks[label] };
    },
  });
}
