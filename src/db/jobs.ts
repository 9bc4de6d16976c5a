// Job rows (see migrations/005_jobs.ts): written inside the transaction that
// needs the work done, taken by a handler under a lease it renews while it
// works, deleted when the work is done. A job nobody holds is sent again.
import type { Kysely, Transaction } from 'kysely';
import type { Database, JobRow } from './schema.js';
import { dbTime } from './time.js';
import { compiledOnce, compiledOnceWrite } from './compiled-once.js';

type Queryable = Kysely<Database> | Transaction<Database>;

export interface NewJob {
  readonly topic: string;
  readonly method: string;
  readonly args: string;
  readonly requestId: string | null;
  readonly instanceUuid: string | null;
}

// Every step of every flow writes, takes and deletes a job: these statements
// are compiled once (see compiled-once.ts).
const insertRow = compiledOnce(
  (q, topic: string, method: string, args: string, requestId: string | null, instanceUuid: string | null, availableAt: string, createdAt: string) =>
    q
      .insertInto('jobs')
      .values({
        topic,
        method,
        args,
        request_id: requestId,
        instance_uuid: instanceUuid,
        attempts: 0,
        sends: 1,
        available_at: availableAt,
        lease_owner: null,
        lease_until: null,
        created_at: createdAt,
      })
      .returning('id'),
);

const leaseRow = compiledOnce((q, id: number, owner: string, leaseUntil: string, now: string) =>
  q
    .updateTable('jobs')
    .set((eb) => ({ lease_owner: owner, lease_until: leaseUntil, attempts: eb('attempts', '+', 1) }))
    .where('id', '=', id)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
    .returningAll(),
);

const renewRow = compiledOnceWrite((q, id: number, owner: string, leaseUntil: string) =>
  q.updateTable('jobs').set({ lease_until: leaseUntil }).where('id', '=', id).where('lease_owner', '=', owner),
);

const deleteOwnedRow = compiledOnceWrite((q, id: number, owner: string) => q.deleteFrom('jobs').where('id', '=', id).where('lease_owner', '=', owner));

const releaseRow = compiledOnceWrite((q, id: number, owner: string, availableAt: string) =>
  q.updateTable('jobs').set({ lease_owner: null, lease_until: null, available_at: availableAt }).where('id', '=', id).where('lease_owner', '=', owner),
);

const deleteRow = compiledOnceWrite((q, id: number) => q.deleteFrom('jobs').where('id', '=', id));

export async function insertJob(q: Queryable, job: NewJob, now: Date, availableAt: Date): Promise<number> {
  const [r] = await insertRow(q, job.topic, job.method, job.args, job.requestId, job.instanceUuid, dbTime(availableAt), dbTime(now));
  if (r === undefined) throw new Error(`the job ${job.topic}.${job.method} was not written`);
  return r.id;
}

/** Takes the job for `owner` unless another owner's lease is still running; undefined when done or held. */
export async function acquireJob(q: Queryable, id: number, owner: string, now: Date, leaseUntil: Date): Promise<JobRow | undefined> {
  const [row] = await leaseRow(q, id, owner, dbTime(leaseUntil), dbTime(now));
  return row;
}

/** Extends the owner's lease; false when the job is gone or no longer the owner's. */
export async function renewJob(q: Queryable, id: number, owner: string, leaseUntil: Date): Promise<boolean> {
  return (await renewRow(q, id, owner, dbTime(leaseUntil))) > 0;
}

/** Deletes the job if `owner` holds it; false when it was already done or taken over. */
export async function completeJob(q: Queryable, id: number, owner: string): Promise<boolean> {
  return (await deleteOwnedRow(q, id, owner)) > 0;
}

/** Gives the job back after a failed attempt; it is sent again from `availableAt`. */
export async function releaseJob(q: Queryable, id: number, owner: string, availableAt: Date): Promise<void> {
  await releaseRow(q, id, owner, dbTime(availableAt));
}

export async function deleteJob(q: Queryable, id: number): Promise<void> {
  await deleteRow(q, id);
}

/** Jobs due to be sent again: available and held by nobody (or by a lease that ran out). */
export function dueJobs(q: Queryable, now: Date, limit: number, topic?: string): Promise<JobRow[]> {
  const t = dbTime(now);
  let s = q
    .selectFrom('jobs')
    .selectAll()
    .where('available_at', '<=', t)
    .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', t)]));
  if (topic !== undefined) s = s.where('topic', '=', topic);
  return s.orderBy('id').limit(limit).execute();
}

/** Claims the right to send a due job once (a compare-and-swap on its schedule); false when another sender got it. */
export async function markSent(q: Queryable, job: Pick<JobRow, 'id' | 'available_at'>, nextAt: Date): Promise<boolean> {
  const r = await q
    .updateTable('jobs')
    .set((eb) => ({ available_at: dbTime(nextAt), sends: eb('sends', '+', 1) }))
    .where('id', '=', job.id)
    .where('available_at', '=', job.available_at)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/**
 * Frees the jobs of `topic` held by an earlier life of the same service (a
 * compute host's agent restarted): they are due at once. Returns how many.
 */
export async function releaseJobsOfEarlierOwners(q: Queryable, topic: string, ownerPrefix: string, currentOwner: string, now: Date): Promise<number> {
  const r = await q
    .updateTable('jobs')
    .set({ lease_owner: null, lease_until: null, available_at: dbTime(now) })
    .where('topic', '=', topic)
    .where('lease_owner', 'like', `${ownerPrefix}%`)
    .where('lease_owner', '<>', currentOwner)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Jobs waiting for a server (for the audit and for tests). */
export function jobsOfInstance(q: Queryable, instanceUuid: string): Promise<JobRow[]> {
  return q.selectFrom('jobs').selectAll().where('instance_uuid', '=', instanceUuid).orderBy('id').execute();
}
