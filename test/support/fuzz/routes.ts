// Every method and path of the compute API, read from the route modules
// themselves (so a route added later is fuzzed too): plain routes, and each
// action of a `POST …/action` resource by name, with their version ranges
// and body and query schemas.
import { ALL_ROUTES } from '../../../src/api/routes/index.js';
import type { ApiDeps } from '../../../src/api/deps.js';
import type { ActionDef, RouteDef, RouteTable, Versioned } from '../../../src/api/router.js';
import type { JsonSchema } from '../../../src/api/validation.js';
import type { QuerySchema } from '../../../src/api/query.js';

export interface Endpoint {
  readonly method: RouteDef['method'];
  /** Path below /v2.1, fastify syntax (`/servers/:server_id/action` for actions). */
  readonly path: string;
  /** The action's name for `POST …/action`. */
  readonly action?: string;
  /** One definition per version range (a route or action may be declared several times). */
  readonly defs: ReadonlyArray<{
    readonly min?: string;
    readonly max?: string;
    readonly body?: readonly Versioned<JsonSchema>[];
    readonly query?: readonly Versioned<QuerySchema>[];
  }>;
}

export function computeEndpoints(): Endpoint[] {
  const byKey = new Map<string, { method: RouteDef['method']; path: string; action?: string; defs: Endpoint['defs'][number][] }>();
  const add = (method: RouteDef['method'], path: string, action: string | undefined, def: RouteDef | ActionDef): void => {
    const key = `${method} ${path} ${action ?? ''}`;
    let e = byKey.get(key);
    if (!e) {
      e = { method, path, ...(action !== undefined ? { action } : {}), defs: [] };
      byKey.set(key, e);
    }
    e.defs.push({ min: def.min, max: def.max, body: def.body, query: 'query' in def ? def.query : undefined });
  };
  const table: RouteTable = {
    route: (def) => add(def.method, def.path, undefined, def),
    action: (resourcePath, def) => add('POST', `${resourcePath}/action`, def.name, def),
  };
  // Registration only keeps the dependencies for the handlers, which never run here.
  for (const register of ALL_ROUTES) register(table, {} as ApiDeps);
  return [...byKey.values()];
}
