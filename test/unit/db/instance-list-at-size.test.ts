// A page of the server list costs the same whatever the table size: SQLite
// reads a project's or a host's servers in list order from an index (no sort
// of every row) and starts after a marker with an index range; filters it
// cannot express read the rows a batch at a time and still give the page the
// whole list would.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, SqliteDialect } from 'kysely';
import SqliteDatabase from 'better-sqlite3';
import { openDb } from '../../../src/db/connect.js';
import { listInstances, type InstanceFilters, type SortSpec } from '../../../src/db/instance-queries.js';
import type { Database, InstanceRow } from '../../../src/db/schema.js';
import { dbTime } from '../../../src/db/time.js';

const SERVERS = 900;
let dir: string;
let raw: SqliteDatabase.Database;
let db: Kysely<Database>;
const statements: Array<{ sql: string; parameters: readonly unknown[] }> = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'magnetar-list-'));
  const file = join(dir, 'x.sqlite');
  await (await openDb(`sqlite:///${file}`, dir)).close();
  raw = new SqliteDatabase(file);
  const ins = raw.prepare(
    `INSERT INTO instances (uuid, project_id, user_id, display_name, hostname, vm_state, power_state, host, node, flavor, image_ref, metadata, tags,
       config_drive, reservation_id, launch_index, scheduler_hints, requested_networks, created_at, updated_at, deleted)
     VALUES (?, ?, 'u', ?, ?, 'active', 1, ?, ?, '{}', 'img', '{}', '[]', '', 'r', 0, '{}', '[]', ?, ?, 0)`,
  );
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  raw.transaction(() => {
    for (let i = 0; i < SERVERS; i++) {
      // Two servers share each second, so the id decides between them.
      const t = dbTime(new Date(t0 + Math.floor(i / 2) * 1000));
      const host = `compute${i % 3}`;
      ins.run(`00000000-0000-0000-0000-${String(i).padStart(12, '0')}`, i % 10 === 9 ? 'other' : 'demo', `srv-${i % 400}`, `srv-${i}`, host, host, t, t);
    }
  })();
  db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: raw }),
    log: (e) => {
      if (e.level === 'query') statements.push({ sql: e.query.sql, parameters: e.query.parameters });
    },
  });
});

after(async () => {
  await db.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/** The page query's plan (the one selecting ids in order), as SQLite would run it. */
async function planOf(f: InstanceFilters, sort: SortSpec[], page: { limit: number; marker?: string }): Promise<string> {
  statements.length = 0;
  await listInstances(db, f, sort, page);
  const q = statements.find((s) => /^select "id" from "instances"/.test(s.sql) && /order by/.test(s.sql));
  assert.ok(q, `no page query among ${statements.map((s) => s.sql).join('; ')}`);
  const rows = raw.prepare(`EXPLAIN QUERY PLAN ${q.sql}`).all(...(q.parameters as unknown[])) as Array<{ detail: string }>;
  return rows.map((r) => r.detail).join('; ');
}

const LIVE: InstanceFilters = { projectId: 'demo', deleted: false };
const NEWEST: SortSpec[] = [{ key: 'created_at', dir: 'desc' }];
const BY_NAME: SortSpec[] = [{ key: 'display_name', dir: 'asc' }, { key: 'created_at', dir: 'asc' }];

it("a project's first page is read in order from an index, not sorted", async () => {
  const plan = await planOf(LIVE, NEWEST, { limit: 100 });
  assert.match(plan, /USING INDEX instances_project_created/);
  assert.doesNotMatch(plan, /TEMP B-TREE/);
});

it("a deep page starts at the marker through the index's range", async () => {
  const marker = '00000000-0000-0000-0000-000000000101';
  const plan = await planOf(LIVE, NEWEST, { limit: 100, marker });
  assert.match(plan, /instances_project_created \(project_id=\? AND deleted=\? AND created_at<\?\)/);
  assert.doesNotMatch(plan, /TEMP B-TREE/);
});

it('sorting by name and a host filter are read from indexes too', async () => {
  const marker = '00000000-0000-0000-0000-000000000500';
  const byName = await planOf(LIVE, BY_NAME, { limit: 100, marker });
  assert.match(byName, /instances_project_name \(project_id=\? AND deleted=\? AND \(display_name,created_at\)>\(\?,\?\)\)/);
  assert.doesNotMatch(byName, /TEMP B-TREE/);
  const host = await planOf({ host: ['compute1'], deleted: false }, NEWEST, { limit: 100 });
  assert.match(host, /instances_host_created/);
  assert.doesNotMatch(host, /TEMP B-TREE/);
});

it('changes-since starts from the servers changed since', async () => {
  const plan = await planOf({ projectId: 'demo', changesSince: new Date('2026-01-01T00:07:00Z') }, NEWEST, { limit: 100 });
  assert.match(plan, /instances_project_updated \(project_id=\? AND updated_at>\?\)/);
});

it('a regular-expression filter gives, page after page, the rows the whole filtered list has, over several batches', async () => {
  const sorts: SortSpec[][] = [NEWEST, BY_NAME, [{ key: 'hostname', dir: 'desc' }]];
  for (const sort of sorts) {
    const everything = await listInstances(db, LIVE, sort, { limit: SERVERS });
    const expected = everything.filter((r) => /7$/.test(r.display_name)).map((r) => r.uuid);
    assert.ok(expected.length > 60, 'enough matching rows for several pages');
    const got: string[] = [];
    let marker: string | undefined;
    for (;;) {
      const page: InstanceRow[] = await listInstances(db, { ...LIVE, regex: { display_name: '7$' } }, sort, { limit: 25, ...(marker && { marker }) });
      got.push(...page.map((r) => r.uuid));
      if (page.length < 25) break;
      marker = page[page.length - 1]!.uuid;
    }
    assert.deepEqual(got, expected, `sorted by ${sort.map((s) => `${s.key} ${s.dir}`).join(', ')}`);
  }
});
