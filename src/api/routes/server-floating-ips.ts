// addFloatingIp and removeFloatingIp (2.1–2.43; 404 from 2.44, as in Nova):
// point a floating IP at one of the server's fixed addresses (the one named,
// or its first IPv4 one), or stop it pointing at the server.
import type { RouteTable } from '../router.js';
import { respond } from '../router.js';
import type { ApiDeps } from '../deps.js';
import { authorize } from '../context.js';
import { badRequest, conflict } from '../faults.js';
import { getServer, serverTarget } from '../../compute/lookup.js';
import { asUser } from '../../compute/neutron/as-user.js';
import { refreshAfterPortChange } from '../../compute/neutron/server-ports.js';
import {
  associateFloatingIp,
  disassociateFloatingIp,
  floatingIpByAddress,
  isIpv4,
  serverFixedIps,
  serverIdOfAddress,
} from '../../compute/neutron/floating-ips.js';
import {
  ADD_FLOATING_IP_BODY,
  REMOVE_FLOATING_IP_BODY,
  checkAddress,
  type AddFloatingIpBody,
  type RemoveFloatingIpBody,
} from '../schemas/floating-ips.js';

const POLICY = 'os_compute_api:os-floating-ips';

export function registerServerFloatingIpRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.action('/servers/:server_id', {
    name: 'addFloatingIp',
    max: '2.43',
    status: 202,
    body: [{ schema: ADD_FLOATING_IP_BODY }],
    handler: async ({ ctx, headers, params, body }) => {
      const a = (body as AddFloatingIpBody).addFloatingIp;
      checkAddress('address', a.address);
      checkAddress('fixed_address', a.fixed_address);
      const id = params['server_id']!;
      const inst = await getServer(deps.compute, ctx, id);
      authorize(ctx, `${POLICY}:add`, serverTarget(inst));
      const n = asUser(deps.conf, headers);
      // Nova reads these from the server's network info; here they come from its ports.
      const { ports, ips: fixed } = await serverFixedIps(n, inst.uuid);
      if (ports === 0) throw badRequest('Instance network is not ready yet');
      if (fixed.length === 0) throw badRequest('No fixed IPs associated to instance');
      let chosen = fixed[0]!;
      if (a.fixed_address) {
        const named = fixed.find((f) => f.address === a.fixed_address);
        if (!named) throw badRequest('Specified fixed address not assigned to instance');
        chosen = named;
      } else {
        const v4 = fixed.find((f) => isIpv4(f.address));
        if (!v4)
          throw badRequest(
            `Unable to associate floating IP ${a.address} to any fixed IPs for instance ${id}. Instance has no fixed IPv4 addresses to associate.`,
          );
        chosen = v4;
      }
      await associateFloatingIp(n, id, a.address, chosen.portId, chosen.address);
      await refreshAfterPortChange(deps.compute, inst);
      return respond(202);
    },
  });

  routes.action('/servers/:server_id', {
    name: 'removeFloatingIp',
    max: '2.43',
    status: 202,
    body: [{ schema: REMOVE_FLOATING_IP_BODY }],
    handler: async ({ ctx, headers, params, body }) => {
      const address = (body as RemoveFloatingIpBody).removeFloatingIp.address;
      checkAddress('address', address);
      const id = params['server_id']!;
      const n = asUser(deps.conf, headers);
      const serverId = await serverIdOfAddress(n, address);
      const inst = serverId ? await getServer(deps.compute, ctx, serverId) : undefined;
      // Nova checks against the server the address points at, or against nothing at all.
      authorize(ctx, `${POLICY}:remove`, inst ? serverTarget(inst) : {});
      const fip = await floatingIpByAddress(n, address);
      if (inst && fip['port_id'] && inst.uuid === id) {
        await disassociateFloatingIp(n, address);
        await refreshAfterPortChange(deps.compute, inst);
        return respond(202);
      }
      throw conflict(`Floating IP ${address} is not associated with instance ${id}.`);
    },
  });
}
