// Remote consoles: the console actions os-getVNCConsole, os-getSPICEConsole,
// os-getSerialConsole (and the removed os-getRDPConsole) up to 2.5, then
// POST /servers/{server_id}/remote-consoles; each answers a URL through the
// console proxy of the protocol, carrying a new console token.
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import { authorize } from '../context.js';
import { getServer, serverTarget } from '../../compute/lookup.js';
import { getRemoteConsole } from '../../compute/remote-console.js';
import { Invalid } from '../../compute/errors.js';
import type { ConsoleProtocol } from '../../virt/driver.js';
import { createV26, createV28, createV299, getRdpConsoleSchema, getSerialConsoleSchema, getSpiceConsoleSchema, getVncConsoleSchema } from '../schemas/remote-consoles.js';

const POLICY = 'os_compute_api:os-remote-consoles';
const BARE_BAD_REQUEST = 'The server could not comply with the request since it is either malformed or otherwise incorrect.';

export function registerRemoteConsoleRoutes(routes: RouteTable, deps: ApiDeps): void {
  const legacy: ReadonlyArray<[string, ConsoleProtocol, typeof getVncConsoleSchema]> = [
    ['os-getVNCConsole', 'vnc', getVncConsoleSchema],
    ['os-getSPICEConsole', 'spice', getSpiceConsoleSchema],
    ['os-getSerialConsole', 'serial', getSerialConsoleSchema],
  ];
  for (const [name, protocol, schema] of legacy) {
    routes.action('/servers/:server_id', {
      name,
      max: '2.5',
      status: 200,
      body: [{ schema }],
      handler: async ({ ctx, params, body }) => {
        authorize(ctx, POLICY);
        const type = (body as Record<string, { type: string }>)[name]!.type;
        const inst = await getServer(deps.compute, ctx, params['server_id']!);
        const url = await getRemoteConsole(deps.compute, ctx.requestId, inst, protocol, type);
        return { console: { type, url } };
      },
    });
  }
  // RDP consoles went with the Hyper-V driver: the action is refused whatever it names.
  routes.action('/servers/:server_id', {
    name: 'os-getRDPConsole',
    max: '2.5',
    status: 200,
    body: [{ schema: getRdpConsoleSchema }],
    handler: () => {
      throw new Invalid(BARE_BAD_REQUEST);
    },
  });

  routes.route({
    method: 'POST',
    path: '/servers/:server_id/remote-consoles',
    min: '2.6',
    status: 200,
    body: [
      { max: '2.7', schema: createV26 },
      { min: '2.8', max: '2.98', schema: createV28 },
      { min: '2.99', schema: createV299 },
    ],
    handler: async ({ ctx, params, body }) => {
      const inst = await getServer(deps.compute, ctx, params['server_id']!);
      authorize(ctx, POLICY, serverTarget(inst));
      const { protocol, type } = (body as { remote_console: { protocol: string; type: string } }).remote_console;
      if (protocol === 'rdp') throw new Invalid(`Unavailable console type ${protocol}.`);
      const url = await getRemoteConsole(deps.compute, ctx.requestId, inst, protocol as ConsoleProtocol, type);
      return { remote_console: { protocol, type, url } };
    },
  });
}
