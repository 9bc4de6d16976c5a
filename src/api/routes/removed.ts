// APIs Nova has removed (nova-network, cells v1, cloudpipe, certificates, the
// XenAPI agents, fping, the old consoles): every method Nova still routes
// answers 410 Gone, at every version, for everyone, before any lookup or
// policy. The resetNetwork server action, gone the same way, lives with the
// other admin actions.
import type { RouteDef, RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import { HttpFault } from '../faults.js';

export const GONE_MESSAGE = 'This resource is no longer available. No forwarding address is given.';

const gone = (): never => {
  throw new HttpFault(410, GONE_MESSAGE);
};

/** Path → the methods Nova routes there (as its routes table does). */
export const REMOVED_ROUTES: ReadonlyArray<readonly [string, ReadonlyArray<RouteDef['method']>]> = [
  ['/os-agents', ['GET', 'POST']],
  ['/os-agents/:id', ['PUT', 'DELETE']],
  ['/os-cells', ['GET', 'POST']],
  ['/os-cells/capacities', ['GET']],
  ['/os-cells/detail', ['GET']],
  ['/os-cells/info', ['GET']],
  ['/os-cells/sync_instances', ['POST']],
  ['/os-cells/:id', ['GET', 'PUT', 'DELETE']],
  ['/os-cells/:id/capacities', ['GET']],
  ['/os-certificates', ['POST']],
  ['/os-certificates/:id', ['GET']],
  ['/os-cloudpipe', ['GET', 'POST']],
  ['/os-cloudpipe/:id', ['PUT']],
  ['/os-fixed-ips/:id', ['GET']],
  ['/os-floating-ip-dns', ['GET']],
  ['/os-floating-ip-dns/:id', ['PUT', 'DELETE']],
  ['/os-floating-ip-dns/:domain_id/entries/:id', ['GET', 'PUT', 'DELETE']],
  ['/os-floating-ips-bulk', ['GET', 'POST']],
  ['/os-floating-ips-bulk/:id', ['GET', 'PUT']],
  ['/os-fping', ['GET']],
  ['/os-fping/:id', ['GET']],
  ['/os-networks', ['POST']],
  ['/os-networks/add', ['POST']],
  ['/os-networks/:id', ['DELETE']],
  ['/os-security-group-default-rules', ['GET', 'POST']],
  ['/os-security-group-default-rules/:id', ['GET', 'DELETE']],
  ['/os-tenant-networks', ['POST']],
  ['/os-tenant-networks/:id', ['DELETE']],
  ['/servers/:server_id/consoles', ['GET', 'POST']],
  ['/servers/:server_id/consoles/:id', ['GET', 'DELETE']],
  ['/servers/:server_id/os-virtual-interfaces', ['GET']],
];

/** Removed actions: resource path → action names. */
export const REMOVED_ACTIONS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['/os-fixed-ips/:id', ['reserve', 'unreserve']],
  ['/os-networks/:id', ['disassociate', 'disassociate_host', 'disassociate_project', 'associate_host']],
];

export function registerRemovedRoutes(routes: RouteTable, _deps: ApiDeps): void {
  for (const [path, methods] of REMOVED_ROUTES) for (const method of methods) routes.route({ method, path, status: 410, handler: gone });
  for (const [path, names] of REMOVED_ACTIONS) for (const name of names) routes.action(path, { name, status: 410, handler: gone });
}
