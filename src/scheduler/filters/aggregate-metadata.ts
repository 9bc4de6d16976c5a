// The aggregate metadata of a host as Nova's filters read it
// (nova/scheduler/filters/utils.py).
import type { HostState } from '../host-state.js';

/**
 * Every key of the host's aggregates with all its values; a value holding
 * commas counts as several (aggregate_metadata_get_by_host).
 */
export function aggregateMetadataOf(host: HostState): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const agg of host.aggregates) {
    for (const [k, v] of Object.entries(agg.metadata)) {
      const values = out.get(k) ?? new Set<string>();
      for (const part of v.split(',')) values.add(part.trim());
      out.set(k, values);
    }
  }
  return out;
}

/** The values one key has in the host's aggregates, as written (aggregate_values_from_key). */
export function aggregateValues(host: HostState, key: string): Set<string> {
  const out = new Set<string>();
  for (const agg of host.aggregates) {
    const v = agg.metadata[key];
    if (v !== undefined) out.add(v);
  }
  return out;
}
