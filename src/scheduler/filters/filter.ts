// A host filter: one yes/no question about one host for one request.
import type { HostState } from '../host-state.js';
import type { RequestSpec } from '../request-spec.js';

export interface Filter {
  /** Nova's class name, as written in [filter_scheduler] enabled_filters. */
  readonly name: string;
  passes(host: HostState, spec: RequestSpec): boolean;
  /** Whether the filter reads the hosts' aggregates for this request (they are loaded only then). */
  readonly readsAggregates?: (spec: RequestSpec) => boolean;
}
