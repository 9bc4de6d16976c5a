// The cache's host order while a request for several servers is being
// placed: the hosts it already chose hold more now, so each is taken out of
// the order and put back where its new state belongs. The other hosts keep
// their places; only the few changed ones are compared.
import type { HostState } from './host-state.js';
import type { HostOrder, OrderView } from './host-state-cache.js';

function* merged(order: Iterable<HostState>, changed: ReadonlyMap<string, HostState>, compare: HostOrder): Generator<HostState, void, undefined> {
  const moved = [...changed.values()].sort(compare);
  let i = 0;
  for (const h of order) {
    if (changed.has(h.nodeUuid)) continue;
    while (i < moved.length && compare(moved[i]!, h) < 0) yield moved[i++]!;
    yield h;
  }
  while (i < moved.length) yield moved[i++]!;
}

/** `view` with the hosts in `changed` (by node uuid) in their new states and places. */
export function orderWithChanges(view: OrderView, changed: ReadonlyMap<string, HostState>, compare: HostOrder): OrderView {
  if (changed.size === 0) return view;
  return {
    inOrder: () => merged(view.inOrder(), changed, compare),
    inReverseOrder: () => merged(view.inReverseOrder(), changed, (a, b) => compare(b, a)),
  };
}
