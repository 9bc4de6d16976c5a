// /os-server-groups: every form per microversion (policies list up to 2.63,
// policy and rules from 2.64, soft policies from 2.15, owner from 2.13),
// Nova's faults, policies and quotas; the group hint at boot with its
// member quota; server_groups in server bodies from 2.71; deleted servers
// leaving their group.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startCloud, type Cloud } from '../support/cloud.js';

let c: Cloud;
before(async () => {
  c = await startCloud({ overrides: ['quota.server_groups=4', 'quota.server_group_members=3'] });
});
after(async () => {
  await c.stop();
});

const uniq = (p: string): string => `${p}-${randomBytes(3).toString('hex')}`;
const UUID_RX = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function fault(r: { status: number; body: any; text: string }, status: number, message: string | RegExp): void {
  assert.equal(r.status, status, r.text);
  const name = { 400: 'badRequest', 403: 'forbidden', 404: 'itemNotFound', 409: 'conflictingRequest' }[status]!;
  if (typeof message === 'string') assert.equal(r.body[name].message, message);
  else assert.match(r.body[name].message, message);
}

const post = (user: string, group: Record<string, unknown>, version = '2.1') => c.req(user, 'POST', '/os-server-groups', { version, body: { server_group: group } });
async function create(user: string, group: Record<string, unknown>, version = '2.1'): Promise<any> {
  const r = await post(user, group, version);
  assert.equal(r.status, 200, r.text);
  return r.body.server_group;
}
const remove = (user: string, id: string) => c.req(user, 'DELETE', `/os-server-groups/${id}`);

/** Deletes every group of these users' projects, so each test starts within the quota. */
async function clearGroups(): Promise<void> {
  const r = await c.req('admin', 'GET', '/os-server-groups?all_projects=1');
  for (const g of r.body.server_groups) assert.equal((await remove('admin', g.id)).status, 204);
}

async function imageId(): Promise<string> {
  const t = await c.token('admin');
  const r = await fetch(`${c.imageUrl}/v2/images?name=cirros`, { headers: { 'X-Auth-Token': t } });
  return ((await r.json()) as any).images[0].id;
}
async function boot(user: string, group: string | undefined, extra: Record<string, unknown> = {}): Promise<{ status: number; body: any; text: string }> {
  return c.req(user, 'POST', '/servers', {
    version: '2.37',
    body: {
      server: { name: uniq('vm'), flavorRef: '1', imageRef: await imageId(), networks: 'none', ...extra },
      ...(group !== undefined && { 'os:scheduler_hints': { group } }),
    },
  });
}
async function deleteServer(id: string): Promise<void> {
  assert.equal((await c.req('admin', 'DELETE', `/servers/${id}`)).status, 204);
  await c.waitServer(id, (s) => s.status === 'DELETED');
}

describe('create', () => {
  before(clearGroups);

  it('2.1: one policy in a list, an empty metadata, no owner', async () => {
    const g = await create('demo', { name: 'web', policies: ['anti-affinity'] });
    assert.deepEqual(Object.keys(g).sort(), ['id', 'members', 'metadata', 'name', 'policies']);
    assert.match(g.id, UUID_RX);
    assert.equal(g.name, 'web');
    assert.deepEqual(g.policies, ['anti-affinity']);
    assert.deepEqual(g.members, []);
    assert.deepEqual(g.metadata, {});
    await remove('demo', g.id);
  });

  it('2.13: the owning project and user', async () => {
    const g = await create('demo', { name: 'web', policies: ['affinity'] }, '2.13');
    assert.equal(g.project_id, await c.projectId('demo'));
    assert.equal(typeof g.user_id, 'string');
    assert.ok(g.user_id.length > 0);
    await remove('demo', g.id);
  });

  it('soft policies only from 2.15', async () => {
    fault(await post('demo', { name: 'x', policies: ['soft-affinity'] }, '2.14'), 400, /^Invalid input for field\/attribute policies/);
    const g = await create('demo', { name: 'x', policies: ['soft-anti-affinity'] }, '2.15');
    assert.deepEqual(g.policies, ['soft-anti-affinity']);
    await remove('demo', g.id);
  });

  it('one policy, no duplicates, no unknown ones, name required', async () => {
    fault(await post('demo', { name: 'x', policies: ['affinity', 'anti-affinity'] }), 400, /policies/);
    fault(await post('demo', { name: 'x', policies: [] }), 400, /policies/);
    fault(await post('demo', { name: 'x', policies: ['legacy'] }), 400, /policies/);
    fault(await post('demo', { policies: ['affinity'] }), 400, /'name' is a required property/);
    fault(await post('demo', { name: 'x', policies: ['affinity'], policy: 'affinity' }, '2.63'), 400, /Additional properties are not allowed/);
    fault(await post('demo', { name: '', policies: ['affinity'] }), 400, /name/);
  });

  it('2.64: policy and rules instead of policies and metadata', async () => {
    const g = await create('demo', { name: 'spread', policy: 'anti-affinity', rules: { max_server_per_host: 2 } }, '2.64');
    assert.deepEqual(Object.keys(g).sort(), ['id', 'members', 'name', 'policy', 'project_id', 'rules', 'user_id']);
    assert.equal(g.policy, 'anti-affinity');
    assert.deepEqual(g.rules, { max_server_per_host: 2 });
    const shown = (await c.req('demo', 'GET', `/os-server-groups/${g.id}`, { version: '2.63' })).body.server_group;
    assert.deepEqual(shown.policies, ['anti-affinity']);
    assert.deepEqual(shown.metadata, {});
    assert.equal(shown.rules, undefined);
    await remove('demo', g.id);

    const plain = await create('demo', { name: 'together', policy: 'soft-affinity' }, '2.64');
    assert.deepEqual(plain.rules, {});
    await remove('demo', plain.id);
  });

  it('2.64: a string max_server_per_host is read as a number; only anti-affinity takes rules', async () => {
    const g = await create('demo', { name: 'spread', policy: 'anti-affinity', rules: { max_server_per_host: '3' } }, '2.64');
    assert.deepEqual(g.rules, { max_server_per_host: 3 });
    await remove('demo', g.id);
    fault(await post('demo', { name: 'x', policy: 'affinity', rules: { max_server_per_host: 2 } }, '2.64'), 400, 'Only anti-affinity policy supports rules.');
    fault(await post('demo', { name: 'x', policy: 'anti-affinity', rules: { max_server_per_host: 0 } }, '2.64'), 400, /max_server_per_host/);
    fault(await post('demo', { name: 'x', policy: 'anti-affinity', rules: { other: 1 } }, '2.64'), 400, /Additional properties/);
    fault(await post('demo', { name: 'x', policies: ['affinity'] }, '2.64'), 400, /'policy' is a required property|Additional properties/);
  });

  it('a reader may not create; over the server_groups quota is 403', async () => {
    fault(await post('demo_reader', { name: 'x', policies: ['affinity'] }), 403, /os_compute_api:os-server-groups:create/);
    const made = [];
    for (let i = 0; i < 4; i++) made.push(await create('demo', { name: `g${i}`, policies: ['affinity'] }));
    fault(await post('demo', { name: 'one-more', policies: ['affinity'] }), 403, 'Quota exceeded, too many server groups.');
    // The quota is per project: another project still has room.
    const other = await create('alt_demo', { name: 'theirs', policies: ['affinity'] });
    // Quota before rules, as in Nova.
    fault(await post('demo', { name: 'x', policy: 'affinity', rules: { max_server_per_host: 2 } }, '2.64'), 403, 'Quota exceeded, too many server groups.');
    for (const g of [...made, other]) await remove('admin', g.id);
  });
});

describe('show, list, delete', () => {
  before(clearGroups);

  it('show: 404 with Nova message before the policy; another project is 403; admins see all', async () => {
    const missing = '7b3d1e8a-1f6c-4a57-9a83-2c1f5b7a0e11';
    fault(await c.req('alt_demo', 'GET', `/os-server-groups/${missing}`), 404, `Instance group ${missing} could not be found.`);
    const g = await create('demo', { name: 'mine', policies: ['affinity'] });
    fault(await c.req('alt_demo', 'GET', `/os-server-groups/${g.id}`), 403, /os_compute_api:os-server-groups:show/);
    assert.equal((await c.req('demo_reader', 'GET', `/os-server-groups/${g.id}`)).status, 200);
    assert.deepEqual((await c.req('admin', 'GET', `/os-server-groups/${g.id}`)).body.server_group, g);
    fault(await c.req('demo', 'GET', `/os-server-groups/${g.id}?x=1`, { version: '2.102' }), 400, /Additional properties are not allowed/);
    assert.equal((await c.req('demo', 'GET', `/os-server-groups/${g.id}?x=1`, { version: '2.101' })).status, 200);
    await remove('demo', g.id);
  });

  it("list: the project's own; all_projects for admins only (others get their own); limit and offset", async () => {
    const mine = [];
    for (let i = 0; i < 3; i++) mine.push(await create('demo', { name: `m${i}`, policies: ['anti-affinity'] }));
    const theirs = await create('alt_demo', { name: 't', policies: ['affinity'] });
    const ids = (r: any): string[] => r.body.server_groups.map((g: any) => g.id);
    assert.deepEqual(ids(await c.req('demo', 'GET', '/os-server-groups')), mine.map((g) => g.id));
    assert.deepEqual(ids(await c.req('demo', 'GET', '/os-server-groups?all_projects=True')), mine.map((g) => g.id));
    assert.deepEqual(ids(await c.req('alt_demo', 'GET', '/os-server-groups')), [theirs.id]);
    const all = ids(await c.req('admin', 'GET', '/os-server-groups?all_projects=True'));
    assert.deepEqual([...all].sort(), [...mine.map((g) => g.id), theirs.id].sort());
    assert.deepEqual(ids(await c.req('admin', 'GET', '/os-server-groups')), []);
    assert.deepEqual(ids(await c.req('demo', 'GET', '/os-server-groups?limit=2')), mine.slice(0, 2).map((g) => g.id));
    assert.deepEqual(ids(await c.req('demo', 'GET', '/os-server-groups?limit=1&offset=1')), [mine[1].id]);
    assert.deepEqual(ids(await c.req('demo', 'GET', '/os-server-groups?offset=5')), []);
    fault(await c.req('demo', 'GET', '/os-server-groups?limit=-1'), 400, /limit/);
    fault(await c.req('demo', 'GET', '/os-server-groups?offset=x'), 400, /offset/);
    assert.equal((await c.req('demo', 'GET', '/os-server-groups?foo=1', { version: '2.74' })).status, 200);
    fault(await c.req('demo', 'GET', '/os-server-groups?foo=1', { version: '2.75' }), 400, /Additional properties are not allowed/);
    const items = (await c.req('demo', 'GET', '/os-server-groups', { version: '2.64' })).body.server_groups;
    assert.deepEqual(Object.keys(items[0]).sort(), ['id', 'members', 'name', 'policy', 'project_id', 'rules', 'user_id']);
    for (const g of [...mine, theirs]) await remove('admin', g.id);
  });

  it('delete: 204, then 404; a reader or another project may not', async () => {
    const g = await create('demo', { name: 'short-lived', policies: ['affinity'] });
    fault(await remove('demo_reader', g.id), 403, /os_compute_api:os-server-groups:delete/);
    fault(await remove('alt_demo', g.id), 403, /os_compute_api:os-server-groups:delete/);
    const r = await remove('demo', g.id);
    assert.equal(r.status, 204);
    assert.equal(r.text, '');
    fault(await remove('demo', g.id), 404, `Instance group ${g.id} could not be found.`);
    fault(await c.req('demo', 'GET', `/os-server-groups/${g.id}`), 404, `Instance group ${g.id} could not be found.`);
  });
});

describe('servers in groups', () => {
  before(clearGroups);

  it('the group hint makes the server a member; server_groups shows from 2.71; a deleted server leaves', async () => {
    const g = await create('demo', { name: 'members', policies: ['soft-affinity'] }, '2.15');
    const r = await boot('demo', g.id);
    assert.equal(r.status, 202, r.text);
    const id = r.body.server.id;
    await c.waitServer(id, (s) => s.status === 'ACTIVE');
    assert.deepEqual((await c.req('demo', 'GET', `/os-server-groups/${g.id}`)).body.server_group.members, [id]);
    const at71 = (await c.req('demo', 'GET', `/servers/${id}`, { version: '2.71' })).body.server;
    assert.deepEqual(at71.server_groups, [g.id]);
    assert.equal((await c.req('demo', 'GET', `/servers/${id}`, { version: '2.70' })).body.server.server_groups, undefined);
    const put = await c.req('demo', 'PUT', `/servers/${id}`, { version: '2.71', body: { server: { name: 'renamed' } } });
    assert.deepEqual(put.body.server.server_groups, [g.id]);
    const detail = (await c.req('demo', 'GET', '/servers/detail', { version: '2.71' })).body.servers.find((s: any) => s.id === id);
    assert.equal(detail.server_groups, undefined);
    await deleteServer(id);
    assert.deepEqual((await c.req('demo', 'GET', `/os-server-groups/${g.id}`)).body.server_group.members, []);
    await remove('demo', g.id);
  });

  it('a server not in a group shows an empty server_groups', async () => {
    const s = await c.bootServer('demo');
    assert.deepEqual((await c.req('demo', 'GET', `/servers/${s.id}`, { version: 'latest' })).body.server.server_groups, []);
    await deleteServer(s.id);
  });

  it('an unknown group is 400 with Nova message; nothing is created', async () => {
    const missing = '0c4e7f0a-8d47-4b58-9a3e-5f2d7a9c1b22';
    const before = (await c.req('demo', 'GET', '/servers')).body.servers.length;
    fault(await boot('demo', missing), 400, `Instance group ${missing} could not be found.`);
    fault(await boot('demo', 'not-a-uuid'), 400, /group/);
    assert.equal((await c.req('demo', 'GET', '/servers')).body.servers.length, before);
  });

  it('the server_group_members quota counts the user\'s live members; a whole multi-create over it is refused', async () => {
    const g = await create('demo', { name: 'capped', policies: ['soft-anti-affinity'] }, '2.15');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await boot('demo', g.id);
      assert.equal(r.status, 202, r.text);
      ids.push(r.body.server.id);
    }
    fault(await boot('demo', g.id), 403, 'Quota exceeded, too many servers in group');
    await deleteServer(ids.pop()!);
    fault(await boot('demo', g.id, { min_count: 2, max_count: 2 }), 403, 'Quota exceeded, too many servers in group');
    assert.deepEqual([...(await c.req('demo', 'GET', `/os-server-groups/${g.id}`)).body.server_group.members].sort(), [...ids].sort());
    const last = await boot('demo', g.id);
    assert.equal(last.status, 202, last.text);
    ids.push(last.body.server.id);
    for (const id of ids) await deleteServer(id);
    await remove('demo', g.id);
  });

  it('deleting a group leaves its servers where they are', async () => {
    const g = await create('demo', { name: 'gone', policies: ['affinity'] });
    const r = await boot('demo', g.id);
    const s = await c.waitServer(r.body.server.id, (x) => x.status === 'ACTIVE');
    assert.equal((await remove('demo', g.id)).status, 204);
    const after = (await c.req('demo', 'GET', `/servers/${s.id}`, { version: '2.71' })).body.server;
    assert.equal(after.status, 'ACTIVE');
    assert.deepEqual(after.server_groups, []);
    await deleteServer(s.id);
  });
});
