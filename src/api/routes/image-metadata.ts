// The compute API's image metadata proxy (2.1–2.38; 404 from 2.39, as in
// Nova): an image's properties read and written through the image service
// with the caller's rights. Writes count against the metadata_items quota.
import type { RouteTable } from '../router.js';
import { respond } from '../router.js';
import type { ApiDeps } from '../deps.js';
import type { RequestContext } from '../context.js';
import { Forbidden, Invalid, NotFound } from '../../compute/errors.js';
import { ImageError, canSee, type Caller } from '../../image/access.js';
import type { Image } from '../../image/catalog.js';
import type { PatchOp } from '../../image/registry.js';
import { imageMetadataSchema, imageMetaItemSchema } from '../schemas/image-metadata.js';
import { checkImageMetadataQuota } from '../../compute/snapshot.js';

const MAX = '2.38';

const callerOf = (ctx: RequestContext): Caller => ({ projectId: ctx.projectId, roles: ctx.isAdmin ? [...ctx.roles, 'admin'] : ctx.roles });

export function registerImageMetadataRoutes(routes: RouteTable, deps: ApiDeps): void {
  const find = (ctx: RequestContext, id: string): Image => {
    const image = deps.imageRegistry.catalog.byId(id);
    if (!image || !canSee(image, callerOf(ctx))) throw new NotFound('Image not found.');
    return image;
  };
  /** Makes the image's properties exactly `wanted`. */
  const store = async (ctx: RequestContext, image: Image, wanted: Readonly<Record<string, string>>): Promise<void> => {
    await checkImageMetadataQuota(deps.compute, ctx.projectId, ctx.userId, Object.keys(wanted).length);
    const ops: PatchOp[] = [
      ...Object.keys(image.properties).filter((k) => !(k in wanted)).map((k): PatchOp => ({ op: 'remove', path: `/${k.replace(/~/g, '~0').replace(/\//g, '~1')}` })),
      ...Object.entries(wanted).map(([k, v]): PatchOp => ({ op: 'add', path: `/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`, value: v })),
    ];
    try {
      deps.imageRegistry.patch(callerOf(ctx), image.id, ops);
    } catch (err) {
      if (err instanceof ImageError) {
        if (err.code === 404) throw new NotFound('Image not found.');
        if (err.code === 400) throw new Invalid(err.message);
        throw new Forbidden(err.message);
      }
      throw err;
    }
  };

  const path = '/images/:image_id/metadata';
  routes.route({
    method: 'GET', path, status: 200, max: MAX,
    handler: (req) => ({ metadata: find(req.ctx, req.params['image_id']!).properties }),
  });
  routes.route({
    method: 'GET', path: `${path}/:key`, status: 200, max: MAX,
    handler: (req) => {
      const props = find(req.ctx, req.params['image_id']!).properties;
      const key = req.params['key']!;
      if (!(key in props)) throw new NotFound('The resource could not be found.');
      return { meta: { [key]: props[key] } };
    },
  });
  routes.route({
    method: 'POST', path, status: 200, max: MAX, body: [{ schema: imageMetadataSchema }],
    handler: async (req) => {
      const image = find(req.ctx, req.params['image_id']!);
      const merged = { ...image.properties, ...(req.body as { metadata: Record<string, string> }).metadata };
      await store(req.ctx, image, merged);
      return { metadata: merged };
    },
  });
  routes.route({
    method: 'PUT', path, status: 200, max: MAX, body: [{ schema: imageMetadataSchema }],
    handler: async (req) => {
      const wanted = (req.body as { metadata: Record<string, string> }).metadata;
      await store(req.ctx, find(req.ctx, req.params['image_id']!), wanted);
      return { metadata: wanted };
    },
  });
  routes.route({
    method: 'PUT', path: `${path}/:key`, status: 200, max: MAX, body: [{ schema: imageMetaItemSchema }],
    handler: async (req) => {
      const meta = (req.body as { meta: Record<string, string> }).meta;
      const key = req.params['key']!;
      if (!(key in meta)) throw new Invalid('Request body and URI mismatch');
      const image = find(req.ctx, req.params['image_id']!);
      await store(req.ctx, image, { ...image.properties, [key]: meta[key]! });
      return { meta };
    },
  });
  routes.route({
    method: 'DELETE', path: `${path}/:key`, status: 204, max: MAX,
    handler: async (req) => {
      const image = find(req.ctx, req.params['image_id']!);
      const key = req.params['key']!;
      if (!(key in image.properties)) throw new NotFound('Invalid metadata key');
      const rest = { ...image.properties };
      delete rest[key];
      await store(req.ctx, image, rest);
      return respond(204);
    },
  });
}
