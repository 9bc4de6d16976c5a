// AggregateMultiTenancyIsolation: a host in an aggregate with metadata keys
// starting `filter_tenant_id` (values: project ids, comma-separated) takes
// only those projects' servers; hosts of unrestricted aggregates take anyone's.
import { aggregateMetadataOf } from './aggregate-metadata.js';
import type { Filter } from './filter.js';

export const aggregateMultiTenancyIsolation: Filter = {
  name: 'AggregateMultiTenancyIsolation',
  readsAggregates: () => true,
  passes: (host, spec) => {
    const allowed = new Set<string>();
    for (const [key, values] of aggregateMetadataOf(host)) if (key.startsWith('filter_tenant_id')) for (const v of values) allowed.add(v);
    return allowed.size === 0 || allowed.has(spec.projectId);
  },
};
