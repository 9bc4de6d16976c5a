// /servers/{server_id}/migrations — the live migrations of one server in
// progress: list (2.23), show (2.23), force_complete (2.22) and abort (2.24).
// Every call looks the server up (project-scoped 404) before its policy.
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import type { ApiRequest } from '../context.js';
import { authorize, can, requester } from '../context.js';
import { badRequest, notFound, withServerIdAsGiven } from '../faults.js';
import { FORCE_COMPLETE_BODY, SERVER_MIGRATIONS_QUERY } from '../schemas/server-migrations.js';
import { serverMigrationView } from '../views/migrations.js';
import { getServer, serverTarget } from '../../compute/lookup.js';
import { MagnetarError } from '../../compute/errors.js';
import { liveMigrationsInProgress, migrationOfInstance } from '../../db/live-migrations.js';
import { IN_PROGRESS_STATUSES } from '../../db/migrations-repo.js';
import { ABORT_ACTION, FORCE_COMPLETE_ACTION, abortLiveMigration, forceCompleteLiveMigration } from '../../compute/live-migration-control.js';

const POLICY = 'os_compute_api:servers:migrations';
const ITEM = '/servers/:server_id/migrations/:migration_id';

export function registerServerMigrationsRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.route({
    method: 'GET',
    path: '/servers/:server_id/migrations',
    min: '2.23',
    status: 200,
    query: SERVER_MIGRATIONS_QUERY,
    handler: async ({ ctx, params }: ApiRequest) => {
      const inst = await getServer(deps.compute, ctx, params['server_id']!);
      authorize(ctx, `${POLICY}:index`, serverTarget(inst));
      const showHosts = can(ctx, `${POLICY}:index:host`, serverTarget(inst));
      const rows = await liveMigrationsInProgress(deps.db.kysely, inst.uuid);
      return { migrations: rows.map((m) => serverMigrationView(ctx, m, { showHosts })) };
    },
  });

  routes.route({
    method: 'GET',
    path: ITEM,
    min: '2.23',
    status: 200,
    query: SERVER_MIGRATIONS_QUERY,
    handler: async ({ ctx, params }: ApiRequest) => {
      const serverId = params['server_id']!;
      const id = params['migration_id']!;
      const inst = await getServer(deps.compute, ctx, serverId);
      authorize(ctx, `${POLICY}:show`, serverTarget(inst));
      const m = await migrationOfInstance(deps.db.kysely, id, inst.uuid);
      if (!m) throw notFound(`In-progress live migration ${id} is not found for server ${serverId}.`);
      if (m.migration_type !== 'live-migration') throw notFound(`Migration ${id} for server ${serverId} is not live-migration.`);
      if (!IN_PROGRESS_STATUSES.includes(m.status)) throw notFound(`Live migration ${id} for server ${serverId} is not in progress.`);
      return { migration: serverMigrationView(ctx, m, { showHosts: true }) };
    },
  });

  routes.action(ITEM, {
    name: 'force_complete',
    min: '2.22',
    status: 202,
    body: FORCE_COMPLETE_BODY,
    handler: async ({ ctx, params }: ApiRequest) => {
      const serverId = params['server_id']!;
      const inst = await getServer(deps.compute, ctx, serverId);
      authorize(ctx, `${POLICY}:force_complete`, serverTarget(inst));
      try {
        await forceCompleteLiveMigration(deps.compute, requester(ctx), inst, params['migration_id']!);
      } catch (err) {
        // Not found here is the client's mistake about the migration: 400, not 404.
        if (err instanceof MagnetarError && err.name === 'MigrationNotFoundForInstance') throw badRequest(err.message);
        throw withServerIdAsGiven(err, serverId, FORCE_COMPLETE_ACTION);
      }
      return undefined;
    },
  });

  routes.route({
    method: 'DELETE',
    path: ITEM,
    min: '2.24',
    status: 202,
    handler: async ({ ctx, params }: ApiRequest) => {
      const serverId = params['server_id']!;
      const inst = await getServer(deps.compute, ctx, serverId);
      authorize(ctx, `${POLICY}:delete`, serverTarget(inst));
      try {
        await abortLiveMigration(deps.compute, requester(ctx), inst, params['migration_id']!, { abortQueued: ctx.version.atLeast('2.65') });
      } catch (err) {
        throw withServerIdAsGiven(err, serverId, ABORT_ACTION);
      }
      return undefined;
    },
  });
}
