// /os-aggregates: list, create, show, update, delete, the add_host,
// remove_host and set_metadata actions, and from 2.81 image pre-caching
// (api-ref os-aggregates.inc). Admin-only by default. Create, delete and the
// actions answer 200, as Nova does for compatibility.
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import { authorize } from '../context.js';
import { badRequest, conflict, notFound } from '../faults.js';
import { MagnetarError } from '../../compute/errors.js';
import {
  AggregateNotFound,
  InvalidAggregateAction,
  addHost,
  createAggregate,
  deleteAggregate,
  removeHost,
  setMetadata,
  showAggregate,
  updateAggregate,
} from '../../compute/aggregates.js';
import { listAggregates } from '../../db/aggregates.js';
import {
  ADD_HOST,
  AGGREGATE_CREATE,
  AGGREGATE_QUERY,
  AGGREGATE_UPDATE,
  CACHE_IMAGES,
  REMOVE_HOST,
  SET_METADATA,
  checkAggregateNameFormats,
} from '../schemas/aggregates.js';
import { aggregateView } from '../views/aggregates.js';

const POLICY = 'os_compute_api:os-aggregates';

/** The path's id as Nova's validate_integer takes it. */
function aggregateId(raw: string): number {
  if (!/^\s*[+-]?\d+\s*$/.test(raw)) throw badRequest('Invalid input received: id must be an integer');
  return Number(raw);
}

/** Nova names a missing aggregate by the id as the client wrote it. */
async function asGiven<T>(raw: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof AggregateNotFound) throw new AggregateNotFound(raw);
    throw err;
  }
}

/** add_host and remove_host refuse a zone conflict with 409 where the other changes say 400. */
function refusedAsConflict(err: unknown): unknown {
  return err instanceof InvalidAggregateAction ? conflict(err.message) : err;
}

export function registerAggregateRoutes(routes: RouteTable, deps: ApiDeps): void {
  const svc = deps.compute;

  routes.route({
    method: 'GET',
    path: '/os-aggregates',
    status: 200,
    query: AGGREGATE_QUERY,
    handler: async ({ ctx }) => {
      authorize(ctx, `${POLICY}:index`, {});
      return { aggregates: (await listAggregates(deps.db.kysely)).map((a) => aggregateView(ctx, a)) };
    },
  });

  routes.route({
    method: 'POST',
    path: '/os-aggregates',
    status: 200,
    body: [{ schema: AGGREGATE_CREATE }],
    handler: async ({ ctx, body }) => {
      checkAggregateNameFormats(body, 'create');
      authorize(ctx, `${POLICY}:create`, {});
      const a = (body as { aggregate: { name: string; availability_zone?: string | null } }).aggregate;
      const created = await createAggregate(svc, a.name.trim(), a.availability_zone ? a.availability_zone.trim() : null);
      return { aggregate: aggregateView(ctx, created, { members: false }) };
    },
  });

  routes.route({
    method: 'GET',
    path: '/os-aggregates/:aggregate_id',
    status: 200,
    query: AGGREGATE_QUERY,
    handler: async ({ ctx, params }) => {
      authorize(ctx, `${POLICY}:show`, {});
      const raw = params['aggregate_id']!;
      const id = aggregateId(raw);
      return { aggregate: aggregateView(ctx, await asGiven(raw, () => showAggregate(svc, id))) };
    },
  });

  routes.route({
    method: 'PUT',
    path: '/os-aggregates/:aggregate_id',
    status: 200,
    body: [{ schema: AGGREGATE_UPDATE }],
    handler: async ({ ctx, params, body }) => {
      checkAggregateNameFormats(body, 'update');
      authorize(ctx, `${POLICY}:update`, {});
      const raw = params['aggregate_id']!;
      const id = aggregateId(raw);
      const a = (body as { aggregate: { name?: string; availability_zone?: string | null } }).aggregate;
      const updated = await asGiven(raw, () =>
        updateAggregate(svc, id, {
          ...(a.name !== undefined && { name: a.name.trim() }),
          ...('availability_zone' in a && { availabilityZone: a.availability_zone ?? null }),
        }),
      );
      return { aggregate: aggregateView(ctx, updated) };
    },
  });

  routes.route({
    method: 'DELETE',
    path: '/os-aggregates/:aggregate_id',
    status: 200,
    handler: async ({ ctx, params }) => {
      authorize(ctx, `${POLICY}:delete`, {});
      const raw = params['aggregate_id']!;
      const id = aggregateId(raw);
      await asGiven(raw, () => deleteAggregate(svc, id));
      return undefined;
    },
  });

  routes.action('/os-aggregates/:aggregate_id', {
    name: 'add_host',
    status: 200,
    body: [{ schema: ADD_HOST }],
    handler: async ({ ctx, params, body }) => {
      const host = (body as { add_host: { host: string } }).add_host.host;
      authorize(ctx, `${POLICY}:add_host`, {});
      const raw = params['aggregate_id']!;
      const id = aggregateId(raw);
      try {
        return { aggregate: aggregateView(ctx, await asGiven(raw, () => addHost(svc, id, host))) };
      } catch (err) {
        throw refusedAsConflict(err);
      }
    },
  });

  routes.action('/os-aggregates/:aggregate_id', {
    name: 'remove_host',
    status: 200,
    body: [{ schema: REMOVE_HOST }],
    handler: async ({ ctx, params, body }) => {
      const host = (body as { remove_host: { host: string } }).remove_host.host;
      authorize(ctx, `${POLICY}:remove_host`, {});
      const raw = params['aggregate_id']!;
      const id = aggregateId(raw);
      try {
        return { aggregate: aggregateView(ctx, await removeHost(svc, id, host)) };
      } catch (err) {
        // Whatever was not found (host, aggregate, membership), Nova says the same.
        if (err instanceof MagnetarError && err.family === 'NotFound') throw notFound(`Cannot remove host ${host} in aggregate ${raw}`);
        throw refusedAsConflict(err);
      }
    },
  });

  routes.action('/os-aggregates/:aggregate_id', {
    name: 'set_metadata',
    status: 200,
    body: [{ schema: SET_METADATA }],
    handler: async ({ ctx, params, body }) => {
      authorize(ctx, `${POLICY}:set_metadata`, {});
      const raw = params['aggregate_id']!;
      const id = aggregateId(raw);
      const metadata = (body as { set_metadata: { metadata: Record<string, string | null> } }).set_metadata.metadata;
      return { aggregate: aggregateView(ctx, await asGiven(raw, () => setMetadata(svc, id, metadata))) };
    },
  });

  // Pre-caching needs a driver that keeps an image cache; the fake driver has
  // none, so — as Nova with such a driver — the request is checked, accepted,
  // and every host reports the images unsupported (nothing is done).
  routes.route({
    method: 'POST',
    path: '/os-aggregates/:aggregate_id/images',
    min: '2.81',
    status: 202,
    body: [{ schema: CACHE_IMAGES }],
    handler: async ({ ctx, params, body }) => {
      authorize(ctx, 'compute:aggregates:images', {});
      const raw = params['aggregate_id']!;
      const id = aggregateId(raw);
      const ids = (body as { cache: Array<{ id: string }> }).cache.map((c) => c.id);
      if (new Set(ids).size !== ids.length) throw badRequest('Duplicate images in request');
      const agg = await asGiven(raw, () => showAggregate(svc, id));
      for (const imageId of ids) if (!deps.images.get(imageId)) throw badRequest(`Image ${imageId} could not be found.`);
      deps.log.info({ aggregate: agg.id, hosts: agg.hosts, images: ids }, 'image pre-caching requested; the virt driver does not support it');
      return undefined;
    },
  });
}
