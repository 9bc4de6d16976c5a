// RAMWeigher: free RAM × [filter_scheduler] ram_weight_multiplier. A positive
// multiplier spreads instances over hosts, a negative one stacks them.
import { freeOf } from '../resources.js';
import type { Weigher } from './weigher.js';

export function ramWeigher(multiplier: number): Weigher {
  return {
    name: 'RAMWeigher',
    multiplier,
    weigh: (host) => freeOf(host.inventory, host.used).memory_mb,
  };
}
