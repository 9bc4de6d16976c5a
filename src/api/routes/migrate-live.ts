// POST /servers/{server_id}/action {"os-migrateLive": {...}} — live migration.
// Order: schema 400 → lookup 404 → policy 403 (`migrate_live`, or
// `migrate_live:host` when a host is named) → `force` without host 400 →
// lock / state 409 → unknown host 400 → accepted (202). Below 2.34 the
// conductor's pre-check failures come back here as 400.
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import type { ApiRequest } from '../context.js';
import { authorize, requester } from '../context.js';
import { badRequest, withServerIdAsGiven } from '../faults.js';
import { boolish } from '../validation.js';
import { MIGRATE_LIVE_BODY } from '../schemas/migrate-live.js';
import { getServer, serverTarget } from '../../compute/lookup.js';
import { MagnetarError } from '../../compute/errors.js';
import { liveMigrate, LIVE_MIGRATE_ACTION } from '../../compute/live-migrate.js';

const POLICY = 'os_compute_api:os-migrate-server:migrate_live';

interface MigrateLiveBody {
  readonly 'os-migrateLive': {
    readonly block_migration: boolean | string;
    readonly disk_over_commit?: boolean | string;
    readonly host: string | null;
    readonly force?: boolean | string;
  };
}

export function registerMigrateLiveRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.action('/servers/:server_id', {
    name: 'os-migrateLive',
    status: 202,
    body: MIGRATE_LIVE_BODY,
    handler: async (req: ApiRequest) => {
      const { ctx } = req;
      const serverId = req.params['server_id']!;
      const body = (req.body as MigrateLiveBody)['os-migrateLive'];
      const inst = await getServer(deps.compute, ctx, serverId);
      const host = body.host || null;
      authorize(ctx, host ? `${POLICY}:host` : POLICY, serverTarget(inst));

      let forced = host !== null;
      if (ctx.version.within('2.30', '2.67')) {
        forced = body.force !== undefined && boolish(body.force);
        if (forced && host === null) throw badRequest("Can't force to a non-provided destination");
      } else if (ctx.version.atLeast('2.68')) forced = false;
      const v225 = ctx.version.atLeast('2.25');
      const blockMigration = v225 && body.block_migration === 'auto' ? null : boolish(body.block_migration);
      const diskOverCommit = v225 ? null : boolish(body.disk_over_commit);

      try {
        await liveMigrate(
          deps.compute,
          requester(ctx),
          inst,
          { host, forced, blockMigration, diskOverCommit, async: ctx.version.atLeast('2.34') },
        );
      } catch (err) {
        if (err instanceof MagnetarError && err.name === 'ComputeHostNotFound') throw badRequest(err.message);
        throw withServerIdAsGiven(err, serverId, LIVE_MIGRATE_ACTION);
      }
      return undefined;
    },
  });
}
