// /os-quota-sets: every limit is unlimited (-1) since Magnetar enforces no
// quotas; the key set per microversion, usage in the detail form, defaults,
// policy, and updates/reverts that are checked and authorised but change
// nothing.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud } from '../support/cloud.js';

const ALL = [
  'cores', 'fixed_ips', 'floating_ips', 'injected_file_content_bytes', 'injected_file_path_bytes', 'injected_files',
  'instances', 'key_pairs', 'metadata_items', 'ram', 'security_group_rules', 'security_groups', 'server_group_members', 'server_groups',
];
const NETWORK = ['fixed_ips', 'floating_ips', 'security_group_rules', 'security_groups'];
const INJECTED = ['injected_file_content_bytes', 'injected_file_path_bytes', 'injected_files'];
const V236 = ALL.filter((k) => !NETWORK.includes(k));
const V257 = V236.filter((k) => !INJECTED.includes(k));
const keys = (o: object) => Object.keys(o).sort();

describe('os-quota-sets', () => {
  let c: Cloud;
  let demo: string;
  let alt: string;
  before(async () => {
    c = await startCloud();
    demo = await c.projectId('demo');
    alt = await c.projectId('alt_demo');
  });
  after(async () => {
    await c.stop();
  });

  it('shows every limit as -1 with the project id, keys per microversion', async () => {
    for (const [version, expected] of [['2.1', ALL], ['2.35', ALL], ['2.36', V236], ['2.56', V236], ['2.57', V257], ['latest', V257]] as const) {
      for (const path of [`/os-quota-sets/${demo}`, `/os-quota-sets/${demo}/defaults`]) {
        const r = await c.req('demo', 'GET', path, { version });
        assert.equal(r.status, 200, `${path}@${version}: ${r.text}`);
        assert.deepEqual(keys(r.body), ['quota_set']);
        assert.deepEqual(keys(r.body.quota_set), [...expected, 'id'].sort(), `${path}@${version}`);
        assert.equal(r.body.quota_set.id, demo);
        for (const k of expected) assert.equal(r.body.quota_set[k], -1, k);
      }
    }
  });

  it('details limit, in_use and reserved: servers, cores and ram counted for the project or one user', async () => {
    const before = (await c.req('demo', 'GET', `/os-quota-sets/${demo}/detail`, { version: '2.57' })).body.quota_set;
    const s1 = await c.bootServer('demo');
    await c.bootServer('demo', { flavorRef: '2' });
    await c.bootServer('demo_manager');
    const r = await c.req('demo', 'GET', `/os-quota-sets/${demo}/detail`, { version: '2.57' });
    assert.equal(r.status, 200, r.text);
    const q = r.body.quota_set;
    assert.deepEqual(keys(q), [...V257, 'id'].sort());
    assert.equal(q.id, demo);
    for (const k of V257) {
      assert.deepEqual(keys(q[k]), ['in_use', 'limit', 'reserved'], k);
      assert.equal(q[k].limit, -1);
      assert.equal(q[k].reserved, 0);
    }
    // m1.tiny: 1 vCPU / 512 MB; m1.small: 1 vCPU / 2048 MB.
    assert.equal(q.instances.in_use, before.instances.in_use + 3);
    assert.equal(q.cores.in_use, before.cores.in_use + 3);
    assert.equal(q.ram.in_use, before.ram.in_use + 512 + 2048 + 512);
    for (const k of ['key_pairs', 'server_groups', 'server_group_members', 'metadata_items']) assert.equal(q[k].in_use, 0, k);

    // With user_id: that user's share.
    const t = await c.token('demo_manager');
    const who = await fetch(`${c.identityUrl}/v3/auth/tokens`, { headers: { 'X-Auth-Token': t, 'X-Subject-Token': t } });
    const managerId = ((await who.json()) as any).token.user.id;
    const mine = (await c.req('demo', 'GET', `/os-quota-sets/${demo}/detail?user_id=${managerId}`, { version: '2.57' })).body.quota_set;
    assert.equal(mine.instances.in_use, 1);
    assert.equal(mine.ram.in_use, 512);

    // A deleted server no longer counts.
    assert.equal((await c.req('demo', 'DELETE', `/servers/${s1.id}`)).status, 204);
    await c.waitServer(s1.id, (s) => s.status === 'DELETED');
    const after1 = (await c.req('demo', 'GET', `/os-quota-sets/${demo}/detail`)).body.quota_set;
    assert.equal(after1.instances.in_use, before.instances.in_use + 2);
    assert.deepEqual(keys(after1), [...ALL, 'id'].sort());
    assert.deepEqual(after1.fixed_ips, { limit: -1, in_use: 0, reserved: 0 });
  });

  it('lets readers of the project and admins read; other projects get 403; anyone may read defaults', async () => {
    for (const u of ['demo_reader', 'demo', 'admin']) {
      assert.equal((await c.req(u, 'GET', `/os-quota-sets/${demo}`)).status, 200, u);
      assert.equal((await c.req(u, 'GET', `/os-quota-sets/${demo}/detail`)).status, 200, u);
    }
    let r = await c.req('alt_demo', 'GET', `/os-quota-sets/${demo}`);
    assert.equal(r.status, 403);
    assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:os-quota-sets:show to be performed.");
    r = await c.req('alt_demo', 'GET', `/os-quota-sets/${demo}/detail`);
    assert.equal(r.status, 403);
    assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:os-quota-sets:detail to be performed.");
    r = await c.req('alt_demo', 'GET', `/os-quota-sets/${demo}/defaults`);
    assert.equal(r.status, 200);
    assert.equal(r.body.quota_set.id, demo);
    assert.equal((await c.req('alt_demo', 'GET', `/os-quota-sets/${alt}`)).status, 200);
  });

  it('ignores unknown query parameters before 2.75 and refuses them from 2.75 (defaults never)', async () => {
    assert.equal((await c.req('demo', 'GET', `/os-quota-sets/${demo}?foo=1`, { version: '2.74' })).status, 200);
    const r = await c.req('demo', 'GET', `/os-quota-sets/${demo}?foo=1`, { version: '2.75' });
    assert.equal(r.status, 400);
    assert.match(r.body.badRequest.message, /'foo' was unexpected/);
    assert.equal((await c.req('demo', 'GET', `/os-quota-sets/${demo}/detail?foo=1`, { version: '2.75' })).status, 400);
    assert.equal((await c.req('demo', 'GET', `/os-quota-sets/${demo}?user_id=x`, { version: '2.75' })).status, 200);
    assert.equal((await c.req('demo', 'GET', `/os-quota-sets/${demo}/defaults?foo=1`, { version: '2.75' })).status, 200);
  });

  it('accepts an admin update that is valid for the microversion, and the limits stay unlimited', async () => {
    let r = await c.req('admin', 'PUT', `/os-quota-sets/${demo}`, { body: { quota_set: { instances: 5, cores: '10', force: 'True' } }, version: '2.1' });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(keys(r.body.quota_set), ALL, 'no id in an update answer');
    for (const k of ALL) assert.equal(r.body.quota_set[k], -1);
    r = await c.req('admin', 'PUT', `/os-quota-sets/${demo}`, { body: { quota_set: { ram: 1024 } }, version: '2.57' });
    assert.equal(r.status, 200);
    assert.deepEqual(keys(r.body.quota_set), V257);
    assert.equal((await c.req('demo', 'GET', `/os-quota-sets/${demo}`)).body.quota_set.instances, -1);
  });

  it('refuses malformed updates and keys the microversion dropped', async () => {
    const bad: Array<[unknown, string, RegExp]> = [
      [{ quota_set: { instances: -2 } }, '2.1', /^Invalid input for field\/attribute instances\. Value: -2\. -2 is less than the minimum of -1$/],
      [{ quota_set: { instances: 'ten' } }, '2.1', /^Invalid input for field\/attribute instances\. Value: ten\. 'ten' does not match/],
      [{ quota_set: { instances: 0x80000000 } }, '2.1', /is greater than the maximum of 2147483647$/],
      [{ quota_set: { floating_ips: 1 } }, '2.36', /Additional properties are not allowed \('floating_ips' was unexpected\)/],
      [{ quota_set: { injected_files: 1 } }, '2.57', /Additional properties are not allowed \('injected_files' was unexpected\)/],
      [{ quota_set: { force: 'maybe' } }, '2.1', /field\/attribute force/],
      [{ quotas: {} }, '2.1', /'quota_set' is a required property/],
    ];
    for (const [body, version, msg] of bad) {
      const r = await c.req('admin', 'PUT', `/os-quota-sets/${demo}`, { body, version });
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.match(r.body.badRequest.message, msg);
    }
    assert.equal((await c.req('admin', 'PUT', `/os-quota-sets/${demo}`, { body: { quota_set: { floating_ips: 1, injected_files: 2 } }, version: '2.35' })).status, 200);
  });

  it('keeps update and revert to admins; revert answers 202 and changes nothing', async () => {
    let r = await c.req('demo', 'PUT', `/os-quota-sets/${demo}`, { body: { quota_set: { instances: 5 } } });
    assert.equal(r.status, 403);
    assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:os-quota-sets:update to be performed.");
    r = await c.req('demo', 'DELETE', `/os-quota-sets/${demo}`);
    assert.equal(r.status, 403);
    assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:os-quota-sets:delete to be performed.");
    r = await c.req('admin', 'DELETE', `/os-quota-sets/${demo}?user_id=someone`);
    assert.equal(r.status, 202);
    assert.equal(r.text, '');
    assert.equal((await c.req('demo', 'GET', `/os-quota-sets/${demo}`)).body.quota_set.cores, -1);
  });
});
