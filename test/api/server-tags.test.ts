// /servers/{id}/tags (2.26+): list, replace, delete all, one tag checked,
// added (201 with Location, 204 when present) and removed; the 50-tag limit,
// tag rules and Nova's messages, the vm_state guard, policy, lookups, the
// version gate, tags in server bodies and the list filters.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud } from '../support/cloud.js';
import { setInstanceColumns } from '../support/db.js';

const NO_SERVER = '3b7c1b8e-0d2a-4c59-9a7e-3b5d2f0e8a11';
const V = '2.26';

describe('server tags', () => {
  let c: Cloud;
  let server: any;
  before(async () => {
    c = await startCloud();
    server = await c.bootServer('demo');
  });
  after(async () => {
    await c.stop();
  });

  const tags = (user: string, method: string, path = '', body?: unknown, version = V) =>
    c.req(user, method, `/servers/${server.id}/tags${path}`, { ...(body !== undefined && { body }), version });
  const reset = async (t: string[]) => assert.equal((await tags('demo', 'PUT', '', { tags: t })).status, 200);

  it('does not exist before 2.26', async () => {
    for (const [method, path, body] of [['GET', ''], ['PUT', '', { tags: [] }], ['DELETE', ''], ['GET', '/a'], ['PUT', '/a'], ['DELETE', '/a']] as const) {
      const r = await tags('demo', method, path, body, '2.25');
      assert.equal(r.status, 404, `${method} ${path}`);
    }
  });

  it('replaces, lists and deletes all; server bodies show the tags from 2.26', async () => {
    let r = await tags('demo', 'PUT', '', { tags: ['x', 'y', 'x'] });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body, { tags: ['x', 'y'] });
    r = await tags('demo_reader', 'GET');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { tags: ['x', 'y'] });
    let s = await c.req('demo', 'GET', `/servers/${server.id}`, { version: V });
    assert.deepEqual(s.body.server.tags, ['x', 'y']);
    s = await c.req('demo', 'GET', `/servers/${server.id}`, { version: '2.25' });
    assert.equal('tags' in s.body.server, false);
    r = await tags('demo', 'DELETE');
    assert.equal(r.status, 204);
    assert.deepEqual((await tags('demo', 'GET')).body, { tags: [] });
  });

  it('checks, adds (201 with Location, then 204) and removes one tag', async () => {
    await reset(['a']);
    assert.equal((await tags('demo_reader', 'GET', '/a')).status, 204);
    let r = await tags('demo', 'GET', '/b');
    assert.equal(r.status, 404);
    assert.equal(r.body.itemNotFound.message, `Server ${server.id} has no tag 'b'`);
    r = await tags('demo', 'PUT', '/b');
    assert.equal(r.status, 201, r.text);
    assert.equal(r.headers.get('location'), `${c.computeUrl}/v2.1/servers/${server.id}/tags/b`);
    assert.equal(r.text, '');
    r = await tags('demo', 'PUT', '/b');
    assert.equal(r.status, 204);
    assert.equal(r.headers.get('location'), null);
    assert.deepEqual((await tags('demo', 'GET')).body, { tags: ['a', 'b'] });
    r = await tags('demo', 'PUT', '/with%20space');
    assert.equal(r.status, 201);
    assert.equal((await tags('demo', 'GET', '/with%20space')).status, 204);
    r = await tags('demo', 'DELETE', '/a');
    assert.equal(r.status, 204);
    r = await tags('demo', 'DELETE', '/a');
    assert.equal(r.status, 404);
    assert.equal(r.body.itemNotFound.message, `Instance ${server.id} has no tag 'a'`);
    assert.deepEqual((await tags('demo', 'GET')).body, { tags: ['b', 'with space'] });
  });

  it('refuses bad tags and more than 50, with Nova\'s messages', async () => {
    await reset([]);
    let r = await tags('demo', 'PUT', '/a,b');
    assert.equal(r.status, 400);
    assert.equal(r.body.badRequest.message, "Tag 'a,b' is invalid. It must be a non empty string without characters '/' and ','. Validation error message: 'a,b' does not match '^[^,/]*$'");
    const long = 't'.repeat(61);
    r = await tags('demo', 'PUT', `/${long}`);
    assert.equal(r.status, 400);
    assert.equal(r.body.badRequest.message, `Tag '${long}' is invalid. It must be a non empty string without characters '/' and ','. Validation error message: '${long}' is too long`);
    assert.equal((await tags('demo', 'PUT', `/${'t'.repeat(60)}`)).status, 201);
    r = await tags('demo', 'PUT', '/a', { tag: 'a' });
    assert.equal(r.status, 400);
    const bodies: Array<[unknown, RegExp]> = [
      [{ tags: ['a/b'] }, /does not match/],
      [{ tags: [''] }, /is too short/],
      [{ tags: ['t'.repeat(61)] }, /is too long/],
      [{ tags: [1] }, /1 is not of type 'string'/],
      [{ tags: 'a' }, /is not of type 'array'/],
      [{}, /'tags' is a required property/],
      [{ tags: Array.from({ length: 51 }, (_, i) => `t${i}`) }, /is too long/],
    ];
    for (const [body, msg] of bodies) {
      r = await tags('demo', 'PUT', '', body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.match(r.body.badRequest.message, msg);
    }
    const fifty = Array.from({ length: 50 }, (_, i) => `t${i}`);
    await reset(fifty);
    for (const t of ['new', 't0']) {
      r = await tags('demo', 'PUT', `/${t}`);
      assert.equal(r.status, 400, t);
      assert.equal(r.body.badRequest.message, 'The number of tags exceeded the per-server limit 50');
    }
    assert.equal((await tags('demo', 'GET')).body.tags.length, 50);
  });

  it('lets readers read and only members (or admins) write; another project is refused by policy', async () => {
    await reset(['a']);
    for (const [method, path, rule] of [['PUT', '', 'update_all'], ['DELETE', '', 'delete_all'], ['PUT', '/b', 'update'], ['DELETE', '/a', 'delete']] as const) {
      const r = await tags('demo_reader', method, path, path === '' && method === 'PUT' ? { tags: [] } : undefined);
      assert.equal(r.status, 403, `${method} ${path}`);
      assert.equal(r.body.forbidden.message, `Policy doesn't allow os_compute_api:os-server-tags:${rule} to be performed.`);
    }
    for (const [path, rule] of [['', 'index'], ['/a', 'show']] as const) {
      const r = await tags('alt_demo', 'GET', path);
      assert.equal(r.status, 403);
      assert.equal(r.body.forbidden.message, `Policy doesn't allow os_compute_api:os-server-tags:${rule} to be performed.`);
    }
    assert.equal((await tags('admin', 'PUT', '/adm')).status, 201);
    assert.deepEqual((await tags('demo', 'GET')).body, { tags: ['a', 'adm'] });
  });

  it('404s a server that does not exist or was deleted', async () => {
    let r = await c.req('demo', 'GET', `/servers/${NO_SERVER}/tags`, { version: V });
    assert.equal(r.status, 404);
    assert.equal(r.body.itemNotFound.message, `Instance ${NO_SERVER} has no mapping to a cell.`);
    r = await c.req('demo', 'PUT', `/servers/${NO_SERVER}/tags/a`, { version: V });
    assert.equal(r.status, 404);
    const gone = await c.bootServer('demo');
    assert.equal((await c.req('demo', 'DELETE', `/servers/${gone.id}`)).status, 204);
    await c.waitServer(gone.id, (x) => x === null || x.status === 'DELETED').catch(() => undefined);
    for (const _ of [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]) {
      r = await c.req('demo', 'GET', `/servers/${gone.id}/tags`, { version: V });
      if (r.status === 404) break;
      await new Promise((res) => setTimeout(res, 200));
    }
    assert.equal(r.status, 404);
    assert.equal(r.body.itemNotFound.message, `Instance ${gone.id} could not be found.`);
  });

  it('409s changes unless the server is active, paused, suspended or stopped', async () => {
    await reset(['a']);
    const before = await c.aio.base.db.kysely.selectFrom('instances').select(['vm_state', 'task_state']).where('uuid', '=', server.id).executeTakeFirstOrThrow();
    try {
      for (const vm of ['building', 'error', 'rescued', 'resized']) {
        await setInstanceColumns(c, server.id, { vm_state: vm });
        for (const [method, path, action] of [['PUT', '', 'update tags'], ['DELETE', '', 'delete tags'], ['PUT', '/b', 'update tag'], ['DELETE', '/a', 'delete tag']] as const) {
          const r = await tags('demo', method, path, path === '' && method === 'PUT' ? { tags: [] } : undefined);
          assert.equal(r.status, 409, `${vm} ${method} ${path}`);
          assert.equal(r.body.conflictingRequest.message, `Cannot '${action}' instance ${server.id} while it is in vm_state ${vm}`);
        }
        assert.equal((await tags('demo', 'GET', '/a')).status, 204);
      }
      for (const vm of ['paused', 'suspended', 'stopped']) {
        await setInstanceColumns(c, server.id, { vm_state: vm, task_state: 'powering-on' });
        assert.equal((await tags('demo', 'PUT', `/${vm}`)).status, 201, vm);
      }
    } finally {
      await setInstanceColumns(c, server.id, before);
    }
  });

  it('leaves the server\'s updated time alone, as tags are not the server\'s own fields', async () => {
    const updatedAt = async () =>
      (await c.aio.base.db.kysely.selectFrom('instances').select('updated_at').where('uuid', '=', server.id).executeTakeFirstOrThrow()).updated_at;
    const before = await updatedAt();
    await new Promise((r) => setTimeout(r, 5));
    assert.equal((await tags('demo', 'PUT', '/stamp')).status, 201);
    assert.equal((await tags('demo', 'PUT', '', { tags: ['other'] })).status, 200);
    assert.equal(await updatedAt(), before);
  });

  it('keeps every tag of concurrent additions', async () => {
    await reset([]);
    const rs = await Promise.all(['p', 'q', 'r', 's', 't'].map((t) => tags('demo', 'PUT', `/${t}`)));
    for (const r of rs) assert.equal(r.status, 201);
    assert.deepEqual((await tags('demo', 'GET')).body.tags.sort(), ['p', 'q', 'r', 's', 't']);
  });

  it('filters server lists by tags (2.26) and takes tags at boot (2.52)', async () => {
    const boot = (version: string) =>
      c.req('demo', 'POST', '/servers', { body: { server: { name: 'red', flavorRef: '1', imageRef: server.image.id, networks: 'none', tags: ['red', 'round'] } }, version });
    let r = await boot('2.51');
    assert.equal(r.status, 400);
    r = await boot('2.52');
    assert.equal(r.status, 202, r.text);
    const red = await c.waitServer(r.body.server.id, (x) => x.status === 'ACTIVE');
    await reset(['red']);
    const ids = async (q: string) => (await c.req('demo', 'GET', `/servers?${q}`, { version: V })).body.servers.map((s: any) => s.id).sort();
    assert.deepEqual(await ids('tags=red'), [red.id, server.id].sort());
    assert.deepEqual(await ids('tags=red,round'), [red.id]);
    assert.deepEqual(await ids('not-tags=round'), (await ids('')).filter((i: string) => i !== red.id));
    assert.deepEqual((await tags('demo', 'GET')).body.tags, ['red']);
    r = await c.req('demo', 'GET', `/servers/${red.id}/tags`, { version: V });
    assert.deepEqual(r.body.tags, ['red', 'round']);
  });
});
