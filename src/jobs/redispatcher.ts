// Sends again the jobs nobody has taken: messages lost with a process that
// died between its commit and its send, casts to a host that was down, work
// whose handler died holding it. Runs in every conductor; a compare-and-swap
// on each job's schedule makes sure only one of them sends it each time.
import type { MessageArgs } from '../rpc/bus.js';
import { dueJobs, markSent } from '../db/jobs.js';
import type { JobRow } from '../db/schema.js';
import type { JobDeps } from './transaction.js';
import { sendJob } from './transaction.js';
import { backoffMs } from './runner.js';

const BATCH = 200;

/** Sends every due job once (of one topic, or all); returns how many were sent. */
export async function resendDueJobs(deps: JobDeps, topic?: string): Promise<number> {
  let sent = 0;
  const due = await dueJobs(deps.db.kysely, deps.clock.now(), BATCH, topic);
  for (const job of due) {
    const next = new Date(deps.clock.now().getTime() + backoffMs(deps, job.sends + 1));
    if (!(await markSent(deps.db.kysely, job, next))) continue;
    await sendJob(deps, job.topic, job.method, argsOf(deps, job), job.id, job.request_id ?? undefined);
    sent += 1;
  }
  return sent;
}

function argsOf(deps: JobDeps, job: JobRow): MessageArgs {
  try {
    return JSON.parse(job.args) as MessageArgs;
  } catch (err) {
    deps.log.error({ err, job: job.id }, 'a job has unreadable arguments');
    return {};
  }
}

/** Starts the periodic resend; returns its stop function. */
export function startRedispatcher(deps: JobDeps): () => void {
  const ms = deps.conf.num('magnetar', 'job_retry_interval') * 1000;
  if (!(ms > 0)) return () => undefined;
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    resendDueJobs(deps)
      .catch((err: unknown) => deps.log.warn({ err }, 'resending due jobs failed'))
      .finally(() => (running = false));
  }, Math.max(50, ms / 2));
  timer.unref();
  return () => clearInterval(timer);
}
