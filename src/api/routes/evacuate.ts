// POST /servers/{server_id}/action {"evacuate": ...} — rebuild a server of a
// failed (down or forced-down) host on another host. 200 at every version;
// below 2.14 the body carries the admin password.
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import type { ApiRequest } from '../context.js';
import { authorize, requester } from '../context.js';
import { badRequest, notFound, withServerIdAsGiven } from '../faults.js';
import { boolish } from '../validation.js';
import { getServer, serverUserTarget } from '../../compute/lookup.js';
import { generatePassword } from '../../compute/password.js';
import { EVACUATE_ACTION, checkComputesSupportStoppedEvacuate, evacuate, isComputeHost } from '../../compute/evacuate.js';
import { evacuateV21, evacuateV214, evacuateV229 } from '../schemas/evacuate.js';

interface EvacuateBody {
  readonly host?: string;
  readonly onSharedStorage?: boolean | string;
  readonly adminPass?: string;
  readonly force?: boolean | string;
}

export function registerEvacuateRoutes(routes: RouteTable, deps: ApiDeps): void {
  const svc = deps.compute;

  const handler = async (req: ApiRequest): Promise<{ adminPass: string | null } | undefined> => {
    const { ctx } = req;
    const v = ctx.version;
    const serverId = req.params['server_id']!;
    const body = (req.body as { evacuate: EvacuateBody }).evacuate;
    const inst = await getServer(svc, ctx, serverId);
    authorize(ctx, 'os_compute_api:os-evacuate', serverUserTarget(inst));

    const host = body.host ?? null;
    let targetState: 'stopped' | null = null;
    if (v.atLeast('2.95')) {
      await checkComputesSupportStoppedEvacuate(svc);
      targetState = 'stopped';
    }
    const onSharedStorage = v.below('2.14') ? boolish(body.onSharedStorage) : null;
    let forced = host !== null && v.below('2.29');
    if (v.within('2.29', '2.67')) {
      forced = boolish(body.force ?? false);
      if (forced && !host) throw badRequest("Can't force to a non-provided destination");
    }
    const length = deps.conf.num('DEFAULT', 'password_length');
    let password: string | null;
    if (v.atLeast('2.14')) {
      password = body.adminPass ?? generatePassword(length);
    } else if (body.adminPass !== undefined) {
      // The disk is reused as it is: a new password could not be set in it.
      if (onSharedStorage) throw badRequest("admin password can't be changed on existing disk");
      password = body.adminPass;
    } else {
      password = onSharedStorage ? null : generatePassword(length);
    }
    if (host !== null && !(await isComputeHost(svc, host))) throw notFound(`Compute host ${host} not found.`);
    if (inst.host === host) throw badRequest("The target host can't be the same one.");

    try {
      await evacuate(
        svc,
        requester(ctx),
        inst,
        { host, forced, targetState, onSharedStorage },
      );
    } catch (err) {
      throw withServerIdAsGiven(err, serverId, EVACUATE_ACTION);
    }
    if (v.below('2.14') && deps.conf.bool('api', 'enable_instance_password')) return { adminPass: password };
    return undefined;
  };

  routes.action('/servers/:server_id', {
    name: 'evacuate',
    status: 200,
    body: [
      { max: '2.13', schema: evacuateV21 },
      { min: '2.14', max: '2.28', schema: evacuateV214 },
      { min: '2.29', max: '2.67', schema: evacuateV229 },
      { min: '2.68', schema: evacuateV214 },
    ],
    handler,
  });
}
