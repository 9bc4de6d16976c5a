// The SQLite connection of the all-in-one holds its file: another process
// cannot write behind its back.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { openDb } from '../../../src/db/connect.js';

it('an exclusive SQLite database refuses a second user while open, and frees the file when closed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'magnetar-db-'));
  const file = join(dir, 'x.sqlite');
  const db = await openDb(`sqlite:///${file}`, dir, { exclusive: true });
  await db.kysely.selectFrom('flavors').select('id').execute();
  const other = new SqliteDatabase(file, { timeout: 100 });
  assert.throws(() => other.prepare('SELECT count(*) FROM flavors').get(), /locked|busy/i);
  other.close();
  await db.close();
  const again = new SqliteDatabase(file, { timeout: 100 });
  assert.deepEqual(again.prepare('SELECT count(*) AS n FROM flavors').get(), { n: 0 });
  again.close();
  rmSync(dir, { recursive: true, force: true });
});

it('a shared SQLite database lets other processes read', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'magnetar-db-'));
  const file = join(dir, 'x.sqlite');
  const db = await openDb(`sqlite:///${file}`, dir);
  await db.kysely.selectFrom('flavors').select('id').execute();
  const other = new SqliteDatabase(file, { timeout: 100 });
  assert.deepEqual(other.prepare('SELECT count(*) AS n FROM flavors').get(), { n: 0 });
  other.close();
  await db.close();
  rmSync(dir, { recursive: true, force: true });
});
