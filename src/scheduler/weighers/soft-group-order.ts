// orderByWeight's order for a member of a group with a soft policy, when free
// RAM is otherwise the only weight, without weighing every host. The group's
// weigher gives every host without members the same number, so among those
// hosts the scheduler's cached free-RAM order holds; the few hosts that run
// members are weighed one by one and merged in. Normalising needs the range
// of each weight over the hosts that pass: free RAM's ends are the first and
// the last host that passes in the cached order, and the group weigher's are
// the members' hosts and, when any other host passes, 0.
import type { HostState } from '../host-state.js';
import type { RequestSpec } from '../request-spec.js';
import type { OrderView } from '../host-state-cache.js';
import { before, normalised, type Weigher, type Weighed } from './weigher.js';

export interface SoftGroupInput {
  /** Every host in free-RAM weight order, from the first and from the last. */
  readonly order: OrderView;
  /** The hosts that run members of the group. */
  readonly memberHosts: readonly HostState[];
  readonly passes: (h: HostState) => boolean;
  readonly ram: Weigher;
  /** The group policy's weigher. */
  readonly group: Weigher;
  readonly spec: RequestSpec;
}

function firstPassing(hosts: Iterable<HostState>, passes: (h: HostState) => boolean): HostState | undefined {
  for (const h of hosts) if (passes(h)) return h;
  return undefined;
}

export function* softGroupOrder(input: SoftGroupInput): Generator<HostState, void, undefined> {
  const { passes, ram, group, spec } = input;
  const withMembers = new Set(input.memberHosts.map((h) => h.nodeUuid));
  const first = firstPassing(input.order.inOrder(), passes);
  if (first === undefined) return;
  const last = firstPassing(input.order.inReverseOrder(), passes)!;
  const [a, b] = [ram.weigh(first, spec), ram.weigh(last, spec)];
  const [ramMin, ramMax] = [Math.min(a, b), Math.max(a, b)];
  const members = input.memberHosts.filter(passes);
  const others = (function* () {
    for (const h of input.order.inOrder()) if (!withMembers.has(h.nodeUuid) && passes(h)) yield h;
  })();
  let other = others.next();
  const groupValues = members.map((h) => group.weigh(h, spec));
  // A host without members weighs 0 on the group weigher, when one passes.
  if (!other.done) groupValues.push(0);
  let groupMin = Infinity;
  let groupMax = -Infinity;
  for (const v of groupValues) {
    groupMin = Math.min(groupMin, v);
    groupMax = Math.max(groupMax, v);
  }
  // Summed as orderByWeight sums them: RAM first, then the group's weigher.
  const weighed = (h: HostState, groupValue: number): Weighed => {
    let w = 0;
    w += ram.multiplier * normalised(ram.weigh(h, spec), ramMin, ramMax);
    w += group.multiplier * normalised(groupValue, groupMin, groupMax);
    return { h, w };
  };
  const ranked = members.map((h, i) => weighed(h, groupValues[i]!)).sort(before);
  let m = 0;
  let o = other.done ? undefined : weighed(other.value, 0);
  while (m < ranked.length || o !== undefined) {
    if (o === undefined || (m < ranked.length && before(ranked[m]!, o) < 0)) {
      yield ranked[m++]!.h;
      continue;
    }
    yield o.h;
    other = others.next();
    o = other.done ? undefined : weighed(other.value, 0);
  }
}
