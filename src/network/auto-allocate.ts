// Auto-allocated topology (Neutron's auto-allocated-topology, Nova's "get me
// a network"): on first request a project gets `auto_allocated_network` with
// one IPv4 subnet, and `auto_allocated_router` with its gateway on the
// default external network and an interface on that subnet. Without subnet
// pools, the subnet is the first free /26 of devstack's default pool
// (10.0.0.0/16). A failed build removes what it made; the project's record is
// claimed last, so two first requests at once keep one topology.
import type { AuthContext } from '../identity/validator.js';
import { readsProject, isAdmin, mayWrite } from './access.js';
import { NeutronError, badResourceRequest } from './errors.js';
import type { NetworkEnv } from './env.js';
import { cidrText, overlaps, parseCidr } from './ip.js';
import { createNetwork, deleteNetwork, updateNetwork } from './networks.js';
import { addRouterInterface, createRouter, deleteRouter, removeRouterInterface } from './routers.js';
import { createSubnet, subnetCidr } from './subnets.js';

const POOL = parseCidr('10.0.0.0/16')!;
const PREFIX = 26;

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

async function freeCidr(env: NetworkEnv): Promise<string> {
  const taken = (await env.store.list('network_subnets')).map(subnetCidr);
  const step = 1n << BigInt(32 - PREFIX);
  for (let base = POOL.base; base < POOL.base + (1n << BigInt(32 - POOL.prefix)); base += step) {
    const c = { version: 4 as const, base, prefix: PREFIX };
    if (!taken.some((t) => overlaps(t, c))) return cidrText(c);
  }
  throw new NeutronError(409, 'AutoAllocationFailure', 'Deployment error: Unable to provide project private network.');
}

export async function getAutoAllocatedTopology(env: NetworkEnv, ctx: AuthContext, projectIdParam: string, fields: readonly string[]): Promise<Record<string, unknown>> {
  const projectId = projectOf(ctx, projectIdParam);
  if (!readsProject(ctx, projectId)) throw notAuthorized();
  if (fields.includes('dry-run')) {
    await defaultExternalNetwork(env);
    return { id: 'dry-run=pass', project_id: projectId };
  }
  if (fields.length > 0) throw badResourceRequest('auto_allocate', 'Unrecognized field');
  const existing = await env.store.autoAllocatedTopology(projectId);
  if (existing) return { id: existing.network_id, project_id: projectId };
  const external = await defaultExternalNetwork(env);
  mayWrite(ctx, projectId, 'get_auto_allocated_topology');

  const made: { network?: string; subnet?: string; router?: string; attached?: boolean } = {};
  try {
    const net = await createNetwork(env, ctx, { network: { name: 'auto_allocated_network', admin_state_up: false, project_id: projectId, shared: false } });
    made.network = net.id;
    const subnet = await createSubnet(env, ctx, { subnet: { name: 'auto_allocated_subnet_v4', network_id: net.id, project_id: projectId, ip_version: 4, cidr: await freeCidr(env) } });
    made.subnet = subnet.id;
    const router = await createRouter(env, ctx, { router: { name: 'auto_allocated_router', project_id: projectId, admin_state_up: true, external_gateway_info: { network_id: external } } });
    made.router = router['id'] as string;
    await addRouterInterface(env, ctx, made.router, { subnet_id: subnet.id });
    made.attached = true;
    if (!(await env.store.claimAutoAllocatedTopology(projectId, net.id, made.router))) {
      // Another request built one first: keep that one.
      await cleanUp(env, ctx, made);
      return { id: (await env.store.autoAllocatedTopology(projectId))!.network_id, project_id: projectId };
    }
  } catch (err) {
    await cleanUp(env, ctx, made).catch(() => undefined);
    if (err instanceof NeutronError && err.status === 400) throw new NeutronError(409, 'AutoAllocationFailure', 'Deployment error: Unable to provide external connectivity.');
    throw err;
  }
  await updateNetwork(env, ctx, made.network, { network: { admin_state_up: true } });
  return { id: made.network, project_id: projectId };
}

async function cleanUp(env: NetworkEnv, ctx: AuthContext, made: { network?: string; subnet?: string; router?: string; attached?: boolean }): Promise<void> {
  if (made.router && made.subnet && made.attached) await removeRouterInterface(env, ctx, made.router, { subnet_id: made.subnet });
  if (made.router) await deleteRouter(env, ctx, made.router);
  if (made.network) await deleteNetwork(env, ctx, made.network);
}

export async function deleteAutoAllocatedTopology(env: NetworkEnv, ctx: AuthContext, projectIdParam: string): Promise<void> {
  const projectId = projectOf(ctx, projectIdParam);
  mayWrite(ctx, projectId, 'delete_auto_allocated_topology');
  const t = await env.store.autoAllocatedTopology(projectId);
  if (!t) return;
  const subnets = await env.store.list('network_subnets', { column: 'network_id', in: [t.network_id] });
  const router = await env.store.get('network_routers', t.router_id);
  if (router) {
    for (const sn of subnets) {
      await removeRouterInterface(env, ctx, t.router_id, { subnet_id: sn.id }).catch((err: unknown) => {
        if (!(err instanceof NeutronError && err.status === 404)) throw err;
      });
    }
    await deleteRouter(env, ctx, t.router_id);
  }
  if (await env.store.get('network_networks', t.network_id)) await deleteNetwork(env, ctx, t.network_id);
  await env.store.forgetAutoAllocatedTopology(projectId);
}
