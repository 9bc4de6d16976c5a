// POST /servers/{server_id}/action {"shelve": …} / {"shelveOffload": …} /
// {"unshelve": …}: put a server's disk aside in an image and free its host,
// and bring it back. All answer 202 with no body. unshelve takes a body from
// 2.77 (an availability zone, for an offloaded server) and from 2.91 a host
// (admins) or a null zone that unpins the server.
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import { authorize, requester } from '../context.js';
import { badRequest, withServerIdAsGiven } from '../faults.js';
import { getServer, serverTarget, serverUserTarget } from '../../compute/lookup.js';
import { ComputeHostNotFound } from '../../compute/errors.js';
import { shelve, shelveOffload, unshelve } from '../../compute/shelve.js';
import { shelveOffloadSchema, shelveSchema, unshelveSchema, unshelveV277Schema, unshelveV291Schema } from '../schemas/shelve.js';

const POLICY = 'os_compute_api:os-shelve';

interface UnshelveBody {
  readonly availability_zone?: string | null;
  readonly host?: string;
}

export function registerShelveRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.action('/servers/:server_id', {
    name: 'shelve',
    status: 202,
    body: [{ schema: shelveSchema }],
    async handler(req) {
      const id = req.params['server_id']!;
      const inst = await getServer(deps.compute, req.ctx, id);
      authorize(req.ctx, `${POLICY}:shelve`, serverUserTarget(inst));
      try {
        await shelve(deps.compute, deps.imageRegistry, deps.images, requester(req.ctx), inst);
      } catch (err) {
        throw withServerIdAsGiven(err, id, 'shelve');
      }
      return undefined;
    },
  });

  routes.action('/servers/:server_id', {
    name: 'shelveOffload',
    status: 202,
    body: [{ schema: shelveOffloadSchema }],
    async handler(req) {
      const id = req.params['server_id']!;
      const inst = await getServer(deps.compute, req.ctx, id);
      authorize(req.ctx, `${POLICY}:shelve_offload`, serverUserTarget(inst));
      try {
        await shelveOffload(deps.compute, requester(req.ctx), inst);
      } catch (err) {
        throw withServerIdAsGiven(err, id, 'shelveOffload');
      }
      return undefined;
    },
  });

  routes.action('/servers/:server_id', {
    name: 'unshelve',
    status: 202,
    body: [
      { max: '2.76', schema: unshelveSchema },
      { min: '2.77', max: '2.90', schema: unshelveV277Schema },
      { min: '2.91', schema: unshelveV291Schema },
    ],
    async handler(req) {
      const id = req.params['server_id']!;
      const inst = await getServer(deps.compute, req.ctx, id);
      authorize(req.ctx, `${POLICY}:unshelve`, serverTarget(inst));
      // Below 2.77 the value is not looked at; a zone counts only when it is in the body.
      const raw = (req.body as { unshelve: unknown }).unshelve;
      const body = req.ctx.version.atLeast('2.77') && raw !== null && typeof raw === 'object' ? (raw as UnshelveBody) : {};
      const host = req.ctx.version.atLeast('2.91') ? (body.host ?? null) : null;
      try {
        await unshelve(deps.compute, requester(req.ctx), inst, {
          ...('availability_zone' in body && { availabilityZone: body.availability_zone ?? null }),
          host,
          authorizeHost: () => authorize(req.ctx, `${POLICY}:unshelve_to_host`, serverUserTarget(inst)),
        });
      } catch (err) {
        if (err instanceof ComputeHostNotFound) throw badRequest(err.message);
        throw withServerIdAsGiven(err, id, 'unshelve');
      }
      return undefined;
    },
  });
}
