// Servers that ran at some time inside a window, deleted ones included, as
// Nova's usage reports and usage audits read them: launched before the end,
// and not terminated before the start. Ordered by project then uuid, and paged
// by a server's uuid in that order.
import type { Kysely } from 'kysely';
import type { Database, InstanceRow } from './schema.js';

export class UsageMarkerNotFound extends Error {
  constructor(readonly marker: string) {
    super(`Marker ${marker} could not be found.`);
  }
}

export interface ActiveWindow {
  /** Stored-format timestamps ('YYYY-MM-DD HH:MM:SS.ffffff'). */
  readonly begin: string;
  readonly end?: string;
  readonly projectId?: string;
  readonly host?: string;
  readonly limit?: number;
  /** uuid of the last server of the previous page. */
  readonly marker?: string;
}

export async function instancesActiveInWindow(db: Kysely<Database>, w: ActiveWindow): Promise<InstanceRow[]> {
  let q = db
    .selectFrom('instances')
    .selectAll()
    .where((eb) => eb.or([eb('terminated_at', 'is', null), eb('terminated_at', '>', w.begin)]));
  if (w.end !== undefined) q = q.where('launched_at', '<', w.end);
  if (w.projectId !== undefined) q = q.where('project_id', '=', w.projectId);
  if (w.host !== undefined) q = q.where('host', '=', w.host);
  if (w.marker !== undefined) {
    const m = await db.selectFrom('instances').select(['project_id', 'uuid']).where('uuid', '=', w.marker).executeTakeFirst();
    if (!m) throw new UsageMarkerNotFound(w.marker);
    q = q.where((eb) => eb.or([eb('project_id', '>', m.project_id), eb.and([eb('project_id', '=', m.project_id), eb('uuid', '>', m.uuid)])]));
  }
  q = q.orderBy('project_id').orderBy('uuid');
  if (w.limit !== undefined) q = q.limit(w.limit);
  return q.execute();
}
