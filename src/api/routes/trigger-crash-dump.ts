// POST /servers/{server_id}/action {"trigger_crash_dump": null} (2.17+):
// 202, the NMI is injected by the server's host after the answer.
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import { authorize, requester } from '../context.js';
import { withServerIdAsGiven } from '../faults.js';
import { getServer, serverUserTarget } from '../../compute/lookup.js';
import { triggerCrashDump } from '../../compute/crash-dump.js';
import { triggerCrashDumpSchema } from '../schemas/trigger-crash-dump.js';

export function registerTriggerCrashDumpRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.action('/servers/:server_id', {
    name: 'trigger_crash_dump',
    min: '2.17',
    status: 202,
    body: [{ schema: triggerCrashDumpSchema }],
    async handler({ ctx, params }) {
      const id = params['server_id']!;
      const inst = await getServer(deps.compute, ctx, id);
      authorize(ctx, 'os_compute_api:servers:trigger_crash_dump', serverUserTarget(inst));
      try {
        await triggerCrashDump(deps.compute, requester(ctx), inst);
      } catch (err) {
        throw withServerIdAsGiven(err, id, 'trigger_crash_dump');
      }
      return undefined;
    },
  });
}
