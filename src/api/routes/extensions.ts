// GET /extensions and GET /extensions/{alias}: the fixed list of the v2
// API's extensions that Nova still serves to old clients, open to any caller.
// An alias not in the list is 404.
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import { authorize, type RequestContext } from '../context.js';
import { notFound } from '../faults.js';
import { EXTENSIONS_QUERY } from '../schemas/extensions.js';
import { EXTENSIONS, EXTENSIONS_LEGACY_V2, type Extension } from '../views/extensions.js';

const POLICY = 'os_compute_api:extensions';

const extensionsFor = (ctx: RequestContext): readonly Extension[] => (ctx.legacyV2 ? EXTENSIONS_LEGACY_V2 : EXTENSIONS);

export function registerExtensionRoutes(routes: RouteTable, _deps: ApiDeps): void {
  routes.route({
    method: 'GET',
    path: '/extensions',
    status: 200,
    query: EXTENSIONS_QUERY,
    handler: ({ ctx }) => {
      authorize(ctx, POLICY, {});
      return { extensions: extensionsFor(ctx) };
    },
  });

  routes.route({
    method: 'GET',
    path: '/extensions/:alias',
    status: 200,
    query: EXTENSIONS_QUERY,
    handler: ({ ctx, params }) => {
      authorize(ctx, POLICY, {});
      const found = extensionsFor(ctx).find((e) => e.alias === params['alias']);
      if (!found) throw notFound();
      return { extension: found };
    },
  });
}
