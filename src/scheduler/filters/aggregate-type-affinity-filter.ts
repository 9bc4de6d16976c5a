// AggregateTypeAffinityFilter: a host in an aggregate with `instance_type`
// metadata (flavor names, comma-separated) takes only those flavors; hosts
// without it take any.
import { aggregateValues } from './aggregate-metadata.js';
import type { Filter } from './filter.js';

export const aggregateTypeAffinityFilter: Filter = {
  name: 'AggregateTypeAffinityFilter',
  readsAggregates: () => true,
  passes: (host, spec) => {
    const values = aggregateValues(host, 'instance_type');
    const flavor = spec.flavor.name ?? '';
    for (const v of values) if (v.split(',').some((n) => n.trim() === flavor)) return true;
    return values.size === 0;
  },
};
