// Instance actions and their events: the audit trail of every server operation.
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';
import { dbTime } from './time.js';

export interface NewAction {
  readonly action: string;
  readonly instanceUuid: string;
  readonly requestId: string;
  readonly userId: string | null;
  readonly projectId: string | null;
  /** Actions that complete in the API (resetState, lock) are finished at once. */
  readonly finished?: boolean;
}

export async function recordAction(db: Kysely<Database>, a: NewAction, now: Date): Promise<number> {
  const t = dbTime(now);
  const r = await db
    .insertInto('instance_actions')
    .values({
      action: a.action,
      instance_uuid: a.instanceUuid,
      request_id: a.requestId,
      user_id: a.userId,
      project_id: a.projectId,
      start_time: t,
      finish_time: a.finished ? t : null,
      message: null,
      created_at: t,
      updated_at: t,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return r.id;
}

async function actionId(db: Kysely<Database>, instanceUuid: string, requestId: string): Promise<number | undefined> {
  const r = await db
    .selectFrom('instance_actions')
    .select('id')
    .where('instance_uuid', '=', instanceUuid)
    .where('request_id', '=', requestId)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return r?.id;
}

export async function startEvent(db: Kysely<Database>, instanceUuid: string, requestId: string, event: string, host: string | null, now: Date): Promise<void> {
  const id = await actionId(db, instanceUuid, requestId);
  if (id === undefined) return;
  const t = dbTime(now);
  await db
    .insertInto('instance_actions_events')
    .values({ action_id: id, event, start_time: t, finish_time: null, result: null, traceback: null, host, details: null, created_at: t, updated_at: t })
    .execute();
  await db.updateTable('instance_actions').set({ updated_at: t }).where('id', '=', id).execute();
}

/** Finishes the newest open event of that name; a failure also marks the action's message `Error`. */
export async function finishEvent(
  db: Kysely<Database>,
  instanceUuid: string,
  requestId: string,
  event: string,
  error: { message: string; traceback?: string } | null,
  now: Date,
): Promise<void> {
  const id = await actionId(db, instanceUuid, requestId);
  if (id === undefined) return;
  const t = dbTime(now);
  const ev = await db
    .selectFrom('instance_actions_events')
    .select('id')
    .where('action_id', '=', id)
    .where('event', '=', event)
    .where('finish_time', 'is', null)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (ev) {
    await db
      .updateTable('instance_actions_events')
      .set({
        finish_time: t,
        result: error ? 'Error' : 'Success',
        traceback: error ? (error.traceback ?? `Traceback (most recent call last):\n  ${error.message}`) : null,
        details: error ? error.message : null,
        updated_at: t,
      })
      .where('id', '=', ev.id)
      .execute();
  }
  await db
    .updateTable('instance_actions')
    .set(error ? { updated_at: t, message: 'Error' } : { updated_at: t })
    .where('id', '=', id)
    .execute();
}

/** Runs `fn` inside an event: started before, finished with its outcome after. */
export async function withEvent<T>(
  db: Kysely<Database>,
  clock: { now(): Date },
  instanceUuid: string,
  requestId: string,
  event: string,
  host: string | null,
  fn: () => Promise<T>,
): Promise<T> {
  await startEvent(db, instanceUuid, requestId, event, host, clock.now());
  try {
    const out = await fn();
    await finishEvent(db, instanceUuid, requestId, event, null, clock.now());
    return out;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    await finishEvent(db, instanceUuid, requestId, event, { message, traceback: err instanceof Error ? `${err.name}: ${message}` : message }, clock.now());
    throw err;
  }
}
