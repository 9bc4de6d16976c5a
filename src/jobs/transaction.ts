// A state change and the messages it needs, committed together. `post` writes
// a job row in the transaction; once it commits the message is sent at once
// (the fast path), and if that message is lost — the sender died right after
// the commit, the bus dropped it — the conductor's redispatcher sends the job
// again until a handler finishes it. `finish` ends the job the running
// handler holds in the same transaction as the step's last change, so the
// step is either wholly done and its job gone, or not done and still queued.
import type { Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { Db } from '../db/connect.js';
import type { Database } from '../db/schema.js';
import type { Bus, JobHandle, MessageArgs } from '../rpc/bus.js';
import { JOB_ARG } from '../rpc/bus.js';
import type { Clock } from '../compute/clock.js';
import { completeJob, insertJob } from '../db/jobs.js';

export interface JobDeps {
  readonly db: Db;
  readonly bus: Bus;
  readonly clock: Clock;
  readonly conf: Config;
  readonly log: Logger;
}

export interface PostOptions {
  readonly requestId?: string | undefined;
  /** The server the work is for (kept on the job for the audit and for operators). */
  readonly instanceUuid?: string | undefined;
  /** false: the caller delivers the job itself after the commit (a call that waits for the reply). */
  readonly send?: boolean;
}

export interface Tx {
  readonly q: Transaction<Database>;
  /** Queues a message for after the commit; returns its job id. */
  post(topic: string, method: string, args: MessageArgs, opts?: PostOptions): Promise<number>;
  /** Ends the running handler's job with this transaction; rolls it back when the job was taken over meanwhile. */
  finish(job: JobHandle | undefined): Promise<void>;
}

/** Jobs whose handler ended them in a committed transaction (the runner need not end them again). */
const finishedJobs = new WeakSet<JobHandle>();

export function wasFinished(job: JobHandle): boolean {
  return finishedJobs.has(job);
}

/** The handler's job was taken over by another handler (its lease ran out): its changes must not commit. */
export class JobLost extends Error {
  constructor(readonly jobId: number) {
    super(`job ${jobId} was taken over by another handler`);
    this.name = 'JobLost';
  }
}

interface Posted {
  readonly id: number;
  readonly topic: string;
  readonly method: string;
  readonly args: MessageArgs;
  readonly requestId: string | undefined;
}

export interface TransactOptions {
  /** Runs after the commit and before the messages go out (a crash point sits here). */
  readonly afterCommit?: () => void;
}

/** PostgreSQL's deadlock and serialization failures: the transaction did nothing and may simply run again. */
const RETRYABLE = new Set(['40P01', '40001']);
const MAX_TRIES = 5;

function isRetryable(err: unknown): boolean {
  return typeof err === 'object' && err !== null && RETRYABLE.has(String((err as { code?: unknown }).code));
}

export async function transact<T>(deps: JobDeps, fn: (tx: Tx) => Promise<T>, opts: TransactOptions = {}): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await transactOnce(deps, fn, opts);
    } catch (err) {
      if (!isRetryable(err) || attempt >= MAX_TRIES) throw err;
      deps.log.info({ err, attempt }, 'transaction lost a lock race; running it again');
    }
  }
}

async function transactOnce<T>(deps: JobDeps, fn: (tx: Tx) => Promise<T>, opts: TransactOptions): Promise<T> {
  const retryMs = deps.conf.num('magnetar', 'job_retry_interval') * 1000;
  const ended: JobHandle[] = [];
  const { result, posted } = await deps.db.kysely.transaction().execute(async (trx) => {
    ended.length = 0;
    const out: Posted[] = [];
    const tx: Tx = {
      q: trx,
      async post(topic, method, args, o = {}) {
        const now = deps.clock.now();
        const id = await insertJob(
          trx,
          { topic, method, args: JSON.stringify(args), requestId: o.requestId ?? null, instanceUuid: o.instanceUuid ?? null },
          now,
          new Date(now.getTime() + retryMs),
        );
        if (o.send !== false) out.push({ id, topic, method, args, requestId: o.requestId });
        return id;
      },
      async finish(job) {
        if (job === undefined) return;
        if (!(await completeJob(trx, job.id, job.owner))) throw new JobLost(job.id);
        ended.push(job);
      },
    };
    return { result: await fn(tx), posted: out };
  });
  for (const job of ended) finishedJobs.add(job);
  opts.afterCommit?.();
  for (const p of posted) await sendJob(deps, p.topic, p.method, p.args, p.id, p.requestId);
  return result;
}

/** The arguments that name a job, for a caller that delivers its job itself (a call). */
export function jobMessage(id: number): MessageArgs {
  return { [JOB_ARG]: id };
}

/** Sends a job's message; a failure only delays it until the redispatcher sends it again. */
export async function sendJob(deps: Pick<JobDeps, 'bus' | 'log'>, topic: string, method: string, args: MessageArgs, id: number, requestId: string | undefined): Promise<void> {
  try {
    await deps.bus.cast(topic, method, { ...args, [JOB_ARG]: id }, requestId === undefined ? {} : { requestId });
  } catch (err) {
    deps.log.warn({ err, topic, method, job: id }, 'could not send a job now; it will be sent again');
  }
}
