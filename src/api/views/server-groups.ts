// A server group as os-server-groups shows it: `policies` (a list) and an
// empty `metadata` up to 2.63, `policy` and `rules` from 2.64; the owner's
// project and user from 2.13; members are the servers that still exist.
import type { ServerGroup } from '../../db/server-groups.js';
import type { RequestContext } from '../context.js';

export function serverGroupView(ctx: RequestContext, g: ServerGroup): Record<string, unknown> {
  const v = ctx.version;
  return {
    id: g.uuid,
    name: g.name,
    ...(v.atLeast('2.64') ? { policy: g.policy, rules: { ...g.rules } } : { policies: [g.policy], metadata: {} }),
    members: [...g.members],
    ...(v.atLeast('2.13') && { project_id: g.projectId, user_id: g.userId }),
  };
}
