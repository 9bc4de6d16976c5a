// The databases every scheduler suite runs against: a fresh SQLite file and a
// fresh, uniquely named PostgreSQL database (dropped again by `close`).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDb, type Db } from '../../../src/db/connect.js';

export interface TestDatabase {
  readonly name: 'sqlite' | 'postgres';
  open(): Promise<{ db: Db; close(): Promise<void> }>;
}

const PG_ADMIN = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' };

/** Runs one statement as the PostgreSQL superuser (creating and dropping test databases). */
export async function pgAdmin(sqlText: string): Promise<void> {
  const c = new pg.Client(PG_ADMIN);
  await c.connect();
  try {
    await c.query(sqlText);
  } finally {
    await c.end();
  }
}

export const TEST_DATABASES: readonly TestDatabase[] = [
  {
    name: 'sqlite',
    async open() {
      const tmp = mkdtempSync(join(tmpdir(), 'magnetar-sched-'));
      const db = await openDb(`sqlite:///${tmp}/x.sqlite`, tmp);
      return {
        db,
        async close() {
          await db.close();
          rmSync(tmp, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'postgres',
    async open() {
      const name = `magnetar_t_${randomBytes(6).toString('hex')}`;
      await pgAdmin(`CREATE DATABASE ${name}`);
      const db = await openDb(`postgresql://postgres@127.0.0.1:5432/${name}`, tmpdir());
      return {
        db,
        async close() {
          await db.close();
          await pgAdmin(`DROP DATABASE IF EXISTS ${name}`);
        },
      };
    },
  },
];
