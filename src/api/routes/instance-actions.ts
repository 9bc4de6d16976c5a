// GET /servers/{server_id}/os-instance-actions[/{request_id}]: what was done
// to a server, newest first. Server lookup first (deleted servers too from
// 2.21), then policy against the server's project.
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import type { RequestContext } from '../context.js';
import { authorize, can } from '../context.js';
import type { Query } from '../query.js';
import { parseIsoTime } from '../query.js';
import { badRequest, notFound } from '../faults.js';
import { getServer } from '../../compute/lookup.js';
import type { InstanceRow } from '../../db/schema.js';
import { actionByRequestId, ActionMarkerNotFound, eventsOf, listActions, type ActionPage } from '../../db/instance-action-queries.js';
import { actionListQuery, actionListQueryV258, actionListQueryV266, actionShowQuery, actionShowQueryV2102 } from '../schemas/instance-actions.js';
import { actionView, eventView } from '../views/instance-actions.js';
import { collectionLinks, pageLimit } from '../views/paging.js';

const POLICY = 'os_compute_api:os-instance-actions';

export function registerInstanceActionRoutes(routes: RouteTable, deps: ApiDeps): void {
  const server = (ctx: RequestContext, id: string): Promise<InstanceRow> =>
    getServer(deps.compute, ctx, id, { readDeleted: ctx.version.atLeast('2.21') });

  function pageOf(ctx: RequestContext, query: Query): ActionPage {
    if (ctx.version.below('2.58')) return { limit: null };
    const sinceRaw = query.get('changes-since');
    const beforeRaw = query.get('changes-before');
    const changesSince = sinceRaw !== undefined ? parseIsoTime('changes-since', sinceRaw) : undefined;
    const changesBefore = beforeRaw !== undefined ? parseIsoTime('changes-before', beforeRaw) : undefined;
    if (changesSince && changesBefore && changesBefore.getTime() < changesSince.getTime())
      throw badRequest('The value of changes-since must be less than or equal to changes-before.');
    return { limit: pageLimit(deps.conf, query), marker: query.get('marker'), changesSince, changesBefore };
  }

  routes.route({
    method: 'GET',
    path: '/servers/:server_id/os-instance-actions',
    status: 200,
    query: [
      { max: '2.57', schema: actionListQuery },
      { min: '2.58', max: '2.65', schema: actionListQueryV258 },
      { min: '2.66', schema: actionListQueryV266 },
    ],
    handler: async ({ ctx, params, query }) => {
      const serverId = params['server_id']!;
      const inst = await server(ctx, serverId);
      authorize(ctx, `${POLICY}:list`, { project_id: inst.project_id });
      const page = pageOf(ctx, query);
      let actions;
      try {
        actions = await listActions(deps.db.kysely, inst.uuid, page);
      } catch (err) {
        if (err instanceof ActionMarkerNotFound) throw badRequest(`Marker ${page.marker} could not be found.`);
        throw err;
      }
      const out: Record<string, unknown> = { instanceActions: actions.map((a) => actionView(ctx, a)) };
      if (ctx.version.atLeast('2.58')) {
        const links = collectionLinks(ctx, `servers/${serverId}/os-instance-actions`, actions, page.limit!, (a) => a.request_id);
        if (links.length > 0) out['links'] = links;
      }
      return out;
    },
  });

  routes.route({
    method: 'GET',
    path: '/servers/:server_id/os-instance-actions/:request_id',
    status: 200,
    query: [
      { max: '2.101', schema: actionShowQuery },
      { min: '2.102', schema: actionShowQueryV2102 },
    ],
    handler: async ({ ctx, params }) => {
      const inst = await server(ctx, params['server_id']!);
      const target = { project_id: inst.project_id };
      authorize(ctx, `${POLICY}:show`, target);
      const requestId = params['request_id']!;
      const v = ctx.version;
      // Callers with the events policy always see events, with tracebacks; others from 2.51, without.
      const full = can(ctx, `${POLICY}:events`, target);
      const withEvents = full || v.atLeast('2.51');
      // One snapshot: a step that fails marks its event and the action together, and is never seen half done.
      const read = await deps.db.kysely
        .transaction()
        .setIsolationLevel('repeatable read')
        .setAccessMode('read only')
        .execute(async (trx) => {
          const action = await actionByRequestId(trx, inst.uuid, requestId);
          return action && { action, events: withEvents ? await eventsOf(trx, action.id) : [] };
        });
      if (!read) throw notFound(`Action ${requestId} not found`);
      const { action, events } = read;
      const body = actionView(ctx, action);
      if (withEvents) {
        const show = {
          traceback: full,
          host: full && v.atLeast('2.62'),
          hostId: v.atLeast('2.62'),
          details: v.atLeast('2.84') && can(ctx, `${POLICY}:events:details`, target),
        };
        // Actions recorded by periodic tasks have no project: the server's is used for hostId.
        const projectId = action.project_id ?? inst.project_id;
        body['events'] = events.map((e) => eventView(e, projectId, show));
      }
      return { instanceAction: body };
    },
  });
}
