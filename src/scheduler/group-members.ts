// How many of a server group's members run on a host. Asked for every
// candidate host of a request for a group member, by the group filters, the
// soft weighers and the scheduler: at ten thousand hosts, matching each
// member against each host cost the request milliseconds per hundred
// members. Most hosts run none or few servers, so the host's own servers
// are looked up in the members instead, or the other way round when the
// group is the smaller.
import type { HostState } from './host-state.js';

const memberSets = new WeakMap<readonly string[], ReadonlySet<string>>();

function setOf(members: readonly string[]): ReadonlySet<string> {
  let set = memberSets.get(members);
  if (set === undefined) memberSets.set(members, (set = new Set(members)));
  return set;
}

export function groupMembersOn(host: Pick<HostState, 'instanceUuids'>, members: readonly string[]): number {
  const running = host.instanceUuids;
  if (running.size === 0 || members.length === 0) return 0;
  let n = 0;
  if (running.size <= members.length) {
    const set = setOf(members);
    for (const uuid of running) if (set.has(uuid)) n++;
  } else {
    for (const m of members) if (running.has(m)) n++;
  }
  return n;
}
