// AvailabilityZoneFilter: a request for a zone only lands on hosts in it. A
// host's zone is the caller's to say (the scheduler derives it from the host's
// aggregates, see hostZoneFromAggregates), hence the function.
import type { HostState } from '../host-state.js';
import type { Filter } from './filter.js';

export type HostZone = (host: HostState) => string;

/** The zone the host's aggregates give it (the first that names one), else the default zone. */
export function hostZoneFromAggregates(defaultZone: string): HostZone {
  return (host) => host.aggregates.find((a) => a.metadata['availability_zone'] !== undefined)?.metadata['availability_zone'] ?? defaultZone;
}

export function availabilityZoneFilter(hostZone: HostZone): Filter {
  return {
    name: 'AvailabilityZoneFilter',
    passes: (host, spec) => spec.availabilityZone === null || spec.availabilityZone === hostZone(host),
    readsAggregates: (spec) => spec.availabilityZone !== null,
  };
}
