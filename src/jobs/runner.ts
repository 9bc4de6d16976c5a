// Serving durable messages: a message that carries a job is handled only by
// whoever takes the job's lease, so a duplicate (a redelivery, a resend)
// finds the job held or gone and does nothing. The lease is renewed while the
// handler works; if the handler's process dies, the lease runs out and the
// job is sent again — to a restarted agent of the same host, at its start.
import type { Handler, Handlers, JobHandle, MessageArgs } from '../rpc/bus.js';
import { JOB_ARG } from '../rpc/bus.js';
import { acquireJob, completeJob, deleteJob, releaseJob, renewJob } from '../db/jobs.js';
import type { JobDeps } from './transaction.js';
import { JobLost, wasFinished } from './transaction.js';

/** A job that failed this often is dropped (and logged): something is broken that retrying will not mend. */
const MAX_ATTEMPTS = 25;
const MAX_BACKOFF_MS = 5 * 60 * 1000;

export function jobIdOf(args: MessageArgs): number | undefined {
  const v = args[JOB_ARG];
  return typeof v === 'number' && Number.isInteger(v) ? v : undefined;
}

/** Back-off before a job is sent again: doubling from the retry interval to 5 minutes. */
export function backoffMs(deps: Pick<JobDeps, 'conf'>, times: number): number {
  const base = deps.conf.num('magnetar', 'job_retry_interval') * 1000;
  return Math.min(MAX_BACKOFF_MS, base * 2 ** Math.min(20, Math.max(0, times - 1)));
}

/** Wraps handlers so that each durable message runs under its job's lease, held by `owner`. */
export function durableHandlers(deps: JobDeps, owner: string, handlers: Handlers): Handlers {
  const out: Record<string, Handler> = {};
  for (const [name, h] of Object.entries(handlers)) out[name] = durable(deps, owner, name, h);
  return out;
}

function durable(deps: JobDeps, owner: string, method: string, h: Handler): Handler {
  const leaseMs = deps.conf.num('magnetar', 'job_lease_time') * 1000;
  return async (message, mctx) => {
    let args = message;
    const id = jobIdOf(args);
    if (id === undefined) return h(args, mctx);
    const now = deps.clock.now();
    const row = await acquireJob(deps.db.kysely, id, owner, now, new Date(now.getTime() + leaseMs));
    // Finished already, or another handler holds it: this copy of the message has nothing to do.
    if (!row) return;
    const job: JobHandle = { id, attempt: row.attempts, owner };
    // The stored arguments are the job's own; a message may carry only the id (a call that delivers a job).
    const stored = parseArgs(row.args);
    if (stored === undefined) {
      deps.log.error({ job: id, method }, 'dropping a job with unreadable arguments');
      await deleteJob(deps.db.kysely, id);
      return;
    }
    args = { ...stored, [JOB_ARG]: id };
    const renew = setInterval(() => {
      renewJob(deps.db.kysely, id, owner, new Date(deps.clock.now().getTime() + leaseMs)).catch(() => undefined);
    }, Math.max(50, leaseMs / 3));
    renew.unref();
    try {
      const result = await h(args, { ...mctx, job });
      if (!wasFinished(job)) await completeJob(deps.db.kysely, id, owner);
      return result;
    } catch (err) {
      if (err instanceof JobLost) return;
      if (row.attempts >= MAX_ATTEMPTS) {
        deps.log.error({ err, job: id, method, attempts: row.attempts }, 'dropping a job that failed too often');
        await deleteJob(deps.db.kysely, id).catch(() => undefined);
      } else {
        const at = new Date(deps.clock.now().getTime() + backoffMs(deps, row.attempts));
        await releaseJob(deps.db.kysely, id, owner, at).catch(() => undefined);
      }
      throw err;
    } finally {
      clearInterval(renew);
    }
  };
}

function parseArgs(text: string): MessageArgs | undefined {
  try {
    const v = JSON.parse(text) as unknown;
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as MessageArgs) : undefined;
  } catch {
    return undefined;
  }
}
