// POST /servers/{id}/action {"rebuild": {...}}: recreate the server from an image.
import type { RouteTable, Versioned } from '../router.js';
import type { ApiDeps } from '../deps.js';
import type { JsonSchema } from '../validation.js';
import { authorize, requester } from '../context.js';
import { getServer, serverTarget } from '../../compute/lookup.js';
import { requestedAutoDiskConfig } from '../../compute/disk-config.js';
import { rebuildServer } from '../../compute/rebuild.js';
import { generatePassword } from '../../compute/password.js';
import { showBody } from './servers.js';
import { injectedFilesOf } from '../injected-files.js';

const METADATA = {
  type: 'object',
  patternProperties: { '^[a-zA-Z0-9-_:. ]{1,255}$': { type: 'string', maxLength: 255 } },
  additionalProperties: false,
} as const;
const NAME = { type: 'string', minLength: 1, maxLength: 255, pattern: '^(?!\\s)[^\\x00-\\x1f\\x7f]*(?<!\\s)$' } as const;
const IPV4 = { type: 'string', pattern: '^(\\d{1,3}\\.){3}\\d{1,3}$' } as const;
const IPV6 = { type: 'string', pattern: '^[0-9a-fA-F:.]+$' } as const;

function rebuildSchema(extra: Record<string, unknown>): JsonSchema {
  return {
    type: 'object',
    properties: {
      rebuild: {
        type: 'object',
        properties: {
          imageRef: { type: 'string', minLength: 1 },
          name: NAME,
          adminPass: { type: 'string' },
          metadata: METADATA,
          preserve_ephemeral: { type: 'boolean' },
          'OS-DCF:diskConfig': { enum: ['AUTO', 'MANUAL'] },
          accessIPv4: IPV4,
          accessIPv6: IPV6,
          ...extra,
        },
        required: ['imageRef'],
        additionalProperties: false,
      },
    },
    required: ['rebuild'],
    additionalProperties: false,
  };
}

const PERSONALITY = { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, contents: { type: 'string' } } } };
const DESCRIPTION = { type: ['string', 'null'], maxLength: 255 };
const KEY_NAME = { type: ['string', 'null'], minLength: 1, maxLength: 255 };
const USER_DATA = { type: ['string', 'null'], maxLength: 65535 };
const CERTS = { type: ['array', 'null'], minItems: 1, maxItems: 50, uniqueItems: true, items: { type: 'string', minLength: 1 } };
const HOSTNAME = { type: 'string', minLength: 1, maxLength: 63, pattern: '^[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$' };
const FQDN = { type: 'string', minLength: 1, maxLength: 255, pattern: '^[a-zA-Z0-9]([a-zA-Z0-9-.]*[a-zA-Z0-9])?$' };

const REBUILD_BODY: readonly Versioned<JsonSchema>[] = [
  { max: '2.18', schema: rebuildSchema({ personality: PERSONALITY }) },
  { min: '2.19', max: '2.53', schema: rebuildSchema({ personality: PERSONALITY, description: DESCRIPTION }) },
  { min: '2.54', max: '2.56', schema: rebuildSchema({ personality: PERSONALITY, description: DESCRIPTION, key_name: KEY_NAME }) },
  { min: '2.57', max: '2.62', schema: rebuildSchema({ description: DESCRIPTION, key_name: KEY_NAME, user_data: USER_DATA }) },
  { min: '2.63', max: '2.89', schema: rebuildSchema({ description: DESCRIPTION, key_name: KEY_NAME, user_data: USER_DATA, trusted_image_certificates: CERTS }) },
  { min: '2.90', max: '2.93', schema: rebuildSchema({ description: DESCRIPTION, key_name: KEY_NAME, user_data: USER_DATA, trusted_image_certificates: CERTS, hostname: HOSTNAME }) },
  { min: '2.94', schema: rebuildSchema({ description: DESCRIPTION, key_name: KEY_NAME, user_data: USER_DATA, trusted_image_certificates: CERTS, hostname: FQDN }) },
];

export function registerServerRebuildRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.action('/servers/:server_id', {
    name: 'rebuild',
    status: 202,
    body: REBUILD_BODY,
    handler: async ({ ctx, params, body }) => {
      const inst = await getServer(deps.compute, ctx, params['server_id']!);
      authorize(ctx, 'os_compute_api:servers:rebuild', serverTarget(inst));
      const r = (body as { rebuild: Record<string, any> }).rebuild;
      const rebuilt = await rebuildServer(
        deps.compute,
        deps.images,
        inst,
        {
          imageRef: r['imageRef'],
          ...(r['name'] !== undefined && { name: r['name'] }),
          ...(r['metadata'] !== undefined && { metadata: r['metadata'] }),
          injectedFiles: injectedFilesOf(r['personality']),
          ...('description' in r && { description: r['description'] }),
          ...(r['accessIPv4'] !== undefined && { accessIPv4: r['accessIPv4'] }),
          ...(r['accessIPv6'] !== undefined && { accessIPv6: r['accessIPv6'] }),
          ...('user_data' in r && { userData: r['user_data'] }),
          ...(r['hostname'] !== undefined && { hostname: r['hostname'] }),
          ...('key_name' in r && { keyName: r['key_name'] }),
          autoDiskConfig: requestedAutoDiskConfig(r['OS-DCF:diskConfig']),
        },
        requester(ctx),
      );
      const extra: Record<string, unknown> = {};
      if (deps.conf.bool('api', 'enable_instance_password'))
        extra['adminPass'] = typeof r['adminPass'] === 'string' ? r['adminPass'] : generatePassword(deps.conf.num('DEFAULT', 'password_length'));
      const out = (await showBody(deps, ctx, rebuilt, 'update', extra)) as { server: Record<string, unknown> };
      // From 2.57 rebuild can set user_data, and its answer shows it at the top level.
      if (ctx.version.atLeast('2.57')) {
        delete out.server['OS-EXT-SRV-ATTR:user_data'];
        out.server['user_data'] = rebuilt.user_data;
      }
      return out;
    },
  });
}
