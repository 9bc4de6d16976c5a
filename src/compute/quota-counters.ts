// How each counted quota resource is counted, from what exists, as Nova
// counts it. QUOTA_COUNTERS is the one list of counters: a resource whose
// table exists adds its counter here and is then counted everywhere quotas
// are shown or enforced. Resources without a counter (metadata_items, the
// injected-file limits) are limits on one request, never counted.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { VmState } from './states.js';
import { countServerGroups } from '../db/server-groups.js';
import { compiledOnce } from '../db/compiled-once.js';

export interface QuotaScope {
  readonly projectId: string;
  /** Also count this user's share (Nova counts both when a user is given). */
  readonly userId?: string | undefined;
  /** The server group whose members are counted (server_group_members only). */
  readonly groupUuid?: string | undefined;
}

/** Counts by resource, for the project and (when asked) for the user. */
export interface QuotaCounts {
  readonly project: Readonly<Record<string, number>>;
  readonly user?: Readonly<Record<string, number>>;
}

export interface QuotaCounter {
  /** The resources one count gives (instances, cores and ram come from one query). */
  readonly resources: readonly string[];
  /**
   * false for the per-user resources whose usage Nova leaves out of quota-set
   * details, update checks and /limits (it shows 0): key_pairs and
   * server_group_members. They are still counted where they are enforced.
   */
  readonly shownInUsage: boolean;
  count(q: Kysely<Database>, scope: QuotaScope): Promise<QuotaCounts>;
}

/** Live servers of a project (or of one user in it); soft-deleted ones do not count, as in Nova. */
function liveServerTotals(q: Kysely<Database>, projectId: string) {
  return q
    .selectFrom('instances')
    .select((eb) => [
      eb.fn.countAll<number | string>().as('instances'),
      eb.fn.coalesce(eb.fn.sum<number | string>('vcpus'), eb.lit(0)).as('cores'),
      eb.fn.coalesce(eb.fn.sum<number | string>('memory_mb'), eb.lit(0)).as('ram'),
    ])
    .where('project_id', '=', projectId)
    .where('deleted', '=', 0)
    .where('vm_state', '!=', VmState.SOFT_DELETED);
}
// Counted on every create and resize: compiled once (see db/compiled-once.ts).
const projectTotals = compiledOnce((q, projectId: string) => liveServerTotals(q, projectId));
const userTotals = compiledOnce((q, projectId: string, userId: string) => liveServerTotals(q, projectId).where('user_id', '=', userId));

async function instancesCoresRam(q: Kysely<Database>, projectId: string, userId?: string): Promise<Record<string, number>> {
  const [r] = userId === undefined ? await projectTotals(q, projectId) : await userTotals(q, projectId, userId);
  // PostgreSQL gives COUNT and SUM as bigint strings.
  return { instances: Number(r?.instances ?? 0), cores: Number(r?.cores ?? 0), ram: Number(r?.ram ?? 0) };
}

const INSTANCES_CORES_RAM: QuotaCounter = {
  resources: ['instances', 'cores', 'ram'],
  shownInUsage: true,
  async count(q, scope) {
    const project = await instancesCoresRam(q, scope.projectId);
    if (scope.userId === undefined) return { project };
    return { project, user: await instancesCoresRam(q, scope.projectId, scope.userId) };
  },
};

/** Key pairs belong to a user, whatever the project: only a user count. */
const KEY_PAIRS: QuotaCounter = {
  resources: ['key_pairs'],
  shownInUsage: false,
  async count(q, scope) {
    if (scope.userId === undefined) return { project: {} };
    const row = await q
      .selectFrom('key_pairs')
      .select((eb) => eb.fn.countAll<string | number>().as('n'))
      .where('user_id', '=', scope.userId)
      .where('deleted', '=', 0)
      .executeTakeFirst();
    return { project: {}, user: { key_pairs: Number(row?.n ?? 0) } };
  },
};

/** Groups belong to a project; a user's are those they created. */
const SERVER_GROUPS: QuotaCounter = {
  resources: ['server_groups'],
  shownInUsage: true,
  async count(q, scope) {
    const project = { server_groups: await countServerGroups(q, scope.projectId) };
    if (scope.userId === undefined) return { project };
    return { project, user: { server_groups: await countServerGroups(q, scope.projectId, scope.userId) } };
  },
};

/** Every counter; add one here when a counted resource gets its table. */
export const QUOTA_COUNTERS: readonly QuotaCounter[] = [INSTANCES_CORES_RAM, KEY_PAIRS, SERVER_GROUPS];

const BY_RESOURCE = new Map<string, QuotaCounter>(QUOTA_COUNTERS.flatMap((c) => c.resources.map((r) => [r, c] as const)));

export function counterOf(resource: string): QuotaCounter | undefined {
  return BY_RESOURCE.get(resource);
}

/**
 * In-use figures as quota sets and /limits show them: every counter that is
 * shown, for the project or (with a user) that user's share; the rest 0.
 */
export async function shownUsage(q: Kysely<Database>, projectId: string, userId?: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const c of QUOTA_COUNTERS) {
    if (!c.shownInUsage) continue;
    const counts = await c.count(q, { projectId, userId });
    Object.assign(out, userId === undefined ? counts.project : (counts.user ?? {}));
  }
  return out;
}
