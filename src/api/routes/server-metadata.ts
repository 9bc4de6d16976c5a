// /servers/{server_id}/metadata[/{key}]: list, merge (POST, answered 200 as
// Nova does), replace all (PUT), and one item shown, set or deleted. Reading
// is for the project's readers, changing for its members.
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import { authorize, requester } from '../context.js';
import { badRequest, withServerIdAsGiven } from '../faults.js';
import { getServer, serverTarget } from '../../compute/lookup.js';
import { deleteMetadataItem, metadataOf, MetadataItemNotFound, replaceMetadata, updateMetadata, type Metadata } from '../../compute/server-metadata.js';
import { metadataBody, metaItemBody } from '../schemas/server-metadata.js';
import { noParams, noParamsStrict } from '../schemas/flavors.js';

const POLICY = 'os_compute_api:server-metadata';

const readQuery = [
  { max: '2.101', schema: noParams },
  { min: '2.102', schema: noParamsStrict },
];

export function registerServerMetadataRoutes(routes: RouteTable, deps: ApiDeps): void {
  const base = '/servers/:server_id/metadata';

  routes.route({
    method: 'GET',
    path: base,
    status: 200,
    query: readQuery,
    handler: async ({ ctx, params }) => {
      const inst = await getServer(deps.compute, ctx, params['server_id']!);
      authorize(ctx, `${POLICY}:index`, serverTarget(inst));
      return { metadata: metadataOf(inst) };
    },
  });

  routes.route({
    method: 'POST',
    path: base,
    status: 200,
    body: [{ schema: metadataBody }],
    handler: async ({ ctx, params, body }) => {
      const inst = await getServer(deps.compute, ctx, params['server_id']!);
      authorize(ctx, `${POLICY}:create`, serverTarget(inst));
      const items = (body as { metadata: Metadata }).metadata;
      return { metadata: await updateMetadata(deps.compute, requester(ctx), inst, items) };
    },
  });

  routes.route({
    method: 'PUT',
    path: base,
    status: 200,
    body: [{ schema: metadataBody }],
    handler: async ({ ctx, params, body }) => {
      const inst = await getServer(deps.compute, ctx, params['server_id']!);
      authorize(ctx, `${POLICY}:update_all`, serverTarget(inst));
      const items = (body as { metadata: Metadata }).metadata;
      return { metadata: await replaceMetadata(deps.compute, requester(ctx), inst, items) };
    },
  });

  routes.route({
    method: 'GET',
    path: `${base}/:key`,
    status: 200,
    query: readQuery,
    handler: async ({ ctx, params }) => {
      const inst = await getServer(deps.compute, ctx, params['server_id']!);
      authorize(ctx, `${POLICY}:show`, serverTarget(inst));
      const key = params['key']!;
      const metadata = metadataOf(inst);
      if (!Object.prototype.hasOwnProperty.call(metadata, key)) throw new MetadataItemNotFound();
      return { meta: { [key]: metadata[key] } };
    },
  });

  routes.route({
    method: 'PUT',
    path: `${base}/:key`,
    status: 200,
    body: [{ schema: metaItemBody }],
    handler: async ({ ctx, params, body }) => {
      const inst = await getServer(deps.compute, ctx, params['server_id']!);
      authorize(ctx, `${POLICY}:update`, serverTarget(inst));
      const meta = (body as { meta: Metadata }).meta;
      if (!Object.prototype.hasOwnProperty.call(meta, params['key']!)) throw badRequest('Request body and URI mismatch');
      await updateMetadata(deps.compute, requester(ctx), inst, meta);
      return { meta };
    },
  });

  routes.route({
    method: 'DELETE',
    path: `${base}/:key`,
    status: 204,
    handler: async ({ ctx, params }) => {
      const id = params['server_id']!;
      const inst = await getServer(deps.compute, ctx, id);
      authorize(ctx, `${POLICY}:delete`, serverTarget(inst));
      try {
        await deleteMetadataItem(deps.compute, requester(ctx), inst, params['key']!);
      } catch (err) {
        throw withServerIdAsGiven(err, id);
      }
      return undefined;
    },
  });
}
