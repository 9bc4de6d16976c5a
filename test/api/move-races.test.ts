// Moves racing with what else happens to their server and hosts: a restart of
// the source before the move reached it, an evacuation onto a host that still
// has a copy of the guest, a reset-state or a delete in the middle of a move.
// Each ends stable, with the server where its guest is and nothing leaked.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud } from '../support/cloud.js';
import { act } from '../support/actions.js';
import { allocationHosts, insertMigration, migrationRows, setForcedDown } from '../support/db.js';
import { sleep, until } from '../support/wait.js';
import { guestSpec } from '../../src/agent/context.js';
import { flavorOf, getInstance } from '../../src/db/instances.js';
import { jobsOfInstance } from '../../src/db/jobs.js';
import { assertAuditClean } from '../support/audit.js';

const HOST = 'OS-EXT-SRV-ATTR:host';
const HOSTS = ['compute1', 'compute2', 'compute3'];
const FINAL = ['completed', 'confirmed', 'reverted', 'error', 'failed', 'cancelled', 'finished', 'done'];

let c: Cloud;
before(async () => {
  c = await startCloud({ overrides: ['fake.migrate_delay=0.15', 'fake.live_migration_delay=0.2'] });
});
after(async () => {
  await c.stop();
});

const guestOn = (host: string, id: string) => c.aio.agents.get(host)?.ctx.driver.getGuest(id);
const other = (host: string) => HOSTS.find((h) => h !== host)!;

/** Waits until the server has no task, every migration of it is final and no work is left queued for it. */
async function stable(id: string): Promise<any> {
  return until(
    `${id} to be stable`,
    async () => {
      const s = await c.waitServer(id, () => true);
      const open = (await migrationRows(c, id)).filter((m) => !FINAL.includes(m.status));
      const jobs = await jobsOfInstance(c.aio.base.db.kysely, id);
      return { s, open: open.length, jobs: jobs.length };
    },
    (x) => (x.s.gone === true || x.s['OS-EXT-STS:task_state'] === null) && x.open === 0 && x.jobs === 0,
    20_000,
  ).then((x) => x.s);
}

/** Where the server's guests are, over every running host. */
const guestHosts = (id: string) => HOSTS.filter((h) => guestOn(h, id) !== undefined);

describe('moves racing with restarts, resets and deletes', () => {
  it('a source host restarted while its live migration is still with the conductor: the migration completes, the server is where its guest is', async () => {
    const s = await c.bootServer('demo');
    const dest = other(s[HOST]);
    // A slow pre-check on the destination keeps the migration with the conductor while the source restarts.
    c.aio.base.conf.set('fake', 'precheck_delay', '0.6');
    await c.aio.startHost(dest);
    c.aio.base.conf.set('fake', 'precheck_delay', '0.01');
    try {
      // From 2.34 the pre-checks run after the answer (before it, the API waits for them and the conductor has handed over by then).
      assert.equal((await act(c, 'admin', s.id, { 'os-migrateLive': { host: dest, block_migration: 'auto' } }, '2.34')).status, 202);
      await until('accepted', async () => (await migrationRows(c, s.id)).at(-1)?.status, (st) => st === 'accepted');
      await c.aio.startHost(s[HOST]);
      const done = await stable(s.id);
      assert.equal((await migrationRows(c, s.id)).at(-1)!.status, 'completed');
      assert.equal(done[HOST], dest);
      assert.deepEqual(guestHosts(s.id), [dest]);
      assert.deepEqual(await allocationHosts(c, s.id), [dest]);
    } finally {
      await c.aio.startHost(dest);
    }
    await assertAuditClean(c);
  });

  it('an evacuation onto a host that still holds a copy of the guest takes that copy instead of destroying it', async () => {
    const s = await c.bootServer('demo');
    const source = s[HOST];
    const dest = other(source);
    const inst = (await getInstance(c.aio.base.db.kysely, s.id))!;
    await c.aio.agents.get(dest)!.ctx.driver.spawn(guestSpec(inst, flavorOf(inst)));
    await c.aio.stopHost(source);
    await setForcedDown(c, source, true);
    try {
      assert.equal((await act(c, 'admin', s.id, { evacuate: { host: dest } }, '2.29')).status, 200);
      const done = await stable(s.id);
      assert.equal(done.status, 'ACTIVE');
      assert.equal(done[HOST], dest);
      assert.equal(guestOn(dest, s.id)?.powerState, 1);
      assert.deepEqual(await allocationHosts(c, s.id), [dest]);
    } finally {
      await c.aio.startHost(source);
      await setForcedDown(c, source, false);
    }
    await until('the old host to clean up', async () => (await migrationRows(c, s.id)).at(-1)!.status, (st) => st === 'completed');
    assert.deepEqual(guestHosts(s.id), [dest]);
    await assertAuditClean(c);
  });

  it('a move asked for while an earlier move of the server is still under way (its task reset) is refused with 409, and changes nothing', async () => {
    const s = await c.bootServer('demo');
    const stale = await insertMigration(c, { instanceUuid: s.id, migrationType: 'live-migration', status: 'running', sourceCompute: s[HOST], destCompute: other(s[HOST]) });
    try {
      for (const [body, v] of [
        [{ migrate: null }, '2.1'],
        [{ 'os-migrateLive': { host: null, block_migration: 'auto' } }, '2.30'],
        [{ resize: { flavorRef: '2' } }, '2.1'],
      ] as const) {
        const r = await act(c, 'admin', s.id, body, v);
        assert.equal(r.status, 409, r.text);
        assert.equal(r.body.conflictingRequest.message, `Cannot '${Object.keys(body)[0] === 'os-migrateLive' ? 'os-migrateLive' : Object.keys(body)[0]}' instance ${s.id} while it is in migration status running`);
        const now = await c.waitServer(s.id, () => true);
        assert.equal(now.status, 'ACTIVE');
        assert.equal(now['OS-EXT-STS:task_state'], null);
        assert.deepEqual(await allocationHosts(c, s.id), [s[HOST]]);
      }
      assert.equal((await migrationRows(c, s.id)).length, 1);
    } finally {
      await c.aio.base.db.kysely.updateTable('migrations').set({ status: 'error' }).where('uuid', '=', stale).execute();
    }
  });

  it('reset-state racing a cold migration: whichever wins, the server ends stable where its guest is, holding exactly one allocation', async () => {
    for (let round = 0; round < 8; round++) {
      const s = await c.bootServer('demo');
      assert.equal((await act(c, 'admin', s.id, { migrate: null })).status, 202);
      await sleep(round * 40);
      assert.equal((await act(c, 'admin', s.id, { 'os-resetState': { state: 'active' } })).status, 202);
      const done = await stable(s.id);
      // A move that got past the point of no return finishes; one that did not is given up.
      assert.deepEqual(guestHosts(s.id), done.status === 'VERIFY_RESIZE' ? [s[HOST], done[HOST]].sort() : [done[HOST]], JSON.stringify(done));
      assert.deepEqual(await allocationHosts(c, s.id), [done[HOST]]);
      for (const m of await migrationRows(c, s.id)) {
        const held = await allocationHosts(c, m.uuid);
        assert.deepEqual(held, m.status === 'finished' ? [s[HOST]] : [], `migration ${m.status}`);
      }
      if (done.status === 'VERIFY_RESIZE') assert.equal((await act(c, 'admin', s.id, { confirmResize: null })).status, 204);
      await stable(s.id);
      await assertAuditClean(c);
      await c.req('admin', 'DELETE', `/servers/${s.id}`);
    }
  });

  it('a server deleted in the middle of a cold or live migration leaves no guest, no allocation, no unfinished migration', async () => {
    for (let round = 0; round < 8; round++) {
      const s = await c.bootServer('demo');
      const live = round % 2 === 1;
      const body = live ? { 'os-migrateLive': { host: null, block_migration: 'auto' } } : { migrate: null };
      assert.equal((await act(c, 'admin', s.id, body, '2.30')).status, 202);
      await sleep(20 + round * 30);
      const del = await c.req('admin', 'DELETE', `/servers/${s.id}`);
      assert.ok([204, 409].includes(del.status), del.text);
      if (del.status === 409) {
        await stable(s.id);
        assert.equal((await c.req('admin', 'DELETE', `/servers/${s.id}`)).status, 204);
      }
      await c.waitServer(s.id, (x) => x.gone === true, 20_000);
      await until(
        'the server\'s guests and migrations to be gone',
        async () => ({ guests: guestHosts(s.id), open: (await migrationRows(c, s.id)).filter((m) => !FINAL.includes(m.status)).length }),
        (x) => x.guests.length === 0 && x.open === 0,
        20_000,
      );
      const state = `round ${round} (${live ? 'live' : 'cold'}, delete ${del.status}): migrations ${JSON.stringify(await migrationRows(c, s.id))}`;
      assert.deepEqual(await allocationHosts(c, s.id), [], `the server's allocations; ${state}`);
      for (const m of await migrationRows(c, s.id)) assert.deepEqual(await allocationHosts(c, m.uuid), [], `the migration's allocations; ${state}`);
    }
    await assertAuditClean(c);
  });
});
