// DifferentHostFilter: with the different_host hint, only hosts running none
// of the listed instances.
import type { Filter } from './filter.js';

export const differentHostFilter: Filter = {
  name: 'DifferentHostFilter',
  passes: (host, spec) => !(spec.schedulerHints?.different_host ?? []).some((uuid) => host.instanceUuids.has(uuid)),
};
