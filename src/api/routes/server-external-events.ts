// POST /os-server-external-events: other services tell the compute service
// about its servers (Neutron: a port changed, was plugged or deleted). Each
// event is answered on its own — 200 accepted, 404 unknown server, 422 no
// host, 400 a tag missing where one is needed — and the whole is 200, or
// 207 when any event failed. network-changed goes on to the server's host,
// which refreshes the server's network info from its ports, as Nova's host
// does; plug events go on to the server's host (and both ends of a move
// under way), where a build or a move may be waiting for them. Plug and
// delete events also refresh the network info here, so it shows the ports'
// state.
import type { RouteTable } from '../router.js';
import { respond } from '../router.js';
import type { ApiDeps } from '../deps.js';
import { authorize } from '../context.js';
import { getInstance } from '../../db/instances.js';
import { refreshAfterPortChange } from '../../compute/neutron/server-ports.js';
import { HOST_EVENTS, castHostEvents, hostsOfServer, type HostEvent } from '../../compute/external-events.js';
import {
  externalEventsV21, externalEventsV251, externalEventsV276, externalEventsV282, externalEventsV293, type ExternalEvent,
} from '../schemas/server-external-events.js';

const TAG_REQUIRED = new Set(['volume-extended', 'power-update', 'accelerator-request-bound']);
/** Events whose server's network info is refreshed here (network-changed is refreshed by the host). */
const REFRESHED_HERE = new Set(['network-vif-plugged', 'network-vif-unplugged', 'network-vif-deleted']);

export function registerServerExternalEventRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.route({
    method: 'POST',
    path: '/os-server-external-events',
    status: 200,
    body: [
      { max: '2.50', schema: externalEventsV21 },
      { min: '2.51', max: '2.75', schema: externalEventsV251 },
      { min: '2.76', max: '2.81', schema: externalEventsV276 },
      { min: '2.82', max: '2.92', schema: externalEventsV282 },
      { min: '2.93', schema: externalEventsV293 },
    ],
    handler: async ({ ctx, body }) => {
      authorize(ctx, 'os_compute_api:os-server-external-events:create', {});
      const events = (body as { events: ExternalEvent[] }).events;
      let status = 200;
      const refresh = new Map<string, Awaited<ReturnType<typeof getInstance>>>();
      const toHosts = new Map<string, HostEvent[]>();
      for (const e of events) {
        const inst = await getInstance(deps.db.kysely, e.server_uuid.toLowerCase());
        e.status = e.status ?? 'completed';
        const given = e.status;
        if (!inst) {
          Object.assign(e, { status: 'failed', code: 404 });
        } else if (TAG_REQUIRED.has(e.name) && e.tag === undefined) {
          Object.assign(e, { status: 'failed', code: 400 });
        } else if (inst.host) {
          Object.assign(e, { status: 'completed', code: 200 });
          if (REFRESHED_HERE.has(e.name)) refresh.set(inst.uuid, inst);
          if (HOST_EVENTS.has(e.name)) {
            for (const host of await hostsOfServer(deps.compute, inst, e.name))
              toHosts.set(host, [...(toHosts.get(host) ?? []), { instance_uuid: inst.uuid, name: e.name, tag: e.tag ?? null, status: given }]);
          }
        } else {
          Object.assign(e, { status: 'failed', code: 422 });
        }
        if (e.code !== 200) status = 207;
      }
      for (const inst of refresh.values()) if (inst) await refreshAfterPortChange(deps.compute, inst);
      await castHostEvents(deps.compute, toHosts, ctx.requestId);
      return respond(status, { events });
    },
  });
}
