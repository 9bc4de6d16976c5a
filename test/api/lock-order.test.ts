// Requests that change a server and its migration together take the rows in
// one order (the server's first), so on PostgreSQL two of them racing wait
// for each other in turn instead of each holding the row the other wants.
// The test database's deadlock_timeout is set to a minute: a deadlock then
// shows as requests that do not answer, not as a retry a second later.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { startCloud, TEST_DIALECT, type Cloud, type Reply } from '../support/cloud.js';
import { act } from '../support/actions.js';

const ROUNDS = 5;
const EACH = 8;
const ANSWER_WITHIN_MS = 15_000;

function answered(what: string, p: Promise<Reply>): Promise<Reply> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ANSWER_WITHIN_MS} ms: its transaction waits on another`)), ANSWER_WITHIN_MS);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

describe('a delete and a revert racing on a resized server', { skip: TEST_DIALECT !== 'postgres' && 'row locks that can deadlock are PostgreSQL’s' }, () => {
  let c: Cloud;
  before(async () => {
    c = await startCloud();
    const db = c.aio.base.db.kysely;
    const { rows } = await sql<{ name: string }>`SELECT current_database() AS name`.execute(db);
    await sql.raw(`ALTER DATABASE "${rows[0]!.name}" SET deadlock_timeout = '60s'`).execute(db);
    // New connections take the setting.
    await c.restart();
  });
  after(async () => {
    await c.stop();
  });

  it(`${ROUNDS} rounds of ${EACH} reverts and ${EACH} deletes at once: every request answers, the server is deleted`, async () => {
    for (let n = 0; n < ROUNDS; n++) {
      const s = await c.bootServer('demo');
      assert.equal((await act(c, 'admin', s.id, { migrate: null })).status, 202);
      await c.waitServer(s.id, (x) => x.status === 'VERIFY_RESIZE');
      const replies = await Promise.all(
        Array.from({ length: 2 * EACH }, (_, i) =>
          i % 2 === 0 ? answered('revertResize', act(c, 'admin', s.id, { revertResize: null })) : answered('DELETE', c.req('demo', 'DELETE', `/servers/${s.id}`)),
        ),
      );
      const deletes = replies.filter((_, i) => i % 2 === 1).map((r) => r.status);
      assert.ok(deletes.includes(204), `round ${n}: no delete was accepted: ${deletes.join(', ')}`);
      await c.waitServer(s.id, (x) => x.gone === true);
    }
  });
});
