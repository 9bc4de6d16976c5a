// os-floating-ips (2.1–2.35; 404 from 2.36, as in Nova): the project's
// floating IPs in the network service, allocated from a pool (the request's
// or `[neutron] default_floating_pool`) and released, associated or not.
import type { RouteTable } from '../router.js';
import { respond } from '../router.js';
import type { ApiDeps } from '../deps.js';
import { authorize } from '../context.js';
import { getServer } from '../../compute/lookup.js';
import { asUser } from '../../compute/neutron/as-user.js';
import { refreshAfterPortChange } from '../../compute/neutron/server-ports.js';
import { allocateFloatingIp, getFloatingIp, listFloatingIps, releaseFloatingIp, serverIdOfAddress } from '../../compute/neutron/floating-ips.js';
import { ALLOCATE_BODY, type AllocateBody } from '../schemas/floating-ips.js';
import { floatingIpView } from '../views/floating-ips.js';
import { MAX_PROXY_VERSION } from './networks.js';

const POLICY = 'os_compute_api:os-floating-ips';

export function registerFloatingIpRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.route({
    method: 'GET',
    path: '/os-floating-ips',
    max: MAX_PROXY_VERSION,
    status: 200,
    handler: async ({ ctx, headers }) => {
      authorize(ctx, `${POLICY}:list`, { project_id: ctx.projectId });
      const fips = await listFloatingIps(asUser(deps.conf, headers), ctx.projectId);
      return { floating_ips: fips.map(floatingIpView) };
    },
  });

  routes.route({
    method: 'GET',
    path: '/os-floating-ips/:id',
    max: MAX_PROXY_VERSION,
    status: 200,
    handler: async ({ ctx, headers, params }) => {
      authorize(ctx, `${POLICY}:show`, { project_id: ctx.projectId });
      return { floating_ip: floatingIpView(await getFloatingIp(asUser(deps.conf, headers), params['id']!)) };
    },
  });

  routes.route({
    method: 'POST',
    path: '/os-floating-ips',
    max: MAX_PROXY_VERSION,
    status: 200,
    body: [{ schema: ALLOCATE_BODY }],
    handler: async ({ ctx, headers, body }) => {
      authorize(ctx, `${POLICY}:create`, { project_id: ctx.projectId });
      const pool = (body as AllocateBody | null | undefined)?.pool ?? null;
      const made = await allocateFloatingIp(asUser(deps.conf, headers), pool, deps.conf.str('neutron', 'default_floating_pool'));
      return { floating_ip: floatingIpView(made) };
    },
  });

  routes.route({
    method: 'DELETE',
    path: '/os-floating-ips/:id',
    max: MAX_PROXY_VERSION,
    status: 202,
    handler: async ({ ctx, headers, params }) => {
      authorize(ctx, `${POLICY}:delete`, { project_id: ctx.projectId });
      const n = asUser(deps.conf, headers);
      const address = (await getFloatingIp(n, params['id']!)).fip['floating_ip_address'] as string;
      // As Nova: the server it points at must be one the caller can see.
      const serverId = await serverIdOfAddress(n, address);
      const server = serverId ? await getServer(deps.compute, ctx, serverId) : undefined;
      await releaseFloatingIp(n, address);
      // The server's addresses no longer show it.
      if (server) await refreshAfterPortChange(deps.compute, server);
      return respond(202);
    },
  });
}
