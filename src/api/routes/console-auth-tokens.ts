// GET /os-console-auth-tokens/{console_token}: what a console proxy asks
// of a token (admin). Before 2.31 it served only RDP consoles, which are
// gone, so it is a 400 there; from 2.99 a spice-direct token shows its
// TLS port.
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import { authorize } from '../context.js';
import { Invalid, NotFound } from '../../compute/errors.js';
import { validateConsoleToken } from '../../db/console-auth-tokens.js';
import { noParams, noParamsStrict } from '../schemas/flavors.js';

export function registerConsoleAuthTokenRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.route({
    method: 'GET',
    path: '/os-console-auth-tokens/:console_token',
    status: 200,
    query: [
      { max: '2.98', schema: noParams },
      { min: '2.99', schema: noParamsStrict },
    ],
    handler: async ({ ctx, params }) => {
      const version = ctx.version;
      if (!version.atLeast('2.31')) throw new Invalid('The server could not comply with the request since it is either malformed or otherwise incorrect.');
      authorize(ctx, 'os_compute_api:os-console-auth-tokens');
      const info = await validateConsoleToken(deps.db.kysely, params['console_token']!, deps.clock.now());
      if (!info) throw new NotFound('Token not found');
      return {
        console: {
          instance_uuid: info.instanceUuid,
          host: info.host,
          port: info.port,
          internal_access_path: info.internalAccessPath,
          ...(info.consoleType === 'spice-direct' && version.atLeast('2.99') && { tls_port: info.tlsPort }),
        },
      };
    },
  });
}
