// /servers/{id}/migrations with live migrations held running by the fake
// driver: list and show (fields per version, policies, messages),
// force_complete and abort (check order, messages, outcomes), queueing behind
// [DEFAULT] max_concurrent_live_migrations, the completion timeout, and a
// source host shutting down mid-transfer.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud } from '../support/cloud.js';
import { requestIdOf } from '../support/actions.js';
import { allocationHosts, setInstanceColumns } from '../support/db.js';
import { listMigrations, waitNewestMigration } from '../support/migrations.js';
import { sleep, until } from '../support/wait.js';

const HOST = 'OS-EXT-SRV-ATTR:host';
const done = (s: any): boolean => s['OS-EXT-STS:task_state'] === null;

function liveMigrate(c: Cloud, user: string, id: string, version = '2.60') {
  return c.req(user, 'POST', `/servers/${id}/action`, { body: { 'os-migrateLive': { block_migration: 'auto', host: null } }, version });
}

/** Starts a live migration and waits until the server-migrations list shows it in `status`. */
async function startLive(c: Cloud, id: string, status = 'running'): Promise<any> {
  const r = await liveMigrate(c, 'admin', id);
  assert.equal(r.status, 202, r.text);
  return waitNewestMigration(c, id, (m) => m.status === status);
}

function forceComplete(c: Cloud, user: string, id: string, mid: string | number, version = '2.22', body: unknown = { force_complete: null }) {
  return c.req(user, 'POST', `/servers/${id}/migrations/${mid}/action`, { body, version });
}

function abort(c: Cloud, user: string, id: string, mid: string | number, version = '2.24') {
  return c.req(user, 'DELETE', `/servers/${id}/migrations/${mid}`, { version });
}

/** Collects the distinct statuses a server's next migration (id above `afterId`) goes through until `stop` holds. */
function recordStatuses(c: Cloud, id: string, stop: (s: string) => boolean, afterId = 0): Promise<string[]> {
  return (async () => {
    const seen: string[] = [];
    const end = Date.now() + 15_000;
    while (Date.now() < end) {
      const [newest] = await listMigrations(c, id);
      const m = newest && newest.id > afterId ? newest : undefined;
      if (m && seen[seen.length - 1] !== m.status) seen.push(m.status);
      if (m && stop(m.status)) return seen;
      await sleep(3);
    }
    throw new Error(`statuses of ${id} never ended: ${seen.join(' → ')}`);
  })();
}

const ORDER = ['accepted', 'queued', 'preparing', 'running', 'post-migrating', 'completed'];
function assertInOrder(seen: readonly string[]): void {
  const idx = seen.map((s) => ORDER.indexOf(s));
  assert.ok(idx.every((i) => i >= 0), `unexpected status in ${seen.join(' → ')}`);
  for (let i = 1; i < idx.length; i++) assert.ok(idx[i]! > idx[i - 1]!, `out of order: ${seen.join(' → ')}`);
}

describe('server migrations of held live migrations', () => {
  let c: Cloud;
  let hosts: string[];
  before(async () => {
    c = await startCloud({ overrides: ['fake.live_migration_hold=true', 'magnetar.compute_hosts=compute1,compute2'] });
    hosts = ['compute1', 'compute2'];
  });
  after(async () => {
    await c.stop();
  });

  it('list and show a running migration; force_complete finishes it on the destination', async () => {
    const s = await c.bootServer('demo');
    const dest = hosts.find((h) => h !== s[HOST])!;
    await startLive(c, s.id);
    const during = await c.waitServer(s.id, () => true);
    assert.equal(during.status, 'MIGRATING');
    assert.equal(during['OS-EXT-STS:task_state'], 'migrating');
    assert.equal(during[HOST], s[HOST], 'the host switches only at completion');

    const list = await until(
      'progress counters',
      () => c.req('admin', 'GET', `/servers/${s.id}/migrations`, { version: '2.80' }),
      (r) => r.body?.migrations?.[0]?.memory_processed_bytes > 0,
    );
    assert.equal(list.status, 200);
    assert.equal(list.body.migrations.length, 1);
    const m = list.body.migrations[0];
    assert.deepEqual(Object.keys(m).sort(), [
      'created_at', 'dest_compute', 'dest_host', 'dest_node', 'disk_processed_bytes', 'disk_remaining_bytes', 'disk_total_bytes',
      'id', 'memory_processed_bytes', 'memory_remaining_bytes', 'memory_total_bytes', 'project_id', 'server_uuid',
      'source_compute', 'source_node', 'status', 'updated_at', 'user_id', 'uuid',
    ]);
    assert.equal(m.status, 'running');
    assert.equal(m.server_uuid, s.id);
    assert.equal(m.source_compute, s[HOST]);
    assert.equal(m.dest_compute, dest);
    assert.equal(m.dest_node, dest);
    assert.equal(m.memory_total_bytes, 512 * 1024 * 1024);
    assert.equal(m.memory_processed_bytes + m.memory_remaining_bytes, m.memory_total_bytes);
    assert.match(m.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);

    const v223 = await c.req('admin', 'GET', `/servers/${s.id}/migrations`, { version: '2.23' });
    assert.equal(v223.body.migrations[0].uuid, undefined);
    assert.equal(v223.body.migrations[0].user_id, undefined);
    const shown = await c.req('admin', 'GET', `/servers/${s.id}/migrations/${m.id}`, { version: '2.59' });
    assert.equal(shown.status, 200, shown.text);
    assert.equal(shown.body.migration.uuid, m.uuid);
    assert.equal(shown.body.migration.project_id, undefined);
    assert.equal(shown.body.migration.source_compute, s[HOST]);

    // The os-migrations list links a live migration in progress (2.23).
    const [listed] = (await c.req('admin', 'GET', `/os-migrations?instance_uuid=${s.id}`, { version: '2.23' })).body.migrations;
    assert.deepEqual(listed.links, [
      { rel: 'self', href: `${c.computeUrl}/v2.1/servers/${s.id}/migrations/${m.id}` },
      { rel: 'bookmark', href: `${c.computeUrl}/servers/${s.id}/migrations/${m.id}` },
    ]);

    // A project manager lists without host fields and may not show.
    const mgr = await c.req('demo_manager', 'GET', `/servers/${s.id}/migrations`, { version: '2.80' });
    assert.equal(mgr.status, 200, mgr.text);
    for (const k of ['source_compute', 'source_node', 'dest_compute', 'dest_node', 'dest_host']) assert.equal(mgr.body.migrations[0][k], null, k);
    const mgrShow = await c.req('demo_manager', 'GET', `/servers/${s.id}/migrations/${m.id}`, { version: '2.80' });
    assert.equal(mgrShow.status, 403);
    assert.equal(mgrShow.body.forbidden.message, "Policy doesn't allow os_compute_api:servers:migrations:show to be performed.");
    const member = await c.req('demo', 'GET', `/servers/${s.id}/migrations`, { version: '2.80' });
    assert.equal(member.status, 403);
    assert.equal(member.body.forbidden.message, "Policy doesn't allow os_compute_api:servers:migrations:index to be performed.");
    assert.equal((await c.req('alt_demo', 'GET', `/servers/${s.id}/migrations`, { version: '2.80' })).status, 404);

    const fc = await forceComplete(c, 'demo_manager', s.id, m.id);
    assert.equal(fc.status, 202, fc.text);
    assert.equal(fc.text, '');
    const after = await c.waitServer(s.id, (x) => done(x) && x[HOST] === dest);
    assert.equal(after.status, 'ACTIVE');
    assert.equal((await waitNewestMigration(c, s.id, (x) => x.status === 'completed')).id, m.id);
    const empty = await c.req('admin', 'GET', `/servers/${s.id}/migrations`, { version: '2.80' });
    assert.deepEqual(empty.body.migrations, []);
    const gone = await c.req('admin', 'GET', `/servers/${s.id}/migrations/${m.id}`, { version: '2.80' });
    assert.equal(gone.status, 404);
    assert.equal(gone.body.itemNotFound.message, `Live migration ${m.id} for server ${s.id} is not in progress.`);
    const action = await c.req('admin', 'GET', `/servers/${s.id}/os-instance-actions/${requestIdOf(fc)}`, { version: '2.84' });
    assert.equal(action.body.instanceAction.action, 'live_migration_force_complete');
    assert.deepEqual(action.body.instanceAction.events.map((e: any) => [e.event, e.result, e.host]), [
      ['compute_live_migration_force_complete', 'Success', s[HOST]],
    ]);
  });

  it('DELETE aborts a running migration: cancelled, the server stays on its source', async () => {
    const s = await c.bootServer('demo');
    const dest = hosts.find((h) => h !== s[HOST])!;
    const usedOn = async (h: string): Promise<number> => {
      const r = await c.req('admin', 'GET', '/os-hypervisors/detail', { version: '2.1' });
      return r.body.hypervisors.find((x: any) => x.hypervisor_hostname === h).memory_mb_used;
    };
    const before = await usedOn(dest);
    const m = await startLive(c, s.id);
    assert.equal(await usedOn(dest), before + 512, 'the migration holds room on the destination while it runs');
    const r = await abort(c, 'demo_manager', s.id, m.id);
    assert.equal(r.status, 202, r.text);
    assert.equal(r.text, '');
    await waitNewestMigration(c, s.id, (x) => x.status === 'cancelled');
    const after = await c.waitServer(s.id, done);
    assert.equal(after.status, 'ACTIVE');
    assert.equal(after[HOST], s[HOST]);
    assert.equal(await usedOn(dest), before, 'and gives it back when cancelled');
    const action = await until(
      'abort action',
      () => c.req('admin', 'GET', `/servers/${s.id}/os-instance-actions/${requestIdOf(r)}`, { version: '2.84' }),
      (x) => x.body?.instanceAction?.events?.[0]?.finish_time != null,
    );
    assert.equal(action.body.instanceAction.action, 'live_migration_cancel');
    assert.equal(action.body.instanceAction.events[0].event, 'compute_live_migration_abort');
    assert.equal(action.body.instanceAction.events[0].result, 'Success');
    // The destination's room was given back: the next attempt can run (and is cancelled again).
    const again = await startLive(c, s.id);
    assert.equal((await abort(c, 'admin', s.id, again.id, '2.65')).status, 202);
    await waitNewestMigration(c, s.id, (x) => x.status === 'cancelled');
  });

  it('one transfer per host at a time: the next waits `queued`; statuses advance in order', async () => {
    // Two hosts, three servers: two of them share a host.
    const servers = [await c.bootServer('demo'), await c.bootServer('demo'), await c.bootServer('demo')];
    const shared = servers.find((x) => servers.filter((y) => y[HOST] === x[HOST]).length >= 2)![HOST];
    const [a, b] = servers.filter((x) => x[HOST] === shared);
    const aSeen = recordStatuses(c, a.id, (st) => st === 'completed');
    const ma = await startLive(c, a.id);
    const mb = await startLive(c, b.id, 'queued');
    await sleep(300);
    assert.equal((await waitNewestMigration(c, b.id, () => true)).status, 'queued', 'still waiting for the slot');
    assert.equal((await c.waitServer(b.id, () => true)).status, 'MIGRATING');
    const listed = await c.req('admin', 'GET', `/servers/${b.id}/migrations`, { version: '2.80' });
    assert.deepEqual(listed.body.migrations.map((x: any) => x.status), ['queued']);

    const early = await abort(c, 'admin', b.id, mb.id, '2.64');
    assert.equal(early.status, 400);
    assert.equal(early.body.badRequest.message, `Migration ${mb.id} state of instance ${b.id} is queued. Cannot abort live migration while the migration is in this state.`);
    const fcQueued = await forceComplete(c, 'admin', b.id, mb.id);
    assert.equal(fcQueued.status, 400);
    assert.equal(fcQueued.body.badRequest.message, `Migration ${mb.id} state of instance ${b.id} is queued. Cannot force complete while the migration is in this state.`);

    // From 2.65 a queued migration can be aborted.
    assert.equal((await abort(c, 'admin', b.id, mb.id, '2.65')).status, 202);
    await waitNewestMigration(c, b.id, (x) => x.status === 'cancelled');
    const bAfter = await c.waitServer(b.id, done);
    assert.equal(bAfter[HOST], shared);
    assert.equal(bAfter.status, 'ACTIVE');

    // Queue b again behind a, then let a finish: b moves on by itself.
    const bSeen = recordStatuses(c, b.id, (st) => st === 'completed', mb.id);
    const mb2 = await startLive(c, b.id, 'queued');
    assert.equal((await forceComplete(c, 'admin', a.id, ma.id)).status, 202);
    await waitNewestMigration(c, b.id, (x) => x.id === mb2.id && x.status === 'running');
    assert.equal((await forceComplete(c, 'admin', b.id, mb2.id)).status, 202);
    const seenA = await aSeen;
    const seenB = await bSeen;
    assertInOrder(seenA);
    assertInOrder(seenB);
    for (const st of ['running', 'completed']) assert.ok(seenA.includes(st), seenA.join(' → '));
    // b's `running` was seen above (it is force-completed as soon as it is); its poller may miss so short a stay.
    for (const st of ['queued', 'completed']) assert.ok(seenB.includes(st), seenB.join(' → '));
    await c.waitServer(a.id, (x) => done(x) && x[HOST] !== shared);
    await c.waitServer(b.id, (x) => done(x) && x[HOST] !== shared);
  });

  it('force_complete and abort: check order and messages', async () => {
    const s = await c.bootServer('demo');
    // Not migrating: the state guard (task_state null → generic text).
    let r = await forceComplete(c, 'admin', s.id, 1);
    assert.equal(r.status, 409);
    assert.equal(r.body.conflictingRequest.message, `Instance ${s.id} is in an invalid state for 'force_complete'`);
    r = await abort(c, 'admin', s.id, 1);
    assert.equal(r.status, 409);
    assert.equal(r.body.conflictingRequest.message, `Instance ${s.id} is in an invalid state for 'abort live migration'`);

    const m = await startLive(c, s.id);
    for (const bad of [99999, 'abc']) {
      r = await forceComplete(c, 'admin', s.id, bad);
      assert.equal(r.status, 400, r.text);
      assert.equal(r.body.badRequest.message, `Migration ${bad} not found for instance ${s.id}`);
      r = await abort(c, 'admin', s.id, bad);
      assert.equal(r.status, 404, r.text);
      assert.equal(r.body.itemNotFound.message, `Migration ${bad} not found for instance ${s.id}`);
      r = await c.req('admin', 'GET', `/servers/${s.id}/migrations/${bad}`, { version: '2.23' });
      assert.equal(r.status, 404);
      assert.equal(r.body.itemNotFound.message, `In-progress live migration ${bad} is not found for server ${s.id}.`);
    }
    r = await forceComplete(c, 'admin', s.id, m.id, '2.22', { force_complete: {} });
    assert.equal(r.status, 400);
    r = await forceComplete(c, 'admin', s.id, m.id, '2.22', { force_complete: null, extra: 1 });
    assert.equal(r.status, 400);
    r = await forceComplete(c, 'admin', '00000000-0000-0000-0000-000000000000', m.id);
    assert.equal(r.status, 404);
    r = await forceComplete(c, 'demo', s.id, m.id);
    assert.equal(r.status, 403);
    assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:servers:migrations:force_complete to be performed.");
    r = await abort(c, 'demo', s.id, m.id);
    assert.equal(r.status, 403);
    assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:servers:migrations:delete to be performed.");
    assert.equal((await abort(c, 'alt_demo', s.id, m.id)).status, 404);

    // Locked by its owner: the manager is refused (abort with the generic text), an admin is not.
    assert.equal((await c.req('demo', 'POST', `/servers/${s.id}/action`, { body: { lock: null } })).status, 202);
    r = await forceComplete(c, 'demo_manager', s.id, m.id);
    assert.equal(r.status, 409);
    assert.equal(r.body.conflictingRequest.message, `Instance ${s.id} is locked`);
    r = await abort(c, 'demo_manager', s.id, m.id);
    assert.equal(r.status, 409);
    assert.equal(r.body.conflictingRequest.message, `Instance ${s.id} is in an invalid state for 'abort live migration'`);
    assert.equal((await abort(c, 'admin', s.id, m.id)).status, 202);
    await waitNewestMigration(c, s.id, (x) => x.status === 'cancelled');
    await c.waitServer(s.id, done);
    // The lock guard comes before the state guard.
    r = await forceComplete(c, 'demo_manager', s.id, m.id);
    assert.equal(r.body.conflictingRequest.message, `Instance ${s.id} is locked`);
    // A finished migration is still this server's: not running → 400 (state guard passes while migrating).
    assert.equal((await c.req('demo', 'POST', `/servers/${s.id}/action`, { body: { unlock: null } })).status, 202);
    const m2 = await startLive(c, s.id);
    r = await forceComplete(c, 'admin', s.id, m.id);
    assert.equal(r.status, 400);
    assert.equal(r.body.badRequest.message, `Migration ${m.id} state of instance ${s.id} is cancelled. Cannot force complete while the migration is in this state.`);
    r = await abort(c, 'admin', s.id, m.id, '2.65');
    assert.equal(r.status, 400);
    assert.equal(r.body.badRequest.message, `Migration ${m.id} state of instance ${s.id} is cancelled. Cannot abort live migration while the migration is in this state.`);
    assert.equal((await abort(c, 'admin', s.id, m2.id)).status, 202);
    await c.waitServer(s.id, done);
  });

  it('a paused server: force_complete is refused for its vm_state, abort is allowed', async () => {
    const s = await c.bootServer('demo');
    assert.equal((await c.req('demo', 'POST', `/servers/${s.id}/action`, { body: { pause: null } })).status, 202);
    await c.waitServer(s.id, (x) => x.status === 'PAUSED' && done(x));
    const m = await startLive(c, s.id);
    assert.equal((await c.waitServer(s.id, () => true)).status, 'MIGRATING');
    const r = await forceComplete(c, 'admin', s.id, m.id);
    assert.equal(r.status, 409);
    assert.equal(r.body.conflictingRequest.message, `Cannot 'force_complete' instance ${s.id} while it is in vm_state paused`);
    assert.equal((await abort(c, 'admin', s.id, m.id)).status, 202);
    const after = await c.waitServer(s.id, done);
    assert.equal(after.status, 'PAUSED');
    assert.equal(after[HOST], s[HOST]);
  });

  it('version gates: list/show from 2.23, force_complete from 2.22, abort from 2.24', async () => {
    const s = await c.bootServer('demo');
    const gates: Array<[string, () => Promise<{ status: number; body: any }>]> = [
      ['2.22', () => c.req('admin', 'GET', `/servers/${s.id}/migrations`, { version: '2.22' })],
      ['2.22', () => c.req('admin', 'GET', `/servers/${s.id}/migrations/1`, { version: '2.22' })],
      ['2.21', () => forceComplete(c, 'admin', s.id, 1, '2.21')],
      ['2.23', () => abort(c, 'admin', s.id, 1, '2.23')],
    ];
    for (const [v, call] of gates) {
      const r = await call();
      assert.equal(r.status, 404, v);
      assert.equal(r.body.itemNotFound.message, 'The resource could not be found.');
    }
    // Unknown query parameters are ignored until 2.102.
    assert.equal((await c.req('admin', 'GET', `/servers/${s.id}/migrations?foo=1`, { version: '2.101' })).status, 200);
    assert.equal((await c.req('admin', 'GET', `/servers/${s.id}/migrations?foo=1`, { version: '2.102' })).status, 400);
  });

  it('a migration that is not a live migration is not shown', async () => {
    const s = await c.bootServer('demo');
    const r = await c.req('admin', 'POST', `/servers/${s.id}/action`, { body: { migrate: null } });
    assert.equal(r.status, 202, r.text);
    await c.waitServer(s.id, (x) => x.status === 'VERIFY_RESIZE');
    const [m] = await listMigrations(c, s.id);
    const shown = await c.req('admin', 'GET', `/servers/${s.id}/migrations/${m.id}`, { version: '2.23' });
    assert.equal(shown.status, 404);
    assert.equal(shown.body.itemNotFound.message, `Migration ${m.id} for server ${s.id} is not live-migration.`);
    assert.deepEqual((await c.req('admin', 'GET', `/servers/${s.id}/migrations`, { version: '2.23' })).body.migrations, []);
  });

  it('the source host dying cuts its transfer; when it comes back the migration is error and the server ACTIVE on it', async () => {
    const s = await c.bootServer('demo');
    const r = await liveMigrate(c, 'admin', s.id);
    assert.equal(r.status, 202);
    await waitNewestMigration(c, s.id, (m) => m.status === 'running');
    await c.aio.stopHost(s[HOST]);
    try {
      // Nobody is left to record the end of the transfer until the host is back.
      await sleep(200);
      assert.equal((await waitNewestMigration(c, s.id, () => true)).status, 'running');
    } finally {
      await c.aio.startHost(s[HOST]);
    }
    await waitNewestMigration(c, s.id, (m) => m.status === 'error');
    const after = await c.waitServer(s.id, done);
    assert.equal(after[HOST], s[HOST]);
    assert.equal(after.status, 'ACTIVE');
    assert.deepEqual(await allocationHosts(c, s.id), [s[HOST]]);
  });
});

describe('held live migrations that end without a client', () => {
  let c: Cloud;
  before(async () => {
    c = await startCloud({ overrides: ['fake.live_migration_hold=true', 'compute.live_migration_completion_timeout=0.4'] });
  });
  after(async () => {
    await c.stop();
  });

  it('the completion timeout aborts the transfer: cancelled, server ACTIVE on its source', async () => {
    const s = await c.bootServer('demo');
    await startLive(c, s.id);
    await waitNewestMigration(c, s.id, (m) => m.status === 'cancelled');
    const after = await c.waitServer(s.id, done);
    assert.equal(after.status, 'ACTIVE');
    assert.equal(after[HOST], s[HOST]);
  });
});

describe('live migrations with timeout action force_complete and no per-host limit', () => {
  let c: Cloud;
  before(async () => {
    c = await startCloud({
      overrides: [
        'fake.live_migration_hold=true',
        'compute.live_migration_completion_timeout=1.5',
        'compute.live_migration_timeout_action=force_complete',
        'DEFAULT.max_concurrent_live_migrations=0',
        'magnetar.compute_hosts=compute1,compute2',
      ],
    });
  });
  after(async () => {
    await c.stop();
  });

  it('two transfers from one host run at once, and the timeout completes them', async () => {
    const servers = [await c.bootServer('demo'), await c.bootServer('demo'), await c.bootServer('demo')];
    const shared = servers.find((x) => servers.filter((y) => y[HOST] === x[HOST]).length >= 2)![HOST];
    const [a, b] = servers.filter((x) => x[HOST] === shared);
    await Promise.all([liveMigrate(c, 'admin', a.id), liveMigrate(c, 'admin', b.id)]);
    const [ma, mb] = await Promise.all([waitNewestMigration(c, a.id, (m) => m.status === 'running'), waitNewestMigration(c, b.id, (m) => m.status === 'running')]);
    assert.equal((await waitNewestMigration(c, a.id, () => true)).status, 'running', 'not queued behind the other');
    for (const [s, m] of [[a, ma], [b, mb]] as const) {
      await waitNewestMigration(c, s.id, (x) => x.id === m.id && x.status === 'completed');
      const after = await c.waitServer(s.id, done);
      assert.equal(after.status, 'ACTIVE');
      assert.notEqual(after[HOST], shared);
    }
  });
});
