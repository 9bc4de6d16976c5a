// Turns [filter_scheduler] enabled_filters into filters, in the configured
// order. Names Magnetar does not implement are skipped with a warning so a
// nova.conf carries over as is.
import { aggregateImagePropertiesIsolation, type ImagePropertiesOf } from './aggregate-image-properties-isolation.js';
import { aggregateInstanceExtraSpecsFilter } from './aggregate-instance-extra-specs-filter.js';
import { aggregateMultiTenancyIsolation } from './aggregate-multi-tenancy-isolation.js';
import { aggregateTypeAffinityFilter } from './aggregate-type-affinity-filter.js';
import { availabilityZoneFilter, type HostZone } from './availability-zone-filter.js';
import { computeFilter } from './compute-filter.js';
import { coreFilter } from './core-filter.js';
import { differentHostFilter } from './different-host-filter.js';
import { diskFilter } from './disk-filter.js';
import type { Filter } from './filter.js';
import { ramFilter } from './ram-filter.js';
import { sameHostFilter } from './same-host-filter.js';
import { serverGroupAffinityFilter } from './server-group-affinity-filter.js';
import { serverGroupAntiAffinityFilter } from './server-group-anti-affinity-filter.js';

/** What some filters need beyond the host and the request. */
export interface FilterDeps {
  readonly hostZone: HostZone;
  /** The properties of the request's image ({} when unknown). */
  readonly imageProperties: ImagePropertiesOf;
  /** [filter_scheduler] aggregate_image_properties_isolation_namespace and _separator. */
  readonly isolationNamespace: string;
  readonly isolationSeparator: string;
}

export function enabledFilters(names: readonly string[], deps: FilterDeps, warn: (message: string) => void): Filter[] {
  const known: readonly Filter[] = [
    computeFilter,
    availabilityZoneFilter(deps.hostZone),
    ramFilter,
    coreFilter,
    diskFilter,
    sameHostFilter,
    differentHostFilter,
    aggregateInstanceExtraSpecsFilter,
    aggregateMultiTenancyIsolation,
    aggregateImagePropertiesIsolation(deps.imageProperties, deps.isolationNamespace, deps.isolationSeparator),
    aggregateTypeAffinityFilter,
    serverGroupAffinityFilter,
    serverGroupAntiAffinityFilter,
  ];
  const out: Filter[] = [];
  for (const name of names) {
    const f = known.find((k) => k.name === name);
    if (f === undefined) warn(`[filter_scheduler] enabled_filters: ${name} is not a filter Magnetar implements; ignored`);
    else if (!out.includes(f)) out.push(f);
  }
  return out;
}
