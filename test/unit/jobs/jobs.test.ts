// Jobs on both databases: a message that drives a server's state is done
// once however often the bus delivers it, survives the death of whoever was
// sending or handling it, and commits or vanishes with its transaction.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import type { Db } from '../../../src/db/connect.js';
import { LocalBus } from '../../../src/rpc/local.js';
import { JOB_ARG, type Handlers, type JobHandle } from '../../../src/rpc/bus.js';
import { loadConfig } from '../../../src/config/config.js';
import { ManualClock } from '../../../src/compute/clock.js';
import { durableHandlers } from '../../../src/jobs/runner.js';
import { transact, JobLost, type JobDeps } from '../../../src/jobs/transaction.js';
import { resendDueJobs } from '../../../src/jobs/redispatcher.js';
import { acquireJob, insertJob, releaseJobsOfEarlierOwners } from '../../../src/db/jobs.js';
import { TEST_DATABASES } from '../scheduler/databases.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(pred: () => Promise<boolean>, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(10);
  }
}

for (const tdb of TEST_DATABASES) {
  describe(`jobs (${tdb.name})`, () => {
    let db: Db;
    let close: () => Promise<void>;
    let bus: LocalBus;
    let clock: ManualClock;
    let deps: JobDeps;
    before(async () => {
      ({ db, close } = await tdb.open());
      bus = new LocalBus();
      clock = new ManualClock();
      deps = {
        db,
        bus,
        clock,
        conf: loadConfig({ env: {}, overrides: ['magnetar.job_retry_interval=10', 'magnetar.job_lease_time=15'] }),
        log: pino({ level: 'silent' }),
      };
    });
    after(async () => {
      await bus.close();
      await close();
    });

    const jobCount = async (topic: string) => (await db.kysely.selectFrom('jobs').select('id').where('topic', '=', topic).execute()).length;
    const serve = async (topic: string, owner: string, handlers: Handlers) => bus.serve(topic, durableHandlers(deps, owner, handlers));

    it('a committed transaction sends its job; a failed one leaves neither row nor message', async () => {
      const seen: unknown[] = [];
      const sub = await serve('t1', 'o1', { work: async (args) => void seen.push(args['n']) });
      await assert.rejects(
        transact(deps, async (tx) => {
          await tx.post('t1', 'work', { n: 1 });
          throw new Error('refused');
        }),
      );
      await transact(deps, async (tx) => void (await tx.post('t1', 'work', { n: 2 })));
      await until(async () => seen.length === 1 && (await jobCount('t1')) === 0);
      await sleep(50);
      assert.deepEqual(seen, [2]);
      await sub.close();
    });

    it('a job delivered many times at once is done once, and not again later', async () => {
      let runs = 0;
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const sub = await serve('t2', 'o2', {
        work: async () => {
          runs += 1;
          await gate;
        },
      });
      const id = await transact(deps, (tx) => tx.post('t2', 'work', {}, { send: false }));
      for (let i = 0; i < 5; i++) await bus.cast('t2', 'work', { [JOB_ARG]: id });
      await sleep(100);
      release();
      await until(async () => (await jobCount('t2')) === 0);
      await bus.cast('t2', 'work', { [JOB_ARG]: id });
      await sleep(50);
      assert.equal(runs, 1);
      await sub.close();
    });

    it('a handler runs with the arguments stored in the job, whatever the message carries', async () => {
      const seen: unknown[] = [];
      const sub = await serve('t3', 'o3', { work: async (args) => void seen.push(args['n']) });
      const id = await transact(deps, (tx) => tx.post('t3', 'work', { n: 7 }, { send: false }));
      await bus.cast('t3', 'work', { [JOB_ARG]: id, n: 99 });
      await until(async () => seen.length === 1);
      assert.deepEqual(seen, [7]);
      await sub.close();
    });

    it('a job whose message was lost (its sender died after the commit) is sent again once it is due', async () => {
      const seen: JobHandle[] = [];
      const sub = await serve('t4', 'o4', { work: async (_a, m) => void seen.push(m.job!) });
      const id = await transact(deps, (tx) => tx.post('t4', 'work', {}, { send: false }));
      assert.equal(await resendDueJobs(deps, 't4'), 0, 'not due yet');
      clock.advance(11);
      assert.equal(await resendDueJobs(deps, 't4'), 1);
      assert.equal(await resendDueJobs(deps, 't4'), 0, 'sent once per due time');
      await until(async () => seen.length === 1 && (await jobCount('t4')) === 0);
      assert.equal(seen[0]!.id, id);
      assert.equal(seen[0]!.attempt, 1);
      await sub.close();
    });

    it('a job held by a handler that died is taken by another once the lease runs out, with attempt 2', async () => {
      const id = await insertJob(db.kysely, { topic: 't5', method: 'work', args: '{}', requestId: null, instanceUuid: null }, clock.now(), clock.now());
      assert.ok(await acquireJob(db.kysely, id, 'dead', clock.now(), new Date(clock.now().getTime() + 15_000)));
      const seen: JobHandle[] = [];
      const sub = await serve('t5', 'o5', { work: async (_a, m) => void seen.push(m.job!) });
      await bus.cast('t5', 'work', { [JOB_ARG]: id });
      await sleep(50);
      assert.equal(seen.length, 0, 'still leased');
      clock.advance(16);
      assert.equal(await resendDueJobs(deps, 't5'), 1);
      await until(async () => seen.length === 1);
      assert.equal(seen[0]!.attempt, 2);
      await sub.close();
    });

    it('a new life of an agent takes over the jobs its previous life held, at once', async () => {
      const id = await insertJob(db.kysely, { topic: 't6', method: 'work', args: '{}', requestId: null, instanceUuid: null }, clock.now(), clock.now());
      await acquireJob(db.kysely, id, 'compute.h6/old', clock.now(), new Date(clock.now().getTime() + 15_000));
      assert.equal(await releaseJobsOfEarlierOwners(db.kysely, 't6', 'compute.h6/', 'compute.h6/new', clock.now()), 1);
      assert.ok(await acquireJob(db.kysely, id, 'compute.h6/new', clock.now(), new Date(clock.now().getTime() + 15_000)));
    });

    it('a failed attempt gives the job back for later; a handler that lost its job cannot commit', async () => {
      let attempts = 0;
      const sub = await serve('t7', 'o7', {
        work: async () => {
          attempts += 1;
          if (attempts === 1) throw new Error('transient');
        },
      });
      const id = await transact(deps, (tx) => tx.post('t7', 'work', {}));
      await until(async () => attempts === 1);
      await sleep(30);
      assert.equal(await jobCount('t7'), 1, 'kept for a retry');
      clock.advance(11);
      await resendDueJobs(deps, 't7');
      await until(async () => attempts === 2 && (await jobCount('t7')) === 0);
      void id;
      await sub.close();

      const other = await insertJob(db.kysely, { topic: 't8', method: 'x', args: '{}', requestId: null, instanceUuid: null }, clock.now(), clock.now());
      await acquireJob(db.kysely, other, 'thief', clock.now(), new Date(clock.now().getTime() + 15_000));
      await assert.rejects(
        transact(deps, async (tx) => {
          await tx.post('t8', 'follow-up', {});
          await tx.finish({ id: other, attempt: 1, owner: 'me' });
        }),
        JobLost,
      );
      assert.equal(await jobCount('t8'), 1, 'the follow-up was rolled back with it');
    });
  });
}
