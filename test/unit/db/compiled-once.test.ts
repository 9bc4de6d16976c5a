// A query compiled once per handle answers for each new argument as a
// freshly built one would, in and out of transactions and through plugins;
// a write compiled once counts the rows it changed and takes nulls as values.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KyselyPlugin } from 'kysely';
import { openDb } from '../../../src/db/connect.js';
import { compiledOnce, compiledOnceWrite } from '../../../src/db/compiled-once.js';
import { AgentStopped, Fence, fencedDb } from '../../../src/agent/fence.js';
import type { Db } from '../../../src/db/connect.js';

/** A fresh SQLite database holding flavors with these ids (name = id unless given), for `fn`. */
async function withFlavors(flavors: ReadonlyArray<{ id: string; name?: string; description?: string | null }>, fn: (db: Db) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'magnetar-once-'));
  const db = await openDb(`sqlite:///${join(dir, 'x.sqlite')}`, dir);
  try {
    const now = new Date().toISOString();
    for (const f of flavors)
      await db.kysely
        .insertInto('flavors')
        .values({ flavorid: f.id, name: f.name ?? f.id, memory_mb: 64, vcpus: 1, root_gb: 1, ephemeral_gb: 0, swap: 0, rxtx_factor: 1, is_public: 1, disabled: 0, description: f.description ?? null, created_at: now, updated_at: null, deleted: 0 })
        .execute();
    await fn(db);
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

it('runs with each call\'s arguments, per handle, and plugins still see every result', async () => {
  await withFlavors([{ id: 'a', name: 'one' }, { id: 'b', name: 'two' }], async (db) => {
    let builds = 0;
    const byFlavorId = compiledOnce((q, flavorid: string, name: string) => (builds++, q.selectFrom('flavors').select('name').where('flavorid', '=', flavorid).where('name', '=', name).where('deleted', '=', 0)));
    assert.deepEqual(await byFlavorId(db.kysely, 'a', 'one'), [{ name: 'one' }]);
    assert.deepEqual(await byFlavorId(db.kysely, 'b', 'two'), [{ name: 'two' }]);
    assert.deepEqual(await byFlavorId(db.kysely, 'b', 'one'), []);
    await db.kysely.transaction().execute(async (trx) => {
      await trx.updateTable('flavors').set({ name: 'uno' }).where('flavorid', '=', 'a').execute();
      assert.deepEqual(await byFlavorId(trx, 'a', 'uno'), [{ name: 'uno' }], 'a transaction sees its own writes');
    });
    await db.kysely.transaction().execute(async (trx) => assert.deepEqual(await byFlavorId(trx, 'b', 'two'), [{ name: 'two' }]));
    assert.equal(builds, 1, 'the database and its transactions share one compiled query');
    let seen = 0;
    let queries = 0;
    const counting: KyselyPlugin = { transformQuery: (a) => (queries++, a.node), transformResult: async (a) => (seen++, a.result) };
    const withPlugin = db.kysely.withPlugin(counting);
    await byFlavorId(withPlugin, 'b', 'two');
    await byFlavorId(withPlugin, 'b', 'two');
    assert.equal(seen, 2, 'the plugin saw both results');
    assert.ok(queries >= 2, 'the plugin saw both queries');
    assert.equal(builds, 2, 'a handle with plugins compiles its own');
  });
});

it('a write compiled once changes what its arguments say, counts the rows, and writes null where given', async () => {
  await withFlavors([{ id: 'a', description: 'old' }, { id: 'b', description: 'old' }], async (db) => {
    let builds = 0;
    const describe = compiledOnceWrite((q, flavorid: string, description: string | null) => (builds++, q.updateTable('flavors').set({ description }).where('flavorid', '=', flavorid)));
    assert.equal(await describe(db.kysely, 'a', 'new'), 1);
    assert.equal(await db.kysely.transaction().execute((trx) => describe(trx, 'b', null)), 1);
    assert.equal(await describe(db.kysely, 'nope', 'x'), 0, 'no row matched');
    const rows = await db.kysely.selectFrom('flavors').select(['flavorid', 'description']).orderBy('flavorid').execute();
    assert.deepEqual(rows, [{ flavorid: 'a', description: 'new' }, { flavorid: 'b', description: null }]);
    assert.equal(builds, 1);
  });
});

it('a write compiled once through a fenced agent database is refused before it runs once the fence is tripped', async () => {
  await withFlavors([{ id: 'a', description: 'first' }], async (db) => {
    const describe = compiledOnceWrite((q, flavorid: string, description: string) => q.updateTable('flavors').set({ description }).where('flavorid', '=', flavorid));
    const fence = new Fence('compute1');
    const fenced = fencedDb(db, fence).kysely;
    assert.equal(await describe(fenced, 'a', 'second'), 1);
    fence.trip();
    await assert.rejects(describe(fenced, 'a', 'third'), AgentStopped);
    const row = await db.kysely.selectFrom('flavors').select('description').where('flavorid', '=', 'a').executeTakeFirstOrThrow();
    assert.equal(row.description, 'second', 'the dead agent\'s write never ran');
  });
});

it('the fenced databases of many agent lives, and their transactions, share the compiled query of the plain one', async () => {
  await withFlavors([{ id: 'a', description: 'first' }], async (db) => {
    let builds = 0;
    const describe = compiledOnceWrite((q, flavorid: string, description: string) => (builds++, q.updateTable('flavors').set({ description }).where('flavorid', '=', flavorid)));
    assert.equal(await describe(db.kysely, 'a', 'plain'), 1);
    const [one, two] = [new Fence('compute1'), new Fence('compute2')];
    assert.equal(await describe(fencedDb(db, one).kysely, 'a', 'one'), 1);
    assert.equal(await fencedDb(db, two).kysely.transaction().execute((trx) => describe(trx, 'a', 'two')), 1);
    assert.equal(builds, 1, 'compiled once for all of them');
    two.trip();
    await assert.rejects(fencedDb(db, two).kysely.transaction().execute((trx) => describe(trx, 'a', 'dead')), AgentStopped);
    assert.equal(await describe(fencedDb(db, one).kysely, 'a', 'alive'), 1, 'another life is not fenced by it');
    const row = await db.kysely.selectFrom('flavors').select('description').where('flavorid', '=', 'a').executeTakeFirstOrThrow();
    assert.equal(row.description, 'alive');
  });
});

it('takes numbers as arguments, and a write with RETURNING gives its rows', async () => {
  await withFlavors([{ id: 'a' }, { id: 'b' }], async (db) => {
    const ids = await db.kysely.selectFrom('flavors').select(['id', 'flavorid']).orderBy('id').execute();
    const rename = compiledOnce((q, id: number, name: string) => q.updateTable('flavors').set({ name }).where('id', '=', id).returning(['flavorid', 'name']));
    assert.deepEqual(await rename(db.kysely, ids[1]!.id, 'second'), [{ flavorid: 'b', name: 'second' }]);
    assert.deepEqual(await rename(db.kysely, ids[0]!.id, 'first'), [{ flavorid: 'a', name: 'first' }]);
    assert.deepEqual(await rename(db.kysely, -1, 'none'), []);
  });
});
