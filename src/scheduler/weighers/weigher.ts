// A host weigher: a number per host, higher is better. As in Nova, each
// weigher's numbers are normalised over the candidate hosts to 0..1 (all 0
// when they are equal) and scaled by its multiplier before they are summed,
// so weighers of different units combine. Hosts are ordered by the sum, ties
// broken by fewer instances then by name so the same state always gives the
// same order.
import type { HostState } from '../host-state.js';
import type { RequestSpec } from '../request-spec.js';

export interface Weigher {
  readonly name: string;
  /** What the normalised weight is multiplied by. */
  readonly multiplier: number;
  /** The raw weight; `spec` is the request being placed. */
  weigh(host: HostState, spec: RequestSpec | undefined): number;
}

/** Nova's normalize: min→0, max→1, all 0 when every value is the same. */
function normalise(values: readonly number[]): number[] {
  const min = Math.min(...values);
  const max = Math.max(...values);
  return max === min ? values.map(() => 0) : values.map((v) => (v - min) / (max - min));
}

export function orderByWeight(hosts: readonly HostState[], weighers: readonly Weigher[], spec?: RequestSpec): HostState[] {
  const totals = hosts.map(() => 0);
  for (const wr of weighers) {
    if (hosts.length === 0) break;
    normalise(hosts.map((h) => wr.weigh(h, spec))).forEach((w, i) => {
      totals[i]! += wr.multiplier * w;
    });
  }
  const weighed = hosts.map((h, i) => ({ h, w: totals[i]! }));
  weighed.sort(
    (a, b) =>
      b.w - a.w ||
      a.h.instanceCount - b.h.instanceCount ||
      (a.h.host < b.h.host ? -1 : a.h.host > b.h.host ? 1 : 0) ||
      (a.h.nodename < b.h.nodename ? -1 : a.h.nodename > b.h.nodename ? 1 : 0),
  );
  return weighed.map((x) => x.h);
}
