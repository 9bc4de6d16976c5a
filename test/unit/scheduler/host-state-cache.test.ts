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

/** A request for `count` servers at once (as with min_count). */
const specFor = (count: number, memoryMb = 1024): RequestSpec => {
  const first = spec(memoryMb);
  const instanceUuids = [first.instanceUuid, ...Array.from({ length: count - 1 }, () => spec().instanceUuid)];
  return { ...first, instanceUuids, numInstances: count };
};

/** What a client of the scheduler gets: each server's host and alternates. */
const choices = (sel: ReadonlyArray<{ host: string; alternates: unknown }>): unknown[] => sel.map((x) => ({ host: x.host, alternates: x.alternates }));

/** Gives back what a request claimed. */
const releaseAll = async (db: Db, s: RequestSpec): Promise<void> => {
  for (const u of s.instanceUuids ?? [s.instanceUuid]) await release(db, u);
};

/** A request's choices, or the error it ends in; its claims given back when `giveBack`. */
async function outcome(db: Db, scheduler: Scheduler, s: RequestSpec, giveBack: boolean): Promise<{ chosen: unknown[]; hosts: string[] } | string> {
  try {
    const sel = await scheduler.selectDestinations(s);
    if (giveBack) await releaseAll(db, s);
    return { chosen: choices(sel), hosts: sel.map((x) => x.host) };
  } catch (err) {
    return String(err);
  }
}

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
        // Several servers in one request: each placed one counts for the next.
        const byFreshMany = await outcome(mine, fresh, specFor(4, 3000), true);
        const byCacheMany = await outcome(mine, cached, specFor(4, 3000), true);
        assert.deepEqual(byCacheMany, byFreshMany, `choices for four servers after ${what}`);
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
        it(`gives the same choices as a full read for members of a group with policy ${policy} (multipliers ${ramMultiplier}, ${groupMultiplier}), one and three at a time`, async () => {
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
          // Servers as the API leaves them for the scheduler: members of the group, on no host yet.
          const building = async (uuids: readonly string[]): Promise<void> => {
            for (const uuid of uuids) await seedInstance(mine, now(), 'nowhere', uuid);
            await mine.kysely.updateTable('instances').set({ host: null, node: null }).where('uuid', 'in', [...uuids]).execute();
          };
          const gone = (uuids: readonly string[]) => mine.kysely.updateTable('instances').set({ deleted: 1 }).where('uuid', 'in', [...uuids]).execute();
          // Rounds of one server, then of three at once (each placed one a member the next counts),
          // small enough that free RAM alone would not move the next one away from the host just chosen.
          for (const [round, count, memoryMb] of [[1, 1, 2000], [2, 1, 2000], [3, 1, 2000], [4, 3, 256], [5, 3, 256]] as const) {
            const [s1, s2] = [specFor(count, memoryMb), specFor(count, memoryMb)];
            await addServerGroupMembers(mine.kysely, groupId, [...s1.instanceUuids!, ...s2.instanceUuids!], now());
            await building(s1.instanceUuids!);
            const byFresh = await outcome(mine, fresh, s1, true);
            await gone(s1.instanceUuids!);
            await building(s2.instanceUuids!);
            const byCache = await outcome(mine, cached, s2, false);
            assert.deepEqual(byCache, byFresh, `round ${round}`);
            if (typeof byCache === 'string') {
              await gone(s2.instanceUuids!);
              continue;
            }
            // The new members run where they were placed: the next round counts them.
            for (const [i, host] of byCache.hosts.entries()) {
              await mine.kysely.updateTable('instances').set({ host, node: `${host}.local` }).where('uuid', '=', s2.instanceUuids![i]!).execute();
            }
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
