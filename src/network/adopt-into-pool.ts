// Moving subnets that were made without a pool into one, after Neutron's
// `onboard_network_subnets`: each joins the pool (its `subnetpool_id` set,
// its CIDR from then on counted as taken in the pool) when it overlaps none
// of the pool's blocks and is its network's only subnet of that IP version
// (a network's subnets of one version share one pool). Where Neutron grows
// the pool's prefixes to hold a subnet outside them, here such a subnet
// stays as it is, as does any other that does not qualify: the pool keeps
// the prefixes it was made with.
import { revised, type NetworkEnv } from './env.js';
import { networkOf, type IpVersion } from './ip.js';
import { intersects, isSubset, prefixSet } from './prefix-sets.js';

const setOf = (version: IpVersion, cidrs: readonly string[]) => prefixSet(version, cidrs.map((c) => networkOf(c)!));

/** Adopts those of `subnetIds` that qualify into the pool; returns the ids adopted. */
export async function adoptIntoPool(env: NetworkEnv, poolId: string, subnetIds: readonly string[]): Promise<string[]> {
  if (subnetIds.length === 0) return [];
  return env.store.transact(async (s) => {
    // Subnets allocating from the pool wait, so none takes a block being adopted.
    await s.lock('network_subnetpools', poolId);
    const pool = await s.get('network_subnetpools', poolId);
    if (!pool) return [];
    const version = pool['ip_version'] as IpVersion;
    const prefixes = setOf(version, pool['prefixes'] as string[]);
    const subnets = await s.list('network_subnets');
    const taken = subnets.filter((x) => x['subnetpool_id'] === poolId).map((x) => x['cidr'] as string);
    const adopted: string[] = [];
    for (const id of subnetIds) {
      const subnet = subnets.find((x) => x.id === id);
      if (!subnet || (subnet['subnetpool_id'] ?? null) !== null || subnet['ip_version'] !== version) continue;
      const mine = setOf(version, [subnet['cidr'] as string]);
      const siblings = subnets.filter((x) => x.id !== id && x['network_id'] === subnet['network_id'] && x['ip_version'] === version);
      if (!isSubset(mine, prefixes) || intersects(mine, setOf(version, taken)) || siblings.length > 0) continue;
      if (!(await s.replace('network_subnets', revised(env, subnet, { subnetpool_id: poolId })))) continue;
      taken.push(subnet['cidr'] as string);
      adopted.push(id);
    }
    return adopted;
  });
}
