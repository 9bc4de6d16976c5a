// ServerGroupAffinityFilter: for a member of an affinity group, only the
// hosts the group's members are on (any host while none has a host yet).
import type { Filter } from './filter.js';

export const serverGroupAffinityFilter: Filter = {
  name: 'ServerGroupAffinityFilter',
  passes: (host, spec) => {
    const group = spec.instanceGroup;
    if (group === undefined || group.policy !== 'affinity') return true;
    return group.hosts.length === 0 || group.hosts.includes(host.host);
  },
};
