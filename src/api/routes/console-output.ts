// os-getConsoleOutput: the tail of a server's console log, read from the
// compute host that runs it.
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import { authorize } from '../context.js';
import { getServer, serverTarget } from '../../compute/lookup.js';
import { getConsoleOutput } from '../../compute/console-output.js';
import { CONSOLE_OUTPUT_BODY, type ConsoleOutputBody } from '../schemas/console-output.js';

/** Control characters other than tab and newline never reach the client. */
const CONTROL = /[\x00-\x08\x0b-\x1f]/g;

export function registerConsoleOutputRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.action('/servers/:server_id', {
    name: 'os-getConsoleOutput',
    status: 200,
    body: [{ schema: CONSOLE_OUTPUT_BODY }],
    handler: async ({ ctx, params, body }) => {
      const inst = await getServer(deps.compute, ctx, params['server_id']!);
      authorize(ctx, 'os_compute_api:os-console-output', serverTarget(inst));
      const length = (body as ConsoleOutputBody)['os-getConsoleOutput'].length ?? null;
      const output = await getConsoleOutput(deps.compute, ctx.requestId, inst, length);
      return { output: output.replace(CONTROL, '') };
    },
  });
}
