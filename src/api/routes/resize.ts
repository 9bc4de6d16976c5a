// resize, confirmResize and revertResize.
import { requestedAutoDiskConfig } from '../../compute/disk-config.js';
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import { authorize, requester } from '../context.js';
import { badRequest, withServerIdAsGiven } from '../faults.js';
import { getServer, serverTarget, serverUserTarget } from '../../compute/lookup.js';
import { FlavorNotFound, MigrationNotFound } from '../../compute/errors.js';
import { resize } from '../../compute/resize.js';
import { confirmResize, NOT_RESIZED } from '../../compute/confirm-resize.js';
import { revertResize } from '../../compute/revert-resize.js';
import { RESIZE_BODY, type ResizeBody } from '../schemas/resize.js';

export function registerResizeRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.action('/servers/:server_id', {
    name: 'resize',
    status: 202,
    body: [{ schema: RESIZE_BODY }],
    handler: async (req) => {
      const serverId = req.params['server_id']!;
      // Used literally as a flavor id: an integer becomes its string form, an href is not parsed.
      const flavorRef = String((req.body as ResizeBody).resize.flavorRef);
      const inst = await getServer(deps.compute, req.ctx, serverId);
      authorize(req.ctx, 'os_compute_api:servers:resize', serverUserTarget(inst));
      try {
        await resize(deps.compute, requester(req.ctx), inst, flavorRef, requestedAutoDiskConfig((req.body as ResizeBody).resize['OS-DCF:diskConfig']));
      } catch (err) {
        if (err instanceof FlavorNotFound) throw badRequest(err.message);
        throw withServerIdAsGiven(err, serverId);
      }
      return undefined;
    },
  });

  routes.action('/servers/:server_id', {
    name: 'confirmResize',
    status: 204,
    handler: async (req) => {
      const serverId = req.params['server_id']!;
      const inst = await getServer(deps.compute, req.ctx, serverId);
      authorize(req.ctx, 'os_compute_api:servers:confirm_resize', serverTarget(inst));
      try {
        await confirmResize(deps.compute, requester(req.ctx), inst);
      } catch (err) {
        if (err instanceof MigrationNotFound) throw badRequest(NOT_RESIZED);
        throw withServerIdAsGiven(err, serverId);
      }
      return undefined;
    },
  });

  routes.action('/servers/:server_id', {
    name: 'revertResize',
    status: 202,
    handler: async (req) => {
      const serverId = req.params['server_id']!;
      const inst = await getServer(deps.compute, req.ctx, serverId);
      authorize(req.ctx, 'os_compute_api:servers:revert_resize', serverTarget(inst));
      try {
        await revertResize(deps.compute, requester(req.ctx), inst);
      } catch (err) {
        if (err instanceof MigrationNotFound) throw badRequest(NOT_RESIZED);
        if (err instanceof FlavorNotFound) throw badRequest('Flavor used by the instance could not be found.');
        throw withServerIdAsGiven(err, serverId);
      }
      return undefined;
    },
  });
}
