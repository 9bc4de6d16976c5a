// AvailabilityZoneFilter: a request for a zone only lands on hosts in it. Where
// a host's zone comes from is the caller's (today one default zone; later
// aggregates), hence the function.
import type { HostState } from '../host-state.js';
import type { Filter } from './filter.js';

export type HostZone = (host: HostState) => string;

export function availabilityZoneFilter(hostZone: HostZone): Filter {
  return {
    name: 'AvailabilityZoneFilter',
    passes: (host, spec) => spec.availabilityZone === null || spec.availabilityZone === hostZone(host),
  };
}
