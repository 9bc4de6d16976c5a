// /os-hosts, deprecated in favour of os-hypervisors and os-services and gone
// (404) from 2.43: the list of hosts and their services, a host's resources,
// and the host requests (enable/disable, maintenance mode, power actions),
// which the host's hypervisor answers. Admin-only; policy has no target.
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import { authorize } from '../context.js';
import { listServices } from '../../db/services-queries.js';
import { firstNodeOfHost, nodeUsage } from '../../db/compute-nodes.js';
import { checkHostMapped, hostPowerAction, setHostEnabled, setHostMaintenance, type HostPowerAction } from '../../compute/host-api.js';
import { NotFound } from '../../compute/errors.js';
import { API_BINARIES } from '../views/services.js';
import { hostResources } from '../views/hosts.js';
import { HOST_UPDATE_BODY, HOSTS_INDEX_QUERY, HOSTS_NO_QUERY, type HostUpdateBody } from '../schemas/hosts.js';

const POLICY = 'os_compute_api:os-hosts';
const LAST = '2.42';

/** Policy rule suffix of each power action. */
const POWER_RULES: Readonly<Record<HostPowerAction, string>> = { startup: 'start', shutdown: 'shutdown', reboot: 'reboot' };

export function registerHostRoutes(routes: RouteTable, deps: ApiDeps): void {
  const svc = deps.compute;

  routes.route({
    method: 'GET',
    path: '/os-hosts',
    max: LAST,
    status: 200,
    query: [{ schema: HOSTS_INDEX_QUERY }],
    handler: async ({ ctx, query }) => {
      authorize(ctx, `${POLICY}:list`, {});
      const zone = query.get('zone');
      const zones = await svc.zones.snapshot();
      const hosts = (await listServices(deps.db.kysely))
        .filter((s) => !s.disabled && !API_BINARIES.has(s.binary))
        .map((s) => ({ host_name: s.host, service: s.topic, zone: zones.serviceZone(s) }))
        .filter((h) => !zone || h.zone === zone);
      return { hosts };
    },
  });

  routes.route({
    method: 'GET',
    path: '/os-hosts/:host_name',
    max: LAST,
    status: 200,
    query: [{ schema: HOSTS_NO_QUERY }],
    handler: async ({ ctx, params }) => {
      authorize(ctx, `${POLICY}:show`, {});
      const host = params['host_name']!;
      await checkHostMapped(svc, host);
      const q = deps.db.kysely;
      const node = await firstNodeOfHost(q, host);
      if (!node) throw new NotFound(`Compute host ${host} could not be found.`);
      const servers = await q.selectFrom('instances').selectAll().where('host', '=', host).where('deleted', '=', 0).orderBy('id').execute();
      return { host: hostResources(host, node, await nodeUsage(deps.db, node), servers) };
    },
  });

  routes.route({
    method: 'PUT',
    path: '/os-hosts/:host_name',
    max: LAST,
    status: 200,
    body: [{ schema: HOST_UPDATE_BODY }],
    handler: async ({ ctx, params, body }) => {
      authorize(ctx, `${POLICY}:update`, {});
      const host = params['host_name']!;
      const b = body as HostUpdateBody;
      const enable = (v: string | undefined) => (v === undefined ? undefined : v.trim().toLowerCase() === 'enable');
      const status = enable(b.status);
      const maintenance = enable(b.maintenance_mode);
      const result: Record<string, unknown> = { host };
      if (status !== undefined) result['status'] = await setHostEnabled(svc, host, status, ctx.requestId);
      if (maintenance !== undefined) result['maintenance_mode'] = await setHostMaintenance(svc, host, maintenance, ctx.requestId);
      return result;
    },
  });

  for (const action of Object.keys(POWER_RULES) as HostPowerAction[]) {
    routes.route({
      method: 'GET',
      path: `/os-hosts/:host_name/${action}`,
      max: LAST,
      status: 200,
      query: [{ schema: HOSTS_NO_QUERY }],
      handler: async ({ ctx, params }) => {
        authorize(ctx, `${POLICY}:${POWER_RULES[action]}`, {});
        const host = params['host_name']!;
        return { host, power_action: await hostPowerAction(svc, host, action, ctx.requestId) };
      },
    });
  }
}
