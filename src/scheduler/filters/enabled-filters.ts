// Turns [filter_scheduler] enabled_filters into filters, in the configured
// order. Names Magnetar does not implement are skipped with a warning so a
// nova.conf carries over as is.
import { availabilityZoneFilter, type HostZone } from './availability-zone-filter.js';
import { computeFilter } from './compute-filter.js';
import { coreFilter } from './core-filter.js';
import { differentHostFilter } from './different-host-filter.js';
import { diskFilter } from './disk-filter.js';
import type { Filter } from './filter.js';
import { ramFilter } from './ram-filter.js';
import { sameHostFilter } from './same-host-filter.js';

export function enabledFilters(names: readonly string[], hostZone: HostZone, warn: (message: string) => void): Filter[] {
  const known: readonly Filter[] = [
    computeFilter,
    availabilityZoneFilter(hostZone),
    ramFilter,
    coreFilter,
    diskFilter,
    sameHostFilter,
    differentHostFilter,
  ];
  const out: Filter[] = [];
  for (const name of names) {
    const f = known.find((k) => k.name === name);
    if (f === undefined) warn(`[filter_scheduler] enabled_filters: ${name} is not a filter Magnetar implements; ignored`);
    else if (!out.includes(f)) out.push(f);
  }
  return out;
}
