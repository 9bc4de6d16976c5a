// The end of a server: marked deleted, everything it and its migrations held
// given back, its unfinished moves ended, its group left and its console tokens dropped — in the
// caller's transaction, so that a crash never leaves a deleted server holding
// resources or a live one without them.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { dbTime } from '../db/time.js';
import { UNFINISHED_STATUSES } from '../db/migrations-repo.js';
import { removeServerGroupMember } from '../db/server-groups.js';
import { deleteConsoleTokens } from '../db/console-auth-tokens.js';
import { POWER_STATE } from './states.js';

export async function finishDelete(q: Kysely<Database>, uuid: string, now: Date): Promise<void> {
  const t = dbTime(now);
  // The server's row first: a move that gives resources back to the server locks it
  // too, so it either finishes before this release or finds the server deleted.
  const row = await q.selectFrom('instances').select('id').where('uuid', '=', uuid).executeTakeFirst();
  await q
    .updateTable('instances')
    .set({ vm_state: 'deleted', task_state: null, power_state: POWER_STATE.NOSTATE, deleted: row?.id ?? 1, deleted_at: t, terminated_at: t, updated_at: t })
    .where('uuid', '=', uuid)
    .where('deleted', '=', 0)
    .execute();
  // A move of a deleted server is over: its steps still under way find it so
  // and undo their own part, instead of finishing a move of nothing. A
  // confirmation (the delete's own, of a resized server) still drops the old guest.
  // Before the allocations: a step that changes its migration and then
  // releases what the migration holds takes them in that order too, so on
  // PostgreSQL the two wait for each other in turn instead of in a circle.
  await q
    .updateTable('migrations')
    .set({ status: 'error', updated_at: t })
    .where('instance_uuid', '=', uuid)
    .where('deleted', '=', 0)
    .where('status', 'in', UNFINISHED_STATUSES.filter((s) => s !== 'confirming'))
    .execute();
  // One statement for the server and its migrations: a move handing an allocation
  // from one to the other meanwhile cannot slip it past the release (PostgreSQL
  // re-checks a row changed under a statement against the whole condition).
  const migrations = await q.selectFrom('migrations').select('uuid').where('instance_uuid', '=', uuid).execute();
  await q
    .deleteFrom('allocations')
    .where('consumer_uuid', 'in', [uuid, ...migrations.map((m) => m.uuid)])
    .execute();
  await removeServerGroupMember(q, uuid);
  // Its consoles are gone with it.
  await deleteConsoleTokens(q, uuid);
}
