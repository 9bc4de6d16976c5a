// One heartbeat for the many hosts of a process: every service named reports,
// whether its id falls in a run of consecutive ids or stands alone, and no
// service between them is touched.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb } from '../../../src/db/connect.js';
import { heartbeatMany, registerService } from '../../../src/db/services.js';

it('reports every service named, by ranges and lists, and none other', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'magnetar-heartbeat-'));
  const db = await openDb(`sqlite:///${dir}/x.sqlite`, dir);
  try {
    const start = new Date('2030-01-01T00:00:00Z');
    const ids: number[] = [];
    for (let i = 0; i < 40; i++) ids.push((await registerService(db.kysely, `h${i}`, 'nova-compute', 'compute', start)).id);
    // Two runs long enough to go as ranges, scattered ids, and a short run that goes in a list.
    const named = [...ids.slice(0, 12), ids[14]!, ids[17]!, ...ids.slice(20, 23), ...ids.slice(25, 39)];
    await heartbeatMany(db.kysely, [...named].reverse(), new Date('2030-01-01T00:01:00Z'));
    const rows = await db.kysely.selectFrom('services').select(['id', 'report_count', 'last_seen_up']).orderBy('id').execute();
    for (const r of rows) {
      if (named.includes(r.id)) assert.match(String(r.last_seen_up), /^2030-01-01.00:01/, `service ${r.id} reported`);
      else assert.doesNotMatch(String(r.last_seen_up ?? ''), /^2030-01-01.00:01/, `service ${r.id} untouched`);
    }
    const counts = new Map(rows.map((r) => [r.id, r.report_count]));
    const before = Math.min(...rows.map((r) => r.report_count));
    assert.ok(named.every((id) => counts.get(id) === before + 1));
    assert.ok(ids.filter((id) => !named.includes(id)).every((id) => counts.get(id) === before));
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
