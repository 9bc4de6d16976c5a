// The server group quotas: how many groups a project may have
// (server_groups) and how many of one user's servers a group may hold
// (server_group_members), with the limits that apply to the caller (the
// user's own, the project's, the default class's, the [quota] option).
// -1 is unlimited. Over the limit is Nova's 403 with Nova's message.
import type { Kysely } from 'kysely';
import type { Config } from '../config/config.js';
import type { Database } from '../db/schema.js';
import { countServerGroupMembersOfUser, countServerGroups } from '../db/server-groups.js';
import { Forbidden } from './errors.js';
import { quotaLimits } from './quota-limits.js';

export type ServerGroupQuotaScope =
  | { readonly resource: 'server_groups'; readonly projectId: string; readonly userId?: string | undefined }
  | { readonly resource: 'server_group_members'; readonly groupId: number; readonly projectId: string; readonly userId: string };

const OVER_QUOTA: Readonly<Record<ServerGroupQuotaScope['resource'], string>> = {
  server_groups: 'Quota exceeded, too many server groups.',
  server_group_members: 'Quota exceeded, too many servers in group',
};

/** Refuses `delta` more of the resource when what exists plus it would pass the limit. */
export async function checkServerGroupQuota(q: Kysely<Database>, conf: Config, scope: ServerGroupQuotaScope, delta: number): Promise<void> {
  const limit = (await quotaLimits(q, conf, scope.projectId, scope.userId))[scope.resource] ?? conf.num('quota', scope.resource);
  if (limit < 0) return;
  const used =
    scope.resource === 'server_groups' ? await countServerGroups(q, scope.projectId) : await countServerGroupMembersOfUser(q, scope.groupId, scope.userId);
  if (used + delta > limit) throw new Forbidden(OVER_QUOTA[scope.resource]);
}
