// /os-services: list, enable/disable/force down (by action name before 2.53,
// by uuid from 2.53) and delete. Admin-only; policy is checked first except
// for the uuid shape of PUT from 2.53, which Nova checks before it.
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import type { RequestContext } from '../context.js';
import { authorize } from '../context.js';
import { badRequest, conflict, notFound } from '../faults.js';
import { boolish, UUID_PATTERN } from '../validation.js';
import { serviceIsUp } from '../../compute/service-liveness.js';
import type { ServiceRow } from '../../db/schema.js';
import { notifyServiceUpdate } from '../../notifications/emit.js';
import {
  deleteService,
  doneEvacuationsFrom,
  inProgressMigrationCount,
  instanceCountOnHost,
  listServices,
  serviceByHostBinary,
  serviceById,
  serviceByUuid,
  updateService,
  type ServiceChanges,
} from '../../db/services-queries.js';
import { serviceIndexQuery, serviceIndexQueryV275, serviceUpdate, serviceUpdateV211, serviceUpdateV253 } from '../schemas/services.js';
import { API_BINARIES, serviceDetail } from '../views/services.js';

const POLICY = 'os_compute_api:os-services';
const UUID_RX = new RegExp(UUID_PATTERN);

interface LegacyBody {
  readonly host: string;
  readonly binary: string;
  readonly disabled_reason?: string;
  readonly forced_down?: boolean | string;
}

interface UuidBody {
  readonly status?: 'enabled' | 'disabled';
  readonly disabled_reason?: string;
  readonly forced_down?: boolean | string;
}

function onlyComputeUpdates(binary: string): void {
  if (binary !== 'nova-compute')
    throw badRequest(`Updating a ${binary} service is not supported. Only nova-compute services can be updated.`);
}

/** Forcing a host up while evacuations from it still wait for its clean-up would lose that clean-up. */
async function checkNoDoneEvacuations(deps: ApiDeps, host: string): Promise<void> {
  if ((await doneEvacuationsFrom(deps.db.kysely, host)) > 0)
    throw badRequest(
      `Unable to force up host ${host} as \`done\` evacuation migration records remain associated with the host. ` +
        'Ensure the compute service has been restarted, allowing these records to move to `completed` before retrying this request.',
    );
}

export function registerServiceRoutes(routes: RouteTable, deps: ApiDeps): void {
  const isUp = (svc: ServiceRow): boolean => serviceIsUp(svc, deps.clock.now(), deps.compute.serviceDownTime);
  const detail = async (ctx: RequestContext, svc: ServiceRow) => serviceDetail(ctx, await deps.compute.zones.snapshot(), svc, isUp(svc));
  // service.update, as Nova sends it when a service is disabled, enabled, forced down or up.
  const announce = async (ctx: RequestContext, svc: ServiceRow | undefined): Promise<void> => {
    if (svc) await notifyServiceUpdate({ db: deps.db, log: deps.log, notifier: deps.compute.notifier }, svc, (await deps.compute.zones.snapshot()).serviceZone(svc), ctx.requestId);
  };

  routes.route({
    method: 'GET',
    path: '/os-services',
    status: 200,
    query: [
      { max: '2.74', schema: serviceIndexQuery },
      { min: '2.75', schema: serviceIndexQueryV275 },
    ],
    handler: async ({ ctx, query }) => {
      authorize(ctx, `${POLICY}:list`, {});
      const host = query.get('host');
      const binary = query.get('binary');
      const services = (await listServices(deps.db.kysely)).filter(
        (s) => !API_BINARIES.has(s.binary) && (!host || s.host === host) && (!binary || s.binary === binary),
      );
      const zones = await deps.compute.zones.snapshot();
      return { services: services.map((s) => serviceDetail(ctx, zones, s, isUp(s))) };
    },
  });

  /** Before 2.53 the path names an action and the body names the service by host and binary. */
  async function legacyUpdate(ctx: RequestContext, action: string, body: LegacyBody): Promise<unknown> {
    authorize(ctx, `${POLICY}:update`, {});
    const actions = ['enable', 'disable', 'disable-log-reason', ...(ctx.version.atLeast('2.11') ? ['force-down'] : [])];
    if (!actions.includes(action)) throw notFound('Unknown action');
    const { host, binary } = body;
    let changes: ServiceChanges;
    let reply: Record<string, unknown>;
    if (action === 'force-down') {
      if (body.forced_down === undefined) throw badRequest('Missing forced_down field');
      const forcedDown = boolish(body.forced_down);
      if (binary === 'nova-compute' && !forcedDown) await checkNoDoneEvacuations(deps, host);
      changes = { forced_down: forcedDown ? 1 : 0 };
      reply = { host, binary, forced_down: forcedDown };
    } else if (action === 'enable') {
      changes = { disabled: 0, disabled_reason: null };
      reply = { host, binary, status: 'enabled' };
    } else {
      let reason: string | null = null;
      if (action === 'disable-log-reason') {
        if (body.disabled_reason === undefined) throw badRequest('Missing disabled reason field');
        reason = body.disabled_reason;
      }
      changes = { disabled: 1, disabled_reason: reason };
      reply = { host, binary, status: 'disabled', ...(reason ? { disabled_reason: reason } : {}) };
    }
    onlyComputeUpdates(binary);
    const svc = await serviceByHostBinary(deps.db.kysely, host, binary);
    if (!svc) throw notFound(`Could not find binary ${binary} on host ${host}.`);
    await announce(ctx, await updateService(deps.db.kysely, svc.id, changes, deps.clock.now()));
    return { service: reply };
  }

  /** From 2.53 the path names the service by uuid and the body says what to change. */
  async function updateByUuid(ctx: RequestContext, id: string, body: UuidBody): Promise<unknown> {
    if (!UUID_RX.test(id)) throw badRequest(`Invalid uuid ${id}`);
    authorize(ctx, `${POLICY}:update`, {});
    const svc = await serviceByUuid(deps.db.kysely, id.toLowerCase());
    if (!svc) throw notFound(`Service ${id} could not be found.`);
    onlyComputeUpdates(svc.binary);
    const changes: { -readonly [K in keyof ServiceChanges]: ServiceChanges[K] } = {};
    if (body.status === 'enabled') {
      if (body.disabled_reason) throw badRequest("Specifying 'disabled_reason' with status 'enabled' is invalid.");
      changes.disabled = 0;
      changes.disabled_reason = null;
    } else if (body.status === 'disabled') {
      changes.disabled = 1;
      changes.disabled_reason = body.disabled_reason ?? null;
    }
    if (body.forced_down !== undefined) {
      const forcedDown = boolish(body.forced_down);
      changes.forced_down = forcedDown ? 1 : 0;
      if (!forcedDown) await checkNoDoneEvacuations(deps, svc.host);
    }
    if (Object.keys(changes).length === 0)
      throw badRequest("No updates were requested. Fields 'status' or 'forced_down' should be specified.");
    const updated = await updateService(deps.db.kysely, svc.id, changes, deps.clock.now());
    if (!updated) throw notFound(`Service ${id} could not be found.`);
    await announce(ctx, updated);
    return { service: await detail(ctx, updated) };
  }

  routes.route({
    method: 'PUT',
    path: '/os-services/:service_id',
    status: 200,
    body: [
      { max: '2.10', schema: serviceUpdate },
      { min: '2.11', max: '2.52', schema: serviceUpdateV211 },
      { min: '2.53', schema: serviceUpdateV253 },
    ],
    handler: ({ ctx, params, body }) =>
      ctx.version.atLeast('2.53')
        ? updateByUuid(ctx, params['service_id']!, body as UuidBody)
        : legacyUpdate(ctx, params['service_id']!, body as LegacyBody),
  });

  routes.route({
    method: 'DELETE',
    path: '/os-services/:service_id',
    status: 204,
    handler: async ({ ctx, params }) => {
      authorize(ctx, `${POLICY}:delete`, {});
      const id = params['service_id']!;
      let svc: ServiceRow | undefined;
      if (ctx.version.atLeast('2.53')) {
        if (!UUID_RX.test(id)) throw badRequest(`Invalid uuid ${id}`);
        svc = await serviceByUuid(deps.db.kysely, id.toLowerCase());
      } else {
        if (!/^\s*[+-]?\d+\s*$/.test(id)) throw badRequest('Invalid input received: id must be an integer');
        const n = Number(id);
        // Beyond the integer column's range nothing can match (and PostgreSQL would refuse the query).
        svc = Math.abs(n) <= 0x7fffffff ? await serviceById(deps.db.kysely, n) : undefined;
      }
      if (!svc) throw notFound(`Service ${id} not found.`);
      if (svc.binary === 'nova-compute') {
        if ((await instanceCountOnHost(deps.db.kysely, svc.host)) > 0)
          throw conflict('Unable to delete compute service that is hosting instances. Migrate or delete the instances first.');
        const nodes = await deps.db.kysely
          .selectFrom('compute_nodes')
          .select(['host', 'hypervisor_hostname'])
          .where('host', '=', svc.host)
          .where('deleted', '=', 0)
          .execute();
        for (const n of nodes) {
          if ((await inProgressMigrationCount(deps.db.kysely, n.host, n.hypervisor_hostname)) > 0)
            throw conflict(
              'Unable to delete compute service that has in-progress migrations. Complete the migrations or delete the instances first.',
            );
        }
      }
      await deleteService(deps.db.kysely, svc, deps.clock.now());
      // A deleted compute service's host leaves its aggregates with it.
      if (svc.binary === 'nova-compute') deps.compute.zones.invalidate();
      return undefined;
    },
  });
}
