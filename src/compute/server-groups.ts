// The rules of server groups, as Nova's API has them: a group is created
// within the project's server_groups quota, only anti-affinity takes rules,
// and deleting a group frees its members (they stay where they are). Writers
// of one project's groups are serialised so the quota holds under races.
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import {
  addServerGroupMembers,
  deleteServerGroupRow,
  getServerGroup,
  insertServerGroup,
  serverGroupExists,
  type ServerGroup,
  type ServerGroupPolicy,
  type ServerGroupRules,
} from '../db/server-groups.js';
import { Invalid, NotFound } from './errors.js';
import { checkServerGroupQuota } from './server-group-quota.js';
import type { ComputeService } from './service.js';

export class InstanceGroupNotFound extends NotFound {
  constructor(uuid: string) {
    super(`Instance group ${uuid} could not be found.`);
  }
}

/** Serialises writers of the group tables on PostgreSQL (SQLite transactions already are). */
async function lockServerGroups(svc: ComputeService, q: Kysely<Database>): Promise<void> {
  if (svc.db.dialect === 'postgres') await sql`LOCK TABLE instance_groups IN SHARE ROW EXCLUSIVE MODE`.execute(q);
}

export interface CreateServerGroup {
  readonly name: string;
  readonly policy: ServerGroupPolicy;
  readonly rules: ServerGroupRules;
  readonly projectId: string;
  readonly userId: string;
}

export async function createServerGroup(svc: ComputeService, g: CreateServerGroup): Promise<ServerGroup> {
  const uuid = randomUUID();
  await svc.db.kysely.transaction().execute(async (trx) => {
    await lockServerGroups(svc, trx);
    // Nova checks the quota before the rules.
    await checkServerGroupQuota(trx, svc.conf, { resource: 'server_groups', projectId: g.projectId }, 1);
    if (g.policy !== 'anti-affinity' && Object.keys(g.rules).length > 0) throw new Invalid('Only anti-affinity policy supports rules.');
    await insertServerGroup(trx, { uuid, ...g }, svc.clock.now());
  });
  const created = await getServerGroup(svc.db.kysely, uuid);
  if (!created) throw new InstanceGroupNotFound(uuid);
  return created;
}

export async function deleteServerGroup(svc: ComputeService, group: ServerGroup): Promise<void> {
  const gone = await svc.db.kysely.transaction().execute(async (trx) => {
    await lockServerGroups(svc, trx);
    return deleteServerGroupRow(trx, group.id);
  });
  if (!gone) throw new InstanceGroupNotFound(group.uuid);
}

/** The group a boot's `group` hint names; a missing one is a 400 at create, as in Nova. */
export async function groupForBoot(svc: ComputeService, uuid: string): Promise<ServerGroup> {
  const g = await getServerGroup(svc.db.kysely, uuid);
  if (!g) throw new Invalid(`Instance group ${uuid} could not be found.`);
  return g;
}

/**
 * Adds servers being created to their group, within the server_group_members
 * quota (counted per user, as Nova counts it), in the caller's transaction.
 */
export async function joinServerGroup(
  svc: ComputeService,
  q: Kysely<Database>,
  group: ServerGroup,
  who: { projectId: string; userId: string },
  instanceUuids: readonly string[],
): Promise<void> {
  await lockServerGroups(svc, q);
  if (!(await serverGroupExists(q, group.uuid))) throw new Invalid(`Instance group ${group.uuid} could not be found.`);
  await checkServerGroupQuota(q, svc.conf, { resource: 'server_group_members', groupId: group.id, projectId: who.projectId, userId: who.userId }, instanceUuids.length);
  await addServerGroupMembers(q, group.id, instanceUuids, svc.clock.now());
}
