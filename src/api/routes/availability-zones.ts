// GET /os-availability-zone (any user; the internal zone hidden) and
// GET /os-availability-zone/detail (admin; with hosts and services). A
// compute host's zone comes from its aggregates (compute/host-zones.ts).
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import { authorize } from '../context.js';
import { serviceIsUp } from '../../compute/service-liveness.js';
import { listServices } from '../../db/services-queries.js';
import { azQuery, azQueryV2102 } from '../schemas/availability-zones.js';
import { API_BINARIES } from '../views/services.js';
import { splitZones, zoneHosts, zoneSummary, type ZonedService } from '../views/availability-zones.js';

const POLICY = 'os_compute_api:os-availability-zone';

export function registerAvailabilityZoneRoutes(routes: RouteTable, deps: ApiDeps): void {
  async function zonedServices(): Promise<ZonedService[]> {
    const now = deps.clock.now();
    const zones = await deps.compute.zones.snapshot();
    return (await listServices(deps.db.kysely))
      .filter((s) => !API_BINARIES.has(s.binary))
      .map((s) => ({ service: s, zone: zones.serviceZone(s), up: serviceIsUp(s, now, deps.compute.serviceDownTime) }));
  }
  const query = [
    { max: '2.101', schema: azQuery },
    { min: '2.102', schema: azQueryV2102 },
  ];

  routes.route({
    method: 'GET',
    path: '/os-availability-zone',
    status: 200,
    query,
    handler: async ({ ctx }) => {
      authorize(ctx, `${POLICY}:list`, {});
      const internal = deps.conf.str('DEFAULT', 'internal_service_availability_zone');
      const { available, unavailable } = splitZones(await zonedServices());
      return {
        availabilityZoneInfo: [
          ...available.filter((z) => z !== internal).map((z) => zoneSummary(z, true)),
          ...unavailable.filter((z) => z !== internal).map((z) => zoneSummary(z, false)),
        ],
      };
    },
  });

  routes.route({
    method: 'GET',
    path: '/os-availability-zone/detail',
    status: 200,
    query,
    handler: async ({ ctx }) => {
      authorize(ctx, `${POLICY}:detail`, {});
      const services = await zonedServices();
      const { available, unavailable } = splitZones(services);
      return {
        availabilityZoneInfo: [
          ...available.map((z) => ({ zoneName: z, zoneState: { available: true }, hosts: zoneHosts(z, services) })),
          ...unavailable.map((z) => zoneSummary(z, false)),
        ],
      };
    },
  });
}
