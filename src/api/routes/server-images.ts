// POST /servers/{server_id}/action {"createImage": …} / {"createBackup": …}:
// an image of the server's disk. 202; below 2.45 the image's URL is in the
// Location header (createBackup: only when rotation > 0), from 2.45 the body
// is {"image_id": …}.
import type { RouteTable } from '../router.js';
import { respond } from '../router.js';
import type { ApiDeps } from '../deps.js';
import type { RequestContext } from '../context.js';
import { authorize, requester } from '../context.js';
import { getServer, serverTarget } from '../../compute/lookup.js';
import { snapshotServer } from '../../compute/snapshot.js';
import { buildCatalog } from '../../identity/catalog.js';
import { createBackupSchema, createImageSchema } from '../schemas/snapshot.js';

interface SnapshotBody {
  readonly name: string;
  readonly metadata?: Record<string, string>;
  readonly backup_type?: string;
  readonly rotation?: number | string;
}

/** The image service's URL of an image, as Nova's glance client makes it. */
function glanceImageUrl(deps: ApiDeps, id: string): string {
  const glance = buildCatalog(deps.conf).find((e) => e.type === 'image')?.endpoints[0]?.url ?? '';
  return `${glance}/images/${id}`;
}

const answer = (ctx: RequestContext, id: string, location: string | null) =>
  ctx.version.atLeast('2.45') ? respond(202, { image_id: id }) : respond(202, undefined, location !== null ? { Location: location } : undefined);

export function registerServerImageRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.action('/servers/:server_id', {
    name: 'createImage',
    status: 202,
    body: [{ schema: createImageSchema }],
    async handler(req) {
      const body = (req.body as { createImage: SnapshotBody }).createImage;
      const inst = await getServer(deps.compute, req.ctx, req.params['server_id']!);
      authorize(req.ctx, 'os_compute_api:servers:create_image', serverTarget(inst));
      const id = await snapshotServer(deps.compute, deps.imageRegistry, deps.images, requester(req.ctx), inst, {
        name: body.name,
        metadata: body.metadata ?? {},
        checkQuota: req.ctx.version.below('2.39'),
      });
      return answer(req.ctx, id, glanceImageUrl(deps, id));
    },
  });
  routes.action('/servers/:server_id', {
    name: 'createBackup',
    status: 202,
    body: [{ schema: createBackupSchema }],
    async handler(req) {
      const body = (req.body as { createBackup: SnapshotBody }).createBackup;
      const inst = await getServer(deps.compute, req.ctx, req.params['server_id']!);
      authorize(req.ctx, 'os_compute_api:os-create-backup', serverTarget(inst));
      const rotation = Number(body.rotation);
      const id = await snapshotServer(deps.compute, deps.imageRegistry, deps.images, requester(req.ctx), inst, {
        name: body.name,
        metadata: body.metadata ?? {},
        backup: { type: body.backup_type ?? '', rotation },
        checkQuota: req.ctx.version.below('2.39'),
      });
      return answer(req.ctx, id, rotation > 0 ? `${req.ctx.selfBase}/images/${id}` : null);
    },
  });
}
