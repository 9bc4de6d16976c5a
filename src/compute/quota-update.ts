// Setting and reverting quota limits. An update is checked whole before
// anything is written (a refused update changes nothing): each new limit
// must lie in the range the project or user may have, unless forced.
import type { Kysely } from 'kysely';
import type { Config } from '../config/config.js';
import type { Database } from '../db/schema.js';
import { deleteProjectLimits, deleteUserLimits, setClassLimit, setProjectLimit, setUserLimit } from '../db/quotas.js';
import { Invalid } from './errors.js';
import { settableRanges } from './quota-limits.js';

/** -1 (unlimited) compares above every number. */
const rank = (n: number): number => (n === -1 ? Infinity : n);

export interface QuotaUpdate {
  readonly projectId: string;
  /** Set this user's limits within the project instead of the project's. */
  readonly userId?: string | undefined;
  readonly limits: Readonly<Record<string, number>>;
  /** Skip the range checks (Nova's `force`). */
  readonly force: boolean;
}

export async function updateQuotaLimits(db: Kysely<Database>, conf: Config, u: QuotaUpdate, now: string): Promise<void> {
  if (!u.force) {
    const ranges = await settableRanges(db, conf, u.projectId, u.userId);
    for (const [resource, limit] of Object.entries(u.limits)) {
      const { minimum, maximum } = ranges[resource]!;
      if (rank(limit) < rank(minimum))
        throw new Invalid(`Quota limit ${limit} for ${resource} must be greater than or equal to already used and reserved ${minimum}.`);
      if (rank(limit) > rank(maximum)) throw new Invalid(`Quota limit ${limit} for ${resource} must be less than or equal to ${maximum}.`);
    }
  }
  await db.transaction().execute(async (trx) => {
    for (const [resource, limit] of Object.entries(u.limits)) {
      if (u.userId === undefined) await setProjectLimit(trx, u.projectId, resource, limit, now);
      else await setUserLimit(trx, u.projectId, u.userId, resource, limit, now);
    }
  });
}

/** Back to the defaults: a user's own limits, or the project's and every user limit in it. */
export async function revertQuotaLimits(db: Kysely<Database>, projectId: string, userId: string | undefined): Promise<void> {
  if (userId !== undefined) await deleteUserLimits(db, projectId, userId);
  else await db.transaction().execute((trx) => deleteProjectLimits(trx, projectId));
}

export async function updateQuotaClass(db: Kysely<Database>, className: string, limits: Readonly<Record<string, number>>, now: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (const [resource, limit] of Object.entries(limits)) await setClassLimit(trx, className, resource, limit, now);
  });
}
