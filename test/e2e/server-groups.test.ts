// Server groups through the real `openstack` client against `magnetar
// serve`: create (the policy list form and 2.64's policy and rules), show,
// list, a server booted with the group hint, the anti-affinity spread, the
// member quota refusal, delete.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMagnetar, type Magnetar } from './support/magnetar-process.js';
import { assertRefused } from './support/openstack-cli.js';

const ADMIN = 'magnetar-admin';
const DEMO = 'magnetar';

describe('openstack client: server groups', () => {
  let m: Magnetar;
  before(async () => {
    m = await startMagnetar();
  });
  after(async () => {
    await m?.stop();
  });

  it('creates, shows and lists groups in both forms', async () => {
    const old = await m.cli.json(DEMO, ['server', 'group', 'create', '--policy', 'anti-affinity', 'e2e-spread'], { version: '2.15' });
    assert.equal(old.name, 'e2e-spread');
    assert.match(String(old.policy ?? old.policies), /anti-affinity/);
    const ruled = await m.cli.json(DEMO, ['server', 'group', 'create', '--policy', 'anti-affinity', '--rule', 'max_server_per_host=2', 'e2e-ruled'], {
      version: '2.64',
    });
    assert.equal(ruled.policy, 'anti-affinity');
    assert.match(JSON.stringify(ruled.rules), /max_server_per_host/);
    const shown = await m.cli.json(DEMO, ['server', 'group', 'show', 'e2e-ruled'], { version: '2.64' });
    assert.equal(shown.id, ruled.id);
    const list: any[] = await m.cli.json(DEMO, ['server', 'group', 'list']);
    assert.deepEqual(list.map((g) => g.Name).sort(), ['e2e-ruled', 'e2e-spread']);
  });

  it('boots servers into an anti-affinity group on different hosts', async () => {
    const groupId: string = (await m.cli.json(DEMO, ['server', 'group', 'show', 'e2e-spread'])).id;
    const hosts = [];
    for (const name of ['e2e-g1', 'e2e-g2']) {
      const s = await m.cli.json(
        ADMIN,
        ['server', 'create', '--flavor', 'm1.tiny', '--image', 'cirros', '--network', 'none', '--hint', `group=${groupId}`, '--wait', name],
        { version: '2.37', timeoutMs: 120_000 },
      );
      assert.equal(s.status, 'ACTIVE');
      hosts.push(s['OS-EXT-SRV-ATTR:host']);
    }
    assert.notEqual(hosts[0], hosts[1]);
    const g = await m.cli.json(DEMO, ['server', 'group', 'show', groupId]);
    assert.equal(g.members.length === undefined ? String(g.members).split(',').length : g.members.length, 2);
    for (const name of ['e2e-g1', 'e2e-g2']) await m.cli.ok(ADMIN, ['server', 'delete', '--wait', name], { timeoutMs: 120_000 });
  });

  it('reports an unknown group and deletes groups', async () => {
    assertRefused(
      await m.cli.openstack(DEMO, ['server', 'create', '--flavor', 'm1.tiny', '--image', 'cirros', '--network', 'none', '--hint', 'group=6f1b0d7e-3a42-4c8e-9b1d-2e5a7c9f0a11', 'e2e-nogroup'], { version: '2.37' }),
      /Instance group 6f1b0d7e-3a42-4c8e-9b1d-2e5a7c9f0a11 could not be found/,
    );
    await m.cli.ok(DEMO, ['server', 'group', 'delete', 'e2e-spread', 'e2e-ruled']);
    const list: any[] = await m.cli.json(DEMO, ['server', 'group', 'list']);
    assert.deepEqual(list, []);
  });
});
