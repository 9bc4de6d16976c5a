// AggregateInstanceExtraSpecsFilter: a flavor's extra specs that are not
// scoped, or scoped `aggregate_instance_extra_specs:`, must each be matched
// by a value of that key in the host's aggregates (see extra-specs-ops.ts).
// Other scopes (`hw:`, `trait:`…) are left to other filters.
import { aggregateMetadataOf } from './aggregate-metadata.js';
import { matchesExtraSpec } from './extra-specs-ops.js';
import type { Filter } from './filter.js';

const SCOPE = 'aggregate_instance_extra_specs';

export const aggregateInstanceExtraSpecsFilter: Filter = {
  name: 'AggregateInstanceExtraSpecsFilter',
  readsAggregates: () => true,
  passes: (host, spec) => {
    const specs = Object.entries(spec.flavor.extra_specs ?? {});
    if (specs.length === 0) return true;
    const metadata = aggregateMetadataOf(host);
    for (const [scoped, req] of specs) {
      const colon = scoped.indexOf(':');
      if (colon >= 0 && scoped.slice(0, colon) !== SCOPE) continue;
      const key = colon >= 0 ? scoped.slice(colon + 1) : scoped;
      const values = metadata.get(key);
      if (values === undefined || values.size === 0) return false;
      if (![...values].some((v) => matchesExtraSpec(v, req))) return false;
    }
    return true;
  },
};
