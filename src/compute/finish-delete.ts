// The end of a server: marked deleted, and everything it and its migrations
// held given back — in the caller's transaction, so that a crash never leaves
// a deleted server holding resources or a live one without them.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { dbTime } from '../db/time.js';
import { release } from '../scheduler/claims.js';
import { POWER_STATE } from './states.js';

export async function finishDelete(q: Kysely<Database>, uuid: string, now: Date): Promise<void> {
  const t = dbTime(now);
  await release(q, uuid);
  const migrations = await q.selectFrom('migrations').select(['id', 'uuid', 'status']).where('instance_uuid', '=', uuid).execute();
  for (const m of migrations) await release(q, m.uuid);
  const row = await q.selectFrom('instances').select('id').where('uuid', '=', uuid).executeTakeFirst();
  await q
    .updateTable('instances')
    .set({ vm_state: 'deleted', task_state: null, power_state: POWER_STATE.NOSTATE, deleted: row?.id ?? 1, deleted_at: t, terminated_at: t, updated_at: t })
    .where('uuid', '=', uuid)
    .where('deleted', '=', 0)
    .execute();
}
