// /os-hypervisors: list, detail, show; statistics and uptime until 2.87;
// search and servers by hostname pattern until 2.52. Admin-only, and the
// policy is checked before the id is looked at.
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import type { RequestContext } from '../context.js';
import { authorize } from '../context.js';
import type { Query } from '../query.js';
import { badRequest, notFound } from '../faults.js';
import { boolish, UUID_PATTERN } from '../validation.js';
import { serviceIsUp } from '../../compute/service-liveness.js';
import type { ComputeNodeRow, ServiceRow } from '../../db/schema.js';
import {
  computeServiceOfHost,
  listNodes,
  NodeMarkerNotFound,
  nodeById,
  nodeByUuid,
  nodeUsage,
  searchNodes,
  serversOnHost,
} from '../../db/compute-nodes.js';
import { listServices } from '../../db/services-queries.js';
import {
  HOSTNAME_PATTERN_RX,
  hypervisorListQuery,
  hypervisorListQueryV233,
  hypervisorListQueryV253,
  hypervisorShowQuery,
  hypervisorShowQueryV253,
} from '../schemas/hypervisors.js';
import { hypervisorView, type HypervisorFacts } from '../views/hypervisors.js';
import { collectionLinks, pageLimit } from '../views/paging.js';

const POLICY = 'os_compute_api:os-hypervisors';
const UUID_RX = new RegExp(UUID_PATTERN);
/** An uptime request to a host that does not answer must not hold the API up for long. */
const UPTIME_TIMEOUT_MS = 3000;

export function registerHypervisorRoutes(routes: RouteTable, deps: ApiDeps): void {
  const isUp = (svc: ServiceRow): boolean => serviceIsUp(svc, deps.clock.now(), deps.compute.serviceDownTime);

  /** The host's uptime text, or null when its service is down or it does not answer. */
  async function hostUptime(ctx: RequestContext, host: string): Promise<string | null> {
    try {
      const timeoutMs = Math.min(UPTIME_TIMEOUT_MS, deps.conf.num('DEFAULT', 'rpc_response_timeout') * 1000);
      const r = await deps.bus.call(`compute.${host}`, 'get_host_uptime', {}, { timeoutMs, requestId: ctx.requestId });
      return typeof r === 'string' ? r : null;
    } catch (err) {
      deps.log.warn({ err, host, requestId: ctx.requestId }, 'host uptime unavailable');
      return null;
    }
  }

  /** What a view of this node needs; undefined when its compute service is gone. */
  async function facts(
    ctx: RequestContext,
    node: ComputeNodeRow,
    opts: { detail: boolean; servers: boolean },
  ): Promise<HypervisorFacts | undefined> {
    const service = await computeServiceOfHost(deps.db.kysely, node.host);
    if (!service) return undefined;
    const up = isUp(service);
    const f: { -readonly [K in keyof HypervisorFacts]: HypervisorFacts[K] } = { node, service, up };
    if (opts.detail && ctx.version.below('2.88')) f.usage = await nodeUsage(deps.db, node);
    if (opts.detail && ctx.version.atLeast('2.88')) f.uptime = up ? await hostUptime(ctx, node.host) : null;
    if (opts.servers) f.servers = await serversOnHost(deps.db.kysely, node.host);
    return f;
  }

  async function views(
    ctx: RequestContext,
    nodes: readonly ComputeNodeRow[],
    opts: { detail: boolean; servers: boolean },
  ): Promise<Array<Record<string, unknown>>> {
    const all = await Promise.all(nodes.map((n) => facts(ctx, n, opts)));
    // Nodes whose compute service was deleted are skipped.
    return all.filter((f): f is HypervisorFacts => f !== undefined).map((f) => hypervisorView(ctx, f, opts.detail, opts.servers));
  }

  function nodesByPattern(pattern: string): Promise<ComputeNodeRow[]> {
    return searchNodes(deps.db.kysely, pattern).then((nodes) => {
      if (nodes.length === 0) throw notFound(`No hypervisor matching '${pattern}' could be found.`);
      return nodes;
    });
  }

  async function list(ctx: RequestContext, query: Query, detail: boolean): Promise<unknown> {
    authorize(ctx, `${POLICY}:${detail ? 'list-detail' : 'list'}`, {});
    const v = ctx.version;
    const paged = v.atLeast('2.33');
    const pattern = v.atLeast('2.53') ? query.get('hypervisor_hostname_pattern') : undefined;
    const withServers = v.atLeast('2.53') && query.has('with_servers') ? boolish(query.get('with_servers')) : false;
    const opts = { detail, servers: withServers };
    const collection = detail ? 'os-hypervisors/detail' : 'os-hypervisors';
    if (pattern !== undefined) {
      if (!HOSTNAME_PATTERN_RX.test(pattern))
        throw badRequest(
          `Invalid input for query parameters hypervisor_hostname_pattern. Value: ${pattern}. '${pattern}' does not match '^[a-zA-Z0-9-._]*$'`,
        );
      if (query.has('limit') || query.get('marker'))
        throw badRequest('Paging over hypervisors with the hypervisor_hostname_pattern query parameter is not supported.');
      return { hypervisors: await views(ctx, await nodesByPattern(pattern), opts) };
    }
    const limit = paged ? pageLimit(deps.conf, query) : null;
    const marker = paged ? query.get('marker') : undefined;
    let nodes: ComputeNodeRow[];
    try {
      nodes = await listNodes(deps.db.kysely, { limit, marker, markerIsUuid: v.atLeast('2.53') });
    } catch (err) {
      if (err instanceof NodeMarkerNotFound) throw badRequest(`marker [${marker}] not found`);
      throw err;
    }
    const out: Record<string, unknown> = { hypervisors: await views(ctx, nodes, opts) };
    if (paged) {
      const links = collectionLinks(ctx, collection, nodes, limit!, (n) => String(v.atLeast('2.53') ? n.uuid : n.id));
      if (links.length > 0) out['hypervisors_links'] = links;
    }
    return out;
  }

  /** The node a path names: an integer id before 2.53 (else 404), a uuid from 2.53 (else 400). */
  async function nodeOr404(ctx: RequestContext, id: string): Promise<ComputeNodeRow> {
    const missing = () => notFound(`Hypervisor with ID '${id}' could not be found.`);
    let node: ComputeNodeRow | undefined;
    if (ctx.version.atLeast('2.53')) {
      if (!UUID_RX.test(id)) throw badRequest(`Invalid uuid ${id}`);
      node = await nodeByUuid(deps.db.kysely, id);
    } else {
      if (!/^\s*[+-]?\d+\s*$/.test(id)) throw missing();
      node = await nodeById(deps.db.kysely, id.trim().replace(/^\+/, ''));
    }
    if (!node) throw missing();
    return node;
  }

  const listQuery = [
    { max: '2.32', schema: hypervisorListQuery },
    { min: '2.33', max: '2.52', schema: hypervisorListQueryV233 },
    { min: '2.53', schema: hypervisorListQueryV253 },
  ];

  routes.route({ method: 'GET', path: '/os-hypervisors', status: 200, query: listQuery, handler: ({ ctx, query }) => list(ctx, query, false) });
  routes.route({ method: 'GET', path: '/os-hypervisors/detail', status: 200, query: listQuery, handler: ({ ctx, query }) => list(ctx, query, true) });

  routes.route({
    method: 'GET',
    path: '/os-hypervisors/statistics',
    max: '2.87',
    status: 200,
    handler: async ({ ctx }) => {
      authorize(ctx, `${POLICY}:statistics`, {});
      // Only enabled compute services count, as in Nova.
      const enabledHosts = new Set((await listServices(deps.db.kysely)).filter((s) => s.binary === 'nova-compute' && !s.disabled).map((s) => s.host));
      const nodes = (await listNodes(deps.db.kysely, { limit: null, marker: undefined, markerIsUuid: false })).filter((n) => enabledHosts.has(n.host));
      const stats = {
        count: 0,
        vcpus: 0,
        memory_mb: 0,
        local_gb: 0,
        vcpus_used: 0,
        memory_mb_used: 0,
        local_gb_used: 0,
        free_ram_mb: 0,
        free_disk_gb: 0,
        current_workload: 0,
        running_vms: 0,
        disk_available_least: 0,
      };
      for (const n of nodes) {
        const u = await nodeUsage(deps.db, n);
        stats.count += 1;
        stats.vcpus += n.vcpus;
        stats.memory_mb += n.memory_mb;
        stats.local_gb += n.local_gb;
        stats.vcpus_used += u.vcpus_used;
        stats.memory_mb_used += u.memory_mb_used;
        stats.local_gb_used += u.local_gb_used;
        stats.free_ram_mb += n.memory_mb - u.memory_mb_used;
        stats.free_disk_gb += n.local_gb - u.local_gb_used;
        stats.current_workload += u.current_workload;
        stats.running_vms += u.running_vms;
        stats.disk_available_least += n.local_gb - u.local_gb_used;
      }
      return { hypervisor_statistics: stats };
    },
  });

  routes.route({
    method: 'GET',
    path: '/os-hypervisors/:hypervisor_id',
    status: 200,
    query: [
      { max: '2.52', schema: hypervisorShowQuery },
      { min: '2.53', schema: hypervisorShowQueryV253 },
    ],
    handler: async ({ ctx, params, query }) => {
      authorize(ctx, `${POLICY}:show`, {});
      const id = params['hypervisor_id']!;
      const node = await nodeOr404(ctx, id);
      const withServers = ctx.version.atLeast('2.53') && query.has('with_servers') ? boolish(query.get('with_servers')) : false;
      const f = await facts(ctx, node, { detail: true, servers: withServers });
      if (!f) throw notFound(`Hypervisor with ID '${id}' could not be found.`);
      return { hypervisor: hypervisorView(ctx, f, true, withServers) };
    },
  });

  routes.route({
    method: 'GET',
    path: '/os-hypervisors/:hypervisor_id/uptime',
    max: '2.87',
    status: 200,
    handler: async ({ ctx, params }) => {
      authorize(ctx, `${POLICY}:uptime`, {});
      const id = params['hypervisor_id']!;
      const node = await nodeOr404(ctx, id);
      const f = await facts(ctx, node, { detail: false, servers: false });
      if (!f) throw notFound(`Hypervisor with ID '${id}' could not be found.`);
      if (!f.up) throw badRequest(`Compute service of ${node.host} is unavailable at this time.`);
      const uptime = await hostUptime(ctx, node.host);
      return { hypervisor: { ...hypervisorView(ctx, f, false), uptime } };
    },
  });

  routes.route({
    method: 'GET',
    path: '/os-hypervisors/:hypervisor_id/search',
    max: '2.52',
    status: 200,
    handler: async ({ ctx, params }) => {
      authorize(ctx, `${POLICY}:search`, {});
      const nodes = await nodesByPattern(params['hypervisor_id']!);
      return { hypervisors: await views(ctx, nodes, { detail: false, servers: false }) };
    },
  });

  routes.route({
    method: 'GET',
    path: '/os-hypervisors/:hypervisor_id/servers',
    max: '2.52',
    status: 200,
    handler: async ({ ctx, params }) => {
      authorize(ctx, `${POLICY}:servers`, {});
      const nodes = await nodesByPattern(params['hypervisor_id']!);
      return { hypervisors: await views(ctx, nodes, { detail: false, servers: true }) };
    },
  });
}
