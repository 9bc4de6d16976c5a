// A host weigher: a number per host, higher is better. Hosts are ordered by
// their summed weight, ties broken by fewer instances then by name so the
// same state always gives the same order.
import type { HostState } from '../host-state.js';

export interface Weigher {
  readonly name: string;
  weigh(host: HostState): number;
}

export function orderByWeight(hosts: readonly HostState[], weighers: readonly Weigher[]): HostState[] {
  const weighed = hosts.map((h) => ({ h, w: weighers.reduce((sum, wr) => sum + wr.weigh(h), 0) }));
  weighed.sort(
    (a, b) =>
      b.w - a.w ||
      a.h.instanceCount - b.h.instanceCount ||
      (a.h.host < b.h.host ? -1 : a.h.host > b.h.host ? 1 : 0) ||
      (a.h.nodename < b.h.nodename ? -1 : a.h.nodename > b.h.nodename ? 1 : 0),
  );
  return weighed.map((x) => x.h);
}
