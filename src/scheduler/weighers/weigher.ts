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
  /** false: this request weighs the same on every host (normalised to 0 everywhere), so it need not be weighed. */
  weighs?(spec: RequestSpec | undefined): boolean;
}

/** One value against the range [min, max]: min→0, max→1, 0 when the range is empty. */
export const normalised = (v: number, min: number, max: number): number => (max === min ? 0 : (v - min) / (max - min));

/** Nova's normalize: min→0, max→1, all 0 when every value is the same. */
function normalise(values: readonly number[]): number[] {
  // A loop, not Math.min(...values): tens of thousands of arguments overflow the stack.
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return values.map((v) => normalised(v, min, max));
}

export interface Weighed {
  readonly h: HostState;
  readonly w: number;
}

/** Higher weight first, then fewer instances, then host and node name: a total order. */
export function before(a: Weighed, b: Weighed): number {
  return (
    b.w - a.w ||
    a.h.instanceCount - b.h.instanceCount ||
    (a.h.host < b.h.host ? -1 : a.h.host > b.h.host ? 1 : 0) ||
    (a.h.nodename < b.h.nodename ? -1 : a.h.nodename > b.h.nodename ? 1 : 0)
  );
}

function weigh(hosts: readonly HostState[], weighers: readonly Weigher[], spec?: RequestSpec): Weighed[] {
  const totals = hosts.map(() => 0);
  for (const wr of weighers) {
    if (hosts.length === 0) break;
    if (wr.weighs?.(spec) === false) continue;
    normalise(hosts.map((h) => wr.weigh(h, spec))).forEach((w, i) => {
      totals[i]! += wr.multiplier * w;
    });
  }
  return hosts.map((h, i) => ({ h, w: totals[i]! }));
}

export function orderByWeight(hosts: readonly HostState[], weighers: readonly Weigher[], spec?: RequestSpec): HostState[] {
  return weigh(hosts, weighers, spec)
    .sort(before)
    .map((x) => x.h);
}

/**
 * The same order as orderByWeight, produced one host at a time: a heap built
 * in linear time, each next host in log time — a request that takes the
 * first few of ten thousand hosts does not pay for sorting them all.
 */
export function* orderByWeightLazily(hosts: readonly HostState[], weighers: readonly Weigher[], spec?: RequestSpec): Generator<HostState, void, undefined> {
  const heap = weigh(hosts, weighers, spec);
  const down = (i: number, n: number): void => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && before(heap[l]!, heap[m]!) < 0) m = l;
      if (r < n && before(heap[r]!, heap[m]!) < 0) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m]!, heap[i]!];
      i = m;
    }
  };
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) down(i, heap.length);
  for (let n = heap.length; n > 0; n--) {
    const top = heap[0]!;
    heap[0] = heap[n - 1]!;
    down(0, n - 1);
    yield top.h;
  }
}

/** Host name, then node name. */
export const byName = (a: Pick<HostState, 'host' | 'nodename'>, b: Pick<HostState, 'host' | 'nodename'>): number =>
  (a.host < b.host ? -1 : a.host > b.host ? 1 : 0) || (a.nodename < b.nodename ? -1 : a.nodename > b.nodename ? 1 : 0);

/**
 * orderByWeight's order when free RAM is the only weight that differs between
 * hosts (the RAM weigher with `multiplier`, every other weigher the same for
 * all): normalising and scaling keep the order of free RAM — reversed by a
 * negative multiplier, flattened by zero — whichever hosts pass the filters,
 * so it can be kept once for all requests. Ties as in orderByWeight.
 */
export function freeRamOrder(multiplier: number, freeRam: (h: Omit<HostState, 'serviceUp'>) => number): (a: Omit<HostState, 'serviceUp'>, b: Omit<HostState, 'serviceUp'>) => number {
  const sign = multiplier > 0 ? 1 : multiplier < 0 ? -1 : 0;
  return (a, b) => sign * (freeRam(b) - freeRam(a)) || a.instanceCount - b.instanceCount || byName(a, b);
}
