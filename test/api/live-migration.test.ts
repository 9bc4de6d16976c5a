// os-migrateLive: request schemas per microversion, policies, check order,
// forced vs scheduled destinations, the synchronous (<2.34) and asynchronous
// (≥2.34) paths, retries on pre-check failures, and what a client sees of the
// server, the migration record and the instance action afterwards.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud } from '../support/cloud.js';
import { actionOf, requestIdOf } from '../support/actions.js';
import { setForcedDown } from '../support/db.js';
import { listMigrations, waitNewestMigration } from '../support/migrations.js';
import { until } from '../support/wait.js';

const HOST = 'OS-EXT-SRV-ATTR:host';
const HOSTS = ['compute1', 'compute2', 'compute3'];

function liveMigrate(c: Cloud, user: string, id: string, body: unknown, version: string) {
  return c.req(user, 'POST', `/servers/${id}/action`, { body: { 'os-migrateLive': body }, version });
}

/**
 * The action once the named events have finished (conductor and hosts record
 * them as they go) and, when one failed, the action's message says so (it is
 * written just after the event).
 */
async function settledAction(c: Cloud, id: string, requestId: string, names: readonly string[]): Promise<any> {
  return until(
    `action ${requestId}`,
    () => actionOf(c, id, requestId),
    (a) =>
      names.every((n) => a.events.some((e: any) => e.event === n && e.finish_time !== null)) &&
      (a.message !== null || a.events.every((e: any) => e.result !== 'Error')),
  );
}

const done = (s: any): boolean => s['OS-EXT-STS:task_state'] === null;

describe('os-migrateLive', () => {
  let c: Cloud;
  before(async () => {
    c = await startCloud();
  });
  after(async () => {
    await c.stop();
  });

  describe('happy paths per microversion', () => {
    it('2.1: scheduler-chosen host, synchronous pre-checks, server ends ACTIVE on the destination', async () => {
      const s = await c.bootServer('demo');
      const source = s[HOST];
      const r = await liveMigrate(c, 'admin', s.id, { block_migration: false, disk_over_commit: false, host: null }, '2.1');
      assert.equal(r.status, 202, r.text);
      assert.equal(r.text, '');
      const after = await c.waitServer(s.id, (x) => done(x) && x.status === 'ACTIVE');
      assert.notEqual(after[HOST], source);
      assert.ok(HOSTS.includes(after[HOST]));
      assert.equal(after['OS-EXT-SRV-ATTR:hypervisor_hostname'], after[HOST]);
      const m = await waitNewestMigration(c, s.id, (x) => x.status === 'completed');
      assert.equal(m.migration_type, 'live-migration');
      assert.equal(m.source_compute, source);
      assert.equal(m.source_node, source);
      assert.equal(m.dest_compute, after[HOST]);
      assert.equal(m.dest_node, after[HOST]);
      assert.equal(typeof m.dest_host, 'string');
      assert.equal(m.old_instance_type_id, m.new_instance_type_id);
      assert.equal(m.user_id, await userIdOf(c, 'admin'));
      assert.equal(m.project_id, await c.projectId('admin'));
      // Below 2.34 the conductor's event keeps the name of Nova's migrate_server.
      const a = await settledAction(c, s.id, requestIdOf(r), ['conductor_migrate_server', 'compute_live_migration', 'compute_post_live_migration_at_destination']);
      assert.equal(a.action, 'live-migration');
      assert.equal(a.message, null);
      assert.ok(!a.events.some((e: any) => e.event === 'conductor_live_migrate_instance'));
      const names = a.events.map((e: any) => e.event).sort();
      for (const n of [
        'compute_check_can_live_migrate_destination',
        'compute_check_can_live_migrate_source',
        'compute_live_migration',
        'compute_pre_live_migration',
        'compute_post_live_migration_at_destination',
      ])
        assert.ok(names.includes(n), `${n} in ${names}`);
      for (const e of a.events) assert.equal(e.result, 'Success', JSON.stringify(e));
    });

    it('2.25: block_migration "auto" with a host (forced below 2.30)', async () => {
      const s = await c.bootServer('demo');
      const target = HOSTS.find((h) => h !== s[HOST])!;
      const r = await liveMigrate(c, 'admin', s.id, { block_migration: 'auto', host: target }, '2.25');
      assert.equal(r.status, 202, r.text);
      const after = await c.waitServer(s.id, (x) => done(x) && x[HOST] === target);
      assert.equal(after.status, 'ACTIVE');
      const m = await waitNewestMigration(c, s.id, (x) => x.status === 'completed');
      assert.equal(m.dest_compute, target);
    });

    it('2.30: force true with a host bypasses the scheduler; force without host is 400', async () => {
      const s = await c.bootServer('demo');
      const target = HOSTS.find((h) => h !== s[HOST])!;
      const bad = await liveMigrate(c, 'admin', s.id, { block_migration: 'auto', host: null, force: true }, '2.30');
      assert.equal(bad.status, 400);
      assert.equal(bad.body.badRequest.message, "Can't force to a non-provided destination");
      assert.equal((await c.waitServer(s.id, () => true))['OS-EXT-STS:task_state'], null, 'a refused request changes nothing');
      const r = await liveMigrate(c, 'admin', s.id, { block_migration: true, host: target, force: 'yes' }, '2.30');
      assert.equal(r.status, 202, r.text);
      const after = await c.waitServer(s.id, (x) => done(x) && x[HOST] === target);
      assert.equal(after.status, 'ACTIVE');
    });

    it('2.34+: asynchronous, conductor event conductor_live_migrate_instance', async () => {
      const s = await c.bootServer('demo');
      const r = await liveMigrate(c, 'admin', s.id, { block_migration: 'auto', host: null }, '2.60');
      assert.equal(r.status, 202, r.text);
      const after = await c.waitServer(s.id, (x) => done(x) && x[HOST] !== s[HOST]);
      assert.equal(after.status, 'ACTIVE');
      const a = await settledAction(c, s.id, requestIdOf(r), ['conductor_live_migrate_instance', 'compute_post_live_migration_at_destination']);
      assert.ok(!a.events.some((e: any) => e.event === 'conductor_migrate_server'));
      assert.equal(a.message, null);
    });

    it('2.68: force is rejected by the schema; a host is a scheduler requirement', async () => {
      const s = await c.bootServer('demo');
      const target = HOSTS.find((h) => h !== s[HOST])!;
      const bad = await liveMigrate(c, 'admin', s.id, { block_migration: 'auto', host: target, force: false }, '2.68');
      assert.equal(bad.status, 400);
      assert.match(bad.body.badRequest.message, /Additional properties are not allowed \('force' was unexpected\)/);
      const r = await liveMigrate(c, 'admin', s.id, { block_migration: 'auto', host: target }, '2.68');
      assert.equal(r.status, 202, r.text);
      await c.waitServer(s.id, (x) => done(x) && x[HOST] === target);
    });

    it('a paused server migrates and stays PAUSED on the destination', async () => {
      const s = await c.bootServer('demo');
      const p = await c.req('demo', 'POST', `/servers/${s.id}/action`, { body: { pause: null } });
      assert.equal(p.status, 202, p.text);
      await c.waitServer(s.id, (x) => x.status === 'PAUSED' && done(x));
      const r = await liveMigrate(c, 'admin', s.id, { block_migration: 'auto', host: null }, '2.60');
      assert.equal(r.status, 202, r.text);
      const after = await c.waitServer(s.id, (x) => done(x) && x[HOST] !== s[HOST]);
      assert.equal(after.status, 'PAUSED');
      assert.equal(after['OS-EXT-STS:power_state'], 3);
    });
  });

  describe('request schemas', () => {
    let id: string;
    before(async () => {
      id = (await c.bootServer('demo')).id;
    });
    const cases: Array<[string, string, unknown, RegExp]> = [
      ['2.1', 'missing disk_over_commit', { block_migration: false, host: null }, /'disk_over_commit' is a required property/],
      ['2.24', '"auto" before 2.25', { block_migration: 'auto', disk_over_commit: false, host: null }, /block_migration/],
      ['2.25', 'disk_over_commit from 2.25', { block_migration: 'auto', disk_over_commit: false, host: null }, /'disk_over_commit' was unexpected/],
      ['2.25', 'host key required', { block_migration: 'auto' }, /'host' is a required property/],
      ['2.29', 'force before 2.30', { block_migration: 'auto', host: null, force: false }, /'force' was unexpected/],
      ['2.30', 'numbers are not bool-ish', { block_migration: 1, host: null }, /block_migration/],
      ['2.30', 'empty host', { block_migration: 'auto', host: '' }, /host/],
      ['2.30', 'bad host characters', { block_migration: 'auto', host: 'a b' }, /host/],
    ];
    for (const [version, what, body, msg] of cases) {
      it(`${version}: ${what} → 400`, async () => {
        const r = await liveMigrate(c, 'admin', id, body, version);
        assert.equal(r.status, 400, r.text);
        assert.match(r.body.badRequest.message, msg);
      });
    }
    it('a bad body is 400 even for an unknown server', async () => {
      const r = await liveMigrate(c, 'admin', '00000000-0000-0000-0000-000000000000', { block_migration: 'auto' }, '2.60');
      assert.equal(r.status, 400);
    });
  });

  describe('lookup, policy, lock and state guards', () => {
    it('unknown server 404; another project’s server is 404 for a non-admin', async () => {
      const r = await liveMigrate(c, 'admin', '00000000-0000-0000-0000-000000000000', { block_migration: 'auto', host: null }, '2.60');
      assert.equal(r.status, 404);
      assert.equal(r.body.itemNotFound.message, 'Instance 00000000-0000-0000-0000-000000000000 could not be found.');
      const s = await c.bootServer('demo');
      const alt = await liveMigrate(c, 'alt_demo', s.id, { block_migration: 'auto', host: null }, '2.60');
      assert.equal(alt.status, 404);
    });

    it('a project manager may live-migrate with host null, not to a named host; a member may not at all', async () => {
      const s = await c.bootServer('demo');
      const target = HOSTS.find((h) => h !== s[HOST])!;
      const withHost = await liveMigrate(c, 'demo_manager', s.id, { block_migration: 'auto', host: target }, '2.60');
      assert.equal(withHost.status, 403);
      assert.equal(withHost.body.forbidden.message, "Policy doesn't allow os_compute_api:os-migrate-server:migrate_live:host to be performed.");
      const member = await liveMigrate(c, 'demo', s.id, { block_migration: 'auto', host: null }, '2.60');
      assert.equal(member.status, 403);
      assert.equal(member.body.forbidden.message, "Policy doesn't allow os_compute_api:os-migrate-server:migrate_live to be performed.");
      const reader = await liveMigrate(c, 'demo_reader', s.id, { block_migration: 'auto', host: null }, '2.60');
      assert.equal(reader.status, 403);
      const r = await liveMigrate(c, 'demo_manager', s.id, { block_migration: 'auto', host: null }, '2.60');
      assert.equal(r.status, 202, r.text);
      await c.waitServer(s.id, (x) => done(x) && x[HOST] !== s[HOST]);
      const m = await waitNewestMigration(c, s.id, (x) => x.status === 'completed');
      assert.equal(m.user_id, await userIdOf(c, 'demo_manager'), 'the migration records who asked');
    });

    it('a locked server is 409 for a non-admin; admins are not blocked', async () => {
      const s = await c.bootServer('demo');
      const l = await c.req('demo', 'POST', `/servers/${s.id}/action`, { body: { lock: null } });
      assert.equal(l.status, 202, l.text);
      const r = await liveMigrate(c, 'demo_manager', s.id, { block_migration: 'auto', host: null }, '2.60');
      assert.equal(r.status, 409);
      assert.equal(r.body.conflictingRequest.message, `Instance ${s.id} is locked`);
      assert.equal(await listMigrations(c, s.id).then((m) => m.length), 0, 'nothing was recorded');
      const a = await liveMigrate(c, 'admin', s.id, { block_migration: 'auto', host: null }, '2.60');
      assert.equal(a.status, 202, a.text);
      await c.waitServer(s.id, (x) => done(x) && x[HOST] !== s[HOST]);
    });

    it('state guard: a stopped server is 409 with its vm_state', async () => {
      const s = await c.bootServer('demo');
      const stop = await c.req('demo', 'POST', `/servers/${s.id}/action`, { body: { 'os-stop': null } });
      assert.equal(stop.status, 202, stop.text);
      await c.waitServer(s.id, (x) => x.status === 'SHUTOFF' && done(x));
      const r = await liveMigrate(c, 'admin', s.id, { block_migration: 'auto', host: null }, '2.60');
      assert.equal(r.status, 409);
      assert.equal(r.body.conflictingRequest.message, `Cannot 'os-migrateLive' instance ${s.id} while it is in vm_state stopped`);
    });

    it('parallel requests on one server: exactly one is accepted, the others are 409', async () => {
      const s = await c.bootServer('demo');
      const rs = await Promise.all(
        Array.from({ length: 5 }, () => liveMigrate(c, 'admin', s.id, { block_migration: 'auto', host: null }, '2.60')),
      );
      const codes = rs.map((r) => r.status).sort();
      assert.deepEqual(codes, [202, 409, 409, 409, 409], rs.map((r) => r.text).join('\n'));
      for (const r of rs.filter((x) => x.status === 409))
        assert.match(r.body.conflictingRequest.message, new RegExp(`^Cannot 'os-migrateLive' instance ${s.id} while it is in task_state migrating$`));
      await c.waitServer(s.id, (x) => done(x) && x[HOST] !== s[HOST]);
      const ms = await until('one migration', () => listMigrations(c, s.id), (l) => l.length === 1 && l[0].status === 'completed');
      assert.equal(ms.length, 1);
    });
  });

  describe('host validation', () => {
    it('an unknown host is 400 and changes nothing', async () => {
      const s = await c.bootServer('demo');
      for (const v of ['2.1', '2.30', '2.68']) {
        const body = v === '2.1' ? { block_migration: false, disk_over_commit: false, host: 'nowhere' } : { block_migration: 'auto', host: 'nowhere' };
        const r = await liveMigrate(c, 'admin', s.id, body, v);
        assert.equal(r.status, 400, r.text);
        assert.equal(r.body.badRequest.message, 'Compute host nowhere could not be found.');
      }
      const now = await c.waitServer(s.id, () => true);
      assert.equal(now['OS-EXT-STS:task_state'], null);
      assert.equal((await listMigrations(c, s.id)).length, 0);
    });

    it('forced to its own host below 2.34: 400 from the conductor, yet the action and an error migration are recorded', async () => {
      const s = await c.bootServer('demo');
      const r = await liveMigrate(c, 'admin', s.id, { block_migration: 'auto', host: s[HOST], force: true }, '2.30');
      assert.equal(r.status, 400, r.text);
      assert.equal(r.body.badRequest.message, `Unable to migrate instance (${s.id}) to current host (${s[HOST]}).`);
      const now = await c.waitServer(s.id, () => true);
      assert.equal(now.status, 'ACTIVE');
      assert.equal(now['OS-EXT-STS:task_state'], null, 'already back to no task when the 400 arrives');
      const [m] = await listMigrations(c, s.id);
      assert.equal(m.status, 'error');
      const a = await actionOf(c, s.id, requestIdOf(r));
      assert.equal(a.action, 'live-migration');
      assert.equal(a.message, 'Error');
      const ev = a.events.find((e: any) => e.event === 'conductor_migrate_server');
      assert.equal(ev.result, 'Error');
    });

    it('forced to its own host from 2.34: 202, the failure is only in the migration and the action', async () => {
      const s = await c.bootServer('demo');
      const r = await liveMigrate(c, 'admin', s.id, { block_migration: 'auto', host: s[HOST], force: true }, '2.34');
      assert.equal(r.status, 202, r.text);
      await waitNewestMigration(c, s.id, (m) => m.status === 'error');
      const now = await c.waitServer(s.id, done);
      assert.equal(now.status, 'ACTIVE');
      assert.equal(now[HOST], s[HOST]);
      const a = await settledAction(c, s.id, requestIdOf(r), ['conductor_live_migrate_instance']);
      assert.equal(a.message, 'Error');
      assert.equal(a.events.find((e: any) => e.event === 'conductor_live_migrate_instance').result, 'Error');
    });

    it('the current host as a scheduler requirement (2.30, force false) ends in no valid host', async () => {
      const s = await c.bootServer('demo');
      const r = await liveMigrate(c, 'admin', s.id, { block_migration: 'auto', host: s[HOST], force: false }, '2.30');
      assert.equal(r.status, 400, r.text);
      assert.match(r.body.badRequest.message, /^No valid host was found\./);
      assert.equal((await c.waitServer(s.id, () => true))['OS-EXT-STS:task_state'], null);
    });

    it('a down destination: forced → the compute service is unavailable; scheduled → no valid host', async () => {
      const s = await c.bootServer('demo');
      const target = HOSTS.find((h) => h !== s[HOST])!;
      await setForcedDown(c, target, true);
      try {
        const forced = await liveMigrate(c, 'admin', s.id, { block_migration: 'auto', host: target, force: true }, '2.30');
        assert.equal(forced.status, 400, forced.text);
        assert.equal(forced.body.badRequest.message, `Compute service of ${target} is unavailable at this time.`);
        const scheduled = await liveMigrate(c, 'admin', s.id, { block_migration: 'auto', host: target }, '2.30');
        assert.equal(scheduled.status, 400, scheduled.text);
        assert.match(scheduled.body.badRequest.message, /^No valid host was found\./);
        const ms = await listMigrations(c, s.id);
        assert.deepEqual(ms.map((m) => m.status), ['error', 'error']);
      } finally {
        await setForcedDown(c, target, false);
      }
    });

    it('a down source host refuses the migration (below 2.34: 400)', async () => {
      const s = await c.bootServer('demo');
      await setForcedDown(c, s[HOST], true);
      try {
        const r = await liveMigrate(c, 'admin', s.id, { block_migration: false, disk_over_commit: false, host: null }, '2.1');
        assert.equal(r.status, 400, r.text);
        assert.equal(r.body.badRequest.message, `Compute service of ${s[HOST]} is unavailable at this time.`);
      } finally {
        await setForcedDown(c, s[HOST], false);
      }
    });
  });

  describe('pre-check failures', () => {
    it('host null: a destination failing its check is skipped and another host is tried', async () => {
      const s = await c.bootServer('demo');
      c.aio.faults.add({ step: 'check_can_live_migrate_destination', server: s.id, count: 1 });
      const r = await liveMigrate(c, 'admin', s.id, { block_migration: 'auto', host: null }, '2.60');
      assert.equal(r.status, 202, r.text);
      const after = await c.waitServer(s.id, (x) => done(x) && x[HOST] !== s[HOST]);
      assert.equal(after.status, 'ACTIVE');
      const a = await settledAction(c, s.id, requestIdOf(r), ['conductor_live_migrate_instance', 'compute_post_live_migration_at_destination']);
      const checks = a.events.filter((e: any) => e.event === 'compute_check_can_live_migrate_destination');
      assert.equal(checks.length, 2, JSON.stringify(a.events));
      const failed = checks.find((e: any) => e.result === 'Error');
      const passed = checks.find((e: any) => e.result === 'Success');
      assert.ok(failed && passed);
      assert.equal(passed.host, after[HOST]);
      assert.notEqual(failed.host, after[HOST], 'the failed host was not used again');
      assert.match(failed.details, /Migration pre-check error: Simulated failure of check_can_live_migrate_destination/);
      assert.equal(a.events.find((e: any) => e.event === 'conductor_live_migrate_instance').result, 'Success');
      assert.equal((await waitNewestMigration(c, s.id, (m) => m.status === 'completed')).dest_compute, after[HOST]);
    });

    it('below 2.34 a forced host failing its check is 400 with the pre-check message', async () => {
      const s = await c.bootServer('demo');
      const target = HOSTS.find((h) => h !== s[HOST])!;
      c.aio.faults.add({ step: 'check_can_live_migrate_source', server: s.id, count: 1 });
      const r = await liveMigrate(c, 'admin', s.id, { block_migration: 'auto', host: target, force: true }, '2.33');
      assert.equal(r.status, 400, r.text);
      assert.equal(r.body.badRequest.message, `Migration pre-check error: Simulated failure of check_can_live_migrate_source on ${s[HOST]}`);
      const [m] = await listMigrations(c, s.id);
      assert.equal(m.status, 'error');
      assert.equal((await c.waitServer(s.id, () => true))['OS-EXT-STS:task_state'], null);
    });

    it('a transfer failing on the source rolls back: migration failed, server ACTIVE on the source', async () => {
      const s = await c.bootServer('demo');
      c.aio.faults.add({ step: 'live_migration', server: s.id, count: 1 });
      const r = await liveMigrate(c, 'admin', s.id, { block_migration: 'auto', host: null }, '2.60');
      assert.equal(r.status, 202, r.text);
      const m = await waitNewestMigration(c, s.id, (x) => x.status === 'failed');
      const now = await c.waitServer(s.id, done);
      assert.equal(now.status, 'ACTIVE');
      assert.equal(now[HOST], s[HOST]);
      const a = await settledAction(c, s.id, requestIdOf(r), ['compute_live_migration', 'compute_rollback_live_migration_at_destination']);
      assert.equal(a.events.find((e: any) => e.event === 'compute_live_migration').result, 'Error');
      // The destination's room was given back: the same server can go there now.
      const again = await liveMigrate(c, 'admin', s.id, { block_migration: 'auto', host: m.dest_compute }, '2.60');
      assert.equal(again.status, 202, again.text);
      await c.waitServer(s.id, (x) => done(x) && x[HOST] === m.dest_compute);
    });

    it('a failure after the switch-over leaves the server in ERROR and the migration in error', async () => {
      const s = await c.bootServer('demo');
      c.aio.faults.add({ step: 'post_live_migration_at_destination', server: s.id, count: 1 });
      const r = await liveMigrate(c, 'admin', s.id, { block_migration: 'auto', host: null }, '2.60');
      assert.equal(r.status, 202, r.text);
      await waitNewestMigration(c, s.id, (x) => x.status === 'error');
      const now = await c.waitServer(s.id, (x) => x.status === 'ERROR');
      assert.equal(now['OS-EXT-STS:task_state'], null);
    });
  });
});

describe('os-migrateLive with [conductor] migrate_max_retries = 0', () => {
  let c: Cloud;
  before(async () => {
    c = await startCloud({ overrides: ['conductor.migrate_max_retries=0'] });
  });
  after(async () => {
    await c.stop();
  });

  it('one failing candidate ends the migration in error; the server stays ACTIVE on its source', async () => {
    const s = await c.bootServer('demo');
    c.aio.faults.add({ step: 'check_can_live_migrate_destination', server: s.id, count: 1 });
    const r = await liveMigrate(c, 'admin', s.id, { block_migration: 'auto', host: null }, '2.60');
    assert.equal(r.status, 202, r.text);
    const m = await waitNewestMigration(c, s.id, (x) => x.status === 'error');
    assert.equal(m.source_compute, s[HOST]);
    const now = await c.waitServer(s.id, done);
    assert.equal(now.status, 'ACTIVE');
    assert.equal(now[HOST], s[HOST]);
    const a = await settledAction(c, s.id, requestIdOf(r), ['conductor_live_migrate_instance']);
    assert.equal(a.message, 'Error');
    const conductor = a.events.find((e: any) => e.event === 'conductor_live_migrate_instance');
    assert.equal(conductor.result, 'Error');
    assert.match(conductor.details, /^Exceeded maximum number of retries\. Exceeded max scheduling retries 1 for instance/);
    assert.equal(a.events.filter((e: any) => e.event === 'compute_check_can_live_migrate_destination').length, 1);
  });

  it('below 2.34 the same failure is a 400', async () => {
    const s = await c.bootServer('demo');
    c.aio.faults.add({ step: 'check_can_live_migrate_destination', server: s.id, count: 1 });
    const r = await liveMigrate(c, 'admin', s.id, { block_migration: false, disk_over_commit: false, host: null }, '2.1');
    assert.equal(r.status, 400, r.text);
    assert.match(r.body.badRequest.message, /^Exceeded maximum number of retries\./);
  });
});

describe('os-migrateLive does not overbook a destination', () => {
  let c: Cloud;
  before(async () => {
    // Two hosts with room for two m1.tiny guests each.
    c = await startCloud({ overrides: ['magnetar.compute_hosts=compute1,compute2', 'fake.memory_mb=1024'] });
  });
  after(async () => {
    await c.stop();
  });

  it('two migrations towards the one free slot: one completes, the other ends in error', async () => {
    const servers = [];
    for (let i = 0; i < 3; i++) servers.push(await c.bootServer('demo'));
    const byHost = new Map<string, any[]>();
    for (const s of servers) byHost.set(s[HOST], [...(byHost.get(s[HOST]) ?? []), s]);
    const [full] = [...byHost.entries()].find(([, l]) => l.length === 2)!;
    const movers = byHost.get(full)!;
    const rs = await Promise.all(movers.map((s) => liveMigrate(c, 'admin', s.id, { block_migration: 'auto', host: null }, '2.60')));
    assert.deepEqual(rs.map((r) => r.status), [202, 202]);
    const finals = await Promise.all(
      movers.map((s) => waitNewestMigration(c, s.id, (m) => m.status === 'completed' || m.status === 'error')),
    );
    assert.deepEqual(finals.map((m) => m.status).sort(), ['completed', 'error']);
    const hosts = await Promise.all(servers.map((s) => c.waitServer(s.id, done).then((x) => x[HOST])));
    const count = (h: string) => hosts.filter((x) => x === h).length;
    assert.deepEqual([count('compute1'), count('compute2')].sort(), [1, 2]);
    // Usage follows the servers: the source freed, the destination claim now the server's, the loser's claim gone.
    const hv = await c.req('admin', 'GET', '/os-hypervisors/detail', { version: '2.1' });
    assert.equal(hv.status, 200, hv.text);
    for (const h of hv.body.hypervisors) assert.equal(h.memory_mb_used, 512 * count(h.hypervisor_hostname), h.hypervisor_hostname);

    // A forced host is checked for room before it is claimed.
    const fullHost = count('compute1') === 2 ? 'compute1' : 'compute2';
    const loner = servers[hosts.findIndex((h) => h !== fullHost)]!;
    const r = await liveMigrate(c, 'admin', loner.id, { block_migration: 'auto', host: fullHost, force: true }, '2.30');
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.badRequest.message, `Migration pre-check error: Unable to migrate ${loner.id} to ${fullHost}: Lack of memory(host:0.0 <= instance:512)`);
  });
});

async function userIdOf(c: Cloud, user: string): Promise<string> {
  const token = await c.token(user);
  const r = await fetch(`${c.identityUrl}/v3/auth/tokens`, { headers: { 'X-Auth-Token': token, 'X-Subject-Token': token } });
  const body = (await r.json()) as { token: { user: { id: string } } };
  return body.token.user.id;
}
