// Controlling a running live migration with the real `openstack` client:
// list, show, force-complete and abort. Magnetar runs with
// fake.live_migration_hold so a live migration stays `running` until told.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMagnetar, type Magnetar } from './support/magnetar-process.js';
import { assertRefused } from './support/openstack-cli.js';
import { PrebuiltServers } from './support/prebuilt-servers.js';

const ADMIN = 'magnetar-admin';
const DEMO = 'magnetar';
const HOST = 'OS-EXT-SRV-ATTR:host';

describe('openstack client: held live migrations', () => {
  let m: Magnetar;
  const servers = new PrebuiltServers();
  const server = (name: string): any => servers.get(name);

  /** Starts a live migration (no --wait: it is held) and returns its record once running. */
  const startLive = async (s: any): Promise<any> => {
    await m.cli.ok(ADMIN, ['server', 'migrate', '--live-migration', s.id]);
    const [mig] = await m.http.waitMigrations(s.id, (ms) => ms.some((x) => x.status === 'running'));
    return mig;
  };

  before(async () => {
    m = await startMagnetar({ set: ['fake.live_migration_hold=true'] });
    await servers.build(m, [
      ['completed', DEMO, []],
      ['aborted', DEMO, []],
    ]);
  });
  after(async () => {
    await m?.stop();
  });

  it('server migration list / show a running live migration, then force complete it', async () => {
    const s = server('completed');
    await startLive(s);

    const listed: any[] = await m.cli.json(ADMIN, ['server', 'migration', 'list', '--server', s.id], { version: '2.59' });
    assert.equal(listed.length, 1, JSON.stringify(listed));
    const row = listed[0];
    assert.equal(row.Status, 'running');
    assert.equal(row.Type, 'live-migration');
    assert.equal(row['Source Compute'], s.host);
    assert.equal(typeof row.Id, 'number');

    const [byId, byUuid] = await Promise.all([
      m.cli.json(ADMIN, ['server', 'migration', 'show', s.id, String(row.Id)], { version: '2.24' }),
      m.cli.json(ADMIN, ['server', 'migration', 'show', s.id, row.UUID], { version: '2.59' }),
    ]);
    for (const shown of [byId, byUuid]) {
      assert.equal(shown.ID, row.Id);
      assert.equal(shown['Server UUID'], s.id);
      assert.equal(shown.Status, 'running');
      assert.equal(shown['Source Compute'], s.host);
      assert.equal(shown['Dest Compute'], row['Dest Compute']);
    }
    assert.equal(byUuid.UUID, row.UUID);
    const during = await m.http.waitServer(s.id, () => true);
    assert.equal(during.status, 'MIGRATING');

    await m.cli.ok(ADMIN, ['server', 'migration', 'force', 'complete', s.id, String(row.Id)], { version: '2.22' });
    const after = await m.http.waitServer(s.id, (x) => x.status === 'ACTIVE');
    assert.equal(after[HOST], row['Dest Compute']);
    await m.http.waitMigrations(s.id, (ms) => ms[0]?.status === 'completed');

    const actions: any[] = await m.cli.json(ADMIN, ['server', 'event', 'list', s.id]);
    assert.deepEqual(actions.map((a) => a.Action).sort(), ['create', 'live-migration', 'live_migration_force_complete']);
  });

  it('server migration abort cancels a running live migration', async () => {
    const s = server('aborted');
    const mig = await startLive(s);
    await m.cli.ok(ADMIN, ['server', 'migration', 'abort', s.id, mig.uuid], { version: '2.59' });
    const after = await m.http.waitServer(s.id, (x) => x['OS-EXT-STS:task_state'] === null);
    assert.equal(after.status, 'ACTIVE');
    assert.equal(after[HOST], s.host, 'an aborted live migration leaves the server on its source');
    const [final] = await m.http.waitMigrations(s.id, (ms) => ms[0]?.status === 'cancelled');
    assert.equal(final.migration_type, 'live-migration');

    // The server is no longer migrating: a second abort is refused.
    const again = await m.cli.openstack(ADMIN, ['server', 'migration', 'abort', s.id, String(mig.id)], { version: '2.24' });
    assertRefused(again, new RegExp(`Instance ${s.id} is in an invalid state for 'abort live migration' \\(HTTP 409\\)`));
  });
});
