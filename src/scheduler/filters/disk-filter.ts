// DiskFilter: enough free disk for root + ephemeral + swap, counting the
// node's disk_allocation_ratio.
import { freeOf } from '../resources.js';
import { resourcesOf } from '../request-spec.js';
import type { Filter } from './filter.js';

export const diskFilter: Filter = {
  name: 'DiskFilter',
  passes: (host, spec) => freeOf(host.inventory, host.used).disk_gb >= resourcesOf(spec.flavor).disk_gb,
};
