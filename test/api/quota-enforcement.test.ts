// Quotas enforced where Nova enforces them, with its 403 messages: boots
// and multi-creates (shrunk to what fits, or refused), per-user limits,
// resizes and reverts that grow a server, key pairs, the metadata items of
// a boot, and concurrent boots at the limit. Each case has a project of its
// own (extra users), so their usage never mixes.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { NOVA_QUOTA_DEFAULTS, startCloud, type Cloud } from '../support/cloud.js';
import { act } from '../support/actions.js';

const PROJECTS = ['qboot', 'qmulti', 'quser', 'qresize', 'qrevert', 'qkeys', 'qrace', 'qmeta', 'qfiles'];

describe('quota enforcement', () => {
  let c: Cloud;
  let image: string;
  before(async () => {
    const users = [...PROJECTS.map((p) => `${p}:${p}:${p}:member+reader`), 'quser2:quser2:quser:member+reader'];
    c = await startCloud({ overrides: [...NOVA_QUOTA_DEFAULTS, `identity.extra_users=${users.join(',')}`] });
    const t = await c.token('admin');
    const r = await fetch(`${c.imageUrl}/v2/images?name=cirros`, { headers: { 'X-Auth-Token': t } });
    image = ((await r.json()) as any).images[0].id;
  });
  after(async () => {
    await c.stop();
  });

  const setQuota = async (project: string, quota: Record<string, unknown>, userId?: string) => {
    const pid = await c.projectId(project);
    const r = await c.req('admin', 'PUT', `/os-quota-sets/${pid}${userId ? `?user_id=${userId}` : ''}`, { body: { quota_set: { ...quota, force: true } } });
    assert.equal(r.status, 200, r.text);
  };
  const boot = (user: string, extra: Record<string, unknown> = {}) =>
    c.req(user, 'POST', '/servers', {
      version: '2.37',
      body: { server: { name: `q-${randomBytes(3).toString('hex')}`, flavorRef: '1', imageRef: image, networks: 'none', ...extra } },
    });
  const serversOf = async (user: string): Promise<any[]> => (await c.req(user, 'GET', '/servers/detail')).body.servers;
  const userIdOf = async (user: string): Promise<string> => {
    const t = await c.token(user);
    const who = await fetch(`${c.identityUrl}/v3/auth/tokens`, { headers: { 'X-Auth-Token': t, 'X-Subject-Token': t } });
    return ((await who.json()) as any).token.user.id;
  };
  const expectOverQuota = (r: { status: number; body: any; text: string }, message: string) => {
    assert.equal(r.status, 403, r.text);
    assert.deepEqual(r.body, { forbidden: { code: 403, message } });
  };

  it("refuses a boot over the instances limit with Nova's message", async () => {
    await setQuota('qboot', { instances: 2 });
    assert.equal((await boot('qboot')).status, 202);
    assert.equal((await boot('qboot')).status, 202);
    expectOverQuota(await boot('qboot'), 'Quota exceeded for instances: Requested 1, but already used 2 of 2 instances');
    // cores and ram are counted too: m1.small has 2048 MB.
    await setQuota('qboot', { instances: -1, ram: 2048 });
    expectOverQuota(await boot('qboot', { flavorRef: '2' }), 'Quota exceeded for ram: Requested 2048, but already used 1024 of 2048 ram');
    assert.equal((await serversOf('qboot')).length, 2);
  });

  it('shrinks a multi-create to what fits when min_count allows, else refuses naming the range', async () => {
    await setQuota('qmulti', { instances: 3 });
    const r = await boot('qmulti', { min_count: 1, max_count: 5, return_reservation_id: true });
    assert.equal(r.status, 202, r.text);
    assert.equal((await serversOf('qmulti')).length, 3);
    expectOverQuota(await boot('qmulti', { min_count: 2, max_count: 4 }), 'Quota exceeded for instances: Requested 2-4, but already used 3 of 3 instances');
    await setQuota('qmulti', { instances: 5 });
    expectOverQuota(await boot('qmulti', { min_count: 3, max_count: 3 }), 'Quota exceeded for instances: Requested 3, but already used 3 of 5 instances');
    // m1.medium: 2 vCPUs each, so three need 6 cores where 4 of 7 are left.
    await setQuota('qmulti', { instances: -1, cores: 7 });
    expectOverQuota(
      await boot('qmulti', { flavorRef: '3', min_count: 3, max_count: 3 }),
      'Quota exceeded for cores: Requested 6, but already used 3 of 7 cores',
    );
    assert.equal((await serversOf('qmulti')).length, 3);
  });

  it("holds a user to the user's own limit, and others in the project to the project's", async () => {
    const uid = await userIdOf('quser');
    await setQuota('quser', { instances: 1 }, uid);
    assert.equal((await boot('quser')).status, 202);
    expectOverQuota(await boot('quser'), 'Quota exceeded for instances: Requested 1, but already used 1 of 1 instances');
    assert.equal((await boot('quser2')).status, 202, 'another user of the project is not limited by it');
    // The project's limit still binds the user: 2 used of a project limit of 2.
    await setQuota('quser', { instances: 5 }, uid);
    await setQuota('quser', { instances: 2 });
    expectOverQuota(await boot('quser'), 'Quota exceeded for instances: Requested 1, but already used 2 of 2 instances');
  });

  it('refuses a resize whose growth in cores or ram does not fit, and lets a shrink through', async () => {
    await setQuota('qresize', { cores: 2, ram: 2048 });
    const a = (await boot('qresize')).body.server.id;
    const b = (await boot('qresize')).body.server.id;
    await c.waitServer(a, (s) => s.status === 'ACTIVE');
    await c.waitServer(b, (s) => s.status === 'ACTIVE');
    // m1.medium: 2 vCPUs, 4096 MB, from m1.tiny's 1 and 512.
    expectOverQuota(await act(c, 'qresize', a, { resize: { flavorRef: '3' } }), 'Quota exceeded for cores, ram: Requested 1, 3584, but already used 2, 1024 of 2, 2048 cores, ram');
    // m1.small: same vCPUs, 2048 MB: 1536 more.
    expectOverQuota(await act(c, 'qresize', a, { resize: { flavorRef: '2' } }), 'Quota exceeded for ram: Requested 1536, but already used 1024 of 2048 ram');
    await setQuota('qresize', { ram: -1 });
    assert.equal((await act(c, 'qresize', a, { resize: { flavorRef: '2' } })).status, 202);
    assert.equal((await c.waitServer(a, (s) => s.status !== 'RESIZE')).status, 'VERIFY_RESIZE');
  });

  it('refuses the revert of a shrink when the old flavor no longer fits', async () => {
    await setQuota('qrevert', { cores: 3 });
    const big = (await boot('qrevert', { flavorRef: '3' })).body.server.id;
    await c.waitServer(big, (s) => s.status === 'ACTIVE');
    assert.equal((await act(c, 'qrevert', big, { resize: { flavorRef: '1' } })).status, 202);
    assert.equal((await c.waitServer(big, (s) => s.status !== 'RESIZE')).status, 'VERIFY_RESIZE');
    const detail = (await c.req('qrevert', 'GET', `/os-quota-sets/${await c.projectId('qrevert')}/detail`)).body.quota_set;
    assert.equal(detail.cores.in_use, 1, 'the resized server counts with its new flavor');
    const other = (await boot('qrevert', { flavorRef: '3' })).body.server.id;
    await c.waitServer(other, (s) => s.status === 'ACTIVE');
    expectOverQuota(await act(c, 'qrevert', big, { revertResize: null }), 'Quota exceeded for cores: Requested 1, but already used 3 of 3 cores');
    assert.equal((await c.req('qrevert', 'GET', `/servers/${big}`)).body.server.status, 'VERIFY_RESIZE');
  });

  it('refuses a key pair over the limit, generated or imported', async () => {
    await setQuota('qkeys', { key_pairs: 2 });
    assert.equal((await c.req('qkeys', 'POST', '/os-keypairs', { body: { keypair: { name: 'k1' } } })).status, 200);
    const made = await c.req('qkeys', 'POST', '/os-keypairs', { body: { keypair: { name: 'k2' } } });
    assert.equal(made.status, 200);
    expectOverQuota(await c.req('qkeys', 'POST', '/os-keypairs', { body: { keypair: { name: 'k3' } } }), 'Quota exceeded, too many key pairs.');
    const imported = await c.req('qkeys', 'POST', '/os-keypairs', { body: { keypair: { name: 'k4', public_key: made.body.keypair.public_key } }, version: '2.2' });
    expectOverQuota(imported, 'Quota exceeded, too many key pairs.');
    assert.equal((await c.req('qkeys', 'GET', '/os-keypairs')).body.keypairs.length, 2);
    assert.equal((await c.req('qkeys', 'DELETE', '/os-keypairs/k1')).status, 202);
    assert.equal((await c.req('qkeys', 'POST', '/os-keypairs', { body: { keypair: { name: 'k5' } } })).status, 200);
  });

  it('lets only as many concurrent boots through as the limit allows', async () => {
    await setQuota('qrace', { instances: 2 });
    const replies = await Promise.all(Array.from({ length: 6 }, () => boot('qrace')));
    assert.deepEqual(replies.map((r) => r.status).sort(), [202, 202, 403, 403, 403, 403]);
    assert.equal((await serversOf('qrace')).length, 2);
  });

  it('refuses a boot or rebuild with more metadata items than the limit', async () => {
    await setQuota('qmeta', { metadata_items: 1 });
    expectOverQuota(await boot('qmeta', { metadata: { a: '1', b: '2' } }), 'Maximum number of metadata items exceeds 1');
    const id = (await boot('qmeta', { metadata: { a: '1' } })).body.server.id;
    await c.waitServer(id, (s) => s.status === 'ACTIVE');
    expectOverQuota(await act(c, 'qmeta', id, { rebuild: { imageRef: image, metadata: { a: '1', b: '2' } } }), 'Maximum number of metadata items exceeds 1');
    assert.deepEqual((await c.req('qmeta', 'GET', `/servers/${id}`)).body.server.metadata, { a: '1' });
  });

  it('holds personality files (before 2.57) to the injected-file limits: count, then path, then contents', async () => {
    await setQuota('qfiles', { injected_files: 1, injected_file_path_bytes: 5, injected_file_content_bytes: 8 });
    const file = (path: string, contents = 'aGVsbG8=') => ({ path, contents });
    expectOverQuota(await boot('qfiles', { personality: [file('/a'), file('/b')] }), 'Personality file limit exceeded');
    expectOverQuota(await boot('qfiles', { personality: [file('/etc/x')] }), 'Personality file path exceeds maximum 5');
    expectOverQuota(await boot('qfiles', { personality: [file('/x', 'aGVsbG8gd29ybGQ=')] }), 'Personality file content exceeds maximum 8');
    const id = (await boot('qfiles', { personality: [file('/x')] })).body.server.id;
    await c.waitServer(id, (s) => s.status === 'ACTIVE');
    expectOverQuota(await act(c, 'qfiles', id, { rebuild: { imageRef: image, personality: [file('/a'), file('/b')] } }), 'Personality file limit exceeded');
  });
});
