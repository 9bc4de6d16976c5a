// GET /os-migrations — every kind of migration record, filtered. Policy comes
// first (no target object): `index` always, `index:all_projects` unless the
// caller filters on their own project (2.80), `index:host` decides whether
// host fields are shown. 2.59 adds paging (newest first, marker = uuid).
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import type { ApiRequest } from '../context.js';
import { authorize, can } from '../context.js';
import { badRequest } from '../faults.js';
import { parseIsoTime } from '../query.js';
import { boolish } from '../validation.js';
import { MIGRATIONS_QUERY } from '../schemas/migrations.js';
import { migrationsNextLinks, osMigrationView } from '../views/migrations.js';
import { listMigrations, MarkerNotFound, type MigrationFilters } from '../../db/live-migrations.js';

const POLICY = 'os_compute_api:os-migrations:index';

export function registerMigrationsRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.route({
    method: 'GET',
    path: '/os-migrations',
    status: 200,
    query: MIGRATIONS_QUERY,
    handler: async ({ ctx, query }: ApiRequest) => {
      authorize(ctx, POLICY);
      const projectId = query.get('project_id');
      if (!projectId || projectId !== ctx.projectId) authorize(ctx, `${POLICY}:all_projects`);
      const showHosts = can(ctx, `${POLICY}:host`);

      const v = ctx.version;
      const paged = v.atLeast('2.59');
      const since = paged && query.has('changes-since') ? parseIsoTime('changes-since', query.get('changes-since')!) : undefined;
      const before = v.atLeast('2.66') && query.has('changes-before') ? parseIsoTime('changes-before', query.get('changes-before')!) : undefined;
      if (since && before && before < since) throw badRequest('The value of changes-since must be less than or equal to changes-before.');

      const opt = (name: string): string | undefined => query.get(name);
      const hidden = opt('hidden');
      const filters: MigrationFilters = {
        ...(opt('host') !== undefined && { host: opt('host') }),
        ...(opt('source_compute') !== undefined && { sourceCompute: opt('source_compute') }),
        ...(opt('instance_uuid') !== undefined && { instanceUuid: opt('instance_uuid') }),
        ...(opt('status') !== undefined && { status: opt('status') }),
        ...(opt('migration_type') !== undefined && { migrationType: opt('migration_type') }),
        ...(hidden !== undefined && { hidden: boolish(hidden) }),
        ...(opt('user_id') !== undefined && { userId: opt('user_id') }),
        ...(projectId !== undefined && { projectId }),
        ...(since && { changesSince: since }),
        ...(before && { changesBefore: before }),
      };
      const limit = paged ? Math.min(Number(query.get('limit') ?? Infinity), deps.conf.num('api', 'max_limit')) : undefined;
      const marker = paged ? query.get('marker') : undefined;
      let rows;
      try {
        rows = await listMigrations(deps.db.kysely, filters, {
          sorted: paged,
          ...(limit !== undefined && { limit }),
          ...(marker !== undefined && { marker }),
        });
      } catch (err) {
        if (err instanceof MarkerNotFound) throw badRequest(err.message);
        throw err;
      }
      const migrations = rows.map((m) => osMigrationView(ctx, m, { showHosts }));
      if (!paged) return { migrations };
      const links = migrationsNextLinks(ctx, rows, limit!);
      return links.length > 0 ? { migrations, migrations_links: links } : { migrations };
    },
  });
}
