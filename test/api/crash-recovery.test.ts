// A compute host's agent dies at each crash point of each flow (see
// src/crash/points.ts) — its handlers stop where they are, as a killed
// process's would — and is started again. Whatever step was cut short, the
// server must end where its guest is, stable, with exactly its own
// allocation, no copy of its guest anywhere else, every migration final and
// no job left over.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud } from '../support/cloud.js';
import { act } from '../support/actions.js';
import { allocationHosts, migrationRows, setForcedDown } from '../support/db.js';
import { sleep, until } from '../support/wait.js';
import { jobsOfInstance } from '../../src/db/jobs.js';
import { assertAuditClean } from '../support/audit.js';

const HOST = 'OS-EXT-SRV-ATTR:host';
const HOSTS = ['compute1', 'compute2', 'compute3'];
const FINAL = ['completed', 'confirmed', 'reverted', 'error', 'failed', 'cancelled'];

let c: Cloud;
before(async () => {
  c = await startCloud({ overrides: ['fake.migrate_delay=0.05', 'DEFAULT.rpc_response_timeout=3'] });
});
after(async () => {
  await c.stop();
});

const guestOn = (host: string, id: string) => c.aio.agents.get(host)?.ctx.driver.getGuest(id);

/** Arms a crash point for one server (fires once). */
function crashAt(point: string, server: string): void {
  c.aio.faults.add({ step: `crash:${point}`, server, count: 1 });
}

/** Waits for the agent of `host` to die at its crash point, then starts it again. */
async function restartAfterCrash(host: string): Promise<void> {
  await until(`${host} to die`, async () => c.aio.hosts.state(host), (s) => s === 'stopped');
  await sleep(50);
  await c.aio.startHost(host);
}

/** The host whose agent dies first, among those given. */
async function whichDied(hosts: readonly string[]): Promise<string> {
  return until('an agent to die', async () => hosts.find((h) => c.aio.hosts.state(h) === 'stopped'), (h) => h !== undefined) as Promise<string>;
}

/** Waits until the server has no task and no unfinished migration, and no job is left for it. */
async function settled(id: string): Promise<any> {
  await until(
    `${id} to settle`,
    async () => {
      const s = await c.waitServer(id, () => true);
      const migs = await migrationRows(c, id);
      const jobs = await jobsOfInstance(c.aio.base.db.kysely, id);
      return { task: s['OS-EXT-STS:task_state'], open: migs.filter((m) => !FINAL.includes(m.status) && m.status !== 'finished').map((m) => m.status), jobs: jobs.length };
    },
    (x) => x.task === null && x.open.length === 0 && x.jobs === 0,
    20_000,
  );
  return c.waitServer(id, () => true);
}

/** The server is `status` on `host`, whose guest has `power`; no other host has a copy; it holds exactly its own allocation there. */
async function assertAt(id: string, host: string, status: string, power = status === 'SHUTOFF' ? 4 : 1): Promise<void> {
  const s = await settled(id);
  assert.equal(s.status, status, JSON.stringify(s.fault ?? null));
  assert.equal(s[HOST], host);
  assert.equal(guestOn(host, id)?.powerState, power, `guest on ${host}`);
  assert.equal(s['OS-EXT-STS:power_state'], power);
  for (const other of HOSTS.filter((h) => h !== host)) assert.equal(guestOn(other, id), undefined, `no copy on ${other}`);
  assert.deepEqual(await allocationHosts(c, id), [host]);
  for (const m of await migrationRows(c, id)) assert.deepEqual(await allocationHosts(c, m.uuid), [], `migration ${m.status} holds nothing`);
  await assertAuditClean(c);
}

async function verifyResize(id: string): Promise<any> {
  return c.waitServer(id, (x) => x.status === 'VERIFY_RESIZE' && x['OS-EXT-STS:task_state'] === null, 20_000);
}

const other = (host: string) => HOSTS.find((h) => h !== host)!;

describe('a compute agent killed at a crash point, then started again', () => {
  it('build: killed after spawning, the build completes — ACTIVE where its guest is', async () => {
    // Booted through the API, with the point armed for whatever server comes next on any host.
    c.aio.faults.add({ step: 'crash:compute.build.after_spawn', count: 1 });
    const r = await c.req('demo', 'POST', '/servers', {
      version: '2.37',
      body: { server: { name: 'crashy', flavorRef: '1', imageRef: await imageId(), networks: 'none' } },
    });
    assert.equal(r.status, 202, r.text);
    const id = r.body.server.id;
    const host = await whichDied(HOSTS);
    await c.aio.startHost(host);
    await assertAt(id, host, 'ACTIVE');
  });

  it('delete: killed after destroying the guest, the delete completes', async () => {
    const s = await c.bootServer('demo');
    crashAt('compute.terminate.after_destroy', s.id);
    assert.equal((await c.req('demo', 'DELETE', `/servers/${s.id}`)).status, 204);
    await restartAfterCrash(s[HOST]);
    await c.waitServer(s.id, (x) => x.gone === true);
    assert.deepEqual(await allocationHosts(c, s.id), []);
    for (const h of HOSTS) assert.equal(guestOn(h, s.id), undefined);
    await assertAuditClean(c);
  });

  it('stop: killed after powering off, the server ends SHUTOFF', async () => {
    const s = await c.bootServer('demo');
    crashAt('compute.power.after_driver', s.id);
    assert.equal((await act(c, 'demo', s.id, { 'os-stop': null })).status, 202);
    await restartAfterCrash(s[HOST]);
    await assertAt(s.id, s[HOST], 'SHUTOFF');
  });

  for (const [point, dies] of [
    ['compute.prep_resize.after_commit', 'dest'],
    ['compute.resize_instance.after_driver', 'source'],
    ['compute.finish_resize.after_driver', 'dest'],
  ] as const) {
    it(`cold migration: the ${dies} killed at ${point} — the move completes (VERIFY_RESIZE), then confirms cleanly`, async () => {
      const s = await c.bootServer('demo');
      const dest = other(s[HOST]);
      crashAt(point, s.id);
      assert.equal((await act(c, 'admin', s.id, { migrate: { host: dest } }, '2.56')).status, 202);
      await restartAfterCrash(dies === 'dest' ? dest : s[HOST]);
      const moved = await verifyResize(s.id);
      assert.equal(moved[HOST], dest);
      assert.equal(guestOn(dest, s.id)?.powerState, 1);
      assert.equal((await act(c, 'admin', s.id, { confirmResize: null })).status, 204);
      await assertAt(s.id, dest, 'ACTIVE');
    });
  }

  it('confirm: the source killed after dropping the old guest — the confirm completes', async () => {
    const s = await c.bootServer('demo');
    const dest = other(s[HOST]);
    assert.equal((await act(c, 'admin', s.id, { migrate: { host: dest } }, '2.56')).status, 202);
    await verifyResize(s.id);
    crashAt('compute.confirm_resize.after_driver', s.id);
    assert.equal((await act(c, 'admin', s.id, { confirmResize: null })).status, 204);
    await restartAfterCrash(s[HOST]);
    await assertAt(s.id, dest, 'ACTIVE');
    assert.equal((await migrationRows(c, s.id)).at(-1)!.status, 'confirmed');
  });

  for (const [point, dies] of [
    ['compute.revert_resize.after_driver', 'dest'],
    ['compute.finish_revert_resize.after_driver', 'source'],
  ] as const) {
    it(`revert: the ${dies} killed at ${point} — the revert completes, ACTIVE on the source`, async () => {
      const s = await c.bootServer('demo');
      const dest = other(s[HOST]);
      assert.equal((await act(c, 'admin', s.id, { migrate: { host: dest } }, '2.56')).status, 202);
      await verifyResize(s.id);
      crashAt(point, s.id);
      assert.equal((await act(c, 'admin', s.id, { revertResize: null })).status, 202);
      await restartAfterCrash(dies === 'dest' ? dest : s[HOST]);
      await assertAt(s.id, s[HOST], 'ACTIVE');
      assert.equal((await migrationRows(c, s.id)).at(-1)!.status, 'reverted');
    });
  }

  for (const point of ['compute.live_migration.after_pre_live_migration', 'compute.live_migration.during_transfer']) {
    it(`live migration: the source killed at ${point} — rolled back, ACTIVE on the source, migration error`, async () => {
      const s = await c.bootServer('demo');
      crashAt(point, s.id);
      assert.equal((await act(c, 'admin', s.id, { 'os-migrateLive': { host: other(s[HOST]), block_migration: 'auto' } }, '2.30')).status, 202);
      await restartAfterCrash(s[HOST]);
      await assertAt(s.id, s[HOST], 'ACTIVE');
      assert.equal((await migrationRows(c, s.id)).at(-1)!.status, 'error');
    });
  }

  it('live migration: the source killed after the switch-over — the restart completes it on the destination', async () => {
    const s = await c.bootServer('demo');
    const dest = other(s[HOST]);
    crashAt('compute.live_migration.after_transfer', s.id);
    assert.equal((await act(c, 'admin', s.id, { 'os-migrateLive': { host: dest, block_migration: 'auto' } }, '2.30')).status, 202);
    await restartAfterCrash(s[HOST]);
    await assertAt(s.id, dest, 'ACTIVE');
    assert.equal((await migrationRows(c, s.id)).at(-1)!.status, 'completed');
  });

  it('live migration: the source killed right after the destination took the server — its copy is dropped when it restarts', async () => {
    const s = await c.bootServer('demo');
    const dest = other(s[HOST]);
    crashAt('compute.live_migration.after_post_at_destination', s.id);
    assert.equal((await act(c, 'admin', s.id, { 'os-migrateLive': { host: dest, block_migration: 'auto' } }, '2.30')).status, 202);
    await until('the source to die', async () => c.aio.hosts.state(s[HOST]), (x) => x === 'stopped');
    // The database already says the destination; the dead source still holds a copy.
    assert.equal((await c.waitServer(s.id, () => true))[HOST], dest);
    await c.aio.startHost(s[HOST]);
    await assertAt(s.id, dest, 'ACTIVE');
  });

  it('live migration: the destination killed right after it took the server — the source ends the move there', async () => {
    const s = await c.bootServer('demo');
    const dest = other(s[HOST]);
    crashAt('compute.post_live_migration.after_commit', s.id);
    assert.equal((await act(c, 'admin', s.id, { 'os-migrateLive': { host: dest, block_migration: 'auto' } }, '2.30')).status, 202);
    await until('the destination to die', async () => c.aio.hosts.state(dest), (x) => x === 'stopped');
    // The records are on the destination; the source, answered by nobody, ends the task itself.
    const done = await c.waitServer(s.id, (x) => x['OS-EXT-STS:task_state'] === null, 15_000);
    assert.equal(done[HOST], dest);
    assert.equal(done.status, 'ACTIVE');
    await c.aio.startHost(dest);
    await assertAt(s.id, dest, 'ACTIVE');
    assert.equal((await migrationRows(c, s.id)).at(-1)!.status, 'completed');
  });

  it('live migration: the destination killed while taking the server — ERROR on the source, where the guest runs; the copy is dropped later', async () => {
    const s = await c.bootServer('demo');
    const dest = other(s[HOST]);
    crashAt('compute.post_live_migration.after_driver', s.id);
    assert.equal((await act(c, 'admin', s.id, { 'os-migrateLive': { host: dest, block_migration: 'auto' } }, '2.30')).status, 202);
    await until('the destination to die', async () => c.aio.hosts.state(dest), (x) => x === 'stopped');
    // The source waits for the destination's answer (rpc_response_timeout), then rolls back.
    const failed = await c.waitServer(s.id, (x) => x['OS-EXT-STS:task_state'] === null, 15_000);
    assert.equal(failed[HOST], s[HOST]);
    assert.equal(failed.status, 'ERROR');
    await c.aio.startHost(dest);
    await assertAt(s.id, s[HOST], 'ERROR');
    assert.equal((await migrationRows(c, s.id)).at(-1)!.status, 'error');
  });

  it('evacuation: the destination killed after the rebuilt guest started — the evacuation completes there', async () => {
    const s = await c.bootServer('demo');
    const source = s[HOST];
    const dest = other(source);
    await c.aio.stopHost(source);
    await setForcedDown(c, source, true);
    try {
      crashAt('compute.rebuild.after_spawn', s.id);
      assert.equal((await act(c, 'admin', s.id, { evacuate: { host: dest } }, '2.29')).status, 200);
      await restartAfterCrash(dest);
      const rebuilt = await c.waitServer(s.id, (x) => x.status === 'ACTIVE' && x['OS-EXT-STS:task_state'] === null, 20_000);
      assert.equal(rebuilt[HOST], dest);
      assert.equal((await migrationRows(c, s.id)).at(-1)!.status, 'done');
      // The failed host comes back, and dies while it cleans up.
      crashAt('compute.evacuation_cleanup.after_destroy', s.id);
      await c.aio.startHost(source).catch(() => undefined);
      await until(`${source} to die cleaning up`, async () => c.aio.hosts.state(source), (x) => x === 'stopped');
      await c.aio.startHost(source);
    } finally {
      await setForcedDown(c, source, false);
    }
    await assertAt(s.id, dest, 'ACTIVE');
    assert.equal((await migrationRows(c, s.id)).at(-1)!.status, 'completed');
  });
  /** Offloaded: no host, no guest anywhere, no allocation, the shelved image kept. */
  async function assertOffloaded(id: string): Promise<void> {
    const s = await settled(id);
    assert.equal(s.status, 'SHELVED_OFFLOADED', JSON.stringify(s.fault ?? null));
    assert.equal(s[HOST], null);
    for (const h of HOSTS) assert.equal(guestOn(h, id), undefined, `no guest on ${h}`);
    assert.deepEqual(await allocationHosts(c, id), []);
    const r = await fetch(`${c.imageUrl}/v2/images?name=${s.name}-shelved`, { headers: { 'X-Auth-Token': await c.token('demo') } });
    assert.equal(((await r.json()) as { images: Array<{ status: string }> }).images[0]?.status, 'active');
    await assertAuditClean(c);
  }

  for (const point of ['compute.shelve.after_upload', 'compute.shelve_offload.after_destroy']) {
    it(`shelve: killed at ${point}, the shelve and offload complete`, async () => {
      const s = await c.bootServer('demo');
      crashAt(point, s.id);
      assert.equal((await act(c, 'demo', s.id, { shelve: null })).status, 202);
      await restartAfterCrash(s[HOST]);
      await assertOffloaded(s.id);
    });
  }

  it('unshelve: the destination killed after spawning — the unshelve completes there', async () => {
    const s = await c.bootServer('demo');
    assert.equal((await act(c, 'demo', s.id, { shelve: null })).status, 202);
    await assertOffloaded(s.id);
    const dest = other(s[HOST]);
    crashAt('compute.unshelve.after_spawn', s.id);
    assert.equal((await act(c, 'admin', s.id, { unshelve: { host: dest } }, '2.91')).status, 202);
    await restartAfterCrash(dest);
    await assertAt(s.id, dest, 'ACTIVE');
  });
});

async function imageId(): Promise<string> {
  const r = await fetch(`${c.imageUrl}/v2/images?name=cirros`, { headers: { 'X-Auth-Token': await c.token('demo') } });
  return ((await r.json()) as { images: Array<{ id: string }> }).images[0]!.id;
}
