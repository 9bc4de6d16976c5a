// Usage reports and soft delete through the real clients against `magnetar
// serve` with a reclaim interval: `openstack usage list/show`, `nova
// usage-list`, and a server deleted, restored, deleted again and
// force-deleted.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMagnetar, type Magnetar } from './support/magnetar-process.js';

const ADMIN = 'magnetar-admin';
const DEMO = 'magnetar';

describe('openstack client: usage and soft delete', () => {
  let m: Magnetar;
  let id: string;
  before(async () => {
    m = await startMagnetar({ set: ['DEFAULT.reclaim_instance_interval=3600'] });
    const s = await m.cli.json(DEMO, ['server', 'create', '--flavor', 'm1.tiny', '--image', 'cirros', '--network', 'none', '--wait', 'e2e-usage'], { version: '2.37' });
    id = s.id;
  });
  after(async () => {
    await m?.stop();
  });

  it('lists and shows usage with the openstack client (paged from 2.40) and nova', async () => {
    const start = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    for (const version of ['2.1', '2.40']) {
      const list: any[] = await m.cli.json(ADMIN, ['usage', 'list', '--start', start], { version });
      // The JSON form carries the servers' usages themselves.
      assert.ok(list.some((u) => Array.isArray(u.Servers) && u.Servers.some((x: any) => x.instance_id === id)), `${version}: ${JSON.stringify(list)}`);
    }
    const shown = await m.cli.json(DEMO, ['usage', 'show', '--start', start]);
    assert.ok(shown.Servers === 1 || (Array.isArray(shown.Servers) && shown.Servers.length === 1), JSON.stringify(shown));
    const nova = await m.cli.nova(ADMIN, ['usage-list', '--start', start]);
    assert.equal(nova.code, 0, nova.stderr);
    assert.match(nova.stdout, /Servers/);
  });

  it('deletes softly, restores, and force-deletes', async () => {
    await m.cli.ok(DEMO, ['server', 'delete', id]);
    const softly = await m.http.waitServer(id, (s: any) => s.status === 'SOFT_DELETED' && s['OS-EXT-STS:task_state'] === null);
    assert.equal(softly.status, 'SOFT_DELETED');
    await m.cli.ok(DEMO, ['server', 'restore', id]);
    await m.http.waitServer(id, (s: any) => s.status === 'ACTIVE' && s['OS-EXT-STS:task_state'] === null);
    await m.cli.ok(DEMO, ['server', 'delete', id]);
    await m.http.waitServer(id, (s: any) => s.status === 'SOFT_DELETED' && s['OS-EXT-STS:task_state'] === null);
    const r = await m.cli.nova(DEMO, ['force-delete', id]);
    assert.equal(r.code, 0, r.stderr);
    await m.http.waitServer(id, (s: any) => s.gone === true);
  });
});
