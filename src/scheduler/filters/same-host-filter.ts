// SameHostFilter: with the same_host hint, only hosts running one of the
// listed instances.
import type { Filter } from './filter.js';

export const sameHostFilter: Filter = {
  name: 'SameHostFilter',
  passes: (host, spec) => {
    const wanted = spec.schedulerHints?.same_host ?? [];
    return wanted.length === 0 || wanted.some((uuid) => host.instanceUuids.has(uuid));
  },
};
