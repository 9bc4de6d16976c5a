// RamFilter: enough free RAM, counting the node's ram_allocation_ratio.
import { freeOf } from '../resources.js';
import type { Filter } from './filter.js';

export const ramFilter: Filter = {
  name: 'RamFilter',
  passes: (host, spec) => freeOf(host.inventory, host.used).memory_mb >= spec.flavor.memory_mb,
};
