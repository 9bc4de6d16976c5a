// /servers/{id}/metadata: list, merge, replace, one item shown, set and
// deleted; Nova's body rules and messages, policy (readers read, members
// write), the lock and state guards, the metadata_items quota here, at boot
// and at rebuild, and the metadata shown in server bodies.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud } from '../support/cloud.js';
import { setInstanceColumns } from '../support/db.js';

const NO_SERVER = '3b7c1b8e-0d2a-4c59-9a7e-3b5d2f0e8a11';

describe('server metadata', () => {
  let c: Cloud;
  let server: any;
  before(async () => {
    c = await startCloud({ overrides: ['quota.metadata_items=5'] });
    server = await c.bootServer('demo', { metadata: { boot: 'yes' } });
  });
  after(async () => {
    await c.stop();
  });

  const meta = (user: string, method: string, path = '', body?: unknown, version = '2.1') =>
    c.req(user, method, `/servers/${server.id}/metadata${path}`, { ...(body !== undefined && { body }), version });
  const reset = async (m: Record<string, string>) => assert.equal((await meta('demo', 'PUT', '', { metadata: m })).status, 200);

  it('lists the metadata given at boot, as server bodies show it', async () => {
    const r = await meta('demo_reader', 'GET');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { metadata: { boot: 'yes' } });
    const s = await c.req('demo', 'GET', `/servers/${server.id}`);
    assert.deepEqual(s.body.server.metadata, { boot: 'yes' });
  });

  it('merges with POST (200 with the whole metadata), replaces with PUT, and server bodies follow', async () => {
    await reset({ a: '1', b: '2' });
    let r = await meta('demo', 'POST', '', { metadata: { b: 'two', c: '3' } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body, { metadata: { a: '1', b: 'two', c: '3' } });
    r = await meta('demo', 'PUT', '', { metadata: { z: '' } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body, { metadata: { z: '' } });
    const s = await c.req('demo', 'GET', `/servers/${server.id}`);
    assert.deepEqual(s.body.server.metadata, { z: '' });
    r = await meta('demo', 'PUT', '', { metadata: {} });
    assert.deepEqual(r.body, { metadata: {} });
    assert.deepEqual((await meta('demo', 'GET')).body, { metadata: {} });
  });

  it('shows, sets and deletes one item', async () => {
    await reset({ a: '1' });
    let r = await meta('demo_reader', 'GET', '/a');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { meta: { a: '1' } });
    r = await meta('demo', 'GET', '/nope');
    assert.equal(r.status, 404);
    assert.equal(r.body.itemNotFound.message, 'Metadata item was not found');
    r = await meta('demo', 'PUT', '/b', { meta: { b: 'bee' } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body, { meta: { b: 'bee' } });
    assert.deepEqual((await meta('demo', 'GET')).body, { metadata: { a: '1', b: 'bee' } });
    r = await meta('demo', 'DELETE', '/a');
    assert.equal(r.status, 204);
    assert.equal(r.text, '');
    assert.deepEqual((await meta('demo', 'GET')).body, { metadata: { b: 'bee' } });
    r = await meta('demo', 'DELETE', '/a');
    assert.equal(r.status, 404);
    assert.equal(r.body.itemNotFound.message, 'Metadata item was not found');
  });

  it('refuses bodies as Nova does', async () => {
    const cases: Array<[string, string, unknown, RegExp]> = [
      ['PUT', '/a', { meta: { b: '1' } }, /^Request body and URI mismatch$/],
      ['PUT', '/a', { meta: { a: '1', b: '2' } }, /has too many properties/],
      ['PUT', '/a', { meta: {} }, /does not have enough properties/],
      ['PUT', '/a', { metadata: { a: '1' } }, /'meta' is a required property/],
      ['POST', '', { metadata: { a: 1 } }, /1 is not of type 'string'/],
      ['POST', '', { metadata: { 'a/b': '1' } }, /Additional properties are not allowed/],
      ['POST', '', { metadata: { a: 'x'.repeat(256) } }, /is too long/],
      ['POST', '', { metadata: { ['k'.repeat(256)]: 'v' } }, /Additional properties are not allowed/],
      ['PUT', '', { meta: { a: '1' } }, /'metadata' is a required property/],
      ['POST', '', { metadata: { a: '1' }, x: 1 }, /Additional properties are not allowed \('x' was unexpected\)/],
    ];
    for (const [method, path, body, msg] of cases) {
      const r = await meta('demo', method, path, body);
      assert.equal(r.status, 400, `${method} ${path} ${JSON.stringify(body)}: ${r.text}`);
      assert.match(r.body.badRequest.message, msg, JSON.stringify(body));
    }
    // 255-character keys and values are fine.
    const r = await meta('demo', 'PUT', '', { metadata: { ['k'.repeat(255)]: 'v'.repeat(255) } });
    assert.equal(r.status, 200, r.text);
  });

  it('404s an unknown server and another project\'s server', async () => {
    for (const [user, id] of [['demo', NO_SERVER], ['alt_demo', server.id]] as const) {
      for (const [method, path, body] of [['GET', ''], ['POST', '', { metadata: {} }], ['PUT', '', { metadata: {} }], ['GET', '/a'], ['PUT', '/a', { meta: { a: '1' } }], ['DELETE', '/a']] as const) {
        const r = await c.req(user, method, `/servers/${id}/metadata${path}`, body === undefined ? {} : { body });
        assert.equal(r.status, 404, `${user} ${method} ${path}`);
        assert.equal(r.body.itemNotFound.message, `Instance ${id} could not be found.`);
      }
    }
  });

  it('lets readers read and only members (or admins) write', async () => {
    await reset({ a: '1' });
    for (const [method, path, body] of [['POST', '', { metadata: { x: '1' } }], ['PUT', '', { metadata: {} }], ['PUT', '/a', { meta: { a: '2' } }], ['DELETE', '/a']] as const) {
      const r = await meta('demo_reader', method, path, body);
      assert.equal(r.status, 403, `${method} ${path}`);
      assert.match(r.body.forbidden.message, /^Policy doesn't allow os_compute_api:server-metadata:(create|update_all|update|delete) to be performed\.$/);
    }
    assert.deepEqual((await meta('demo', 'GET')).body, { metadata: { a: '1' } });
    assert.equal((await meta('admin', 'POST', '', { metadata: { adm: 'in' } })).status, 200);
    assert.deepEqual((await meta('demo_reader', 'GET')).body, { metadata: { a: '1', adm: 'in' } });
  });

  it('enforces metadata_items on the metadata the server would have: 403 with Nova\'s message', async () => {
    await reset({ a: '1', b: '2', c: '3', d: '4' });
    let r = await meta('demo', 'POST', '', { metadata: { e: '5' } });
    assert.equal(r.status, 200);
    r = await meta('demo', 'POST', '', { metadata: { f: '6' } });
    assert.equal(r.status, 403);
    assert.equal(r.body.forbidden.message, 'Maximum number of metadata items exceeds 5');
    r = await meta('demo', 'PUT', '/g', { meta: { g: '7' } });
    assert.equal(r.status, 403);
    // Changing an existing key does not count twice.
    r = await meta('demo', 'PUT', '/a', { meta: { a: 'one' } });
    assert.equal(r.status, 200);
    r = await meta('demo', 'PUT', '', { metadata: { a: '1', b: '2', c: '3', d: '4', e: '5', f: '6' } });
    assert.equal(r.status, 403);
    assert.equal(r.body.forbidden.message, 'Maximum number of metadata items exceeds 5');
    assert.deepEqual(Object.keys((await meta('demo', 'GET')).body.metadata).sort(), ['a', 'b', 'c', 'd', 'e']);
  });

  it('enforces metadata_items at boot and at rebuild', async () => {
    const six = { a: '1', b: '2', c: '3', d: '4', e: '5', f: '6' };
    const flavors = await c.req('demo', 'GET', '/flavors');
    const flavorRef = flavors.body.flavors.find((f: any) => f.name === 'm1.tiny').id;
    let r = await c.req('demo', 'POST', '/servers', { body: { server: { name: 'q', flavorRef, imageRef: server.image.id, metadata: six } } });
    assert.equal(r.status, 403, r.text);
    assert.equal(r.body.forbidden.message, 'Maximum number of metadata items exceeds 5');
    r = await c.req('demo', 'POST', `/servers/${server.id}/action`, { body: { rebuild: { imageRef: server.image.id, metadata: six } } });
    assert.equal(r.status, 403, r.text);
    assert.equal(r.body.forbidden.message, 'Maximum number of metadata items exceeds 5');
  });

  it('keeps metadata set at rebuild', async () => {
    const s = await c.bootServer('demo', { metadata: { old: '1' } });
    const r = await c.req('demo', 'POST', `/servers/${s.id}/action`, { body: { rebuild: { imageRef: s.image.id, metadata: { new: '2' } } } });
    assert.equal(r.status, 202, r.text);
    assert.deepEqual(r.body.server.metadata, { new: '2' });
    await c.waitServer(s.id, (x) => x.status === 'ACTIVE');
    assert.deepEqual((await c.req('demo', 'GET', `/servers/${s.id}/metadata`)).body, { metadata: { new: '2' } });
  });

  it('409s a locked server for its members, not for admins', async () => {
    await reset({ a: '1' });
    assert.equal((await c.req('admin', 'POST', `/servers/${server.id}/action`, { body: { lock: null } })).status, 202);
    try {
      for (const [method, path, body] of [['POST', '', { metadata: { x: '1' } }], ['PUT', '', { metadata: {} }], ['PUT', '/a', { meta: { a: '2' } }], ['DELETE', '/a']] as const) {
        const r = await meta('demo', method, path, body);
        assert.equal(r.status, 409, `${method} ${path}`);
        assert.equal(r.body.conflictingRequest.message, `Instance ${server.id} is locked`);
      }
      // A missing key is a 404 before the lock is looked at.
      assert.equal((await meta('demo', 'DELETE', '/nope')).status, 404);
      assert.equal((await meta('demo', 'GET')).status, 200);
      assert.equal((await meta('admin', 'PUT', '/a', { meta: { a: 'admin' } })).status, 200);
    } finally {
      assert.equal((await c.req('admin', 'POST', `/servers/${server.id}/action`, { body: { unlock: null } })).status, 202);
    }
    assert.deepEqual((await meta('demo', 'GET')).body, { metadata: { a: 'admin' } });
  });

  it('409s a server with a task or in a state its metadata cannot change in', async () => {
    await reset({ a: '1' });
    const states: Array<[Record<string, unknown>, string]> = [
      [{ task_state: 'rebooting' }, 'task_state rebooting'],
      [{ vm_state: 'error' }, 'vm_state error'],
      [{ vm_state: 'rescued' }, 'vm_state rescued'],
      [{ vm_state: 'building', task_state: null, launched_at: null }, 'vm_state building'],
    ];
    const before = await c.aio.base.db.kysely.selectFrom('instances').select(['vm_state', 'task_state', 'launched_at']).where('uuid', '=', server.id).executeTakeFirstOrThrow();
    try {
      for (const [cols, what] of states) {
        await setInstanceColumns(c, server.id, { ...before, ...cols });
        let r = await meta('demo', 'POST', '', { metadata: { x: '1' } });
        assert.equal(r.status, 409, what);
        assert.equal(r.body.conflictingRequest.message, `Cannot 'update metadata' instance ${server.id} while it is in ${what}`);
        r = await meta('demo', 'DELETE', '/a');
        assert.equal(r.status, 409, what);
        assert.equal(r.body.conflictingRequest.message, `Cannot 'delete metadata' instance ${server.id} while it is in ${what}`);
        assert.equal((await meta('demo_reader', 'GET')).status, 200);
      }
      // Paused, suspended and stopped servers take changes.
      for (const vm of ['paused', 'suspended', 'stopped']) {
        await setInstanceColumns(c, server.id, { ...before, vm_state: vm });
        assert.equal((await meta('demo', 'PUT', '/a', { meta: { a: vm } })).status, 200, vm);
      }
    } finally {
      await setInstanceColumns(c, server.id, before);
    }
  });

  it('keeps both of two concurrent merges', async () => {
    await reset({});
    const rs = await Promise.all(['p', 'q', 'r', 's'].map((k) => meta('demo', 'POST', '', { metadata: { [k]: k } })));
    for (const r of rs) assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys((await meta('demo', 'GET')).body.metadata).sort(), ['p', 'q', 'r', 's']);
  });

  it('still answers 2.102 and later, where the reads take no query parameters', async () => {
    let r = await c.req('demo', 'GET', `/servers/${server.id}/metadata?foo=1`, { version: '2.101' });
    assert.equal(r.status, 200);
    r = await c.req('demo', 'GET', `/servers/${server.id}/metadata?foo=1`, { version: '2.102' });
    assert.equal(r.status, 400);
  });
});

describe('server metadata quota default', () => {
  let c: Cloud;
  before(async () => {
    c = await startCloud();
  });
  after(async () => {
    await c.stop();
  });

  it('allows 128 metadata items and refuses a 129th', async () => {
    const s = await c.bootServer('demo');
    const items = Object.fromEntries(Array.from({ length: 128 }, (_, i) => [`k${i}`, String(i)]));
    let r = await c.req('demo', 'PUT', `/servers/${s.id}/metadata`, { body: { metadata: items } });
    assert.equal(r.status, 200, r.text);
    r = await c.req('demo', 'PUT', `/servers/${s.id}/metadata/k128`, { body: { meta: { k128: 'x' } } });
    assert.equal(r.status, 403);
    assert.equal(r.body.forbidden.message, 'Maximum number of metadata items exceeds 128');
  });
});
