// Deferred delete actions on a server: `restore` (of a soft-deleted server)
// and `forceDelete`. Both take any value under their key.
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import { authorize, requester } from '../context.js';
import { getServer, serverTarget, serverUserTarget } from '../../compute/lookup.js';
import { forceDeleteServer, restoreServer } from '../../compute/deferred-delete.js';
import { discardShelvedImage } from '../../compute/shelve.js';

const POLICY = 'os_compute_api:os-deferred-delete';

const bodyOf = (key: string) => ({ type: 'object', properties: { [key]: {} }, required: [key], additionalProperties: false });

export function registerDeferredDeleteRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.action('/servers/:server_id', {
    name: 'restore',
    status: 202,
    body: [{ schema: bodyOf('restore') }],
    handler: async ({ ctx, params }) => {
      const id = params['server_id']!;
      const inst = await getServer(deps.compute, ctx, id);
      authorize(ctx, `${POLICY}:restore`, serverTarget(inst));
      await restoreServer(deps.compute, requester(ctx), inst, id);
      return undefined;
    },
  });

  routes.action('/servers/:server_id', {
    name: 'forceDelete',
    status: 202,
    body: [{ schema: bodyOf('forceDelete') }],
    handler: async ({ ctx, params }) => {
      const inst = await getServer(deps.compute, ctx, params['server_id']!);
      authorize(ctx, `${POLICY}:force`, serverUserTarget(inst));
      await forceDeleteServer(deps.compute, requester(ctx), inst);
      discardShelvedImage(deps.imageRegistry, inst);
      return undefined;
    },
  });
}
