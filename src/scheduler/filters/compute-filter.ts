// ComputeFilter: only hosts whose nova-compute service is enabled and up.
import type { Filter } from './filter.js';

export const computeFilter: Filter = {
  name: 'ComputeFilter',
  passes: (host) => !host.serviceDisabled && host.serviceUp,
};
