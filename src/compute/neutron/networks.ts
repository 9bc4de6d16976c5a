// Networks as Nova's proxy APIs read them from the network service, with the
// user's token: every network the user may see, or one by id.
import { NotFound } from '../errors.js';
import { NeutronRequestError } from './client.js';
import type { NeutronJson, UserNeutron } from './as-user.js';

export function listNetworks(n: UserNeutron): Promise<NeutronJson[]> {
  return n.list('networks');
}

/** One network; NotFound (Nova's "Network not found") when the user cannot see it. */
export async function getNetwork(n: UserNeutron, id: string): Promise<NeutronJson> {
  try {
    const body = await n.call('GET', `/networks/${encodeURIComponent(id)}`);
    return (body['network'] as NeutronJson | undefined) ?? {};
  } catch (err) {
    if (err instanceof NeutronRequestError && err.status === 404) throw new NotFound('Network not found');
    throw err;
  }
}

/** External networks: the floating IP pools. */
export function listExternalNetworks(n: UserNeutron): Promise<NeutronJson[]> {
  return n.list('networks', { 'router:external': true });
}
