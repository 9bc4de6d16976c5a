// Private flavors and the projects they are shared with:
// GET /flavors/{flavor_id}/os-flavor-access and the addTenantAccess /
// removeTenantAccess actions. Admin-only by default.
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import { authorize } from '../context.js';
import { conflict, notFound } from '../faults.js';
import { addFlavorProject, flavorProjects, removeFlavorProject, type FlavorWithSpecs } from '../../db/flavors.js';
import { addTenantAccess, removeTenantAccess } from '../schemas/flavor-access.js';
import { noParams, noParamsStrict } from '../schemas/flavors.js';
import { FlavorNotFound } from '../../compute/errors.js';
import { flavorOr404 } from './flavors.js';

const POLICY = 'os_compute_api:os-flavor-access';

async function accessList(deps: ApiDeps, f: FlavorWithSpecs): Promise<{ flavor_access: Array<{ flavor_id: string; tenant_id: string }> }> {
  const projects = await flavorProjects(deps.db.kysely, f.id);
  return { flavor_access: projects.map((p) => ({ flavor_id: f.flavorid, tenant_id: p })) };
}

export function registerFlavorAccessRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.route({
    method: 'GET',
    path: '/flavors/:flavor_id/os-flavor-access',
    status: 200,
    query: [
      { max: '2.101', schema: noParams },
      { min: '2.102', schema: noParamsStrict },
    ],
    handler: async ({ ctx, params }) => {
      authorize(ctx, POLICY);
      const f = await flavorOr404(deps, ctx, params['flavor_id']!);
      if (f.is_public) throw notFound('Access list not available for public flavors.');
      return accessList(deps, f);
    },
  });

  routes.action('/flavors/:flavor_id', {
    name: 'addTenantAccess',
    status: 200,
    body: [{ schema: addTenantAccess }],
    handler: async ({ ctx, params, body }) => {
      authorize(ctx, `${POLICY}:add_tenant_access`, {});
      const tenant = (body as { addTenantAccess: { tenant: string } }).addTenantAccess.tenant;
      const f = await flavorOr404(deps, ctx, params['flavor_id']!);
      // From 2.7 sharing a public flavor is refused instead of silently recorded.
      if (ctx.version.atLeast('2.7') && f.is_public) throw conflict('Can not add access to a public flavor.');
      const added = await addFlavorProject(deps.db, f.id, tenant);
      // A delete that came between the read and the write leaves nothing to share.
      if (added === 'gone') throw new FlavorNotFound(params['flavor_id']!);
      if (added === 'exists')
        throw conflict(`Flavor access already exists for flavor ${f.id} and project ${tenant} combination.`);
      return accessList(deps, f);
    },
  });

  routes.action('/flavors/:flavor_id', {
    name: 'removeTenantAccess',
    status: 200,
    body: [{ schema: removeTenantAccess }],
    handler: async ({ ctx, params, body }) => {
      authorize(ctx, `${POLICY}:remove_tenant_access`, {});
      const tenant = (body as { removeTenantAccess: { tenant: string } }).removeTenantAccess.tenant;
      const f = await flavorOr404(deps, ctx, params['flavor_id']!);
      if (!(await removeFlavorProject(deps.db.kysely, f.id, tenant)))
        throw notFound(`Flavor access not found for ${f.id} / ${tenant} combination.`);
      return accessList(deps, f);
    },
  });
}
