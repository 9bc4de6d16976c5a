// What every network operation works with: the store, the clock and the
// options that shape new resources.
import type { NetworkStore, Resource } from './store.js';
import type { ComputeNotifier } from './nova-notifier.js';
import type { L2Agent } from './l2-agent.js';

export interface NetworkEnv {
  readonly store: NetworkStore;
  /** Now, as Neutron shows timestamps ('YYYY-MM-DDTHH:MM:SSZ'). */
  now(): string;
  /** `[DEFAULT] global_physnet_mtu`: the MTU of new networks and their limit. */
  readonly mtu: number;
  /** `[DEFAULT] base_mac`: the fixed octets of generated MAC addresses ('00' octets are random). */
  readonly baseMac: string;
  /** `[DEFAULT] max_allowed_address_pair`: the most allowed address pairs a port may have. */
  readonly maxAddressPairs: number;
  /** Told, after commit, which ports changed, so the compute service refreshes its servers' network info. */
  readonly compute?: ComputeNotifier;
  /** Wires bound ports on their hosts (DOWN → ACTIVE); none: bound ports stay DOWN. */
  readonly l2?: L2Agent;
}

/** A new resource's standard attributes. */
export function born(env: NetworkEnv, id: string, projectId: string): Pick<Resource, 'id' | 'project_id' | 'created_at' | 'updated_at' | 'revision_number'> {
  const at = env.now();
  return { id, project_id: projectId, created_at: at, updated_at: at, revision_number: 0 };
}

/** The resource after a change: updated_at and revision_number move on. */
export function revised(env: NetworkEnv, r: Resource, changes: Record<string, unknown>): Resource {
  return { ...r, ...changes, updated_at: env.now(), revision_number: r.revision_number + 1 };
}
