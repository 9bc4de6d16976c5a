// The shared heartbeat and periodic timers of a process's hosts: one
// statement heartbeats them all, a host that leaves stops reporting (so
// service_down_time takes it down as before), and periodic work waits its
// interval.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { openDb, type Db } from '../../../src/db/connect.js';
import { registerService } from '../../../src/db/services.js';
import { ManualClock } from '../../../src/compute/clock.js';
import { serviceIsUp } from '../../../src/compute/service-liveness.js';
import { SharedHostTimers } from '../../../src/agent/shared-timers.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('SharedHostTimers', () => {
  let db: Db;
  let tmp: string;
  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'magnetar-timers-'));
    db = await openDb(`sqlite:///${tmp}/x.sqlite`, tmp);
  });
  after(async () => {
    await db.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('heartbeats every host that joined until it leaves; the one that left goes down after service_down_time', async () => {
    const clock = new ManualClock(Date.parse('2030-01-01T00:00:00Z'));
    const ids: number[] = [];
    for (const h of ['h1', 'h2', 'h3']) ids.push((await registerService(db.kysely, h, 'nova-compute', 'compute', clock.now())).id);
    const timers = new SharedHostTimers(db.kysely, clock, pino({ level: 'silent' }), 30, 0);
    try {
      const leave = ids.map((id) => timers.addHeartbeat(id));
      await sleep(120);
      leave[2]!();
      await sleep(20); // a beat already under way may still land
      const counts = async (): Promise<number[]> =>
        (await db.kysely.selectFrom('services').select(['id', 'report_count']).where('id', 'in', ids).orderBy('id').execute()).map((r) => r.report_count);
      const mid = await counts();
      assert.ok(mid.every((c) => c >= 2), `every host reported: ${mid}`);
      clock.advance(61);
      await sleep(120);
      const end = await counts();
      assert.ok(end[0]! > mid[0]! && end[1]! > mid[1]!, 'the hosts still in keep reporting');
      assert.equal(end[2], mid[2], 'the host that left reports no more');
      const rows = await db.kysely.selectFrom('services').selectAll().where('id', 'in', ids).orderBy('id').execute();
      assert.deepEqual(rows.map((r) => serviceIsUp(r, clock.now(), 60)), [true, true, false]);
    } finally {
      timers.close();
    }
  });

  it('runs periodic work one interval after it joined, then every interval, until it leaves', async () => {
    const timers = new SharedHostTimers(db.kysely, new ManualClock(), pino({ level: 'silent' }), 0, 100);
    try {
      let runs = 0;
      const leave = timers.addPeriodic(async () => {
        runs++;
      });
      await sleep(60);
      assert.equal(runs, 0, 'not before its interval');
      await sleep(280);
      assert.ok(runs >= 1 && runs <= 3, `ran ${runs} times in about 3 intervals`);
      leave();
      const seen = runs;
      await sleep(250);
      assert.equal(runs, seen, 'no run after leaving');
    } finally {
      timers.close();
    }
  });
});
