// /os-quota-sets: Nova's default limits, the key set per microversion, usage
// in the detail form, limits stored per project and per user, the range an
// update may set (and `force`), revert to the defaults, policy, and the 400
// for an id that is not a project.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { NOVA_QUOTA_DEFAULTS, startCloud, type Cloud } from '../support/cloud.js';

const ALL = [
  'cores', 'fixed_ips', 'floating_ips', 'injected_file_content_bytes', 'injected_file_path_bytes', 'injected_files',
  'instances', 'key_pairs', 'metadata_items', 'ram', 'security_group_rules', 'security_groups', 'server_group_members', 'server_groups',
];
const NETWORK = ['fixed_ips', 'floating_ips', 'security_group_rules', 'security_groups'];
const INJECTED = ['injected_file_content_bytes', 'injected_file_path_bytes', 'injected_files'];
const V236 = ALL.filter((k) => !NETWORK.includes(k));
const V257 = V236.filter((k) => !INJECTED.includes(k));
const NOVA_DEFAULTS: Record<string, number> = {
  cores: 20, fixed_ips: -1, floating_ips: -1, injected_file_content_bytes: 10240, injected_file_path_bytes: 255, injected_files: 5,
  instances: 10, key_pairs: 100, metadata_items: 128, ram: 51200, security_group_rules: -1, security_groups: -1, server_group_members: 10, server_groups: 10,
};
const keys = (o: object) => Object.keys(o).sort();

describe('os-quota-sets', () => {
  let c: Cloud;
  let demo: string;
  let alt: string;
  let managerId: string;
  before(async () => {
    c = await startCloud({ overrides: NOVA_QUOTA_DEFAULTS });
    demo = await c.projectId('demo');
    alt = await c.projectId('alt_demo');
    const t = await c.token('demo_manager');
    const who = await fetch(`${c.identityUrl}/v3/auth/tokens`, { headers: { 'X-Auth-Token': t, 'X-Subject-Token': t } });
    managerId = ((await who.json()) as any).token.user.id;
  });
  after(async () => {
    await c.stop();
  });

  it("shows Nova's default limits with the project id, keys per microversion", async () => {
    for (const [version, expected] of [['2.1', ALL], ['2.35', ALL], ['2.36', V236], ['2.56', V236], ['2.57', V257], ['latest', V257]] as const) {
      for (const path of [`/os-quota-sets/${alt}`, `/os-quota-sets/${alt}/defaults`]) {
        const r = await c.req('alt_demo', 'GET', path, { version });
        assert.equal(r.status, 200, `${path}@${version}: ${r.text}`);
        assert.deepEqual(keys(r.body), ['quota_set']);
        assert.deepEqual(keys(r.body.quota_set), [...expected, 'id'].sort(), `${path}@${version}`);
        assert.equal(r.body.quota_set.id, alt);
        for (const k of expected) assert.equal(r.body.quota_set[k], NOVA_DEFAULTS[k], k);
      }
    }
  });

  it('details limit, in_use and reserved: servers, cores and ram counted for the project or one user; key pairs show 0', async () => {
    const before = (await c.req('demo', 'GET', `/os-quota-sets/${demo}/detail`, { version: '2.57' })).body.quota_set;
    const s1 = await c.bootServer('demo');
    await c.bootServer('demo', { flavorRef: '2' });
    await c.bootServer('demo_manager');
    assert.equal((await c.req('demo', 'POST', '/os-keypairs', { body: { keypair: { name: 'counted-elsewhere' } } })).status, 200);
    const r = await c.req('demo', 'GET', `/os-quota-sets/${demo}/detail`, { version: '2.57' });
    assert.equal(r.status, 200, r.text);
    const q = r.body.quota_set;
    assert.deepEqual(keys(q), [...V257, 'id'].sort());
    assert.equal(q.id, demo);
    for (const k of V257) {
      assert.deepEqual(keys(q[k]), ['in_use', 'limit', 'reserved'], k);
      assert.equal(q[k].limit, NOVA_DEFAULTS[k]);
      assert.equal(q[k].reserved, 0);
    }
    // m1.tiny: 1 vCPU / 512 MB; m1.small: 1 vCPU / 2048 MB.
    assert.equal(q.instances.in_use, before.instances.in_use + 3);
    assert.equal(q.cores.in_use, before.cores.in_use + 3);
    assert.equal(q.ram.in_use, before.ram.in_use + 512 + 2048 + 512);
    for (const k of ['key_pairs', 'server_groups', 'server_group_members', 'metadata_items']) assert.equal(q[k].in_use, 0, k);

    // With user_id: that user's share.
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

  it('answers 400 for an id that is not a project, except on revert', async () => {
    for (const [method, path, body] of [
      ['GET', '/os-quota-sets/no-such-project', undefined],
      ['GET', '/os-quota-sets/no-such-project/detail', undefined],
      ['GET', '/os-quota-sets/no-such-project/defaults', undefined],
      ['PUT', '/os-quota-sets/no-such-project', { quota_set: { instances: 3 } }],
    ] as const) {
      const r = await c.req('admin', method, path, body === undefined ? {} : { body });
      assert.equal(r.status, 400, `${method} ${path}: ${r.text}`);
      assert.equal(r.body.badRequest.message, 'Project ID no-such-project is not a valid project.');
    }
    assert.equal((await c.req('admin', 'DELETE', '/os-quota-sets/no-such-project')).status, 202);
  });

  it("stores a project's limits: the update answers without id, show and detail follow, revert goes back to the defaults", async () => {
    let r = await c.req('admin', 'PUT', `/os-quota-sets/${alt}`, { body: { quota_set: { instances: 5, cores: '10', force: 'True' } }, version: '2.1' });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(keys(r.body.quota_set), ALL, 'no id in an update answer');
    assert.equal(r.body.quota_set.instances, 5);
    assert.equal(r.body.quota_set.cores, 10);
    assert.equal(r.body.quota_set.ram, 51200);
    r = await c.req('admin', 'PUT', `/os-quota-sets/${alt}`, { body: { quota_set: { ram: -1 } }, version: '2.57' });
    assert.equal(r.status, 200);
    assert.deepEqual(keys(r.body.quota_set), V257);
    assert.equal(r.body.quota_set.ram, -1);
    const shown = (await c.req('alt_demo', 'GET', `/os-quota-sets/${alt}`)).body.quota_set;
    assert.deepEqual([shown.instances, shown.cores, shown.ram, shown.key_pairs], [5, 10, -1, 100]);
    assert.equal((await c.req('alt_demo', 'GET', `/os-quota-sets/${alt}/detail`)).body.quota_set.instances.limit, 5);
    // Defaults are the defaults whatever the project set.
    assert.equal((await c.req('alt_demo', 'GET', `/os-quota-sets/${alt}/defaults`)).body.quota_set.instances, 10);
    // Another project is untouched.
    assert.equal((await c.req('demo', 'GET', `/os-quota-sets/${demo}`)).body.quota_set.instances, 10);

    r = await c.req('admin', 'DELETE', `/os-quota-sets/${alt}`);
    assert.equal(r.status, 202);
    assert.equal(r.text, '');
    const back = (await c.req('alt_demo', 'GET', `/os-quota-sets/${alt}`)).body.quota_set;
    assert.deepEqual([back.instances, back.cores, back.ram], [10, 20, 51200]);
  });

  it("stores a user's limits under user_id: the user's own first, then the project's; revert with user_id drops only the user's", async () => {
    assert.equal((await c.req('admin', 'PUT', `/os-quota-sets/${demo}`, { body: { quota_set: { cores: 15, key_pairs: 50 } } })).status, 200);
    let r = await c.req('admin', 'PUT', `/os-quota-sets/${demo}?user_id=${managerId}`, { body: { quota_set: { instances: 4, key_pairs: 7 } } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.quota_set.instances, 4);
    assert.equal(r.body.quota_set.key_pairs, 7);
    assert.equal(r.body.quota_set.cores, 15, 'inherited from the project');
    assert.equal(r.body.quota_set.ram, 51200, 'inherited from the defaults');
    r = await c.req('demo', 'GET', `/os-quota-sets/${demo}?user_id=${managerId}`);
    assert.deepEqual([r.body.quota_set.instances, r.body.quota_set.key_pairs, r.body.quota_set.cores], [4, 7, 15]);
    r = await c.req('demo', 'GET', `/os-quota-sets/${demo}`);
    assert.deepEqual([r.body.quota_set.instances, r.body.quota_set.key_pairs, r.body.quota_set.cores], [10, 50, 15]);

    assert.equal((await c.req('admin', 'DELETE', `/os-quota-sets/${demo}?user_id=${managerId}`)).status, 202);
    r = await c.req('demo', 'GET', `/os-quota-sets/${demo}?user_id=${managerId}`);
    assert.deepEqual([r.body.quota_set.instances, r.body.quota_set.key_pairs], [10, 50]);
    assert.equal((await c.req('demo', 'GET', `/os-quota-sets/${demo}`)).body.quota_set.cores, 15);
    assert.equal((await c.req('admin', 'DELETE', `/os-quota-sets/${demo}`)).status, 202);
  });

  it('refuses a limit below what is used or handed out to users, or a user limit above what the project has left, unless forced', async () => {
    const used = (await c.req('demo', 'GET', `/os-quota-sets/${demo}/detail`)).body.quota_set.instances.in_use;
    assert.ok(used >= 2);
    let r = await c.req('admin', 'PUT', `/os-quota-sets/${demo}`, { body: { quota_set: { instances: 1 } } });
    assert.equal(r.status, 400);
    assert.equal(r.body.badRequest.message, `Quota limit 1 for instances must be greater than or equal to already used and reserved ${used}.`);
    r = await c.req('admin', 'PUT', `/os-quota-sets/${demo}`, { body: { quota_set: { cores: 40, instances: 1 } } });
    assert.equal(r.status, 400);
    assert.equal((await c.req('demo', 'GET', `/os-quota-sets/${demo}`)).body.quota_set.cores, 20, 'a refused update changes nothing');
    r = await c.req('admin', 'PUT', `/os-quota-sets/${demo}`, { body: { quota_set: { instances: 1, force: true } } });
    assert.equal(r.status, 200);
    assert.equal(r.body.quota_set.instances, 1);
    assert.equal((await c.req('admin', 'PUT', `/os-quota-sets/${demo}`, { body: { quota_set: { instances: -1 } } })).status, 200);

    // Project key_pairs 10; a user gets 6 of them; another user may get at most the 4 left.
    assert.equal((await c.req('admin', 'PUT', `/os-quota-sets/${demo}`, { body: { quota_set: { key_pairs: 10 } } })).status, 200);
    assert.equal((await c.req('admin', 'PUT', `/os-quota-sets/${demo}?user_id=${managerId}`, { body: { quota_set: { key_pairs: 6 } } })).status, 200);
    r = await c.req('admin', 'PUT', `/os-quota-sets/${demo}?user_id=someone-else`, { body: { quota_set: { key_pairs: 5 } } });
    assert.equal(r.status, 400);
    assert.equal(r.body.badRequest.message, 'Quota limit 5 for key_pairs must be less than or equal to 4.');
    assert.equal((await c.req('admin', 'PUT', `/os-quota-sets/${demo}?user_id=someone-else`, { body: { quota_set: { key_pairs: 4 } } })).status, 200);
    // The manager's own 6 count as room for the manager.
    assert.equal((await c.req('admin', 'PUT', `/os-quota-sets/${demo}?user_id=${managerId}`, { body: { quota_set: { key_pairs: 6 } } })).status, 200);
    // The project cannot go below the 10 handed out.
    r = await c.req('admin', 'PUT', `/os-quota-sets/${demo}`, { body: { quota_set: { key_pairs: 9 } } });
    assert.equal(r.status, 400);
    assert.equal(r.body.badRequest.message, 'Quota limit 9 for key_pairs must be greater than or equal to already used and reserved 10.');
    assert.equal((await c.req('admin', 'DELETE', `/os-quota-sets/${demo}`)).status, 202);
    assert.equal((await c.req('demo', 'GET', `/os-quota-sets/${demo}?user_id=${managerId}`)).body.quota_set.key_pairs, 100);
  });

  it('refuses malformed updates and keys the microversion dropped', async () => {
    const bad: Array<[unknown, string, RegExp]> = [
      [{ quota_set: { instances: -2 } }, '2.1', /^Invalid input for field\/attribute instances\. Value: -2\. -2 is less than the minimum of -1$/],
      [{ quota_set: { instances: 'ten' } }, '2.1', /^Invalid input for field\/attribute instances\. Value: ten\. 'ten' does not match/],
      [{ quota_set: { instances: 0x80000000 } }, '2.1', /is greater than the maximum of 2147483647$/],
      [{ quota_set: { floating_ips: 1 } }, '2.36', /Additional properties are not allowed \('floating_ips' was unexpected\)/],
      [{ quota_set: { security_groups: 1 } }, '2.56', /Additional properties are not allowed \('security_groups' was unexpected\)/],
      [{ quota_set: { injected_files: 1 } }, '2.57', /Additional properties are not allowed \('injected_files' was unexpected\)/],
      [{ quota_set: { force: 'maybe' } }, '2.1', /field\/attribute force/],
      [{ quotas: {} }, '2.1', /'quota_set' is a required property/],
    ];
    for (const [body, version, msg] of bad) {
      const r = await c.req('admin', 'PUT', `/os-quota-sets/${alt}`, { body, version });
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.match(r.body.badRequest.message, msg);
    }
    const r = await c.req('admin', 'PUT', `/os-quota-sets/${alt}`, { body: { quota_set: { floating_ips: 1, injected_files: 2 } }, version: '2.35' });
    assert.equal(r.status, 200);
    assert.equal(r.body.quota_set.floating_ips, 1);
    assert.equal((await c.req('admin', 'DELETE', `/os-quota-sets/${alt}`)).status, 202);
  });

  it('keeps update and revert to admins', async () => {
    let r = await c.req('demo', 'PUT', `/os-quota-sets/${demo}`, { body: { quota_set: { instances: 5 } } });
    assert.equal(r.status, 403);
    assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:os-quota-sets:update to be performed.");
    r = await c.req('demo', 'DELETE', `/os-quota-sets/${demo}`);
    assert.equal(r.status, 403);
    assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:os-quota-sets:delete to be performed.");
    assert.equal((await c.req('demo', 'GET', `/os-quota-sets/${demo}`)).body.quota_set.instances, 10);
  });
});
