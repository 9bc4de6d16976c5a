// Magnetar's own extension (not part of Nova's API): the lifecycle of the
// simulated compute hosts, admin only (policy magnetar:hosts).
//   GET  /magnetar/hosts                                 200 {"hosts": [{"host", "state"}]}
//   POST /magnetar/hosts/{host}/action {"stop": null}    200 {"host": {"host", "state"}} once stopped
//                                      {"crash": null}   … once crashed (its guests lost power)
//                                      {"start": null}   … once started (and recovered)
// 404 for a host that is not a compute host; 409 when its process does not
// answer or refuses the transition.
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import type { ApiRequest } from '../context.js';
import { authorize } from '../context.js';
import { hostActionBody } from '../schemas/magnetar-hosts.js';
import { hostStateView } from '../views/magnetar-hosts.js';
import { HOST_ACTIONS, changeHostState, listHostStates } from '../../compute/host-lifecycle.js';

const RULE = 'magnetar:hosts';

export function registerMagnetarHostRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.route({
    method: 'GET',
    path: '/magnetar/hosts',
    status: 200,
    async handler(req: ApiRequest) {
      authorize(req.ctx, RULE);
      return { hosts: (await listHostStates(deps.compute)).map(hostStateView) };
    },
  });

  for (const action of HOST_ACTIONS) {
    routes.action('/magnetar/hosts/:host', {
      name: action,
      status: 200,
      body: [{ schema: hostActionBody(action) }],
      async handler(req: ApiRequest) {
        authorize(req.ctx, RULE);
        return { host: hostStateView(await changeHostState(deps.compute, req.params['host']!, action)) };
      },
    });
  }
}
