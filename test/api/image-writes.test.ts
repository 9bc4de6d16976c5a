// The image service's write side over HTTP: create (queued), upload (active,
// size and checksums), download, JSON-patch updates, delete, Glance's status
// codes and default policies, and images surviving a restart.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startCloud, type Cloud } from '../support/cloud.js';

let c: Cloud;
before(async () => {
  c = await startCloud();
});
after(async () => {
  await c.stop();
});

const PATCH = 'application/openstack-images-v2.1-json-patch';

async function img(user: string, method: string, path: string, opts: { json?: unknown; patch?: unknown; data?: Buffer; type?: string } = {}) {
  const headers: Record<string, string> = { 'X-Auth-Token': await c.token(user) };
  let body: string | Blob | undefined;
  if (opts.json !== undefined) {
    headers['Content-Type'] = opts.type ?? 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.patch !== undefined) {
    headers['Content-Type'] = opts.type ?? PATCH;
    body = JSON.stringify(opts.patch);
  } else if (opts.data !== undefined) {
    headers['Content-Type'] = opts.type ?? 'application/octet-stream';
    body = new Blob([new Uint8Array(opts.data)]);
  }
  const r = await fetch(`${c.imageUrl}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const buf = Buffer.from(await r.arrayBuffer());
  const text = buf.toString('utf8');
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: r.status, headers: r.headers, body: json, text, bytes: buf };
}

describe('image write side', () => {
  it('creates a queued image with Glance defaults, uploads data to active, and downloads it back', async () => {
    const r = await img('demo', 'POST', '/v2/images', {
      json: { name: 'mine', disk_format: 'qcow2', container_format: 'bare', min_ram: 64, tags: ['a', 'a', 'b'], os_distro: 'cirros' },
    });
    assert.equal(r.status, 201, r.text);
    const id = r.body.id;
    assert.equal(r.headers.get('location'), `/v2/images/${id}`);
    assert.equal(r.body.status, 'queued');
    assert.equal(r.body.visibility, 'shared');
    assert.equal(r.body.owner, await c.projectId('demo'));
    assert.equal(r.body.size, null);
    assert.equal(r.body.checksum, null);
    assert.equal(r.body.min_ram, 64);
    assert.equal(r.body.protected, false);
    assert.deepEqual(r.body.tags, ['a', 'b']);
    assert.equal(r.body.os_distro, 'cirros');
    assert.equal(r.body.file, `/v2/images/${id}/file`);

    const empty = await img('demo', 'GET', `/v2/images/${id}/file`);
    assert.equal(empty.status, 204);

    const data = Buffer.from('QFI\xfb some image bytes '.repeat(5000), 'latin1');
    const up = await img('demo', 'PUT', `/v2/images/${id}/file`, { data });
    assert.equal(up.status, 204, up.text);
    const shown = await img('demo', 'GET', `/v2/images/${id}`);
    assert.equal(shown.body.status, 'active');
    assert.equal(shown.body.size, data.length);
    assert.equal(shown.body.checksum, createHash('md5').update(data).digest('hex'));
    assert.equal(shown.body.os_hash_algo, 'sha512');
    assert.equal(shown.body.os_hash_value, createHash('sha512').update(data).digest('hex'));

    const down = await img('demo', 'GET', `/v2/images/${id}/file`);
    assert.equal(down.status, 200);
    assert.equal(down.headers.get('content-type'), 'application/octet-stream');
    assert.equal(down.headers.get('content-md5'), shown.body.checksum);
    assert.ok(down.bytes.equals(data));

    const again = await img('demo', 'PUT', `/v2/images/${id}/file`, { data });
    assert.equal(again.status, 409);
    assert.match(again.text, /Image status transition from active to saving is not allowed/);

    // A server boots from it.
    const s = await c.bootServer('demo', { imageRef: id });
    assert.equal(s.image.id, id);
  });

  it('refuses bad attributes with Glance status codes', async () => {
    const cases: Array<[unknown, number, RegExp]> = [
      [{ name: 'x', disk_format: 'floppy' }, 400, /does not match schema/],
      [{ name: 'x', container_format: 'tar' }, 400, /does not match schema/],
      [{ name: 'x', visibility: 'everyone' }, 400, /does not match schema/],
      [{ name: 'x', min_disk: -1 }, 400, /minimum/],
      [{ name: 'x', min_ram: 'lots' }, 400, /integer/],
      [{ name: 'x', protected: 'yes' }, 400, /boolean/],
      [{ name: 'x', tags: 'a' }, 400, /array/],
      [{ name: 'x', custom: 5 }, 400, /string/],
      [{ name: 'x'.repeat(256) }, 400, /255/],
      [{ name: 'x', status: 'active' }, 403, /Attribute 'status' is read-only/],
      [{ name: 'x', size: 5 }, 403, /Attribute 'size' is read-only/],
      [{ name: 'x', deleted: false }, 403, /Attribute 'deleted' is reserved/],
      [{ name: 'x', id: 'not-a-uuid' }, 400, /UUID/],
      [[1], 400, /Body expected/],
      [undefined, 400, /Body expected/],
    ];
    for (const [json, code, message] of cases) {
      const r = await img('demo', 'POST', '/v2/images', { json });
      assert.equal(r.status, code, `${JSON.stringify(json)}: ${r.text}`);
      assert.match(r.text, message);
    }
  });

  it('filters the list on created_at and updated_at with Glance operators; a bad time or operator is a 400', async () => {
    const made = await img('demo', 'POST', '/v2/images', { json: { name: 'dated', disk_format: 'raw', container_format: 'bare' } });
    assert.equal(made.status, 201, made.text);
    const at: string = made.body.created_at;
    const names = async (query: string) => {
      const r = await img('demo', 'GET', `/v2/images?name=dated&${query}`);
      assert.equal(r.status, 200, `${query}: ${r.text}`);
      return r.body.images.map((i: { name: string }) => i.name);
    };
    assert.deepEqual(await names('created_at=gte:2014-01-01T01:01:01Z'), ['dated']);
    assert.deepEqual(await names('created_at=gte:2049-01-01T01:01:01Z'), []);
    assert.deepEqual(await names(`created_at=${encodeURIComponent(at)}`), ['dated']);
    assert.deepEqual(await names(`created_at=lte:${encodeURIComponent(at)}`), ['dated']);
    assert.deepEqual(await names(`created_at=lt:${encodeURIComponent(at)}`), []);
    assert.deepEqual(await names(`created_at=neq:${encodeURIComponent(at)}`), []);
    assert.deepEqual(await names('updated_at=gt:2014-01-01T00:00:00%2B02:00'), ['dated']);
    assert.deepEqual(await names('updated_at=lt:2014-01-01'), []);

    const badTime = await img('demo', 'GET', '/v2/images?created_at=gte:yesterday');
    assert.equal(badTime.status, 400);
    assert.match(badTime.text, /Bad "created_at" query filter format. Use ISO 8601 DateTime notation./);
    const badOp = await img('demo', 'GET', '/v2/images?updated_at=around:2014-01-01T00:00:00Z');
    assert.equal(badOp.status, 400);
    assert.match(badOp.text, /Unable to filter on a unknown operator./);
  });

  it('applies Glance default policies: public needs admin, readers cannot create, owners or admins change', async () => {
    const pub = await img('demo', 'POST', '/v2/images', { json: { name: 'p', visibility: 'public' } });
    assert.equal(pub.status, 403);
    assert.match(pub.text, /You are not authorized to complete publicize_image action/);
    const reader = await img('demo_reader', 'POST', '/v2/images', { json: { name: 'r' } });
    assert.equal(reader.status, 403);
    assert.match(reader.text, /add_image/);
    const other = await img('demo', 'POST', '/v2/images', { json: { name: 'o', owner: 'someone-else' } });
    assert.equal(other.status, 403);

    const priv = await img('demo', 'POST', '/v2/images', { json: { name: 'private-one', visibility: 'private' } });
    assert.equal(priv.status, 201);
    const id = priv.body.id;
    // Another project cannot boot from it (Nova's answer when Glance hides an image).
    await img('demo', 'PATCH', `/v2/images/${id}`, { patch: [{ op: 'replace', path: '/disk_format', value: 'raw' }, { op: 'replace', path: '/container_format', value: 'bare' }] });
    await img('demo', 'PUT', `/v2/images/${id}/file`, { data: Buffer.from('private bytes') });
    const altBoot = await c.req('alt_demo', 'POST', '/servers', { body: { server: { name: 'x', flavorRef: '1', imageRef: id, networks: 'none' } }, version: '2.37' });
    assert.equal(altBoot.status, 400);
    assert.equal(altBoot.body.badRequest.message, 'Can not find requested image');
    const altServer = await c.bootServer('alt_demo');
    const altRebuild = await c.req('alt_demo', 'POST', `/servers/${altServer.id}/action`, { body: { rebuild: { imageRef: id } } });
    assert.equal(altRebuild.status, 400);
    // Another project sees nothing: 404 on show, absent from lists, 404 on writes.
    assert.equal((await img('alt_demo', 'GET', `/v2/images/${id}`)).status, 404);
    const altList = await img('alt_demo', 'GET', '/v2/images');
    assert.ok(!altList.body.images.some((i: any) => i.id === id));
    assert.equal((await img('alt_demo', 'DELETE', `/v2/images/${id}`)).status, 404);
    assert.equal((await img('alt_demo', 'PATCH', `/v2/images/${id}`, { patch: [{ op: 'replace', path: '/name', value: 'x' }] })).status, 404);
    // The project's reader sees it but cannot change it.
    assert.equal((await img('demo_reader', 'GET', `/v2/images/${id}`)).status, 200);
    const readerPatch = await img('demo_reader', 'PATCH', `/v2/images/${id}`, { patch: [{ op: 'replace', path: '/name', value: 'x' }] });
    assert.equal(readerPatch.status, 403);
    assert.match(readerPatch.text, /modify_image/);
    // The admin sees and may publicise it.
    const adminList = await img('admin', 'GET', '/v2/images');
    assert.ok(adminList.body.images.some((i: any) => i.id === id));
    const made = await img('admin', 'PATCH', `/v2/images/${id}`, { patch: [{ op: 'replace', path: '/visibility', value: 'public' }] });
    assert.equal(made.status, 200, made.text);
    assert.equal((await img('alt_demo', 'GET', `/v2/images/${id}`)).status, 200);
    // Seeded images are fixed.
    const cirros = (await img('admin', 'GET', '/v2/images?name=cirros')).body.images[0];
    assert.equal((await img('admin', 'DELETE', `/v2/images/${cirros.id}`)).status, 403);
  });

  it('PATCH adds, replaces and removes properties and attributes', async () => {
    const id = (await img('demo', 'POST', '/v2/images', { json: { name: 'patchy', k: 'v' } })).body.id;
    const r = await img('demo', 'PATCH', `/v2/images/${id}`, {
      patch: [
        { op: 'replace', path: '/name', value: 'renamed' },
        { op: 'add', path: '/hw_disk_bus', value: 'scsi' },
        { op: 'replace', path: '/k', value: 'w' },
        { op: 'replace', path: '/tags', value: ['t1'] },
        { op: 'replace', path: '/min_disk', value: 2 },
        { op: 'add', path: '/protected', value: true },
      ],
    });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.name, 'renamed');
    assert.equal(r.body.hw_disk_bus, 'scsi');
    assert.equal(r.body.k, 'w');
    assert.deepEqual(r.body.tags, ['t1']);
    assert.equal(r.body.min_disk, 2);
    assert.equal(r.body.protected, true);
    // The older form: the operation's name holds the path.
    const older = await img('demo', 'PATCH', `/v2/images/${id}`, { patch: [{ replace: '/name', value: 'older' }, { add: '/o', value: 'p' }] });
    assert.equal(older.status, 200, older.text);
    assert.equal(older.body.name, 'older');
    assert.equal(older.body.o, 'p');
    const both = await img('demo', 'PATCH', `/v2/images/${id}`, { patch: [{ replace: '/name', add: '/x', value: 'v' }] });
    assert.equal(both.status, 400);
    const removed = await img('demo', 'PATCH', `/v2/images/${id}`, { patch: [{ op: 'remove', path: '/k' }, { remove: '/o' }] });
    assert.equal(removed.status, 200);
    assert.equal(removed.body.k, undefined);
    assert.equal(removed.body.o, undefined);

    const cases: Array<[unknown, number, RegExp, string?]> = [
      [[{ op: 'remove', path: '/k' }], 409, /Property k does not exist/],
      [[{ op: 'replace', path: '/nope', value: 'x' }], 409, /Property nope does not exist/],
      [[{ op: 'replace', path: '/status', value: 'active' }], 403, /Attribute 'status' is read-only/],
      [[{ op: 'replace', path: '/id', value: id }], 403, /read-only/],
      [[{ op: 'remove', path: '/name' }], 403, /may not be removed/],
      [[{ op: 'move', path: '/name', value: 'x' }], 400, /op/],
      [[{ op: 'replace', path: 'name', value: 'x' }], 400, /does not start with/],
      [[{ op: 'replace', path: '/a/b', value: 'x' }], 400, /Invalid JSON pointer/],
      [[{ op: 'replace', path: '/disk_format', value: 'floppy' }], 400, /does not match schema/],
      [{ op: 'replace' }, 400, /array/],
      [[{ op: 'replace', path: '/name', value: 'x' }], 415, /Unsupported Content-Type/, 'application/json'],
    ];
    for (const [patch, code, message, type] of cases) {
      const res = await img('demo', 'PATCH', `/v2/images/${id}`, { patch, ...(type ? { type } : {}) });
      assert.equal(res.status, code, `${JSON.stringify(patch)}: ${res.text}`);
      assert.match(res.text, message);
    }

    // Protected: no delete until unprotected.
    const del = await img('demo', 'DELETE', `/v2/images/${id}`);
    assert.equal(del.status, 403);
    assert.match(del.text, new RegExp(`Image ${id} is protected and cannot be deleted`));
    await img('demo', 'PATCH', `/v2/images/${id}`, { patch: [{ op: 'replace', path: '/protected', value: false }] });
    // As tempest's client sends it: a JSON content type with no body.
    const empty = await fetch(`${c.imageUrl}/v2/images/${id}`, { method: 'DELETE', headers: { 'X-Auth-Token': await c.token('demo'), 'Content-Type': 'application/json' } });
    assert.equal(empty.status, 204);
    assert.equal((await img('demo', 'GET', `/v2/images/${id}`)).status, 404);
    assert.equal((await img('demo', 'DELETE', `/v2/images/${id}`)).status, 404);
  });

  it('adds and removes single tags; an unknown tag or image is a 404', async () => {
    const id = (await img('demo', 'POST', '/v2/images', { json: { name: 'tagged', tags: ['a'] } })).body.id;
    assert.equal((await img('demo', 'PUT', `/v2/images/${id}/tags/b`)).status, 204);
    assert.equal((await img('demo', 'PUT', `/v2/images/${id}/tags/b`)).status, 204);
    assert.deepEqual((await img('demo', 'GET', `/v2/images/${id}`)).body.tags, ['a', 'b']);
    assert.equal((await img('demo', 'DELETE', `/v2/images/${id}/tags/a`)).status, 204);
    assert.deepEqual((await img('demo', 'GET', `/v2/images/${id}`)).body.tags, ['b']);
    assert.equal((await img('demo', 'DELETE', `/v2/images/${id}/tags/a`)).status, 404);
    assert.equal((await img('demo', 'PUT', '/v2/images/00000000-0000-4000-8000-000000000000/tags/x')).status, 404);
    assert.equal((await img('demo_reader', 'PUT', `/v2/images/${id}/tags/c`)).status, 403);
  });

  it('deactivates and reactivates an active image: no download but for admins, no boot; a queued one cannot be', async () => {
    const id = (await img('demo', 'POST', '/v2/images', { json: { name: 'deact', disk_format: 'raw', container_format: 'bare' } })).body.id;
    const early = await img('demo', 'POST', `/v2/images/${id}/actions/deactivate`);
    assert.equal(early.status, 403);
    assert.match(early.text, /Not allowed to deactivate image in status 'queued'/);
    await img('demo', 'PUT', `/v2/images/${id}/file`, { data: Buffer.from('bytes') });
    assert.equal((await img('demo', 'POST', `/v2/images/${id}/actions/deactivate`)).status, 204);
    assert.equal((await img('demo', 'POST', `/v2/images/${id}/actions/deactivate`)).status, 204);
    assert.equal((await img('demo', 'GET', `/v2/images/${id}`)).body.status, 'deactivated');
    const refused = await img('demo', 'GET', `/v2/images/${id}/file`);
    assert.equal(refused.status, 403);
    assert.equal((await img('admin', 'GET', `/v2/images/${id}/file`)).text, 'bytes');
    const boot = await c.req('demo', 'POST', '/servers', { body: { server: { name: 'd', flavorRef: '1', imageRef: id, networks: 'none' } }, version: '2.37' });
    assert.equal(boot.status, 400);
    assert.equal((await img('demo_reader', 'POST', `/v2/images/${id}/actions/reactivate`)).status, 403);
    assert.equal((await img('demo', 'POST', `/v2/images/${id}/actions/reactivate`)).status, 204);
    assert.equal((await img('demo', 'GET', `/v2/images/${id}/file`)).text, 'bytes');
    assert.equal((await img('demo', 'POST', `/v2/images/${id}/actions/explode`)).status, 404);
  });

  it('uploads need both formats and an octet stream; a queued image cannot be booted', async () => {
    const id = (await img('demo', 'POST', '/v2/images', { json: { name: 'bare' } })).body.id;
    const r = await img('demo', 'PUT', `/v2/images/${id}/file`, { data: Buffer.from('x') });
    assert.equal(r.status, 400);
    assert.match(r.text, /Properties disk_format, container_format must be set prior to saving data/);
    const t = await img('demo', 'PUT', `/v2/images/${id}/file`, { data: Buffer.from('x'), type: 'text/plain' });
    assert.equal(t.status, 415);
    const boot = await c.req('demo', 'POST', '/servers', {
      body: { server: { name: 'q', flavorRef: '1', imageRef: id, networks: 'none' } },
      version: '2.37',
    });
    assert.equal(boot.status, 400);
    assert.equal(boot.body.badRequest.message, `Image ${id} is not active.`);
  });

  it('keeps images and their data across a restart; an upload cut off goes back to queued', async () => {
    const made = await img('demo', 'POST', '/v2/images', { json: { name: 'lasting', disk_format: 'raw', container_format: 'bare' } });
    const id = made.body.id;
    await img('demo', 'PUT', `/v2/images/${id}/file`, { data: Buffer.from('persisted') });
    const cut = (await img('demo', 'POST', '/v2/images', { json: { name: 'cut', disk_format: 'raw', container_format: 'bare' } })).body.id;
    // An upload in progress when the process stops.
    const { readFileSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const rec = join(c.stateDir, 'images', `${cut}.json`);
    writeFileSync(rec, JSON.stringify({ ...JSON.parse(readFileSync(rec, 'utf8')), status: 'saving' }));
    writeFileSync(join(c.stateDir, 'images', `${cut}.upload.lock`), '');
    await c.restart();
    const shown = await img('demo', 'GET', `/v2/images/${id}`);
    assert.equal(shown.body.status, 'active');
    assert.equal((await img('demo', 'GET', `/v2/images/${id}/file`)).text, 'persisted');
    assert.equal((await img('demo', 'GET', `/v2/images/${cut}`)).body.status, 'queued');
    assert.equal((await img('demo', 'PUT', `/v2/images/${cut}/file`, { data: Buffer.from('again') })).status, 204);
  });
});
