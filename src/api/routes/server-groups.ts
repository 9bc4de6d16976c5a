// /os-server-groups: list (the project's, or every project's for an admin
// asking all_projects, paged by limit and offset), create, show, delete
// (api-ref os-server-groups.inc). A group that does not exist is 404 before
// any policy check, as in Nova.
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import { authorize } from '../context.js';
import { getServerGroup, listServerGroups, type ServerGroupPolicy, type ServerGroupRules } from '../../db/server-groups.js';
import { InstanceGroupNotFound, createServerGroup, deleteServerGroup } from '../../compute/server-groups.js';
import { SERVER_GROUP_CREATE, SERVER_GROUP_LIST_QUERY, SERVER_GROUP_SHOW_QUERY } from '../schemas/server-groups.js';
import { serverGroupView } from '../views/server-groups.js';

const POLICY = 'os_compute_api:os-server-groups';

interface CreateBody {
  server_group: { name: string; policies?: ServerGroupPolicy[]; policy?: ServerGroupPolicy; rules?: Record<string, number | string> };
}

function rulesOf(raw: Record<string, number | string> | undefined): ServerGroupRules {
  const max = raw?.['max_server_per_host'];
  return max === undefined ? {} : { max_server_per_host: Number(max) };
}

export function registerServerGroupRoutes(routes: RouteTable, deps: ApiDeps): void {
  const svc = deps.compute;

  routes.route({
    method: 'GET',
    path: '/os-server-groups',
    status: 200,
    query: SERVER_GROUP_LIST_QUERY,
    handler: async ({ ctx, query }) => {
      authorize(ctx, `${POLICY}:index`, { project_id: ctx.projectId });
      // A non-admin asking for all projects gets their own, as Nova answers.
      let groups;
      if (query.has('all_projects') && ctx.isAdmin) {
        authorize(ctx, `${POLICY}:index:all_projects`, { project_id: ctx.projectId });
        groups = await listServerGroups(deps.db.kysely);
      } else {
        groups = await listServerGroups(deps.db.kysely, ctx.projectId);
      }
      const max = deps.conf.num('api', 'max_limit');
      const offset = Number(query.get('offset') ?? 0);
      const limit = Math.min(max, Number(query.get('limit') ?? 0) || max);
      return { server_groups: groups.slice(offset, offset + limit).map((g) => serverGroupView(ctx, g)) };
    },
  });

  routes.route({
    method: 'POST',
    path: '/os-server-groups',
    status: 200,
    body: SERVER_GROUP_CREATE,
    handler: async ({ ctx, body }) => {
      authorize(ctx, `${POLICY}:create`, { project_id: ctx.projectId });
      const sg = (body as CreateBody).server_group;
      const v = ctx.version;
      const created = await createServerGroup(svc, {
        name: sg.name,
        policy: v.atLeast('2.64') ? sg.policy! : sg.policies![0]!,
        rules: v.atLeast('2.64') ? rulesOf(sg.rules) : {},
        projectId: ctx.projectId,
        userId: ctx.userId,
      });
      return { server_group: serverGroupView(ctx, created) };
    },
  });

  routes.route({
    method: 'GET',
    path: '/os-server-groups/:server_group_id',
    status: 200,
    query: SERVER_GROUP_SHOW_QUERY,
    handler: async ({ ctx, params }) => {
      const id = params['server_group_id']!;
      const g = await getServerGroup(deps.db.kysely, id);
      if (!g) throw new InstanceGroupNotFound(id);
      authorize(ctx, `${POLICY}:show`, { project_id: g.projectId });
      return { server_group: serverGroupView(ctx, g) };
    },
  });

  routes.route({
    method: 'DELETE',
    path: '/os-server-groups/:server_group_id',
    status: 204,
    handler: async ({ ctx, params }) => {
      const id = params['server_group_id']!;
      const g = await getServerGroup(deps.db.kysely, id);
      if (!g) throw new InstanceGroupNotFound(id);
      authorize(ctx, `${POLICY}:delete`, { project_id: g.projectId });
      await deleteServerGroup(svc, g);
      return undefined;
    },
  });
}
