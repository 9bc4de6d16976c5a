// Claims on both databases: fit checks with ratios, per-consumer moves and
// releases, and no overbooking under parallel claims.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Db } from '../../../src/db/connect.js';
import { allocationsOf, claim, moveAllocations, release, usage } from '../../../src/scheduler/claims.js';
import { createMigration, updateMigration } from '../../../src/db/migrations-repo.js';
import { TEST_DATABASES } from './databases.js';
import { seedHost } from './seed.js';

const R = (vcpus: number, memory_mb: number, disk_gb: number) => ({ vcpus, memory_mb, disk_gb });

for (const tdb of TEST_DATABASES) {
  describe(`claims (${tdb.name})`, () => {
    let db: Db;
    let close: () => Promise<void>;
    const now = new Date();
    before(async () => {
      ({ db, close } = await tdb.open());
    });
    after(async () => close());

    it('claims what fits, refuses what does not, and sums usage', async () => {
      const node = await seedHost(db, now, { host: 'c1', vcpus: 4, memory_mb: 4096, local_gb: 100 });
      assert.deepEqual(await usage(db, node), R(0, 0, 0));
      assert.equal(await claim(db, 'i1', node, R(2, 2048, 50)), true);
      assert.equal(await claim(db, 'i2', node, R(2, 2048, 50)), true);
      assert.deepEqual(await usage(db, node), R(4, 4096, 100));
      assert.equal(await claim(db, 'i3', node, R(1, 0, 0)), false);
      assert.equal(await claim(db, 'i3', node, R(0, 1, 0)), false);
      assert.equal(await claim(db, 'i3', node, R(0, 0, 1)), false);
      assert.deepEqual(await allocationsOf(db, 'i3'), []);
    });

    it('applies the node allocation ratios', async () => {
      const node = await seedHost(db, now, { host: 'c2', vcpus: 2, memory_mb: 1000, local_gb: 10, cpu_allocation_ratio: 4, ram_allocation_ratio: 1.5, disk_allocation_ratio: 0.9 });
      assert.equal(await claim(db, 'a', node, R(8, 1500, 9)), true);
      assert.equal(await claim(db, 'b', node, R(1, 0, 0)), false);
    });

    it('a replacing claim leaves the consumer one claim, however often it is made (a scheduler answering a request twice)', async () => {
      const a = await seedHost(db, now, { host: 'r1', vcpus: 2, memory_mb: 1024, local_gb: 10 });
      const b = await seedHost(db, now, { host: 'r2', vcpus: 2, memory_mb: 1024, local_gb: 10 });
      assert.equal(await claim(db, 'again', a, R(2, 1024, 10), { replace: true }), true);
      // The same request again: it fits on the same node only because the first claim is replaced.
      assert.equal(await claim(db, 'again', a, R(2, 1024, 10), { replace: true }), true);
      assert.equal(await claim(db, 'again', b, R(1, 512, 5), { replace: true }), true);
      assert.deepEqual((await allocationsOf(db, 'again')).map((x) => x.node_uuid), [b]);
      assert.deepEqual(await usage(db, a), R(0, 0, 0));
    });

    it('a claim for a live consumer claims nothing once its migration has ended', async () => {
      const node = await seedHost(db, now, { host: 'late', vcpus: 4, memory_mb: 4096, local_gb: 100 });
      const m = await createMigration(db, {
        instanceUuid: 'gone-server',
        migrationType: 'live-migration',
        status: 'accepted',
        sourceCompute: 'c1',
        sourceNode: 'c1',
        oldInstanceTypeId: 1,
        newInstanceTypeId: 1,
        userId: null,
        projectId: null,
      });
      assert.equal(await claim(db, m.uuid, node, R(1, 512, 1), { replace: true, liveConsumer: true }), true);
      assert.equal(await release(db, m.uuid), 1);
      // The move ended (its server deleted) before a late scheduler reply claims for it.
      await updateMigration(db.kysely, m.id, { status: 'error' }, { expectStatus: ['accepted'], now });
      assert.equal(await claim(db, m.uuid, node, R(1, 512, 1), { replace: true, liveConsumer: true }), false);
      assert.deepEqual(await usage(db, node), R(0, 0, 0));
    });

    it('refuses a node that does not exist', async () => {
      assert.equal(await claim(db, 'x', '00000000-0000-0000-0000-000000000000', R(1, 1, 1)), false);
    });

    it('moves allocations to another consumer and releases one node only', async () => {
      const src = await seedHost(db, now, { host: 'c3', vcpus: 4, memory_mb: 4096, local_gb: 100 });
      const dst = await seedHost(db, now, { host: 'c4', vcpus: 4, memory_mb: 4096, local_gb: 100 });
      assert.equal(await claim(db, 'inst', src, R(1, 512, 10)), true);
      // A migration starts: the source allocation becomes the migration's, the destination is the instance's.
      assert.equal(await moveAllocations(db, 'inst', 'mig'), 1);
      assert.equal(await claim(db, 'inst', dst, R(1, 512, 10)), true);
      assert.deepEqual((await allocationsOf(db, 'mig')).map((a) => a.node_uuid), [src]);
      assert.deepEqual((await allocationsOf(db, 'inst')).map((a) => a.node_uuid), [dst]);
      // Confirm: the migration gives back the source only.
      assert.equal(await release(db, 'mig', dst), 0);
      assert.equal(await release(db, 'mig', src), 1);
      assert.deepEqual(await usage(db, src), R(0, 0, 0));
      assert.deepEqual(await usage(db, dst), R(1, 512, 10));
      // Deleting the instance gives back everything it holds.
      assert.equal(await claim(db, 'inst', src, R(1, 512, 10)), true);
      assert.equal(await release(db, 'inst'), 2);
      assert.deepEqual(await allocationsOf(db, 'inst'), []);
    });

    it('never overbooks under many parallel claims', async () => {
      const node = await seedHost(db, now, { host: 'race', vcpus: 10, memory_mb: 10240, local_gb: 100 });
      const results = await Promise.all(
        Array.from({ length: 60 }, (_, i) => claim(db, `r${i}`, node, R(1, 1024, 10))),
      );
      assert.equal(results.filter(Boolean).length, 10);
      assert.deepEqual(await usage(db, node), R(10, 10240, 100));
    });
  });
}
