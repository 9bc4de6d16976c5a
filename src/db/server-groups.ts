// Server groups as stored: the group rows and their members, read back as
// one value per group. Members are only servers that still exist; a deleted
// server's membership row is dropped with it (finishDelete).
import type { Kysely } from 'kysely';
import type { Database, InstanceGroupRow } from './schema.js';
import { dbTime } from './time.js';
import { compiledOnce } from './compiled-once.js';

type Queryable = Kysely<Database>;

export type ServerGroupPolicy = 'affinity' | 'anti-affinity' | 'soft-affinity' | 'soft-anti-affinity';

export interface ServerGroupRules {
  readonly max_server_per_host?: number;
}

export interface ServerGroup {
  readonly id: number;
  readonly uuid: string;
  readonly name: string;
  readonly projectId: string;
  readonly userId: string;
  readonly policy: ServerGroupPolicy;
  readonly rules: ServerGroupRules;
  /** Uuids of the (not deleted) servers in the group, in the order they joined. */
  readonly members: readonly string[];
}

function rulesOf(json: string): ServerGroupRules {
  const r = JSON.parse(json || '{}') as Record<string, unknown>;
  // Stored as given; read back typed, as Nova's InstanceGroup.rules does.
  return r['max_server_per_host'] !== undefined ? { max_server_per_host: Number(r['max_server_per_host']) } : {};
}

// A server's group is read for every member placed, and a boot's group twice:
// the statements for one group are compiled once (see compiled-once.ts).
const groupRowByUuid = compiledOnce((q, uuid: string) => q.selectFrom('instance_groups').selectAll().where('uuid', '=', uuid));
/** The (not deleted) members of these groups, in the order they joined. */
const membersQuery = (q: Queryable, groupIds: readonly number[]) =>
  q
    .selectFrom('instance_group_members as m')
    .innerJoin('instances as i', 'i.uuid', 'm.instance_uuid')
    .select(['m.group_id', 'm.instance_uuid'])
    .where('m.group_id', 'in', [...groupIds])
    .where('i.deleted', '=', 0)
    .orderBy('m.id');
const membersOfGroup = compiledOnce((q, groupId: number) => membersQuery(q, [groupId]));

async function withMembers(q: Queryable, rows: readonly InstanceGroupRow[]): Promise<ServerGroup[]> {
  if (rows.length === 0) return [];
  const members = rows.length === 1 ? await membersOfGroup(q, rows[0]!.id) : await membersQuery(q, rows.map((r) => r.id)).execute();
  return rows.map((r) => ({
    id: r.id,
    uuid: r.uuid,
    name: r.name,
    projectId: r.project_id,
    userId: r.user_id,
    policy: r.policy as ServerGroupPolicy,
    rules: rulesOf(r.rules),
    members: members.filter((m) => m.group_id === r.id).map((m) => m.instance_uuid),
  }));
}

/** Every group, or one project's, oldest first. */
export async function listServerGroups(q: Queryable, projectId?: string): Promise<ServerGroup[]> {
  let s = q.selectFrom('instance_groups').selectAll().orderBy('id');
  if (projectId !== undefined) s = s.where('project_id', '=', projectId);
  return withMembers(q, await s.execute());
}

export async function getServerGroup(q: Queryable, uuid: string): Promise<ServerGroup | undefined> {
  const [row] = await groupRowByUuid(q, uuid);
  return row ? (await withMembers(q, [row]))[0] : undefined;
}

/** Whether the group still exists (its members not read). */
export async function serverGroupExists(q: Queryable, uuid: string): Promise<boolean> {
  return (await groupRowByUuid(q, uuid)).length > 0;
}

/** The group a server is a member of, if any. */
export async function serverGroupOfInstance(q: Queryable, instanceUuid: string): Promise<ServerGroup | undefined> {
  const [row] = await groupRowOf(q, instanceUuid);
  return row ? (await withMembers(q, [row]))[0] : undefined;
}

// Asked for every server the scheduler places: compiled once (see compiled-once.ts).
const groupRowOf = compiledOnce((q, instanceUuid: string) =>
  q.selectFrom('instance_groups as g').innerJoin('instance_group_members as m', 'm.group_id', 'g.id').selectAll('g').where('m.instance_uuid', '=', instanceUuid).limit(1),
);

/** The uuid of the group of each of these servers that is in one. */
const groupOfOne = compiledOnce((db, instanceUuid: string) =>
  db
    .selectFrom('instance_group_members as m')
    .innerJoin('instance_groups as g', 'g.id', 'm.group_id')
    .select(['m.instance_uuid', 'g.uuid'])
    .where('m.instance_uuid', '=', instanceUuid),
);

export async function serverGroupUuidsOf(q: Queryable, instanceUuids: readonly string[]): Promise<Map<string, string>> {
  if (instanceUuids.length === 0) return new Map();
  // One server (every show of a server at 2.71 and later): the same query, compiled once.
  if (instanceUuids.length === 1) return new Map((await groupOfOne(q, instanceUuids[0]!)).map((r) => [r.instance_uuid, r.uuid]));
  const rows = await q
    .selectFrom('instance_group_members as m')
    .innerJoin('instance_groups as g', 'g.id', 'm.group_id')
    .select(['m.instance_uuid', 'g.uuid'])
    .where('m.instance_uuid', 'in', [...instanceUuids])
    .execute();
  return new Map(rows.map((r) => [r.instance_uuid, r.uuid]));
}

export interface NewServerGroup {
  readonly uuid: string;
  readonly name: string;
  readonly projectId: string;
  readonly userId: string;
  readonly policy: ServerGroupPolicy;
  readonly rules: ServerGroupRules;
}

export async function insertServerGroup(q: Queryable, g: NewServerGroup, now: Date): Promise<void> {
  await q
    .insertInto('instance_groups')
    .values({
      uuid: g.uuid,
      name: g.name,
      project_id: g.projectId,
      user_id: g.userId,
      policy: g.policy,
      rules: JSON.stringify(g.rules),
      created_at: dbTime(now),
      updated_at: null,
    })
    .execute();
}

/** Removes the group and its memberships; false when it was already gone. */
export async function deleteServerGroupRow(q: Queryable, id: number): Promise<boolean> {
  await q.deleteFrom('instance_group_members').where('group_id', '=', id).execute();
  const r = await q.deleteFrom('instance_groups').where('id', '=', id).executeTakeFirst();
  return Number(r.numDeletedRows) > 0;
}

export async function addServerGroupMembers(q: Queryable, groupId: number, instanceUuids: readonly string[], now: Date): Promise<void> {
  if (instanceUuids.length === 0) return;
  await q
    .insertInto('instance_group_members')
    .values(instanceUuids.map((u) => ({ group_id: groupId, instance_uuid: u, created_at: dbTime(now) })))
    .execute();
}

/** A deleted server leaves its group. */
export async function removeServerGroupMember(q: Queryable, instanceUuid: string): Promise<void> {
  await q.deleteFrom('instance_group_members').where('instance_uuid', '=', instanceUuid).execute();
}

/** How many groups a project has, or one user of it created (the server_groups quota). */
export async function countServerGroups(q: Queryable, projectId: string, userId?: string): Promise<number> {
  let query = q.selectFrom('instance_groups').select((eb) => eb.fn.countAll<number | string>().as('n')).where('project_id', '=', projectId);
  if (userId !== undefined) query = query.where('user_id', '=', userId);
  const r = await query.executeTakeFirstOrThrow();
  return Number(r.n);
}

/** How many of a group's (not deleted) members belong to one user (the server_group_members quota, as Nova counts it). */
export async function countServerGroupMembersOfUser(q: Queryable, groupId: number, userId: string): Promise<number> {
  const [r] = await membersOfUser(q, groupId, userId);
  return Number(r?.n ?? 0);
}

const membersOfUser = compiledOnce((q, groupId: number, userId: string) =>
  q
    .selectFrom('instance_group_members as m')
    .innerJoin('instances as i', 'i.uuid', 'm.instance_uuid')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('m.group_id', '=', groupId)
    .where('i.deleted', '=', 0)
    .where('i.user_id', '=', userId),
);
