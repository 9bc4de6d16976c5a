// POST /servers/{server_id}/action {"rescue": …} / {"unrescue": …}: boot a
// server from a rescue image for repair, and back. rescue answers 200 with
// the admin password (as Nova does, though the work goes on after the
// answer); unrescue answers 202.
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import { authorize, requester } from '../context.js';
import { getServer, serverTarget, serverUserTarget } from '../../compute/lookup.js';
import { generatePassword } from '../../compute/password.js';
import { rescue, unrescue } from '../../compute/rescue.js';
import { rescueSchema, unrescueSchema } from '../schemas/rescue.js';

interface RescueBody {
  readonly adminPass?: string;
  readonly rescue_image_ref?: string;
}

export function registerRescueRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.action('/servers/:server_id', {
    name: 'rescue',
    status: 200,
    body: [{ schema: rescueSchema }],
    async handler(req) {
      const body = (req.body as { rescue: RescueBody | null }).rescue;
      const password = body?.adminPass ?? generatePassword(deps.conf.num('DEFAULT', 'password_length'));
      const inst = await getServer(deps.compute, req.ctx, req.params['server_id']!);
      authorize(req.ctx, 'os_compute_api:os-rescue', serverUserTarget(inst));
      await rescue(deps.compute, deps.images, requester(req.ctx), inst, body?.rescue_image_ref ?? null);
      return deps.conf.bool('api', 'enable_instance_password') ? { adminPass: password } : {};
    },
  });
  routes.action('/servers/:server_id', {
    name: 'unrescue',
    status: 202,
    body: [{ schema: unrescueSchema }],
    async handler(req) {
      const inst = await getServer(deps.compute, req.ctx, req.params['server_id']!);
      authorize(req.ctx, 'os_compute_api:os-unrescue', serverTarget(inst));
      await unrescue(deps.compute, requester(req.ctx), inst);
      return undefined;
    },
  });
}
