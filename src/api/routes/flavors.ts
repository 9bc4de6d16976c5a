// GET /flavors, /flavors/detail, /flavors/{flavor_id}: no policy for reading;
// non-admins see public flavors and private ones shared with their project,
// never disabled ones in lists.
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import type { RequestContext } from '../context.js';
import { can } from '../context.js';
import type { Query } from '../query.js';
import { badRequest } from '../faults.js';
import { FlavorNotFound } from '../../compute/errors.js';
import { getFlavor, listFlavors, FlavorMarkerNotFound, type FlavorFilters, type FlavorWithSpecs, type SortKey } from '../../db/flavors.js';
import { flavorIndexQuery, flavorIndexQueryV275, flavorIndexQueryV2102, noParams, noParamsStrict } from '../schemas/flavors.js';
import { flavorBrief, flavorDetail } from '../views/flavors.js';
import { collectionLinks, pageLimit } from '../views/paging.js';

const EXTRA_SPECS_INDEX = 'os_compute_api:os-flavor-extra-specs:index';

/** Sizes are 32-bit columns. */
const MAX_INT = 0x7fffffff;

const TRUE_STRINGS = ['1', 't', 'true', 'on', 'y', 'yes'];
const FALSE_STRINGS = ['0', 'f', 'false', 'off', 'n', 'no'];

/** Admins choose public (default), private (`false`) or all (`none`); others always get public + shared. */
function isPublicFilter(ctx: RequestContext, query: Query): boolean | null {
  if (!ctx.isAdmin) return true;
  const raw = query.get('is_public');
  if (raw === undefined) return true;
  const v = raw.trim().toLowerCase();
  if (v === 'none') return null;
  if (TRUE_STRINGS.includes(v)) return true;
  if (FALSE_STRINGS.includes(v)) return false;
  throw badRequest(`Invalid is_public filter [${raw}]`);
}

function intFilter(query: Query, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === undefined) return undefined;
  if (!/^\s*[+-]?\d+\s*$/.test(raw)) throw badRequest(`Invalid ${name} filter [${raw}]`);
  return Number(raw);
}

function nameFilter(raw: string | undefined): RegExp | undefined {
  if (raw === undefined) return undefined;
  try {
    return new RegExp(raw);
  } catch {
    // Not a valid expression: match it literally.
    return new RegExp(raw.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  }
}

/** Whether flavor bodies carry extra_specs (2.61+, when the caller may read them). */
export function showsExtraSpecs(ctx: RequestContext): boolean {
  return ctx.version.atLeast('2.61') && can(ctx, EXTRA_SPECS_INDEX);
}

async function flavorsPage(deps: ApiDeps, ctx: RequestContext, query: Query): Promise<FlavorWithSpecs[]> {
  let filters: FlavorFilters = {
    isPublic: isPublicFilter(ctx, query),
    ...(ctx.isAdmin ? {} : { disabled: false }),
    minMemoryMb: intFilter(query, 'minRam'),
    minRootGb: intFilter(query, 'minDisk'),
    name: ctx.version.atLeast('2.102') ? nameFilter(query.get('name')) : undefined,
  };
  // Beyond a 32-bit column's range a minimum matches nothing (above) or everything (below).
  const outOfRange = (n: number | undefined) => (n !== undefined && n < -MAX_INT ? undefined : n);
  if ((filters.minMemoryMb ?? 0) > MAX_INT || (filters.minRootGb ?? 0) > MAX_INT) return [];
  filters = { ...filters, minMemoryMb: outOfRange(filters.minMemoryMb), minRootGb: outOfRange(filters.minRootGb) };
  const sortKey = (query.get('sort_key') || 'flavorid') as SortKey;
  const sortDir = query.get('sort_dir') === 'desc' ? 'desc' : 'asc';
  const page = { limit: pageLimit(deps.conf, query), marker: query.get('marker') };
  try {
    return await listFlavors(deps.db.kysely, ctx, filters, { key: sortKey, dir: sortDir }, page);
  } catch (err) {
    if (err instanceof FlavorMarkerNotFound) throw badRequest(`marker [${page.marker}] not found`);
    throw err;
  }
}

function withLinks(
  deps: ApiDeps,
  ctx: RequestContext,
  query: Query,
  collection: string,
  flavors: FlavorWithSpecs[],
  items: unknown[],
): Record<string, unknown> {
  const out: Record<string, unknown> = { flavors: items };
  const links = collectionLinks(ctx, collection, flavors, pageLimit(deps.conf, query), (f) => f.flavorid);
  if (links.length > 0) out['flavors_links'] = links;
  return out;
}

/** The flavor a request names, as the caller may see it; 404 `Flavor <id> could not be found.` */
export async function flavorOr404(deps: ApiDeps, ctx: RequestContext, flavorId: string): Promise<FlavorWithSpecs> {
  const f = await getFlavor(deps.db.kysely, ctx, flavorId);
  if (!f) throw new FlavorNotFound(flavorId);
  return f;
}

const listQuery = [
  { max: '2.74', schema: flavorIndexQuery },
  { min: '2.75', max: '2.101', schema: flavorIndexQueryV275 },
  { min: '2.102', schema: flavorIndexQueryV2102 },
];

export function registerFlavorRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.route({
    method: 'GET',
    path: '/flavors',
    status: 200,
    query: listQuery,
    handler: async ({ ctx, query }) => {
      const flavors = await flavorsPage(deps, ctx, query);
      return withLinks(
        deps,
        ctx,
        query,
        'flavors',
        flavors,
        flavors.map((f) => flavorBrief(ctx, f)),
      );
    },
  });

  routes.route({
    method: 'GET',
    path: '/flavors/detail',
    status: 200,
    query: listQuery,
    handler: async ({ ctx, query }) => {
      const flavors = await flavorsPage(deps, ctx, query);
      const specs = showsExtraSpecs(ctx);
      return withLinks(
        deps,
        ctx,
        query,
        'flavors/detail',
        flavors,
        flavors.map((f) => flavorDetail(ctx, f, specs)),
      );
    },
  });

  routes.route({
    method: 'GET',
    path: '/flavors/:flavor_id',
    status: 200,
    query: [
      { max: '2.101', schema: noParams },
      { min: '2.102', schema: noParamsStrict },
    ],
    handler: async ({ ctx, params }) => {
      const f = await flavorOr404(deps, ctx, params['flavor_id']!);
      return { flavor: flavorDetail(ctx, f, showsExtraSpecs(ctx)) };
    },
  });
}
