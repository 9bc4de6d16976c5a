// ServerGroupSoftAffinityWeigher and ServerGroupSoftAntiAffinityWeigher: the
// soft policies of server groups. A host weighs the number of the group's
// members it runs — in favour for soft-affinity, against for
// soft-anti-affinity — scaled by [filter_scheduler]
// soft_affinity_weight_multiplier / soft_anti_affinity_weight_multiplier.
import type { ServerGroupPolicy } from '../../db/server-groups.js';
import type { HostState } from '../host-state.js';
import type { RequestSpec } from '../request-spec.js';
import type { Weigher } from './weigher.js';
import { groupMembersOn } from '../group-members.js';

function membersOnHost(host: HostState, spec: RequestSpec | undefined, policy: ServerGroupPolicy): number {
  const group = spec?.instanceGroup;
  if (group === undefined || group.policy !== policy) return 0;
  return groupMembersOn(host, group.members);
}

export function serverGroupSoftAffinityWeigher(multiplier: number): Weigher {
  return {
    name: 'ServerGroupSoftAffinityWeigher',
    multiplier,
    weigh: (host, spec) => membersOnHost(host, spec, 'soft-affinity'),
    weighs: (spec) => spec?.instanceGroup?.policy === 'soft-affinity',
  };
}

export function serverGroupSoftAntiAffinityWeigher(multiplier: number): Weigher {
  return {
    name: 'ServerGroupSoftAntiAffinityWeigher',
    multiplier,
    weigh: (host, spec) => 0 - membersOnHost(host, spec, 'soft-anti-affinity'),
    weighs: (spec) => spec?.instanceGroup?.policy === 'soft-anti-affinity',
  };
}
