// Server actions that change a guest's power state: os-stop, os-start, pause,
// unpause, suspend, resume and reboot.
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import { authorize, requester } from '../context.js';
import { getServer, serverTarget } from '../../compute/lookup.js';
import { POWER_OPERATIONS, requestPowerOperation, type PowerOperation } from '../../compute/power.js';
import type { ApiRequest } from '../context.js';

const REBOOT_SCHEMA = {
  type: 'object',
  properties: {
    reboot: {
      type: 'object',
      properties: { type: { enum: ['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft'] } },
      required: ['type'],
      additionalProperties: false,
    },
  },
  required: ['reboot'],
  additionalProperties: false,
} as const;

export function registerServerPowerRoutes(routes: RouteTable, deps: ApiDeps): void {
  const simple: ReadonlyArray<[string, string, PowerOperation]> = [
    ['os-stop', 'os_compute_api:servers:stop', POWER_OPERATIONS.stop],
    ['os-start', 'os_compute_api:servers:start', POWER_OPERATIONS.start],
    ['pause', 'os_compute_api:os-pause-server:pause', POWER_OPERATIONS.pause],
    ['unpause', 'os_compute_api:os-pause-server:unpause', POWER_OPERATIONS.unpause],
    ['suspend', 'os_compute_api:os-suspend-server:suspend', POWER_OPERATIONS.suspend],
    ['resume', 'os_compute_api:os-suspend-server:resume', POWER_OPERATIONS.resume],
  ];
  const run = async (req: ApiRequest, rule: string, op: PowerOperation): Promise<undefined> => {
    const inst = await getServer(deps.compute, req.ctx, req.params['server_id']!);
    authorize(req.ctx, rule, serverTarget(inst));
    await requestPowerOperation(deps.compute, inst, op, requester(req.ctx));
    return undefined;
  };
  for (const [name, rule, op] of simple) {
    routes.action('/servers/:server_id', { name, status: 202, handler: (req) => run(req, rule, op) });
  }
  routes.action('/servers/:server_id', {
    name: 'reboot',
    status: 202,
    body: [{ schema: REBOOT_SCHEMA }],
    handler: (req) => {
      const type = String((req.body as { reboot: { type: string } }).reboot.type).toUpperCase();
      return run(req, 'os_compute_api:servers:reboot', type === 'HARD' ? POWER_OPERATIONS.hardReboot : POWER_OPERATIONS.softReboot);
    },
  });
}
