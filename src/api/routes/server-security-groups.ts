// A server's security groups, which are its ports' groups in the network
// service: GET /servers/{id}/os-security-groups, and the addSecurityGroup and
// removeSecurityGroup actions, which change every port of the server. Nova
// keeps these at every microversion.
import type { RouteTable } from '../router.js';
import { respond } from '../router.js';
import type { ApiDeps } from '../deps.js';
import { authorize } from '../context.js';
import { badRequest } from '../faults.js';
import { getServer, serverTarget } from '../../compute/lookup.js';
import { refreshAfterPortChange } from '../../compute/neutron/server-ports.js';
import { asUser } from '../../compute/neutron/as-user.js';
import { addGroupToServer, removeGroupFromServer, serverGroups, sourceGroups } from '../../compute/neutron/security-groups.js';
import { SERVER_GROUPS_QUERY, actionBody } from '../schemas/security-groups.js';
import { groupView, sortedGroups } from '../views/security-groups.js';

const POLICY = 'os_compute_api:os-security-groups';

function groupName(body: unknown, action: string): string {
  const name = (body as Record<string, { name: string }>)[action]!.name;
  if (name.trim() === '') throw badRequest('Security group name cannot be empty');
  return name;
}

export function registerServerSecurityGroupRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.route({
    method: 'GET',
    path: '/servers/:server_id/os-security-groups',
    status: 200,
    query: [{ min: '2.102', schema: SERVER_GROUPS_QUERY }],
    handler: async ({ ctx, headers, params }) => {
      const inst = await getServer(deps.compute, ctx, params['server_id']!);
      authorize(ctx, `${POLICY}:list`, serverTarget(inst));
      const n = asUser(deps.conf, headers);
      const groups = await serverGroups(n, inst.uuid);
      const sources = await sourceGroups(n, groups);
      return { security_groups: sortedGroups(groups.map((g) => groupView(g, sources))) };
    },
  });

  for (const [action, change] of [
    ['addSecurityGroup', addGroupToServer],
    ['removeSecurityGroup', removeGroupFromServer],
  ] as const) {
    routes.action('/servers/:server_id', {
      name: action,
      status: 202,
      body: [{ schema: actionBody(action) }],
      handler: async ({ ctx, headers, params, body }) => {
        const inst = await getServer(deps.compute, ctx, params['server_id']!);
        authorize(ctx, `${POLICY}:${action === 'addSecurityGroup' ? 'add' : 'remove'}`, serverTarget(inst));
        const name = groupName(body, action);
        await change(asUser(deps.conf, headers), inst.uuid, ctx.projectId, name);
        await refreshAfterPortChange(deps.compute, inst);
        return respond(202);
      },
    });
  }
}
