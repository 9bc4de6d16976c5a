// POST /flavors, PUT /flavors/{flavor_id} (2.55+, description only) and
// DELETE /flavors/{flavor_id}: admin-only flavor management.
import { randomUUID } from 'node:crypto';
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import { authorize } from '../context.js';
import { badRequest, conflict } from '../faults.js';
import { boolish } from '../validation.js';
import { FlavorNotFound } from '../../compute/errors.js';
import { createFlavor, deleteFlavor, setFlavorDescription } from '../../db/flavors.js';
import { flavorCreate, flavorCreateV255, flavorCreateV2102, flavorUpdate } from '../schemas/flavor-manage.js';
import { flavorDetail } from '../views/flavors.js';
import { flavorOr404, showsExtraSpecs } from './flavors.js';

const POLICY = 'os_compute_api:os-flavor-manage';
const MAX_INT = 0x7fffffff;

interface FlavorBody {
  readonly name: string;
  readonly id?: string | number | null;
  readonly ram: number | string;
  readonly vcpus: number | string;
  readonly disk: number | string;
  readonly 'OS-FLV-EXT-DATA:ephemeral'?: number | string;
  readonly swap?: number | string;
  readonly rxtx_factor?: number | string;
  readonly 'os-flavor-access:is_public'?: boolean | string;
  readonly description?: string | null;
}

/** Integers may come as strings; the schema checked the digits, this checks the range. */
function intIn(value: number | string, name: string, min: number): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n)) throw badRequest(`Invalid input received: ${name} must be an integer`);
  if (n < min) throw badRequest(`Invalid input received: ${name} must be >= ${min}`);
  if (n > MAX_INT) throw badRequest(`Invalid input received: ${name} must be <= ${MAX_INT}`);
  return n;
}

export function registerFlavorManageRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.route({
    method: 'POST',
    path: '/flavors',
    status: 200,
    body: [
      { max: '2.54', schema: flavorCreate },
      { min: '2.55', max: '2.101', schema: flavorCreateV255 },
      { min: '2.102', schema: flavorCreateV2102 },
    ],
    handler: async ({ ctx, body }) => {
      authorize(ctx, `${POLICY}:create`, {});
      const f = (body as { flavor: FlavorBody }).flavor;
      const rxtx = Number(f.rxtx_factor ?? 1.0);
      if (!(rxtx > 0) || rxtx > 3.40282e38) throw badRequest("Invalid input received: 'rxtx_factor' argument must be a float between 0 and 3.40282e+38");
      const result = await createFlavor(
        deps.db,
        {
          // No id (or null, or an empty one) means "generate one".
          flavorid: f.id === undefined || f.id === null || f.id === '' || f.id === 0 ? randomUUID() : String(f.id),
          name: f.name.trim(),
          memory_mb: intIn(f.ram, 'ram', 1),
          vcpus: intIn(f.vcpus, 'vcpus', 1),
          root_gb: intIn(f.disk, 'disk', 0),
          ephemeral_gb: intIn(f['OS-FLV-EXT-DATA:ephemeral'] ?? 0, 'ephemeral', 0),
          swap: intIn(f.swap ?? 0, 'swap', 0),
          rxtx_factor: rxtx,
          is_public: f['os-flavor-access:is_public'] === undefined ? true : boolish(f['os-flavor-access:is_public']),
          description: ctx.version.atLeast('2.55') ? (f.description ?? null) : null,
        },
        deps.clock.now(),
      );
      if (!result.ok) {
        throw conflict(
          result.conflict === 'flavorid' ? `Flavor with ID ${String(f.id)} already exists.` : `Flavor with name ${f.name.trim()} already exists.`,
        );
      }
      return { flavor: flavorDetail(ctx, result.flavor, showsExtraSpecs(ctx)) };
    },
  });

  routes.route({
    method: 'PUT',
    path: '/flavors/:flavor_id',
    min: '2.55',
    status: 200,
    body: [{ schema: flavorUpdate }],
    handler: async ({ ctx, params, body }) => {
      authorize(ctx, `${POLICY}:update`, {});
      const f = await flavorOr404(deps, { ...ctx, isAdmin: true }, params['flavor_id']!);
      const description = (body as { flavor: { description: string | null } }).flavor.description;
      await setFlavorDescription(deps.db.kysely, f.id, description, deps.clock.now());
      return { flavor: flavorDetail(ctx, { ...f, description }, showsExtraSpecs(ctx)) };
    },
  });

  routes.route({
    method: 'DELETE',
    path: '/flavors/:flavor_id',
    status: 202,
    handler: async ({ ctx, params }) => {
      authorize(ctx, `${POLICY}:delete`, {});
      const id = params['flavor_id']!;
      if (!(await deleteFlavor(deps.db, id))) throw new FlavorNotFound(id);
      return undefined;
    },
  });
}
