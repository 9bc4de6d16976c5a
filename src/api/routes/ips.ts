// /servers/{server_id}/ips[/{network_label}]: a server's addresses by
// network label, from its network info cache (version and address only).
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import { authorize } from '../context.js';
import { notFound } from '../faults.js';
import { getServer, serverTarget } from '../../compute/lookup.js';
import { noParams, noParamsStrict } from '../schemas/flavors.js';
import { infoCacheOf } from '../../db/info-caches.js';
import { addressesView, type AddressView } from '../views/addresses.js';

const readQuery = [
  { max: '2.101', schema: noParams },
  { min: '2.102', schema: noParamsStrict },
];

/** Addresses by network label, from the server's network info cache. */
async function addressesOf(deps: ApiDeps, uuid: string): Promise<Record<string, AddressView[]>> {
  return addressesView((await infoCacheOf(deps.db.kysely, uuid)).networkInfo, false);
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
      return { addresses: await addressesOf(deps, inst.uuid) };
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
      const networks = await addressesOf(deps, inst.uuid);
      if (!Object.prototype.hasOwnProperty.call(networks, label)) throw notFound('Instance is not a member of specified network');
      return { [label]: networks[label] };
    },
  });
}
