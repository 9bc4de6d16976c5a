// Reading the instance-action audit trail: a server's actions newest first,
// one action by request id, and an action's events. Writing lives in
// instance-actions.ts.
import type { Kysely } from 'kysely';
import type { Database, InstanceActionEventRow, InstanceActionRow } from './schema.js';
import { dbTime } from './time.js';

export class ActionMarkerNotFound extends Error {}

/** The newest action of that request on the server. */
export function actionByRequestId(db: Kysely<Database>, instanceUuid: string, requestId: string): Promise<InstanceActionRow | undefined> {
  return db
    .selectFrom('instance_actions')
    .selectAll()
    .where('instance_uuid', '=', instanceUuid)
    .where('request_id', '=', requestId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .executeTakeFirst();
}

export interface ActionPage {
  readonly limit: number | null;
  /** Request id of the action the page starts after. */
  readonly marker?: string;
  /** Only actions updated at or after / at or before these times. */
  readonly changesSince?: Date;
  readonly changesBefore?: Date;
}

/** A server's actions, newest first. */
export async function listActions(db: Kysely<Database>, instanceUuid: string, page: ActionPage): Promise<InstanceActionRow[]> {
  if (page.limit === 0) return [];
  let q = db.selectFrom('instance_actions').selectAll().where('instance_uuid', '=', instanceUuid);
  if (page.changesSince) q = q.where('updated_at', '>=', dbTime(page.changesSince));
  if (page.changesBefore) q = q.where('updated_at', '<=', dbTime(page.changesBefore));
  if (page.marker !== undefined) {
    const m = await actionByRequestId(db, instanceUuid, page.marker);
    if (!m) throw new ActionMarkerNotFound(page.marker);
    q = q.where((eb) => eb.or([eb('created_at', '<', m.created_at), eb.and([eb('created_at', '=', m.created_at), eb('id', '<', m.id)])]));
  }
  q = q.orderBy('created_at', 'desc').orderBy('id', 'desc');
  if (page.limit !== null) q = q.limit(page.limit);
  return q.execute();
}

/** An action's events, newest first. */
export function eventsOf(db: Kysely<Database>, actionId: number): Promise<InstanceActionEventRow[]> {
  return db
    .selectFrom('instance_actions_events')
    .selectAll()
    .where('action_id', '=', actionId)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .execute();
}
