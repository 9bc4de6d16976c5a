// The server administrative actions through the real clients against
// `magnetar serve`: reset state, reset network (gone: 410), cold migration
// with confirm and revert, live migration, and evacuation from a host forced
// down. Servers are built up front, in parallel, to keep the suite short.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMagnetar, type Magnetar } from './support/magnetar-process.js';
import { assertRefused, describe as describeRun } from './support/openstack-cli.js';
import { PrebuiltServers } from './support/prebuilt-servers.js';

const ADMIN = 'magnetar-admin';
const DEMO = 'magnetar';
const MANAGER = 'magnetar-manager';
const HOSTS = ['compute1', 'compute2', 'compute3'];
/** The host the evacuation test forces down (its servers are pinned there). */
const FAILED_HOST = 'compute1';

const HOST = 'OS-EXT-SRV-ATTR:host';

describe('openstack client: server administrative actions', () => {
  let m: Magnetar;
  const servers = new PrebuiltServers();
  const server = (name: string): any => servers.get(name);
  const otherHost = (host: string): string => HOSTS.find((h) => h !== host && h !== FAILED_HOST)!;

  before(async () => {
    m = await startMagnetar();
    // Members own most servers; the evacuation ones are pinned to one host by an admin.
    await servers.build(m, [
      ['state', DEMO, []],
      ['refusals', DEMO, []],
      ['cold', DEMO, []],
      ['revert', DEMO, []],
      ['live', DEMO, []],
      ['evac1', ADMIN, ['--availability-zone', `nova:${FAILED_HOST}`]],
      ['evac2', ADMIN, ['--availability-zone', `nova:${FAILED_HOST}`]],
    ]);
  });
  after(async () => {
    await m?.stop();
  });

  // Each test below works on its own server, so they run side by side: the
  // clients' --wait sleeps 5 s between polls and would otherwise add up.
  describe('while every host is up', { concurrency: true }, () => {
    it('openstack server set --state error|active resets the state (admin only) and records resetState', async () => {
      const s = server('state');
      const denied = await m.cli.openstack(DEMO, ['server', 'set', '--state', 'error', s.id]);
      assertRefused(denied, /Policy doesn't allow os_compute_api:os-admin-actions:reset_state to be performed\. \(HTTP 403\)/);

      await m.cli.ok(ADMIN, ['server', 'set', '--state', 'error', s.id]);
      const inError = await m.cli.json(ADMIN, ['server', 'show', s.id]);
      assert.equal(inError.status, 'ERROR');
      assert.equal(inError['OS-EXT-STS:vm_state'], 'error');
      assert.equal(inError['OS-EXT-STS:task_state'], null);
      assert.equal(inError[HOST], s.host, 'the host does not change');

      await m.cli.ok(ADMIN, ['server', 'set', '--state', 'active', s.id]);
      const active = await m.cli.json(DEMO, ['server', 'show', s.id]);
      assert.equal(active.status, 'ACTIVE');
      assert.equal(active['OS-EXT-STS:vm_state'], 'active');

      const actions: any[] = await m.cli.json(DEMO, ['server', 'event', 'list', s.id]);
      assert.deepEqual(actions.map((a) => a.Action).sort(), ['create', 'resetState', 'resetState']);

      // Nothing to confirm on a server that was not migrated.
      const confirm = await m.cli.openstack(DEMO, ['server', 'resize', 'confirm', s.id]);
      assertRefused(confirm, new RegExp(`Cannot 'confirmResize' instance ${s.id} while it is in vm_state active \\(HTTP 409\\)`));
    });

    it('nova reset-network surfaces the 410 of the removed action', async () => {
      const s = server('state');
      const r = await m.cli.nova(ADMIN, ['reset-network', s.id]);
      assertRefused(r, /This resource is no longer available\. No forwarding address is given\. \(HTTP 410\)/);
    });

    it('refusals reach the clients with the status and message a client of Nova gets', async () => {
      const s = server('refusals');
      const [member, sameHost, unknownHost, evacUnknown, forceComplete, managerWithHost] = await Promise.all([
        m.cli.openstack(DEMO, ['server', 'migrate', s.id]),
        m.cli.openstack(ADMIN, ['server', 'migrate', '--host', s.host, s.id], { version: '2.56' }),
        m.cli.openstack(ADMIN, ['server', 'migrate', '--host', 'nosuch', s.id], { version: '2.56' }),
        m.cli.nova(ADMIN, ['evacuate', s.id, 'nosuch'], { version: '2.29' }),
        m.cli.openstack(ADMIN, ['server', 'migration', 'force', 'complete', s.id, '1'], { version: '2.22' }),
        m.cli.openstack(MANAGER, ['server', 'migrate', '--live-migration', '--host', otherHost(s.host), s.id], { version: '2.30' }),
      ]);
      assertRefused(member, /Policy doesn't allow os_compute_api:os-migrate-server:migrate to be performed\. \(HTTP 403\)/);
      assertRefused(sameHost, /Cannot migrate to the host where the server exists\. \(HTTP 400\)/);
      assertRefused(unknownHost, /Compute host nosuch could not be found\. \(HTTP 400\)/);
      assertRefused(evacUnknown, /ERROR \(NotFound\): Compute host nosuch not found\. \(HTTP 404\)/);
      assertRefused(forceComplete, new RegExp(`Instance ${s.id} is in an invalid state for 'force_complete' \\(HTTP 409\\)`));
      assertRefused(managerWithHost, /Policy doesn't allow os_compute_api:os-migrate-server:migrate_live:host to be performed\. \(HTTP 403\)/);
      // None of them changed anything.
      const after = await m.http.waitServer(s.id, () => true);
      assert.equal(after.status, 'ACTIVE');
      assert.equal(after[HOST], s.host);
      assert.deepEqual((await m.http.get(ADMIN, `/os-migrations?instance_uuid=${s.id}`)).body.migrations, []);
    });

    it('openstack server migrate --wait (by a project manager), then server migration confirm', async () => {
      const s = server('cold');
      const r = await m.cli.ok(MANAGER, ['server', 'migrate', '--wait', s.id]);
      assert.match(r.stdout, /Complete/);
      const migrated = await m.cli.json(ADMIN, ['server', 'show', s.id]);
      assert.equal(migrated.status, 'VERIFY_RESIZE');
      assert.equal(migrated['OS-EXT-STS:vm_state'], 'resized');
      assert.notEqual(migrated[HOST], s.host, 'the server moved');
      assert.ok(HOSTS.includes(migrated[HOST]));

      await m.cli.ok(DEMO, ['server', 'migration', 'confirm', s.id]);
      await m.http.waitServer(s.id, (x) => x.status === 'ACTIVE');
      const confirmed = await m.cli.json(ADMIN, ['server', 'show', s.id]);
      assert.equal(confirmed.status, 'ACTIVE');
      assert.equal(confirmed[HOST], migrated[HOST], 'confirm keeps the destination');

      await m.http.waitMigrations(s.id, (ms) => ms.some((x) => x.status === 'confirmed'));
      const migrations: any[] = await m.cli.json(ADMIN, ['server', 'migration', 'list', '--server', s.id], { version: '2.23' });
      assert.equal(migrations.length, 1, JSON.stringify(migrations));
      const mig = migrations[0];
      assert.equal(mig.Type, 'migration');
      assert.equal(mig.Status, 'confirmed');
      assert.equal(mig['Source Compute'], s.host);
      assert.equal(mig['Dest Compute'], migrated[HOST]);
      assert.equal(mig['Server UUID'], s.id);
      assert.equal(mig['Old Flavor'], mig['New Flavor'], 'a migration keeps the flavor');

      // 2.80 filters by the requester (names resolved through the identity API): the
      // record belongs to the manager who asked, not to the server's owner.
      const mine: any[] = await m.cli.json(ADMIN, ['server', 'migration', 'list', '--server', s.id, '--project', 'demo', '--user', 'demo_manager'], { version: '2.80' });
      assert.equal(mine.length, 1, JSON.stringify(mine));
      assert.equal(mine[0].Project, s.project_id);
      assert.match(mine[0].User, /^[0-9a-f]{32}$/);
      assert.notEqual(mine[0].User, s.user_id);
    });

    it('openstack server migrate --host H --wait (2.56), then server migration revert', async () => {
      const s = server('revert');
      const target = otherHost(s.host);
      await m.cli.ok(ADMIN, ['server', 'migrate', '--host', target, '--wait', s.id], { version: '2.56' });
      const migrated = await m.cli.json(ADMIN, ['server', 'show', s.id]);
      assert.equal(migrated.status, 'VERIFY_RESIZE');
      assert.equal(migrated[HOST], target, 'the requested host was used');

      await m.cli.ok(DEMO, ['server', 'migration', 'revert', s.id]);
      await m.http.waitServer(s.id, (x) => x.status === 'ACTIVE');
      const reverted = await m.cli.json(ADMIN, ['server', 'show', s.id]);
      assert.equal(reverted.status, 'ACTIVE');
      assert.equal(reverted[HOST], s.host, 'revert brings the server back to its source');
      const migs = await m.http.waitMigrations(s.id, (ms) => ms.some((x) => x.status === 'reverted'));
      assert.equal(migs.length, 1);
    });

    describe('live migration', { concurrency: 1 }, () => {
      it('openstack server migrate --live-migration --wait (2.1), then with --host and --block-migration (2.68)', async () => {
        const s = server('live');
        // A project manager may live-migrate without choosing the host.
        await m.cli.ok(MANAGER, ['server', 'migrate', '--live-migration', '--wait', s.id]);
        const first = await m.http.waitServer(s.id, (x) => x.status === 'ACTIVE');
        assert.notEqual(first[HOST], s.host, 'the server moved');

        const target = HOSTS.find((h) => h !== first[HOST])!;
        await m.cli.ok(ADMIN, ['server', 'migrate', '--live-migration', '--host', target, '--block-migration', '--wait', s.id], { version: '2.68' });
        const second = await m.cli.json(ADMIN, ['server', 'show', s.id]);
        assert.equal(second.status, 'ACTIVE');
        assert.equal(second[HOST], target);

        const migrations: any[] = await m.cli.json(ADMIN, ['server', 'migration', 'list', '--server', s.id, '--type', 'live-migration'], { version: '2.59' });
        assert.equal(migrations.length, 2, JSON.stringify(migrations));
        for (const mig of migrations) {
          assert.equal(mig.Status, 'completed');
          assert.equal(mig.Type, 'live-migration');
          assert.match(mig.UUID, /^[0-9a-f-]{36}$/);
        }
        assert.deepEqual(migrations.map((x) => x['Dest Compute']).sort(), [first[HOST], target].sort());
      });

      it('openstack server event list / show: live-migration actions and their events', async () => {
        const s = server('live');
        const actions: any[] = await m.cli.json(ADMIN, ['server', 'event', 'list', s.id]);
        const live = actions.filter((a) => a.Action === 'live-migration');
        assert.equal(live.length, 2, JSON.stringify(actions));
        // Newest first: the 2.68 request (conductor cast), then the 2.1 one (synchronous conductor call, below 2.34).
        const [newer, older] = await Promise.all(live.map((a) => m.cli.json(ADMIN, ['server', 'event', 'show', s.id, a['Request ID']], { version: '2.51' })));
        const host = ['compute_check_can_live_migrate_destination', 'compute_check_can_live_migrate_source', 'compute_pre_live_migration', 'compute_live_migration', 'compute_post_live_migration_at_destination'];
        for (const [shown, conductor] of [
          [newer, 'conductor_live_migrate_instance'],
          [older, 'conductor_migrate_server'],
        ] as const) {
          assert.equal(shown.action, 'live-migration');
          assert.equal(shown.message, null);
          assert.deepEqual(shown.events.map((e: any) => e.event).sort(), [conductor, ...host].sort());
          for (const e of shown.events) assert.equal(e.result, 'Success', JSON.stringify(e));
        }
      });
    });
  });

  // Last: it leaves FAILED_HOST forced down.
  it('evacuation after forcing the host down: openstack server evacuate and nova evacuate', async () => {
    const [e1, e2] = [server('evac1'), server('evac2')];
    assert.equal(e1.host, FAILED_HOST);
    assert.equal(e2.host, FAILED_HOST);

    // While the host is up, evacuation is refused.
    const early = await m.cli.nova(ADMIN, ['evacuate', e1.id], { version: '2.29' });
    assertRefused(early, new RegExp(`Compute service of ${FAILED_HOST} is still in use\\. \\(HTTP 400\\)`));

    await m.cli.ok(ADMIN, ['compute', 'service', 'set', '--down', FAILED_HOST, 'nova-compute'], { version: '2.11' });
    const services: any[] = await m.cli.json(ADMIN, ['compute', 'service', 'list', '--long', '--host', FAILED_HOST, '--service', 'nova-compute'], { version: '2.11' });
    assert.equal(services.length, 1);
    assert.equal(services[0].State, 'down');
    assert.equal(services[0]['Forced Down'], true);

    const target = otherHost(FAILED_HOST);
    const osc = await m.cli.openstack(ADMIN, ['server', 'evacuate', '--host', target, e1.id, '-f', 'json'], { version: '2.29' });
    const nova = await m.cli.nova(ADMIN, ['evacuate', e2.id], { version: '2.14' });
    assert.equal(nova.code, 0, describeRun(nova));

    const [a, b] = await Promise.all([
      m.http.waitServer(e1.id, (x) => x.status === 'ACTIVE' && x[HOST] !== FAILED_HOST),
      m.http.waitServer(e2.id, (x) => x.status === 'ACTIVE' && x[HOST] !== FAILED_HOST),
    ]);
    assert.equal(a[HOST], target, 'the requested host was used');
    assert.ok(HOSTS.includes(b[HOST]));
    // openstackclient 6.0.0 fails after a successful evacuate request: it treats
    // novaclient's reply (a tuple) as a server. What matters here is the 200.
    assert.match(osc.stderr, new RegExp(`"POST /v2\\.1/servers/${e1.id}/action HTTP/1\\.1" 200 `), describeRun(osc));
    if (osc.code !== 0) assert.match(osc.stderr, /'TupleWithMeta' object has no attribute 'to_dict'/, describeRun(osc));

    const evacs: any[] = await m.cli.json(ADMIN, ['server', 'migration', 'list', '--host', FAILED_HOST, '--type', 'evacuation'], { version: '2.23' });
    assert.deepEqual(evacs.map((x) => x['Server UUID']).sort(), [e1.id, e2.id].sort());
    for (const x of evacs) assert.equal(x.Status, 'done');

    // The host cannot be forced up while its evacuation records wait for it to restart.
    const up = await m.cli.openstack(ADMIN, ['compute', 'service', 'set', '--up', FAILED_HOST, 'nova-compute'], { version: '2.11' });
    assertRefused(up, new RegExp(`Unable to force up host ${FAILED_HOST} as \`done\` evacuation migration records remain associated with the host`));
  });
});
