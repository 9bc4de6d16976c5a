// /flavors/{flavor_id}/os-extra_specs[/{key}]: reading is for project
// readers, writing for admins.
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import type { RequestContext } from '../context.js';
import { authorize } from '../context.js';
import { badRequest, notFound } from '../faults.js';
import { deleteExtraSpec, putExtraSpecs } from '../../db/flavors.js';
import { extraSpecsCreate, extraSpecUpdate } from '../schemas/flavor-extra-specs.js';
import { noParams, noParamsStrict } from '../schemas/flavors.js';
import { FlavorNotFound } from '../../compute/errors.js';
import { flavorOr404 } from './flavors.js';

const POLICY = 'os_compute_api:os-flavor-extra-specs';

const readQuery = [
  { max: '2.101', schema: noParams },
  { min: '2.102', schema: noParamsStrict },
];

/** Values are stored as text; a number's text must fit too. */
function asStrings(specs: Readonly<Record<string, string | number>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(specs)) {
    const s = String(v);
    if (typeof v === 'number' && s.length > 255)
      throw badRequest(`Invalid input received: extra_specs value has more than 255 characters.`);
    out[k] = s;
  }
  return out;
}

function noSuchKey(flavorId: string, key: string): Error {
  return notFound(`Flavor ${flavorId} has no extra specs with key ${key}.`);
}

function own(ctx: RequestContext): Record<string, unknown> {
  return { project_id: ctx.projectId };
}

export function registerFlavorExtraSpecsRoutes(routes: RouteTable, deps: ApiDeps): void {
  const base = '/flavors/:flavor_id/os-extra_specs';

  routes.route({
    method: 'GET',
    path: base,
    status: 200,
    query: readQuery,
    handler: async ({ ctx, params }) => {
      authorize(ctx, `${POLICY}:index`, own(ctx));
      const f = await flavorOr404(deps, ctx, params['flavor_id']!);
      return { extra_specs: f.extra_specs };
    },
  });

  routes.route({
    method: 'POST',
    path: base,
    status: 200,
    body: [{ schema: extraSpecsCreate }],
    handler: async ({ ctx, params, body }) => {
      authorize(ctx, `${POLICY}:create`, {});
      const specs = asStrings((body as { extra_specs: Record<string, string | number> }).extra_specs);
      const f = await flavorOr404(deps, ctx, params['flavor_id']!);
      // A delete that came between the read and the write leaves nothing to write to.
      if (!(await putExtraSpecs(deps.db, f.id, specs))) throw new FlavorNotFound(params['flavor_id']!);
      return body;
    },
  });

  routes.route({
    method: 'GET',
    path: `${base}/:key`,
    status: 200,
    query: readQuery,
    handler: async ({ ctx, params }) => {
      authorize(ctx, `${POLICY}:show`, own(ctx));
      const flavorId = params['flavor_id']!;
      const key = params['key']!;
      const f = await flavorOr404(deps, ctx, flavorId);
      if (!Object.prototype.hasOwnProperty.call(f.extra_specs, key)) throw noSuchKey(flavorId, key);
      return { [key]: f.extra_specs[key] };
    },
  });

  routes.route({
    method: 'PUT',
    path: `${base}/:key`,
    status: 200,
    body: [{ schema: extraSpecUpdate }],
    handler: async ({ ctx, params, body }) => {
      authorize(ctx, `${POLICY}:update`, {});
      const specs = asStrings(body as Record<string, string | number>);
      if (!Object.prototype.hasOwnProperty.call(specs, params['key']!)) throw badRequest('Request body and URI mismatch');
      const f = await flavorOr404(deps, ctx, params['flavor_id']!);
      if (!(await putExtraSpecs(deps.db, f.id, specs))) throw new FlavorNotFound(params['flavor_id']!);
      return body;
    },
  });

  routes.route({
    method: 'DELETE',
    path: `${base}/:key`,
    status: 200,
    handler: async ({ ctx, params }) => {
      authorize(ctx, `${POLICY}:delete`, {});
      const flavorId = params['flavor_id']!;
      const key = params['key']!;
      const f = await flavorOr404(deps, ctx, flavorId);
      if (!(await deleteExtraSpec(deps.db.kysely, f.id, key))) throw noSuchKey(flavorId, key);
      return undefined;
    },
  });
}
