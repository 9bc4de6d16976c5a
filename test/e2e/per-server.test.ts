// Per-server APIs through the real `openstack` and `nova` clients against
// `magnetar serve`: properties (metadata) and tags at boot and after, the tag
// filter of server lists, diagnostics (2.48), trigger_crash_dump and the
// server password, and a refusal as the client reports it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMagnetar, type Magnetar } from './support/magnetar-process.js';
import { assertRefused, describe as describeRun } from './support/openstack-cli.js';

const ADMIN = 'magnetar-admin';
const DEMO = 'magnetar';

describe('openstack client: per-server APIs', () => {
  let m: Magnetar;
  let id: string;
  before(async () => {
    m = await startMagnetar();
    const s = await m.cli.json(
      DEMO,
      ['server', 'create', '--flavor', 'm1.tiny', '--image', 'cirros', '--network', 'none', '--property', 'a=1', '--tag', 'red', '--wait', 'e2e-meta'],
      { version: '2.52', timeoutMs: 120_000 },
    );
    id = s.id;
  });
  after(async () => {
    await m?.stop();
  });

  it('server set/unset --property changes the metadata; --tag adds and removes tags; list --tags filters', async () => {
    await m.cli.ok(DEMO, ['server', 'set', '--property', 'b=2', id]);
    await m.cli.ok(DEMO, ['server', 'unset', '--property', 'a', id]);
    await m.cli.ok(DEMO, ['server', 'set', '--tag', 'blue', id], { version: '2.26' });
    await m.cli.ok(DEMO, ['server', 'unset', '--tag', 'red', id], { version: '2.26' });
    const shown = await m.cli.json(DEMO, ['server', 'show', id], { version: '2.26' });
    assert.deepEqual(shown.properties, { b: '2' });
    assert.deepEqual(shown.tags, ['blue']);
    const listed: any[] = await m.cli.json(DEMO, ['server', 'list', '--tags', 'blue'], { version: '2.26' });
    assert.deepEqual(listed.map((s) => s.ID), [id]);
    assert.deepEqual(await m.cli.json(DEMO, ['server', 'list', '--tags', 'red'], { version: '2.26' }), []);
  });

  it('nova meta and the server-tag commands', async () => {
    for (const [args, version] of [
      [['meta', id, 'set', 'c=3'], undefined],
      [['server-tag-set', id, 'x', 'y'], '2.26'],
      [['server-tag-add', id, 'z'], '2.26'],
      [['server-tag-delete', id, 'x'], '2.26'],
    ] as const) {
      const r = await m.cli.nova(DEMO, [...args], version ? { version } : {});
      assert.equal(r.code, 0, describeRun(r));
    }
    const r = await m.cli.nova(DEMO, ['server-tag-list', id], { version: '2.26' });
    assert.equal(r.code, 0, describeRun(r));
    assert.match(r.stdout, /\| y +\|/);
    assert.match(r.stdout, /\| z +\|/);
    assert.doesNotMatch(r.stdout, /\| x +\|/);
    const shown = await m.cli.json(DEMO, ['server', 'show', id]);
    assert.deepEqual(shown.properties, { b: '2', c: '3' });
  });

  it('server show --diagnostics (admin, 2.48), nova trigger-crash-dump, get-password and clear-password', async () => {
    const d = await m.cli.json(ADMIN, ['server', 'show', '--diagnostics', id], { version: '2.48' });
    assert.equal(d.state, 'running');
    assert.equal(d.num_cpus, 1);
    assert.equal(d.memory_details.maximum, 512);
    for (const [args, version] of [
      [['trigger-crash-dump', id], '2.17'],
      [['get-password', id], undefined],
      [['clear-password', id], undefined],
    ] as const) {
      const r = await m.cli.nova(DEMO, [...args], version ? { version } : {});
      assert.equal(r.code, 0, describeRun(r));
    }
  });

  it('reports a refusal: a tag with a comma', async () => {
    const r = await m.cli.openstack(DEMO, ['server', 'set', '--tag', 'a,b', id], { version: '2.26' });
    assertRefused(r, /Tag 'a,b' is invalid/);
  });
});
