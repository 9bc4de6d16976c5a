// migrate (cold migration). Live migration has its own route module.
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import { authorize, requester } from '../context.js';
import { badRequest, withServerIdAsGiven } from '../faults.js';
import { getServer, serverTarget } from '../../compute/lookup.js';
import { ComputeHostNotFound } from '../../compute/errors.js';
import { migrate } from '../../compute/migrate.js';
import { MIGRATE_BODY_V2_56, type MigrateBody } from '../schemas/migrate-server.js';

export function registerMigrateServerRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.action('/servers/:server_id', {
    name: 'migrate',
    status: 202,
    body: [{ min: '2.56', schema: MIGRATE_BODY_V2_56 }],
    handler: async (req) => {
      const serverId = req.params['server_id']!;
      // Below 2.56 the body is not looked at: a host in it is ignored.
      const body = req.body as MigrateBody;
      const host = req.ctx.version.atLeast('2.56') && body.migrate ? (body.migrate.host ?? null) : null;
      const inst = await getServer(deps.compute, req.ctx, serverId);
      authorize(req.ctx, host ? 'os_compute_api:os-migrate-server:migrate:host' : 'os_compute_api:os-migrate-server:migrate', serverTarget(inst));
      try {
        await migrate(deps.compute, requester(req.ctx), inst, host);
      } catch (err) {
        if (err instanceof ComputeHostNotFound) throw badRequest(err.message);
        throw withServerIdAsGiven(err, serverId);
      }
      return undefined;
    },
  });
}
