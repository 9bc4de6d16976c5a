// The scheduler's cached view of the hosts against a full read, while another
// process (a second connection to the same database) claims, releases,
// disables, adds hosts and instances, changes aggregates and heartbeats.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openDb, type Db } from '../../../src/db/connect.js';
import { Config } from '../../../src/config/config.js';
import { ManualClock } from '../../../src/compute/clock.js';
import { heartbeat } from '../../../src/db/services.js';
import { addAggregateHost, insertAggregate } from '../../../src/db/aggregates.js';
import { addServerGroupMembers, insertServerGroup } from '../../../src/db/server-groups.js';
import { Scheduler } from '../../../src/scheduler/scheduler.js';
import { claim, release, usage } from '../../../src/scheduler/claims.js';
import { loadHostStates, type HostState } from '../../../src/scheduler/host-state.js';
import { HostStateCache } from '../../../src/scheduler/host-state-cache.js';
import type { RequestSpec } from '../../../src/scheduler/request-spec.js';
import { seedHost, seedInstance } from './seed.js';

const PG_ADMIN = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' };
async function pgAdmin(text: string): Promise<void> {
  const c = new pg.Client(PG_ADMIN);
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

/** Two connections to one fresh database: the scheduler's, and another process's. */
const TWO_HANDLES: ReadonlyArray<{ name: string; open(): Promise<{ mine: Db; theirs: Db; close(): Promise<void> }> }> = [
  {
    name: 'sqlite',
    async open() {
      const tmp = mkdtempSync(join(tmpdir(), 'magnetar-cache-'));
      const mine = await openDb(`sqlite:///${tmp}/x.sqlite`, tmp);
      const theirs = await openDb(`sqlite:///${tmp}/x.sqlite`, tmp);
      return {
        mine,
        theirs,
        async close() {
          await mine.close();
          await theirs.close();
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
      const url = `postgresql://postgres@127.0.0.1:5432/${name}`;
      const mine = await openDb(url, tmpdir());
      const theirs = await openDb(url, tmpdir());
      return {
        mine,
        theirs,
        async close() {
          await mine.close();
          await theirs.close();
          await pgAdmin(`DROP DATABASE IF EXISTS ${name}`);
        },
      };
    },
  },
];

let n = 0;
const spec = (memoryMb = 1024): RequestSpec => ({
  instanceUuid: `00000000-0000-4000-9000-${String(++n).padStart(12, '0')}`,
  projectId: 'p1',
  flavor: { vcpus: 1, memory_mb: memoryMb, root_gb: 1, ephemeral_gb: 0, swap: 0 },
  availabilityZone: null,
});

/** A host state in a comparable form (sets as sorted arrays). */
const plain = (hs: readonly HostState[]): unknown[] =>
  hs.map((h) => ({ ...h, instanceUuids: [...h.instanceUuids].sort() }));

for (const tdb of TWO_HANDLES) {
  describe(`HostStateCache (${tdb.name})`, () => {
    let mine: Db;
    let theirs: Db;
    let close: () => Promise<void>;
    const clock = new ManualClock(Date.parse('2030-01-01T00:00:00Z'));
    const conf = new Config();
    conf.set('filter_scheduler', 'enabled_filters', 'ComputeFilter,AvailabilityZoneFilter,RamFilter,CoreFilter,DiskFilter,AggregateMultiTenancyIsolation');

    before(async () => {
      ({ mine, theirs, close } = await tdb.open());
    });
    after(async () => close());

    for (const [multiplier, p] of [[1, ''], [-1, 'neg-'], [0, 'zero-']] as const) {
    it(`gives what a full read gives, and the same choice (ram_weight_multiplier ${multiplier}), after every kind of change by another process`, async () => {
      const now = (): Date => clock.now();
      const withMultiplier = new Config();
      withMultiplier.set('filter_scheduler', 'enabled_filters', conf.list('filter_scheduler', 'enabled_filters').join(','));
      withMultiplier.set('filter_scheduler', 'ram_weight_multiplier', String(multiplier));
      // Only this run's hosts count: the earlier runs' are disabled.
      await mine.kysely.updateTable('services').set({ disabled: 1 }).execute();
      const nodes: Record<string, string> = {};
      const h = (name: string): string => `${p}${name}`;
      for (const name of ['a', 'b', 'c', 'd', 'e']) nodes[name] = await seedHost(mine, now(), { host: h(name), memory_mb: 8192 + name.charCodeAt(0) });
      const cache = new HostStateCache(mine);
      const cached = new Scheduler(mine, withMultiplier, clock, { warn: () => {} });
      const fresh = new Scheduler(mine, withMultiplier, clock, { warn: () => {}, cacheHostState: false });

      const same = async (what: string): Promise<void> => {
        const full = await loadHostStates(mine, now(), 60, { withInstanceUuids: true, withAggregates: true });
        assert.deepEqual(plain(await cache.hosts(now(), 60)), plain(full), `view after ${what}`);
        // Ask the full read first and give its claim back, then the cached scheduler.
        const s1 = spec();
        const [byFresh] = await fresh.selectDestinations(s1);
        await release(mine, s1.instanceUuid);
        const s2 = spec();
        const [byCache] = await cached.selectDestinations(s2);
        await release(mine, s2.instanceUuid);
        assert.deepEqual({ host: byCache!.host, alternates: byCache!.alternates }, { host: byFresh!.host, alternates: byFresh!.alternates }, `choice after ${what}`);
      };

      await same('start');
      assert.equal(await claim(theirs, randomUUID(), nodes['e']!, { vcpus: 1, memory_mb: 4096, disk_gb: 1 }), true);
      await same('a claim on the roomiest host');
      const held = randomUUID();
      assert.equal(await claim(theirs, held, nodes['d']!, { vcpus: 1, memory_mb: 6000, disk_gb: 1 }), true);
      await same('a second claim');
      await release(theirs, held);
      await same('a release');
      await seedInstance(theirs, now(), h('c'));
      await theirs.kysely.updateTable('instances').set({ host: h('b') }).where('host', '=', h('c')).execute();
      await same('an instance placed, then moved');
      await theirs.kysely.updateTable('services').set({ disabled: 1, disabled_reason: 'maintenance' }).where('host', '=', h('e')).execute();
      await same('a service disabled');
      await theirs.kysely.updateTable('services').set({ forced_down: 1 }).where('host', '=', h('b')).execute();
      await same('a service forced down');
      await theirs.kysely.updateTable('services').set({ forced_down: 0 }).where('host', '=', h('b')).execute();
      await same('a service no longer forced down');
      const agg = await insertAggregate(theirs.kysely, { uuid: randomUUID(), name: `${p}tenants`, metadata: { filter_tenant_id: 'someone-else' } }, now());
      await addAggregateHost(theirs.kysely, agg, h('d'), now());
      await same('an aggregate isolating a host');
      await seedHost(theirs, now(), { host: h('f'), memory_mb: 16384 });
      await same('a new host');
      await theirs.kysely.updateTable('compute_nodes').set({ ram_allocation_ratio: 0.5 }).where('host', '=', h('f')).execute();
      await same('an allocation ratio changed');
      // Time passes: every service but c's stops reporting; c's heartbeat (not logged) keeps it up.
      clock.advance(90);
      const svc = await theirs.kysely.selectFrom('services').select('id').where('host', '=', h('c')).executeTakeFirstOrThrow();
      await heartbeat(theirs.kysely, svc.id, now());
      await same('heartbeats that stopped, and one that did not');
      await theirs.kysely.updateTable('compute_nodes').set({ deleted: 1 }).where('host', '=', h('c')).execute();
      const full = await loadHostStates(mine, now(), 60, { withInstanceUuids: true, withAggregates: true });
      assert.deepEqual(plain(await cache.hosts(now(), 60)), plain(full), 'view after a node deleted');
    });
    }

    // A member of a group whose policy is a filter's is placed along the
    // cached weight order; one of a soft policy along it too, the hosts
    // running members weighed apart and merged in. Among the hosts: a roomy
    // one disabled and a small one too full, first and last in that order.
    for (const policy of ['affinity', 'anti-affinity', 'soft-affinity', 'soft-anti-affinity'] as const) {
      for (const [ramMultiplier, groupMultiplier] of [[1, 1], [-1, 1], [0, 1], [1, 3], [1, 0.2], [-2, 0.5]] as const) {
        it(`gives the same choice as a full read for a member of a group with policy ${policy} (multipliers ${ramMultiplier}, ${groupMultiplier}), round after round`, async () => {
          const now = (): Date => clock.now();
          const groups = new Config();
          groups.set('filter_scheduler', 'enabled_filters', 'ComputeFilter,RamFilter,ServerGroupAffinityFilter,ServerGroupAntiAffinityFilter');
          groups.set('filter_scheduler', 'ram_weight_multiplier', String(ramMultiplier));
          groups.set('filter_scheduler', 'soft_affinity_weight_multiplier', String(groupMultiplier));
          groups.set('filter_scheduler', 'soft_anti_affinity_weight_multiplier', String(groupMultiplier));
          await mine.kysely.updateTable('services').set({ disabled: 1 }).execute();
          const h = (name: string): string => `${policy}-${ramMultiplier}-${groupMultiplier}-${name}`;
          for (const [i, name] of ['a', 'b', 'c', 'd', 'e', 'f'].entries()) await seedHost(mine, now(), { host: h(name), memory_mb: 8192 + 1024 * i });
          await seedHost(mine, now(), { host: h('roomy'), memory_mb: 65536, disabled: true });
          await seedHost(mine, now(), { host: h('small'), memory_mb: 768 });
          // The roomiest host that passes and another already run members; so does the disabled one.
          const members = [await seedInstance(mine, now(), h('f')), await seedInstance(mine, now(), h('c')), await seedInstance(mine, now(), h('roomy'))];
          const groupUuid = randomUUID();
          await insertServerGroup(mine.kysely, { uuid: groupUuid, name: policy, projectId: 'p1', userId: 'u1', policy, rules: {} }, now());
          const { id: groupId } = await mine.kysely.selectFrom('instance_groups').select('id').where('uuid', '=', groupUuid).executeTakeFirstOrThrow();
          await addServerGroupMembers(mine.kysely, groupId, members, now());
          const cached = new Scheduler(mine, groups, clock, { warn: () => {} });
          const fresh = new Scheduler(mine, groups, clock, { warn: () => {}, cacheHostState: false });
          for (let round = 1; round <= 3; round++) {
            const [s1, s2] = [spec(), spec()];
            await addServerGroupMembers(mine.kysely, groupId, [s1.instanceUuid, s2.instanceUuid], now());
            const [byFresh] = await fresh.selectDestinations(s1);
            await release(mine, s1.instanceUuid);
            const [byCache] = await cached.selectDestinations(s2);
            assert.deepEqual({ host: byCache!.host, alternates: byCache!.alternates }, { host: byFresh!.host, alternates: byFresh!.alternates }, `round ${round}`);
            // The new member runs where it was placed: the next round counts it.
            await seedInstance(mine, now(), byCache!.host, s2.instanceUuid);
          }
        });
      }
    }

    it('never overbooks with two cached schedulers claiming at once', async () => {
      const ids: string[] = [];
      for (const h of ['x1', 'x2', 'x3']) ids.push(await seedHost(mine, clock.now(), { host: h, memory_mb: 4096, vcpus: 64, local_gb: 1000 }));
      const onlyX = new Config();
      onlyX.set('filter_scheduler', 'enabled_filters', 'ComputeFilter,RamFilter');
      // Only the x hosts' usage is counted: the first test's hosts take some of the requests.
      const one = new Scheduler(mine, onlyX, clock, { warn: () => {} });
      // Two connections on PostgreSQL; on SQLite one (a second one in the same thread
      // would wait out busy_timeout on every overlapping write), still two views.
      const two = new Scheduler(tdb.name === 'postgres' ? theirs : mine, onlyX, clock, { warn: () => {} });
      const before = await Promise.all(ids.map((id) => usage(mine, id)));
      const results = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? one : two).selectDestinations(spec(1024))));
      const placed = results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<Array<{ host: string }>>).value[0]!.host);
      for (const [i, id] of ids.entries()) {
        const used = (await usage(mine, id)).memory_mb - before[i]!.memory_mb;
        assert.ok(used + before[i]!.memory_mb <= 4096, `x${i + 1} holds ${used + before[i]!.memory_mb} MB of 4096`);
        assert.equal(placed.filter((h) => h === `x${i + 1}`).length * 1024, used);
      }
    });
  });
}
