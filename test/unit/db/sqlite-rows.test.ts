// Rows read through the SQLite connection are made from better-sqlite3's
// arrays by a function per statement: they must be the very objects
// better-sqlite3 itself would make — every column, NULLs and numbers as they
// are, a later column of the same name winning — for reads, RETURNING
// writes and streamed reads alike.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { openDb } from '../../../src/db/connect.js';

it('makes the rows better-sqlite3 would make, for reads, RETURNING and streams', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'magnetar-rows-'));
  const file = join(dir, 'x.sqlite');
  const db = await openDb(`sqlite:///${file}`, dir);
  const query = `SELECT 1 AS id, 'a"b' AS "we""ird", NULL AS gone, 2.5 AS half, 'later' AS id, x'00ff' AS bytes`;
  try {
    const ours = (await sql.raw(query).execute(db.kysely)).rows;
    await sql`CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, note TEXT)`.execute(db.kysely);
    const returned = (await sql`INSERT INTO t (name, note) VALUES ('one', NULL) RETURNING *`.execute(db.kysely)).rows;
    const streamed: unknown[] = [];
    for await (const r of db.kysely.selectFrom('t' as never).selectAll().stream()) streamed.push(r);
    await db.close();

    const plain = new SqliteDatabase(file);
    try {
      assert.deepEqual(ours, plain.prepare(query).all());
      assert.deepEqual(ours[0], { id: 'later', 'we"ird': 'a"b', gone: null, half: 2.5, bytes: Buffer.from([0, 255]) });
      assert.deepEqual(returned, [{ id: 1, name: 'one', note: null }]);
      assert.deepEqual(streamed, plain.prepare('SELECT * FROM t').all());
    } finally {
      plain.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
