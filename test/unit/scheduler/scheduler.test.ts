// End-to-end scheduling over a seeded database, on SQLite and PostgreSQL.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../../../src/db/connect.js';
import { Config } from '../../../src/config/config.js';
import { ManualClock } from '../../../src/compute/clock.js';
import { Invalid, NoValidHost } from '../../../src/compute/errors.js';
import { Scheduler, type SchedulerOptions } from '../../../src/scheduler/scheduler.js';
import { allocationsOf, usage } from '../../../src/scheduler/claims.js';
import type { RequestSpec } from '../../../src/scheduler/request-spec.js';
import { schedulerHandlers } from '../../../src/scheduler/rpc-handlers.js';
import { parseSelections } from '../../../src/scheduler/request-spec-json.js';
import { TEST_DATABASES } from './databases.js';
import { seedHost, seedInstance } from './seed.js';
import { randomUUID } from 'node:crypto';
import { addAggregateHost, insertAggregate } from '../../../src/db/aggregates.js';

let n = 0;
const spec = (over: Partial<RequestSpec> = {}): RequestSpec => ({
  instanceUuid: `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
  projectId: 'p1',
  flavor: { vcpus: 1, memory_mb: 1024, root_gb: 10, ephemeral_gb: 0, swap: 0 },
  availabilityZone: null,
  ...over,
});

const isNoValidHost = (e: unknown): boolean => e instanceof NoValidHost && /not enough hosts/.test(e.message);

for (const tdb of TEST_DATABASES) {
  describe(`Scheduler (${tdb.name})`, () => {
    let db: Db;
    let close: () => Promise<void>;
    const clock = new ManualClock(Date.parse('2030-01-01T00:00:00Z'));
    const now = clock.now();

    const scheduler = (settings: Array<[string, string, string]> = [], opts: SchedulerOptions = {}): Scheduler => {
      const conf = new Config();
      for (const [s, k, v] of settings) conf.set(s, k, v);
      return new Scheduler(db, conf, clock, { warn: () => {}, ...opts });
    };

    before(async () => {
      ({ db, close } = await tdb.open());
    });
    after(async () => close());
    beforeEach(async () => {
      await db.kysely.deleteFrom('allocations').execute();
      await db.kysely.deleteFrom('instances').execute();
      await db.kysely.deleteFrom('compute_nodes').execute();
      await db.kysely.deleteFrom('services').execute();
      await db.kysely.deleteFrom('aggregate_hosts').execute();
      await db.kysely.deleteFrom('aggregate_metadata').execute();
      await db.kysely.deleteFrom('aggregates').execute();
    });

    /** An aggregate of these hosts with this metadata, written as the aggregates API would. */
    const aggregate = async (hosts: string[], metadata: Record<string, string>): Promise<void> => {
      const id = await insertAggregate(db.kysely, { uuid: randomUUID(), name: `agg-${++n}`, metadata }, now);
      for (const h of hosts) await addAggregateHost(db.kysely, id, h, now);
    };

    it('skips disabled, stale-heartbeat and forced-down hosts', async () => {
      const good = await seedHost(db, now, { host: 'good', memory_mb: 1024 });
      await seedHost(db, now, { host: 'disabled', memory_mb: 65536 });
      await db.kysely.updateTable('services').set({ disabled: 1 }).where('host', '=', 'disabled').execute();
      await seedHost(db, now, { host: 'stale', memory_mb: 65536, last_seen_up: new Date(now.getTime() - 600_000) });
      await seedHost(db, now, { host: 'forced', memory_mb: 65536, forced_down: true });
      await seedHost(db, now, { host: 'not-compute', memory_mb: 65536, binary: 'nova-conductor' });
      const s = spec();
      const [sel, ...rest] = await scheduler().selectDestinations(s);
      assert.equal(rest.length, 0);
      assert.equal(sel!.host, 'good');
      assert.equal(sel!.nodename, 'good.local');
      assert.equal(sel!.nodeUuid, good);
      assert.match(sel!.hostIp, /^192\.0\.2\./);
      assert.deepEqual(sel!.alternates, []);
      // The claim is made for the instance.
      assert.deepEqual((await allocationsOf(db, s.instanceUuid)).map((a) => [a.node_uuid, a.memory_mb]), [[good, 1024]]);
      // Now full, and nothing else qualifies.
      await assert.rejects(scheduler().selectDestinations(spec()), isNoValidHost);
    });

    it('counts a host whose heartbeat is within service_down_time', async () => {
      await seedHost(db, now, { host: 'recent', last_seen_up: new Date(now.getTime() - 30_000) });
      assert.equal((await scheduler().selectDestinations(spec()))[0]!.host, 'recent');
      await assert.rejects(
        scheduler([['DEFAULT', 'service_down_time', '20'], ['DEFAULT', 'report_interval', '5']]).selectDestinations(spec()),
        isNoValidHost,
      );
    });

    it('honours the availability zone', async () => {
      await seedHost(db, now, { host: 'h1' });
      await assert.rejects(scheduler().selectDestinations(spec({ availabilityZone: 'elsewhere' })), isNoValidHost);
      assert.equal((await scheduler().selectDestinations(spec({ availabilityZone: 'nova' })))[0]!.host, 'h1');
      const zoned = scheduler([], { hostZone: (h) => (h.host === 'h1' ? 'elsewhere' : 'nova') });
      assert.equal((await zoned.selectDestinations(spec({ availabilityZone: 'elsewhere' })))[0]!.host, 'h1');
    });

    it("places a request for a zone on hosts of the aggregate that defines it, and keeps the default zone's away", async () => {
      await seedHost(db, now, { host: 'big', memory_mb: 65536 });
      await seedHost(db, now, { host: 'small', memory_mb: 4096 });
      await aggregate(['small'], { availability_zone: 'az1' });
      await aggregate(['big'], { ssd: 'true' });
      assert.equal((await scheduler().selectDestinations(spec({ availabilityZone: 'az1' })))[0]!.host, 'small');
      const [inDefault] = await scheduler().selectDestinations(spec({ availabilityZone: 'nova' }));
      assert.equal(inDefault!.host, 'big');
      assert.deepEqual(inDefault!.alternates, []);
      // A zone change counts at the next request.
      await db.kysely.updateTable('aggregate_metadata').set({ value: 'az2' }).where('key', '=', 'availability_zone').execute();
      await assert.rejects(scheduler().selectDestinations(spec({ availabilityZone: 'az1' })), isNoValidHost);
    });

    it('runs the aggregate filters when they are enabled', async () => {
      await seedHost(db, now, { host: 'big', memory_mb: 65536 });
      await seedHost(db, now, { host: 'small', memory_mb: 4096 });
      await aggregate(['big'], { filter_tenant_id: 'other' });
      const isolated = scheduler([['filter_scheduler', 'enabled_filters', 'ComputeFilter,AggregateMultiTenancyIsolation']]);
      assert.equal((await isolated.selectDestinations(spec({ projectId: 'p1' })))[0]!.host, 'small');
      assert.equal((await isolated.selectDestinations(spec({ projectId: 'other' })))[0]!.host, 'big');
      // Not enabled by default.
      assert.equal((await scheduler().selectDestinations(spec({ projectId: 'p1' })))[0]!.host, 'big');
    });

    it('honours a requested host and node, and refuses an unknown one', async () => {
      await seedHost(db, now, { host: 'big', memory_mb: 65536 });
      await seedHost(db, now, { host: 'small', memory_mb: 4096 });
      assert.equal((await scheduler().selectDestinations(spec({ requestedHost: 'small' })))[0]!.host, 'small');
      assert.equal((await scheduler().selectDestinations(spec({ requestedNode: 'small.local' })))[0]!.host, 'small');
      const sel = (await scheduler().selectDestinations(spec({ requestedHost: 'small' })))[0]!;
      assert.deepEqual(sel.alternates, []);
      await assert.rejects(scheduler().selectDestinations(spec({ requestedHost: 'nowhere' })), isNoValidHost);
    });

    it('never picks an ignored host', async () => {
      await seedHost(db, now, { host: 'big', memory_mb: 65536 });
      await seedHost(db, now, { host: 'small', memory_mb: 4096 });
      assert.equal((await scheduler().selectDestinations(spec()))[0]!.host, 'big');
      assert.equal((await scheduler().selectDestinations(spec({ ignoreHosts: ['big'] })))[0]!.host, 'small');
      await assert.rejects(scheduler().selectDestinations(spec({ ignoreHosts: ['big', 'small'] })), isNoValidHost);
    });

    it('follows same_host and different_host hints', async () => {
      await seedHost(db, now, { host: 'big', memory_mb: 65536 });
      await seedHost(db, now, { host: 'small', memory_mb: 4096 });
      await seedHost(db, now, { host: 'mid', memory_mb: 8192 });
      const onSmall = await seedInstance(db, now, 'small');
      const onBig = await seedInstance(db, now, 'big');
      const same = await scheduler().selectDestinations(spec({ schedulerHints: { same_host: [onSmall] } }));
      assert.equal(same[0]!.host, 'small');
      const different = await scheduler().selectDestinations(spec({ schedulerHints: { different_host: [onBig] } }));
      assert.equal(different[0]!.host, 'mid');
    });

    it('spreads by free RAM, and stacks with a negative multiplier', async () => {
      await seedHost(db, now, { host: 'a', memory_mb: 8192 });
      await seedHost(db, now, { host: 'b', memory_mb: 8192 });
      await seedHost(db, now, { host: 'c', memory_mb: 8192 });
      const picked: string[] = [];
      for (let i = 0; i < 6; i++) picked.push((await scheduler().selectDestinations(spec()))[0]!.host);
      assert.deepEqual(picked, ['a', 'b', 'c', 'a', 'b', 'c']);
      const stacked = scheduler([['filter_scheduler', 'ram_weight_multiplier', '-1']]);
      assert.equal((await stacked.selectDestinations(spec()))[0]!.host, 'a');
      assert.equal((await stacked.selectDestinations(spec()))[0]!.host, 'a');
    });

    it('places a multi-instance request on distinct hosts when spreading', async () => {
      await seedHost(db, now, { host: 'a', memory_mb: 4096 });
      await seedHost(db, now, { host: 'b', memory_mb: 4096 });
      const uuids = ['10000000-0000-4000-8000-000000000001', '10000000-0000-4000-8000-000000000002'];
      const sels = await scheduler().selectDestinations(spec({ instanceUuids: uuids, numInstances: 2 }));
      assert.deepEqual(sels.map((x) => x.host), ['a', 'b']);
      assert.equal((await allocationsOf(db, uuids[1]!))[0]!.node_uuid, sels[1]!.nodeUuid);
      await assert.rejects(scheduler().selectDestinations(spec({ numInstances: 2 })), (e) => e instanceof Invalid);
    });

    it('releases every claim of a multi-instance request that cannot all be placed', async () => {
      const node = await seedHost(db, now, { host: 'a', memory_mb: 2048 });
      const uuids = ['20000000-0000-4000-8000-000000000001', '20000000-0000-4000-8000-000000000002', '20000000-0000-4000-8000-000000000003'];
      await assert.rejects(scheduler().selectDestinations(spec({ instanceUuids: uuids })), isNoValidHost);
      assert.deepEqual(await usage(db, node), { vcpus: 0, memory_mb: 0, disk_gb: 0 });
    });

    it('claims for another consumer when asked (a migration)', async () => {
      await seedHost(db, now, { host: 'a' });
      const s = spec();
      await scheduler().selectDestinations(s, { claimFor: 'migration-1' });
      assert.equal((await allocationsOf(db, 'migration-1')).length, 1);
      assert.deepEqual(await allocationsOf(db, s.instanceUuid), []);
    });

    it('returns up to max_attempts - 1 alternates, best first', async () => {
      await seedHost(db, now, { host: 'a', memory_mb: 16384 });
      await seedHost(db, now, { host: 'b', memory_mb: 8192 });
      await seedHost(db, now, { host: 'c', memory_mb: 4096 });
      const [three] = await scheduler().selectDestinations(spec());
      assert.equal(three!.host, 'a');
      assert.deepEqual(three!.alternates.map((x) => x.host), ['b', 'c']);
      const [two] = await scheduler([['scheduler', 'max_attempts', '2']]).selectDestinations(spec());
      assert.deepEqual(two!.alternates.map((x) => [x.host, x.nodename]), [['b', 'b.local']]);
      const [one] = await scheduler([['scheduler', 'max_attempts', '1']]).selectDestinations(spec());
      assert.deepEqual(one!.alternates, []);
    });

    it('runs only the enabled filters, but still checks room at claim time', async () => {
      await seedHost(db, now, { host: 'off', memory_mb: 65536, disabled: true });
      await seedHost(db, now, { host: 'tiny', memory_mb: 512 });
      const warnings: string[] = [];
      const onlyRam = scheduler([['filter_scheduler', 'enabled_filters', 'RamFilter,MadeUpFilter']], { warn: (m) => warnings.push(m) });
      assert.equal(warnings.length, 1);
      assert.equal((await onlyRam.selectDestinations(spec()))[0]!.host, 'off');
      const none = scheduler([['filter_scheduler', 'enabled_filters', '']]);
      await assert.rejects(none.selectDestinations(spec({ requestedHost: 'tiny' })), isNoValidHost);
    });

    it('moves on to the next host when another request took the room', async () => {
      const a = await seedHost(db, now, { host: 'a', memory_mb: 2048 });
      await seedHost(db, now, { host: 'b', memory_mb: 1024 });
      const s = scheduler();
      // Both requests load host states before either claims: both see 'a' as best.
      const [x, y] = await Promise.all([s.selectDestinations(spec({ flavor: { vcpus: 1, memory_mb: 1536, root_gb: 1, ephemeral_gb: 0, swap: 0 } })), s.selectDestinations(spec({ flavor: { vcpus: 1, memory_mb: 1024, root_gb: 1, ephemeral_gb: 0, swap: 0 } }))]);
      assert.deepEqual([x[0]!.host, y[0]!.host].sort(), ['a', 'b']);
      assert.ok((await usage(db, a)).memory_mb <= 2048);
    });

    it('never overbooks: of 50 parallel requests only the 10 that fit succeed', async () => {
      const nodes = [
        await seedHost(db, now, { host: 'r1', vcpus: 8, memory_mb: 5 * 2048, local_gb: 1000 }),
        await seedHost(db, now, { host: 'r2', vcpus: 8, memory_mb: 5 * 2048, local_gb: 1000 }),
      ];
      const s = scheduler();
      const flavor = { vcpus: 1, memory_mb: 2048, root_gb: 10, ephemeral_gb: 0, swap: 0 };
      const results = await Promise.allSettled(Array.from({ length: 50 }, () => s.selectDestinations(spec({ flavor }))));
      const ok = results.filter((r) => r.status === 'fulfilled');
      assert.equal(ok.length, 10);
      for (const r of results) if (r.status === 'rejected') assert.ok(isNoValidHost(r.reason), String(r.reason));
      for (const node of nodes) assert.equal((await usage(db, node)).memory_mb, 5 * 2048);
    });

    it('serves select_destinations over the bus as JSON', async () => {
      await seedHost(db, now, { host: 'a' });
      const handlers = schedulerHandlers(scheduler());
      const s = spec();
      const reply = await handlers['select_destinations']!({ spec: JSON.parse(JSON.stringify(s)), claimFor: 'mig-9' }, {});
      const sels = parseSelections(reply ?? null);
      assert.equal(sels[0]!.host, 'a');
      assert.equal((await allocationsOf(db, 'mig-9')).length, 1);
      await assert.rejects(async () => handlers['select_destinations']!({ spec: { instanceUuid: 'x' } }, {}), (e) => e instanceof Invalid);
      await assert.rejects(
        async () => handlers['select_destinations']!({ spec: JSON.parse(JSON.stringify(spec({ requestedHost: 'zz' }))) }, {}),
        isNoValidHost,
      );
    });
  });
}
