// Nova's task_log: one row per host, task and audit period.
import type { Kysely } from 'kysely';
import type { Database, TaskLogRow } from './schema.js';
import { dbTime } from './time.js';

/** The task name of the periodic usage audit of each host. */
export const USAGE_AUDIT_TASK = 'instance_usage_audit';

export interface TaskPeriod {
  readonly taskName: string;
  /** Stored-format timestamps. */
  readonly periodBeginning: string;
  readonly periodEnding: string;
}

/** Every host's record of the task for the period, by host. */
export function taskLogsOfPeriod(db: Kysely<Database>, p: TaskPeriod): Promise<TaskLogRow[]> {
  return db
    .selectFrom('task_log')
    .selectAll()
    .where('task_name', '=', p.taskName)
    .where('period_beginning', '=', p.periodBeginning)
    .where('period_ending', '=', p.periodEnding)
    .orderBy('host')
    .execute();
}

export async function taskLogOfHost(db: Kysely<Database>, p: TaskPeriod, host: string): Promise<TaskLogRow | undefined> {
  return db
    .selectFrom('task_log')
    .selectAll()
    .where('task_name', '=', p.taskName)
    .where('period_beginning', '=', p.periodBeginning)
    .where('period_ending', '=', p.periodEnding)
    .where('host', '=', host)
    .executeTakeFirst();
}

export interface FinishedTask {
  readonly host: string;
  readonly taskItems: number;
  readonly errors: number;
  readonly message: string;
}

/**
 * Records a host's finished run of the task for the period; false when the
 * host has a record for it already (another run got there first).
 */
export async function recordFinishedTask(db: Kysely<Database>, p: TaskPeriod, t: FinishedTask, now: Date): Promise<boolean> {
  const r = await db
    .insertInto('task_log')
    .values({
      task_name: p.taskName,
      state: 'DONE',
      host: t.host,
      period_beginning: p.periodBeginning,
      period_ending: p.periodEnding,
      message: t.message,
      task_items: t.taskItems,
      errors: t.errors,
      created_at: dbTime(now),
      updated_at: dbTime(now),
    })
    .onConflict((oc) => oc.columns(['task_name', 'host', 'period_beginning', 'period_ending']).doNothing())
    .executeTakeFirst();
  return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
}
