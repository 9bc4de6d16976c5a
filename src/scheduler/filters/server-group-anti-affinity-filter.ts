// ServerGroupAntiAffinityFilter: for a member of an anti-affinity group, only
// hosts running fewer of the group's other members than the group's
// max_server_per_host rule (1 without it). The host the server is on passes,
// so a resize may stay where it is.
import type { Filter } from './filter.js';
import { groupMembersOn } from '../group-members.js';

export const serverGroupAntiAffinityFilter: Filter = {
  name: 'ServerGroupAntiAffinityFilter',
  passes: (host, spec) => {
    const group = spec.instanceGroup;
    if (group === undefined || group.policy !== 'anti-affinity') return true;
    if (host.instanceUuids.has(spec.instanceUuid)) return true;
    const onHost = groupMembersOn(host, group.members);
    return onHost < (group.rules.max_server_per_host ?? 1);
  },
};
