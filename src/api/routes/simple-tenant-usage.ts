// GET /os-simple-tenant-usage (every project, admin) and
// /os-simple-tenant-usage/{tenant_id} (one project): usage over a period.
// start and end default to now and are capped at now; from 2.40 the servers
// are paged (limit, marker = a server's uuid) with a `next` link.
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import type { RequestContext } from '../context.js';
import { authorize } from '../context.js';
import type { Query } from '../query.js';
import { badRequest, notFound } from '../faults.js';
import { collectionLinks, pageParams } from '../views/paging.js';
import { TENANT_USAGE_INDEX_QUERY, TENANT_USAGE_SHOW_QUERY } from '../schemas/simple-tenant-usage.js';
import { instancesActiveInWindow, UsageMarkerNotFound } from '../../db/usage-queries.js';
import { tenantUsages } from '../../compute/tenant-usage.js';
import { dbOfMicros, InvalidStrTime, microsOfDate, parseUsageTime, truncateToSecond, type Micros } from '../../compute/usage-time.js';

const POLICY = 'os_compute_api:os-simple-tenant-usage';
const COLLECTION = 'os-simple-tenant-usage';

interface Period {
  readonly start: Micros;
  readonly stop: Micros;
  readonly detailed: boolean;
}

/** The first non-empty value of a parameter, as Nova reads the raw query string. */
const first = (query: Query, name: string): string | undefined => query.all(name).find((v) => v !== '');

function period(deps: ApiDeps, query: Query): Period {
  const now = microsOfDate(deps.clock.now());
  const at = (name: string): Micros => {
    const v = first(query, name);
    if (v === undefined) return now;
    try {
      return parseUsageTime(v);
    } catch (err) {
      if (err instanceof InvalidStrTime) throw badRequest(err.message);
      throw err;
    }
  };
  const start = at('start');
  // Nova reads "now" once per missing bound, so a report with neither is a
  // moment long; it is never refused for being empty.
  const stop = first(query, 'end') === undefined && first(query, 'start') === undefined ? now + 1 : at('end');
  if (!(start < stop)) throw badRequest('Invalid start time. The start time cannot occur after the end time.');
  return { start, stop: Math.min(stop, now), detailed: first(query, 'detailed') === '1' };
}

async function report(deps: ApiDeps, ctx: RequestContext, query: Query, collection: string, tenantId: string | undefined) {
  const p = period(deps, query);
  const paged = ctx.version.atLeast('2.40');
  const page = paged ? pageParams(deps.conf, query) : { limit: deps.conf.num('api', 'max_limit'), marker: undefined };
  let rows;
  try {
    rows = await instancesActiveInWindow(deps.db.kysely, {
      begin: dbOfMicros(truncateToSecond(p.start)),
      end: dbOfMicros(truncateToSecond(p.stop)),
      ...(tenantId !== undefined && { projectId: tenantId }),
      limit: page.limit,
      ...(page.marker !== undefined && { marker: page.marker }),
    });
  } catch (err) {
    if (err instanceof UsageMarkerNotFound) throw badRequest(err.message);
    throw err;
  }
  const now = microsOfDate(deps.clock.now());
  const result = tenantUsages(rows, p.start, p.stop, now, tenantId !== undefined || p.detailed);
  const links = paged ? collectionLinks(ctx, collection, result.servers, page.limit, (s) => s.instance_id) : [];
  return { ...result, links };
}

export function registerSimpleTenantUsageRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.route({
    method: 'GET',
    path: '/os-simple-tenant-usage',
    status: 200,
    query: TENANT_USAGE_INDEX_QUERY,
    handler: async ({ ctx, query, path }) => {
      // A trailing slash names an empty tenant id, which Nova does not route.
      if (path?.endsWith('/')) throw notFound();
      authorize(ctx, `${POLICY}:list`);
      const r = await report(deps, ctx, query, COLLECTION, undefined);
      return r.links.length > 0 ? { tenant_usages: r.usages, tenant_usages_links: r.links } : { tenant_usages: r.usages };
    },
  });

  routes.route({
    method: 'GET',
    path: '/os-simple-tenant-usage/:tenant_id',
    status: 200,
    query: TENANT_USAGE_SHOW_QUERY,
    handler: async ({ ctx, params, query }) => {
      const tenantId = params['tenant_id']!;
      authorize(ctx, `${POLICY}:show`, { project_id: tenantId });
      const r = await report(deps, ctx, query, `${COLLECTION}/${tenantId}`, tenantId);
      const usage = r.usages[0] ?? {};
      return r.links.length > 0 ? { tenant_usage: usage, tenant_usage_links: r.links } : { tenant_usage: usage };
    },
  });
}
