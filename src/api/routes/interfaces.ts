// /servers/{server_id}/os-interface: the server's ports as interface
// attachments (list, show), and attaching or detaching one (Nova's
// attach_interfaces API). The network service is asked as the caller.
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import { authorize, can, requester, type RequestContext } from '../context.js';
import { badRequest } from '../faults.js';
import { getServer, serverTarget } from '../../compute/lookup.js';
import { noParams, noParamsStrict } from '../schemas/flavors.js';
import { ATTACH_BODY } from '../schemas/interfaces.js';
import { attachInterface, detachInterface, interfaceTags, serverInterface, serverInterfaces } from '../../compute/interfaces.js';

const P = 'os_compute_api:os-attach-interfaces';

const readQuery = [
  { max: '2.101', schema: noParams },
  { min: '2.102', schema: noParamsStrict },
];

function attachmentView(ctx: RequestContext, port: Record<string, unknown>, tags: ReadonlyMap<string, string>): Record<string, unknown> {
  return {
    net_id: port['network_id'],
    port_id: port['id'],
    mac_addr: port['mac_address'],
    port_state: port['status'],
    fixed_ips: port['fixed_ips'] ?? null,
    ...(ctx.version.atLeast('2.70') && { tag: tags.get(String(port['id'])) ?? null }),
  };
}

export function registerInterfaceRoutes(routes: RouteTable, deps: ApiDeps): void {
  const base = '/servers/:server_id/os-interface';

  routes.route({
    method: 'GET',
    path: base,
    status: 200,
    query: readQuery,
    handler: async ({ ctx, params }) => {
      const inst = await getServer(deps.compute, ctx, params['server_id']!);
      authorize(ctx, `${P}:list`, serverTarget(inst));
      const ports = await serverInterfaces(deps.compute, inst, ctx.authToken);
      const tags = await interfaceTags(deps.compute, inst);
      return { interfaceAttachments: ports.map((p) => attachmentView(ctx, p, tags)) };
    },
  });

  routes.route({
    method: 'GET',
    path: `${base}/:port_id`,
    status: 200,
    query: readQuery,
    handler: async ({ ctx, params }) => {
      const inst = await getServer(deps.compute, ctx, params['server_id']!);
      authorize(ctx, `${P}:show`, serverTarget(inst));
      const port = await serverInterface(deps.compute, inst, params['port_id']!, ctx.authToken);
      return { interfaceAttachment: attachmentView(ctx, port, await interfaceTags(deps.compute, inst)) };
    },
  });

  routes.route({
    method: 'POST',
    path: base,
    status: 200,
    body: ATTACH_BODY,
    handler: async ({ ctx, params, body }) => {
      const inst = await getServer(deps.compute, ctx, params['server_id']!);
      authorize(ctx, `${P}:create`, serverTarget(inst));
      const a = ((body as { interfaceAttachment?: Record<string, unknown> } | undefined)?.interfaceAttachment ?? {}) as {
        net_id?: string;
        port_id?: string;
        fixed_ips?: Array<{ ip_address: string }>;
        tag?: string;
      };
      const fixedIp = a.fixed_ips?.[0]?.ip_address;
      if (a.net_id && a.port_id) throw badRequest('Must not input both network_id and port_id');
      if (fixedIp && !a.net_id) throw badRequest('Must input network_id when request IP address');
      const portId = await attachInterface(
        deps.compute,
        requester(ctx),
        inst,
        { ...(a.net_id && { networkId: a.net_id }), ...(a.port_id && { portId: a.port_id }), ...(fixedIp && { fixedIp }), ...(a.tag && { tag: a.tag }) },
        { token: ctx.authToken, mayAttachExternal: can(ctx, 'network:attach_external_network', serverTarget(inst)) },
      );
      const port = await serverInterface(deps.compute, inst, portId, ctx.authToken);
      return { interfaceAttachment: attachmentView(ctx, port, await interfaceTags(deps.compute, inst)) };
    },
  });

  routes.route({
    method: 'DELETE',
    path: `${base}/:port_id`,
    status: 202,
    handler: async ({ ctx, params }) => {
      const inst = await getServer(deps.compute, ctx, params['server_id']!);
      authorize(ctx, `${P}:delete`, serverTarget(inst));
      await detachInterface(deps.compute, requester(ctx), inst, params['port_id']!);
      return undefined;
    },
  });
}
