// CoreFilter: enough free vCPUs, counting the node's cpu_allocation_ratio.
import { freeOf } from '../resources.js';
import type { Filter } from './filter.js';

export const coreFilter: Filter = {
  name: 'CoreFilter',
  passes: (host, spec) => freeOf(host.inventory, host.used).vcpus >= spec.flavor.vcpus,
};
