// Auto-allocated topology (Neutron's auto-allocated-topology, Nova's "get me
// a network"): on first request a project gets `auto_allocated_network` with
// a subnet from each default subnet pool it may use (IPv4, IPv6, or both;
// a block of the pool's default prefix length), and `auto_allocated_router`
// with its gateway on the default external network and an interface on each
// subnet. No default pool is a 409, as in Neutron. The pieces have ids fixed per project, so two first
// requests at once, or a request run again after a crash, find what is made
// and finish it rather than make a second topology; a refused build removes
// what it made, and the project's record is written once all is in place.
import type { AuthContext } from '../identity/validator.js';
import { readsProject, isAdmin, mayWrite } from './access.js';
import { NeutronError, badResourceRequest } from './errors.js';
import type { NetworkEnv } from './env.js';
import type { IpVersion } from './ip.js';
import { createNetwork, deleteNetwork, updateNetwork } from './networks.js';
import { fixedUuid } from './fixed-uuid.js';
import { ROUTER_INTERFACE, addRouterInterface, createRouter, deleteRouter, removeRouterInterface } from './routers.js';
import type { Resource, ResourceTable } from './store.js';
import { createSubnet } from './subnets.js';
import { defaultSubnetPool } from './subnet-pools.js';

const notAuthorized = (): NeutronError => new NeutronError(403, 'NotAuthorized', 'Not authorized.');

/** The project asked for: 'None' means the caller's, as the client may send. */
function projectOf(ctx: AuthContext, projectId: string): string {
  const p = projectId === 'None' ? ctx.projectId : projectId;
  if (!isAdmin(ctx) && p !== ctx.projectId) throw notAuthorized();
  return p;
}

async function defaultExternalNetwork(env: NetworkEnv): Promise<string> {
  const net = (await env.store.list('network_networks')).find((n) => n['router:external'] === true && n['is_default'] === true);
  if (!net) throw new NeutronError(409, 'AutoAllocationFailure', 'Deployment error: No default router:external network.');
  return net.id;
}

const failure = (reason: string): NeutronError => new NeutronError(409, 'AutoAllocationFailure', `Deployment error: ${reason}.`);
/** Neutron's reasons: a private network it could not make (no default pool, an exhausted one, a bad request), or a router it could not connect. */
const noPrivateNetwork = (): NeutronError => failure('Unable to provide project private network');
const noExternalConnectivity = (): NeutronError => failure('Unable to provide external connectivity');

/** The default subnet pools the caller may use, IPv4's first. */
async function defaultPools(env: NetworkEnv, ctx: AuthContext): Promise<Resource[]> {
  const pools: Resource[] = [];
  for (const version of [4, 6] as const) {
    const pool = await defaultSubnetPool(env, ctx, version);
    if (pool) pools.push(pool);
  }
  return pools;
}

interface TopologyIds {
  readonly network: string;
  readonly router: string;
  /** The subnet of each IP version (only those with a default pool are made). */
  readonly subnets: Readonly<Record<IpVersion, string>>;
}

/** The ids a project's topology gets, the same on every attempt. */
const idsFor = (projectId: string): TopologyIds => ({
  network: fixedUuid(`auto-allocated:${projectId}:network`),
  router: fixedUuid(`auto-allocated:${projectId}:router`),
  // The IPv4 subnet's id is the one older versions gave their only subnet.
  subnets: { 4: fixedUuid(`auto-allocated:${projectId}:subnet`), 6: fixedUuid(`auto-allocated:${projectId}:subnet-v6`) },
});

/** Makes a resource unless it is there; a concurrent request that made it first is fine too. */
async function ensure(env: NetworkEnv, table: ResourceTable, id: string, make: () => Promise<unknown>): Promise<void> {
  if (await env.store.get(table, id)) return;
  try {
    await make();
  } catch (err) {
    if (!(await env.store.get(table, id))) throw err;
  }
}

const hasInterface = async (env: NetworkEnv, routerId: string, subnetId: string): Promise<boolean> => {
  const ports = (await env.store.list('network_ports', { column: 'device_id', in: [routerId] })).filter((p) => p['device_owner'] === ROUTER_INTERFACE);
  return (await env.store.allocations({ portIds: ports.map((p) => p.id) })).some((a) => a.subnet_id === subnetId);
};

export async function getAutoAllocatedTopology(env: NetworkEnv, ctx: AuthContext, projectIdParam: string, fields: readonly string[]): Promise<Record<string, unknown>> {
  const projectId = projectOf(ctx, projectIdParam);
  if (!readsProject(ctx, projectId)) throw notAuthorized();
  if (fields.includes('dry-run')) {
    await defaultExternalNetwork(env);
    if ((await defaultPools(env, ctx)).length === 0) throw failure('No default subnetpools defined');
    return { id: 'dry-run=pass', project_id: projectId };
  }
  if (fields.length > 0) throw badResourceRequest('auto_allocate', 'Unrecognized field');
  const existing = await env.store.autoAllocatedTopology(projectId);
  if (existing && (await env.store.get('network_networks', existing.network_id))) return { id: existing.network_id, project_id: projectId };
  // Its network was deleted by hand: the project gets a new topology, as in Neutron.
  if (existing) await env.store.forgetAutoAllocatedTopology(projectId);
  const external = await defaultExternalNetwork(env);
  mayWrite(ctx, projectId, 'get_auto_allocated_topology');

  // Each step finds what an earlier, interrupted attempt made and goes on from there.
  const ids = idsFor(projectId);
  try {
    try {
      await ensure(env, 'network_networks', ids.network, () =>
        createNetwork(env, ctx, { network: { name: 'auto_allocated_network', admin_state_up: false, project_id: projectId, shared: false } }, ids.network));
      const pools = await defaultPools(env, ctx);
      if (pools.length === 0) throw noPrivateNetwork();
      for (const pool of pools) {
        const version = pool['ip_version'] as IpVersion;
        const id = ids.subnets[version];
        await ensure(env, 'network_subnets', id, () =>
          createSubnet(env, ctx, { subnet: { name: `auto_allocated_subnet_v${version}`, network_id: ids.network, project_id: projectId, ip_version: version, subnetpool_id: pool.id } }, id));
      }
    } catch (err) {
      // Neutron's unmet requirements: no pool, an exhausted one, a request refused as bad, something not found.
      if (err instanceof NeutronError && (err.status === 400 || err.status === 404 || err.type === 'SubnetAllocationError')) throw noPrivateNetwork();
      throw err;
    }
    try {
      await ensure(env, 'network_routers', ids.router, () =>
        createRouter(env, ctx, { router: { name: 'auto_allocated_router', project_id: projectId, admin_state_up: true, external_gateway_info: { network_id: external } } }, ids.router));
      // Every subnet on the network, with any an earlier attempt made from a pool that was the default then.
      for (const { id: subnetId } of await env.store.list('network_subnets', { column: 'network_id', in: [ids.network] })) {
        if (await hasInterface(env, ids.router, subnetId)) continue;
        await addRouterInterface(env, ctx, ids.router, { subnet_id: subnetId }).catch(async (err: unknown) => {
          if (!(await hasInterface(env, ids.router, subnetId))) throw err;
        });
      }
    } catch (err) {
      if (err instanceof NeutronError && err.status === 400) throw noExternalConnectivity();
      throw err;
    }
  } catch (err) {
    // A refusal (quota, no room, a bad external network) leaves nothing behind, as Neutron cleans up.
    if (err instanceof NeutronError && err.status < 500) await cleanUp(env, ctx, ids).catch(() => undefined);
    throw err;
  }
  await env.store.claimAutoAllocatedTopology(projectId, ids.network, ids.router);
  const net = await env.store.get('network_networks', ids.network);
  if (net && net['admin_state_up'] !== true) await updateNetwork(env, ctx, ids.network, { network: { admin_state_up: true } });
  return { id: (await env.store.autoAllocatedTopology(projectId))?.network_id ?? ids.network, project_id: projectId };
}

/** Removes the topology's pieces that exist: the interfaces, the router, the network with its subnets. */
async function cleanUp(env: NetworkEnv, ctx: AuthContext, t: { network: string; router: string }): Promise<void> {
  if (await env.store.get('network_routers', t.router)) {
    for (const sn of await env.store.list('network_subnets', { column: 'network_id', in: [t.network] })) {
      await removeRouterInterface(env, ctx, t.router, { subnet_id: sn.id }).catch((err: unknown) => {
        if (!(err instanceof NeutronError && err.status === 404)) throw err;
      });
    }
    await deleteRouter(env, ctx, t.router);
  }
  if (await env.store.get('network_networks', t.network)) await deleteNetwork(env, ctx, t.network);
}

export async function deleteAutoAllocatedTopology(env: NetworkEnv, ctx: AuthContext, projectIdParam: string): Promise<void> {
  const projectId = projectOf(ctx, projectIdParam);
  mayWrite(ctx, projectId, 'delete_auto_allocated_topology');
  const t = await env.store.autoAllocatedTopology(projectId);
  if (!t) return;
  await cleanUp(env, ctx, { network: t.network_id, router: t.router_id });
  await env.store.forgetAutoAllocatedTopology(projectId);
}
