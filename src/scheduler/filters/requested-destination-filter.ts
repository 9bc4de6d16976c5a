// A request naming its destination (targeted live migration, evacuation to a
// host) may only land there. Always runs, whatever enabled_filters says.
import type { Filter } from './filter.js';

export const requestedDestinationFilter: Filter = {
  name: 'RequestedDestination',
  passes: (host, spec) =>
    (spec.requestedHost === undefined || host.host === spec.requestedHost) &&
    (spec.requestedNode === undefined || host.nodename === spec.requestedNode),
};
