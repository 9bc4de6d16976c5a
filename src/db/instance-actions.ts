// Instance actions and their events: the audit trail of every server operation.
import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema.js';
import { dbTime } from './time.js';
import { compiledOnce, compiledOnceWrite } from './compiled-once.js';

export interface NewAction {
  readonly action: string;
  readonly instanceUuid: string;
  readonly requestId: string;
  readonly userId: string | null;
  readonly projectId: string | null;
  /** Actions that complete in the API (resetState, lock) are finished at once. */
  readonly finished?: boolean;
}

const insertAction = compiledOnceWrite(
  (db, action: string, uuid: string, requestId: string, userId: string | null, projectId: string | null, start: string, finish: string | null) =>
    db.insertInto('instance_actions').values({
      action,
      instance_uuid: uuid,
      request_id: requestId,
      user_id: userId,
      project_id: projectId,
      start_time: start,
      finish_time: finish,
      message: null,
      created_at: start,
      updated_at: start,
    }),
);

export async function recordAction(db: Kysely<Database>, a: NewAction, now: Date): Promise<void> {
  const t = dbTime(now);
  await insertAction(db, a.action, a.instanceUuid, a.requestId, a.userId, a.projectId, t, a.finished ? t : null);
}

const newestActionId = compiledOnce((db, instanceUuid: string, requestId: string) =>
  db.selectFrom('instance_actions').select('id').where('instance_uuid', '=', instanceUuid).where('request_id', '=', requestId).orderBy('id', 'desc').limit(1),
);

async function actionId(db: Kysely<Database>, instanceUuid: string, requestId: string): Promise<number | undefined> {
  const [r] = await newestActionId(db, instanceUuid, requestId);
  return r?.id;
}

// One statement finds the action and adds the event to it.
const insertEvent = compiledOnce((db, instanceUuid: string, requestId: string, event: string, host: string | null, t: string) =>
  db
    .insertInto('instance_actions_events')
    .columns(['action_id', 'event', 'start_time', 'finish_time', 'result', 'traceback', 'host', 'details', 'created_at', 'updated_at'])
    .expression((eb) =>
      eb
        .selectFrom('instance_actions')
        .select([
          'id',
          eb.val(event).as('event'),
          eb.val(t).as('start_time'),
          eb.val<string | null>(null).as('finish_time'),
          eb.val<string | null>(null).as('result'),
          eb.val<string | null>(null).as('traceback'),
          eb.val(host).as('host'),
          eb.val<string | null>(null).as('details'),
          eb.val(t).as('created_at'),
          eb.val(t).as('updated_at'),
        ])
        .where('instance_uuid', '=', instanceUuid)
        .where('request_id', '=', requestId)
        .orderBy('id', 'desc')
        .limit(1),
    )
    .returning('action_id'),
);

// The newest open event of that name, finished with its outcome.
const finishOpenEvent = compiledOnce(
  (db, instanceUuid: string, requestId: string, event: string, t: string, result: string, traceback: string | null, details: string | null) =>
    db
      .updateTable('instance_actions_events')
      .set({ finish_time: t, result, traceback, details, updated_at: t })
      .where('id', '=', (eb) =>
        eb
          .selectFrom('instance_actions_events as e')
          .innerJoin('instance_actions as a', 'a.id', 'e.action_id')
          .select('e.id')
          .where('a.instance_uuid', '=', instanceUuid)
          .where('a.request_id', '=', requestId)
          .where('e.event', '=', event)
          .where('e.finish_time', 'is', null)
          .orderBy('e.id', 'desc')
          .limit(1),
      )
      .returning('action_id'),
);

const touchAction = compiledOnceWrite((db, id: number, t: string) => db.updateTable('instance_actions').set({ updated_at: t }).where('id', '=', id));
const failAction = compiledOnceWrite((db, id: number, t: string) => db.updateTable('instance_actions').set({ updated_at: t, message: 'Error' }).where('id', '=', id));

export async function startEvent(db: Kysely<Database>, instanceUuid: string, requestId: string, event: string, host: string | null, now: Date): Promise<void> {
  const t = dbTime(now);
  // One transaction: the event and its action's update are written (and committed) together.
  if (!(db as Transaction<Database>).isTransaction) {
    return db.transaction().execute((trx) => startEvent(trx, instanceUuid, requestId, event, host, now));
  }
  const [row] = await insertEvent(db, instanceUuid, requestId, event, host, t);
  if (row) await touchAction(db, row.action_id, t);
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
  const t = dbTime(now);
  // One transaction: a client never sees the event failed and the action not yet marked (as in Nova).
  if (!(db as Transaction<Database>).isTransaction) {
    return db.transaction().execute((trx) => finishEvent(trx, instanceUuid, requestId, event, error, now));
  }
  const traceback = error ? (error.traceback ?? `Traceback (most recent call last):\n  ${error.message}`) : null;
  const [finished] = await finishOpenEvent(db, instanceUuid, requestId, event, t, error ? 'Error' : 'Success', traceback, error ? error.message : null);
  const id = finished?.action_id ?? (await actionId(db, instanceUuid, requestId));
  if (id === undefined) return;
  await (error ? failAction : touchAction)(db, id, t);
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
