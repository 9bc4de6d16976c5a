// What devstack gives a new cloud, made at the all-in-one's start: an
// external `public` network owned by admin with `public-subnet`
// (172.24.4.0/24); admin's shared default IPv4 subnet pool
// `shared-default-subnetpool-v4` (10.0.0.0/22, blocks of /26: devstack's
// IPV4_ADDRS_SAFE_TO_USE and SUBNETPOOL_SIZE_V4); the demo project's
// `private` network with `private-subnet` taken from that pool (its first
// /26, 10.0.0.0/26); and the demo project's `router1` with its gateway on
// `public` and an interface on `private-subnet`. Their ids are fixed, so a
// restart (or a second start racing this one) finds them made, makes what
// an interrupted start left out, and changes nothing else.
import type { AuthContext } from '../identity/validator.js';
import { projectIdFor } from '../identity/users.js';
import type { NetworkEnv } from './env.js';
import { NeutronError } from './errors.js';
import { fixedUuid } from './fixed-uuid.js';
import { createNetwork, updateNetwork } from './networks.js';
import { addRouterInterface, createRouter } from './routers.js';
import { createSubnet } from './subnets.js';
import { createSubnetPool, defaultSubnetPool } from './subnet-pools.js';
import { adoptIntoPool } from './adopt-into-pool.js';
import { isUniqueViolation, type ResourceTable } from './store.js';

const asAdminOf = (project: string): AuthContext => ({
  userId: 'seed', userName: 'seed', projectId: projectIdFor(project), projectName: project, domainId: 'default',
  roles: ['admin', 'manager', 'member', 'reader'], expiresAt: new Date(8640000000000000), tokenId: '',
});

/** Makes a resource unless it exists; a concurrent start that made it first is fine too. */
async function once(env: NetworkEnv, table: ResourceTable, id: string, make: () => Promise<unknown>): Promise<void> {
  if (await env.store.get(table, id)) return;
  try {
    await make();
  } catch (err) {
    // Another start made it first: its insert won, or its subnet now overlaps ours.
    if (!isUniqueViolation(err) && !(await env.store.get(table, id))) throw err;
  }
}

/** devstack's SUBNETPOOL_NAME_V4, SUBNETPOOL_PREFIX_V4 (its IPV4_ADDRS_SAFE_TO_USE) and SUBNETPOOL_SIZE_V4. */
const DEFAULT_POOL_V4 = { name: 'shared-default-subnetpool-v4', prefix: '10.0.0.0/22', prefixlen: 26 } as const;

/**
 * Makes the default IPv4 pool unless it is there; true when it is. An
 * operator who has made another pool the IPv4 default keeps it, and the
 * seed goes without its own.
 */
async function seedDefaultPool(env: NetworkEnv, admin: AuthContext, poolId: string): Promise<boolean> {
  if (await env.store.get('network_subnetpools', poolId)) return true;
  try {
    await createSubnetPool(env, admin, {
      subnetpool: { name: DEFAULT_POOL_V4.name, prefixes: [DEFAULT_POOL_V4.prefix], default_prefixlen: DEFAULT_POOL_V4.prefixlen, shared: true, is_default: true },
    }, poolId);
  } catch (err) {
    // A concurrent start made it first.
    if (await env.store.get('network_subnetpools', poolId)) return true;
    if (err instanceof NeutronError && err.type === 'InvalidInput' && (await defaultSubnetPool(env, admin, 4))) return false;
    throw err;
  }
  return true;
}

/**
 * Subnets older versions made before the pool was seeded, from the range it
 * now covers: `private-subnet` (10.0.0.0/26) and auto-allocated topologies'
 * IPv4 subnets. Left outside, their blocks would be handed out again.
 */
async function subnetsMadeBeforeThePool(env: NetworkEnv): Promise<string[]> {
  // Only those still outside any pool: on every later start there are none, and nothing is written.
  const privateSubnet = fixedUuid('private-subnet');
  return (await env.store.list('network_subnets'))
    .filter((x) => (x['subnetpool_id'] ?? null) === null && (x.id === privateSubnet || x.id === fixedUuid(`auto-allocated:${x.project_id}:subnet`)))
    .map((x) => x.id);
}

export async function seedDevstackNetworks(env: NetworkEnv): Promise<void> {
  const admin = asAdminOf('admin');
  const demo = asAdminOf('demo');
  const publicId = fixedUuid('public');
  const privateId = fixedUuid('private');
  await once(env, 'network_networks', publicId, () =>
    createNetwork(env, admin, { network: { name: 'public', 'router:external': true, shared: false, is_default: true } }, publicId),
  );
  // A cloud seeded before external networks had a default makes `public` it.
  const pub = await env.store.get('network_networks', publicId);
  if (pub && pub['is_default'] === undefined) {
    await updateNetwork(env, admin, publicId, { network: { is_default: true } }).catch((err: unknown) => {
      // The operator made another network the default: leave it so.
      if (!(err instanceof NeutronError && err.type === 'DefaultExternalNetworkExists')) throw err;
    });
  }
  await once(env, 'network_subnets', fixedUuid('public-subnet'), () =>
    createSubnet(env, admin, {
      subnet: { name: 'public-subnet', network_id: publicId, ip_version: 4, cidr: '172.24.4.0/24', gateway_ip: '172.24.4.1', enable_dhcp: false },
    }, fixedUuid('public-subnet')),
  );
  const poolId = fixedUuid(DEFAULT_POOL_V4.name);
  const pooled = await seedDefaultPool(env, admin, poolId);
  await once(env, 'network_networks', privateId, () => createNetwork(env, demo, { network: { name: 'private' } }, privateId));
  // Without the pool (another is the default), the block it would have given.
  const addressing = pooled ? { subnetpool_id: poolId } : { cidr: '10.0.0.0/26' };
  await once(env, 'network_subnets', fixedUuid('private-subnet'), () =>
    createSubnet(env, demo, { subnet: { name: 'private-subnet', network_id: privateId, ip_version: 4, ...addressing } }, fixedUuid('private-subnet')),
  );
  // On a cloud seeded before the pool, the subnets already taken from its range join it, as if devstack had made them from it.
  if (pooled) await adoptIntoPool(env, poolId, await subnetsMadeBeforeThePool(env));
  const routerId = fixedUuid('router1');
  await once(env, 'network_routers', routerId, () =>
    createRouter(env, demo, { router: { name: 'router1', external_gateway_info: { network_id: publicId } } }, routerId),
  );
  const attached = (await env.store.list('network_ports', { column: 'device_id', in: [routerId] })).some((p) => p['device_owner'] === 'network:router_interface');
  if (!attached) {
    await addRouterInterface(env, demo, routerId, { subnet_id: fixedUuid('private-subnet') }).catch(async (err: unknown) => {
      // A concurrent start attached it first.
      const now = await env.store.list('network_ports', { column: 'device_id', in: [routerId] });
      if (!now.some((p) => p['device_owner'] === 'network:router_interface')) throw err;
    });
  }
}
