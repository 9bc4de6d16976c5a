// The one SQLite connection handed out in turn: thousands of queries and
// transactions queued at once all run, each transaction whole, in the order
// they were asked for.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openDb } from '../../../src/db/connect.js';

it('runs a long queue of queries and transactions in arrival order, none interleaved', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'magnetar-fifo-'));
  const db = await openDb(`sqlite:///${join(dir, 'x.sqlite')}`, dir);
  try {
    await sql`CREATE TABLE seq (n integer NOT NULL, part integer NOT NULL)`.execute(db.kysely);
    const N = 3000;
    await Promise.all(
      Array.from({ length: N }, (_, i) =>
        i % 3 === 0
          ? db.kysely.transaction().execute(async (trx) => {
              await sql`INSERT INTO seq (n, part) VALUES (${i}, 0)`.execute(trx);
              await new Promise((r) => setImmediate(r)); // others queue meanwhile
              await sql`INSERT INTO seq (n, part) VALUES (${i}, 1)`.execute(trx);
            })
          : sql`INSERT INTO seq (n, part) VALUES (${i}, 0)`.execute(db.kysely),
      ),
    );
    const rows = (await sql<{ n: number; part: number }>`SELECT n, part FROM seq ORDER BY rowid`.execute(db.kysely)).rows;
    const expected = Array.from({ length: N }, (_, i) => (i % 3 === 0 ? [{ n: i, part: 0 }, { n: i, part: 1 }] : [{ n: i, part: 0 }])).flat();
    assert.deepEqual(rows, expected);
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
