// The compute API's image proxy (2.1–2.35; 404 from 2.36, as in Nova):
// GET /images, /images/detail, /images/{id} and DELETE /images/{id}, read
// from and written to the embedded image service with the caller's rights.
import type { RouteTable } from '../router.js';
import { respond } from '../router.js';
import type { ApiDeps } from '../deps.js';
import type { RequestContext } from '../context.js';
import { Forbidden, NotFound } from '../../compute/errors.js';
import { ImageError, canSee, isPendingMember, type Caller } from '../../image/access.js';
import type { Image } from '../../image/catalog.js';
import { buildCatalog } from '../../identity/catalog.js';

const MAX = '2.35';
const STATUS: Readonly<Record<string, string>> = { active: 'ACTIVE', queued: 'SAVING', saving: 'SAVING', deleted: 'DELETED', pending_delete: 'DELETED', killed: 'ERROR' };
const PROGRESS: Readonly<Record<string, number>> = { queued: 25, saving: 50, active: 100 };
/** Query parameters and the image field each filters on. */
const FILTERS: Readonly<Record<string, (i: Image) => string | number | undefined>> = {
  name: (i) => i.name ?? undefined,
  status: (i) => i.status,
  server: (i) => i.properties['instance_uuid'],
  type: (i) => i.properties['image_type'],
  minRam: (i) => i.min_ram,
  minDisk: (i) => i.min_disk,
};

const callerOf = (ctx: RequestContext): Caller => ({ projectId: ctx.projectId, roles: ctx.isAdmin ? [...ctx.roles, 'admin'] : ctx.roles });
const seconds = (t: string): string => t.replace(/\.\d+Z$/, 'Z');

export function registerImageProxyRoutes(routes: RouteTable, deps: ApiDeps): void {
  const glance = (): string => buildCatalog(deps.conf).find((e) => e.type === 'image')?.endpoints[0]?.url ?? '';
  const links = (ctx: RequestContext, id: string) => [
    { rel: 'self', href: `${ctx.selfBase}/images/${id}` },
    { rel: 'bookmark', href: `${ctx.bookmarkBase}/images/${id}` },
    { rel: 'alternate', type: 'application/vnd.openstack.image', href: `${glance()}/images/${id}` },
  ];
  const basic = (ctx: RequestContext, i: Image) => ({ id: i.id, name: i.name, links: links(ctx, i.id) });
  const detail = (ctx: RequestContext, i: Image): Record<string, unknown> => {
    const out: Record<string, unknown> = {
      id: i.id,
      name: i.name,
      minRam: i.min_ram,
      minDisk: i.min_disk,
      metadata: i.properties,
      created: seconds(i.created_at),
      updated: seconds(i.updated_at),
      status: STATUS[i.status] ?? 'UNKNOWN',
      progress: PROGRESS[i.status] ?? 0,
      'OS-EXT-IMG-SIZE:size': i.size,
      links: links(ctx, i.id),
    };
    const server = i.properties['instance_uuid'];
    if (server !== undefined) {
      out['server'] = {
        id: server,
        links: [
          { rel: 'self', href: `${ctx.selfBase}/servers/${server}` },
          { rel: 'bookmark', href: `${ctx.bookmarkBase}/servers/${server}` },
        ],
      };
    }
    const auto = i.properties['auto_disk_config'];
    if (auto !== undefined) out['OS-DCF:diskConfig'] = ['true', '1', 'yes', 'on', 'y', 't'].includes(auto.toLowerCase()) ? 'AUTO' : 'MANUAL';
    return out;
  };
  const find = (ctx: RequestContext, id: string): Image => {
    const image = deps.imageRegistry.catalog.byId(id);
    if (!image || !canSee(image, callerOf(ctx))) throw new NotFound('Image not found.');
    return image;
  };
  const list = (ctx: RequestContext, query: Readonly<Record<string, string[]>>): Image[] => {
    const one = (k: string): string | undefined => query[k]?.[query[k]!.length - 1];
    let images = deps.imageRegistry.catalog.images.filter((i) => canSee(i, callerOf(ctx)) && !i.os_hidden && (ctx.isAdmin || !isPendingMember(i, callerOf(ctx))));
    for (const [key, field] of Object.entries(FILTERS)) {
      let wanted = one(key);
      if (wanted === undefined) continue;
      if (key === 'server') wanted = wanted.split('/').pop() ?? wanted;
      if (key === 'status') wanted = wanted.toLowerCase();
      const w = wanted;
      images = images.filter((i) => (key === 'minRam' || key === 'minDisk' ? Number(field(i)) >= Number(w) : String(field(i) ?? '') === w));
    }
    for (const [key, values] of Object.entries(query)) {
      if (!key.startsWith('property-')) continue;
      const prop = key.slice('property-'.length);
      images = images.filter((i) => i.properties[prop] === values[values.length - 1]);
    }
    images.sort((a, b) => (a.created_at === b.created_at ? b.id.localeCompare(a.id) : b.created_at.localeCompare(a.created_at)));
    const marker = one('marker');
    if (marker !== undefined) {
      const at = images.findIndex((i) => i.id === marker);
      if (at < 0) throw new NotFound(`Marker ${marker} could not be found.`);
      images = images.slice(at + 1);
    }
    const limit = one('limit');
    if (limit !== undefined && /^\d+$/.test(limit)) images = images.slice(0, Number(limit));
    return images;
  };

  routes.route({
    method: 'GET', path: '/images', status: 200, max: MAX,
    handler: (req) => ({ images: list(req.ctx, req.ctx.rawQuery).map((i) => basic(req.ctx, i)) }),
  });
  routes.route({
    method: 'GET', path: '/images/detail', status: 200, max: MAX,
    handler: (req) => ({ images: list(req.ctx, req.ctx.rawQuery).map((i) => detail(req.ctx, i)) }),
  });
  routes.route({
    method: 'GET', path: '/images/:image_id', status: 200, max: MAX,
    handler: (req) => ({ image: detail(req.ctx, find(req.ctx, req.params['image_id']!)) }),
  });
  routes.route({
    method: 'DELETE', path: '/images/:image_id', status: 204, max: MAX,
    handler: (req) => {
      try {
        deps.imageRegistry.remove(callerOf(req.ctx), req.params['image_id']!);
      } catch (err) {
        if (err instanceof ImageError && err.code === 404) throw new NotFound('Image not found.');
        if (err instanceof ImageError && err.code === 403) throw new Forbidden('You are not allowed to delete the image.');
        throw err;
      }
      return respond(204);
    },
  });
}
