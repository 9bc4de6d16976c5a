// A step of a move changes its migration and then its server; a delete ends
// the server and then its migrations. On PostgreSQL the two must take the rows
// in one order, or each can hold the row the other waits for: updateMigration
// takes the server's row before the migration's. Here the delete holds the
// server's row while the step starts; the step must wait for the delete, and
// neither may be chosen as a deadlock's victim.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { sql } from 'kysely';
import { openDb, type Db } from '../../../src/db/connect.js';
import { createMigration, getMigration, updateMigration } from '../../../src/db/migrations-repo.js';
import { updateInstance } from '../../../src/db/instances.js';
import { finishDelete } from '../../../src/compute/finish-delete.js';
import { seedHost, seedInstance } from '../scheduler/seed.js';
import { pgAdmin } from '../scheduler/databases.js';

/** Waits until some statement in this test's database waits for a lock. */
async function someoneWaits(db: Db): Promise<void> {
  const end = Date.now() + 5000;
  for (;;) {
    const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`.execute(db.kysely);
    if (rows[0]!.n > 0) return;
    if (Date.now() > end) throw new Error('the move step never waited for the delete');
    await new Promise((r) => setTimeout(r, 10));
  }
}

// PostgreSQL only: SQLite runs one writing transaction at a time.
describe('a move step and a delete on one server (PostgreSQL)', () => {
  const name = `magnetar_t_${randomBytes(6).toString('hex')}`;
  let step: Db;
  let deleter: Db;
  let watcher: Db;
  before(async () => {
    await pgAdmin(`CREATE DATABASE ${name}`);
    const url = `postgresql://postgres@127.0.0.1:5432/${name}`;
    step = await openDb(url, tmpdir());
    deleter = await openDb(url, tmpdir());
    watcher = await openDb(url, tmpdir());
  });
  after(async () => {
    await step.close();
    await deleter.close();
    await watcher.close();
    await pgAdmin(`DROP DATABASE IF EXISTS ${name}`);
  });

  it('the step waits for the delete, and neither is a deadlock victim', async () => {
    const now = new Date();
    await seedHost(step, now, { host: 'src' });
    await seedHost(step, now, { host: 'dest' });
    const uuid = await seedInstance(step, now, 'src');
    const m = await createMigration(step, {
      instanceUuid: uuid,
      migrationType: 'migration',
      status: 'post-migrating',
      sourceCompute: 'src',
      sourceNode: 'src.local',
      destCompute: 'dest',
      destNode: 'dest.local',
      oldInstanceTypeId: 1,
      newInstanceTypeId: 1,
      userId: 'u1',
      projectId: 'p1',
    });
    let stepRun: Promise<boolean> | undefined;
    await deleter.kysely.transaction().execute(async (trx) => {
      // The delete has the server's row…
      await trx.updateTable('instances').set({ task_state: 'deleting' }).where('uuid', '=', uuid).execute();
      // …when the step begins: it finishes the migration, then moves the server.
      stepRun = step.kysely.transaction().execute(async (t) => {
        if (!(await updateMigration(t, m.id, { status: 'finished' }, { expectStatus: ['post-migrating'] }))) return false;
        return updateInstance(t, uuid, { host: 'dest', node: 'dest.local' }, new Date());
      });
      await someoneWaits(watcher);
      // The delete goes on to the migrations, which the step must not be holding.
      await finishDelete(trx, uuid, new Date());
    });
    // After the delete: the step finds the migration already ended and changes nothing.
    assert.equal(await stepRun, false);
    assert.equal((await getMigration(step, m.id))?.status, 'error');
  });
});
