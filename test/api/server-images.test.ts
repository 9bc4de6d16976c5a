// createImage and createBackup: the answer per microversion, the image made
// with the server's properties and uploaded by the host, the task states,
// state guards and policy, rotation of backups, a failed snapshot (image
// deleted, server still ACTIVE) and a host killed mid-snapshot.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud } from '../support/cloud.js';
import { act, actionOf, requestIdOf } from '../support/actions.js';
import { until } from '../support/wait.js';

let c: Cloud;
before(async () => {
  c = await startCloud();
});
after(async () => {
  await c.stop();
});

const HOST = 'OS-EXT-SRV-ATTR:host';
const settled = (status: string) => (x: any) => x.status === status && x['OS-EXT-STS:task_state'] === null;

async function image(user: string, id: string): Promise<{ status: number; body: any }> {
  const r = await fetch(`${c.imageUrl}/v2/images/${id}`, { headers: { 'X-Auth-Token': await c.token(user) } });
  return { status: r.status, body: r.status === 200 ? await r.json() : await r.text() };
}
const activeImage = (user: string, id: string) => until(`image ${id} to be active`, () => image(user, id), (i) => i.status === 200 && i.body.status === 'active');
const hostOf = async (id: string): Promise<string> => (await c.req('admin', 'GET', `/servers/${id}`)).body.server[HOST];
const goneImage = (user: string, id: string) => until(`image ${id} to be deleted`, () => image(user, id), (i) => i.status === 404);

describe('createImage', () => {
  it('2.45+: 202 {image_id}; the image carries the server\'s properties and becomes active; the server goes back to ACTIVE', async () => {
    const s = await c.bootServer('demo');
    const r = await act(c, 'demo', s.id, { createImage: { name: 'snap', metadata: { purpose: 'test' } } }, '2.45');
    assert.equal(r.status, 202, r.text);
    assert.deepEqual(Object.keys(r.body), ['image_id']);
    assert.equal(r.headers.get('location'), null);
    const id = r.body.image_id;
    const img = (await activeImage('demo', id)).body;
    assert.equal(img.name, 'snap');
    assert.equal(img.visibility, 'private');
    assert.equal(img.owner, await c.projectId('demo'));
    assert.equal(img.instance_uuid, s.id);
    assert.equal(img.image_type, 'snapshot');
    assert.equal(img.base_image_ref, s.image.id);
    assert.equal(img.user_id, s.user_id);
    assert.equal(img.purpose, 'test');
    assert.equal(img.os_distro, 'cirros', 'inherits the boot image\'s properties');
    assert.equal(img.disk_format, 'qcow2');
    assert.equal(img.container_format, 'bare');
    assert.ok(img.size > 0);
    assert.match(img.checksum, /^[0-9a-f]{32}$/);
    const data = await fetch(`${c.imageUrl}/v2/images/${id}/file`, { headers: { 'X-Auth-Token': await c.token('demo') } });
    assert.equal(Buffer.from(await data.arrayBuffer()).subarray(0, 4).toString('latin1'), 'QFI\xfb');
    await c.waitServer(s.id, settled('ACTIVE'));
    const action = await until('the snapshot event to finish', () => actionOf(c, s.id, requestIdOf(r)), (a) => a.events.length === 1 && a.events[0].finish_time !== null);
    assert.equal(action.action, 'createImage');
    assert.equal(action.events[0].event, 'compute_snapshot_instance');
    assert.equal(action.events[0].result, 'Success');
    // A server boots from the snapshot.
    const t = await c.bootServer('demo', { imageRef: id });
    assert.equal(t.image.id, id);
  });

  it('below 2.45: 202 with no body and the image URL in Location; the task passes through the snapshot states', async () => {
    const s = await c.bootServer('demo');
    const r = await act(c, 'demo', s.id, { createImage: { name: 'old-style' } }, '2.1');
    assert.equal(r.status, 202, r.text);
    assert.equal(r.text, '');
    const loc = r.headers.get('location') ?? '';
    assert.match(loc, /\/images\/[0-9a-f-]{36}$/);
    const id = loc.split('/').pop()!;
    const seen = await c.req('demo', 'GET', `/servers/${s.id}`);
    assert.ok(['image_snapshot_pending', 'image_snapshot', 'image_pending_upload', 'image_uploading', null].includes(seen.body.server['OS-EXT-STS:task_state']));
    await activeImage('demo', id);
    await c.waitServer(s.id, settled('ACTIVE'));
  });

  it('works on a stopped server; refuses bad bodies, other states and other projects', async () => {
    const s = await c.bootServer('demo');
    await act(c, 'demo', s.id, { 'os-stop': null });
    await c.waitServer(s.id, settled('SHUTOFF'));
    const ok = await act(c, 'demo', s.id, { createImage: { name: 'off' } }, '2.45');
    assert.equal(ok.status, 202);
    // Busy with the snapshot: a second one is refused.
    const busy = await act(c, 'demo', s.id, { createImage: { name: 'again' } }, '2.45');
    if (busy.status === 409) assert.match(busy.body.conflictingRequest.message, /Cannot 'createImage' instance .* while it is in task_state image_/);
    await activeImage('demo', ok.body.image_id);
    await c.waitServer(s.id, settled('SHUTOFF'));

    for (const body of [{ createImage: {} }, { createImage: { name: '' } }, { createImage: { name: 'x', metadata: { a: 1 } } }, { createImage: { name: 'x', extra: 1 } }]) {
      const r = await act(c, 'demo', s.id, body);
      assert.equal(r.status, 400, JSON.stringify(body));
    }
    const other = await act(c, 'alt_demo', s.id, { createImage: { name: 'x' } });
    assert.equal(other.status, 404);
    const reader = await act(c, 'demo_reader', s.id, { createImage: { name: 'x' } });
    assert.equal(reader.status, 403);

    const r = await c.req('admin', 'POST', `/servers/${s.id}/action`, { body: { 'os-resetState': { state: 'error' } } });
    assert.equal(r.status, 202);
    const bad = await act(c, 'demo', s.id, { createImage: { name: 'x' } });
    assert.equal(bad.status, 409);
    assert.equal(bad.body.conflictingRequest.message, `Cannot 'createImage' instance ${s.id} while it is in vm_state error`);
  });

  it('an admin\'s snapshot of another project\'s server is shared and names the owner', async () => {
    const s = await c.bootServer('demo');
    const r = await act(c, 'admin', s.id, { createImage: { name: 'by-admin' } }, '2.45');
    assert.equal(r.status, 202);
    const img = (await activeImage('admin', r.body.image_id)).body;
    assert.equal(img.visibility, 'shared');
    assert.equal(img.instance_owner, await c.projectId('demo'));
    assert.equal(img.owner, await c.projectId('admin'));
    // The server's project reads it by id (a pending member), but does not list it, and cannot change it.
    assert.equal((await image('demo', r.body.image_id)).status, 200);
    const listed = await fetch(`${c.imageUrl}/v2/images`, { headers: { 'X-Auth-Token': await c.token('demo') } });
    assert.ok(!((await listed.json()) as any).images.some((i: any) => i.id === r.body.image_id));
    assert.equal((await image('alt_demo', r.body.image_id)).status, 404);
    const del = await fetch(`${c.imageUrl}/v2/images/${r.body.image_id}`, { method: 'DELETE', headers: { 'X-Auth-Token': await c.token('demo') } });
    assert.equal(del.status, 403);
  });

  it('a snapshot that fails on the host deletes the image and leaves the server ACTIVE', async () => {
    const s = await c.bootServer('demo');
    c.aio.faults.add({ step: 'snapshot', server: s.id, count: 1, message: 'disk copy failed' });
    const r = await act(c, 'demo', s.id, { createImage: { name: 'doomed' } }, '2.45');
    assert.equal(r.status, 202);
    await goneImage('demo', r.body.image_id);
    const after = await c.waitServer(s.id, settled('ACTIVE'));
    assert.equal(after['OS-EXT-STS:vm_state'], 'active');
    const action = await until('the failed event', () => actionOf(c, s.id, requestIdOf(r)), (a) => a.events.length === 1 && a.events[0].finish_time !== null);
    assert.equal(action.events[0].result, 'Error');
  });

  it('a host killed after the upload finishes the snapshot when it starts again', async () => {
    const s = await c.bootServer('demo');
    c.aio.faults.add({ step: 'crash:compute.snapshot.after_upload', server: s.id, count: 1 });
    const r = await act(c, 'demo', s.id, { createImage: { name: 'survivor' } }, '2.45');
    assert.equal(r.status, 202);
    const host = await hostOf(s.id);
    await until('the host to die', async () => c.aio.hosts.state(host), (st) => st === 'stopped');
    await c.aio.startHost(host);
    await c.waitServer(s.id, settled('ACTIVE'), 20_000);
    assert.equal((await image('demo', r.body.image_id)).body.status, 'active');
  });

  it('a host killed before the upload uploads the snapshot when it starts again', async () => {
    const s = await c.bootServer('demo');
    c.aio.faults.add({ step: 'crash:compute.snapshot.after_driver', server: s.id, count: 1 });
    const r = await act(c, 'demo', s.id, { createImage: { name: 'resumed' } }, '2.45');
    assert.equal(r.status, 202);
    const host = await hostOf(s.id);
    await until('the host to die', async () => c.aio.hosts.state(host), (st) => st === 'stopped');
    const mid = await c.req('demo', 'GET', `/servers/${s.id}`);
    assert.equal(mid.body.server['OS-EXT-STS:task_state'], 'image_snapshot');
    assert.equal((await image('demo', r.body.image_id)).body.status, 'queued');
    await c.aio.startHost(host);
    await c.waitServer(s.id, settled('ACTIVE'), 20_000);
    assert.equal((await activeImage('demo', r.body.image_id)).body.status, 'active');
  });
});

describe('createBackup', () => {
  it('keeps the newest `rotation` backups of a type; Location below 2.45 only when rotation > 0; {image_id} from 2.45', async () => {
    const s = await c.bootServer('demo');
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await act(c, 'demo', s.id, { createBackup: { name: `daily-${i}`, backup_type: 'daily', rotation: 2 } }, '2.45');
      assert.equal(r.status, 202, r.text);
      ids.push(r.body.image_id);
      const img = (await activeImage('demo', r.body.image_id)).body;
      assert.equal(img.image_type, 'backup');
      assert.equal(img.backup_type, 'daily');
      assert.equal(img.instance_uuid, s.id);
      await c.waitServer(s.id, settled('ACTIVE'));
    }
    await goneImage('demo', ids[0]!);
    assert.equal((await image('demo', ids[1]!)).status, 200);
    assert.equal((await image('demo', ids[2]!)).status, 200);

    const old = await act(c, 'demo', s.id, { createBackup: { name: 'weekly', backup_type: 'weekly', rotation: '1' } });
    assert.equal(old.status, 202, old.text);
    assert.match(old.headers.get('location') ?? '', /\/v2\.1\/images\/[0-9a-f-]{36}$/);
    await c.waitServer(s.id, settled('ACTIVE'));
    const zero = await act(c, 'demo', s.id, { createBackup: { name: 'none', backup_type: 'weekly', rotation: 0 } });
    assert.equal(zero.status, 202);
    assert.equal(zero.headers.get('location'), null);
    await c.waitServer(s.id, settled('ACTIVE'));
    // rotation 0 keeps none of that type, the new one included.
    const listed = await fetch(`${c.imageUrl}/v2/images?backup_type=weekly`, { headers: { 'X-Auth-Token': await c.token('demo') } });
    await until('weekly backups to be rotated away', async () => {
      const l = await fetch(`${c.imageUrl}/v2/images?backup_type=weekly`, { headers: { 'X-Auth-Token': await c.token('demo') } });
      return ((await l.json()) as any).images.length;
    }, (n) => n === 0);
    assert.equal(listed.status, 200);
  });

  it('validates backup_type and rotation, and checks its policy', async () => {
    const s = await c.bootServer('demo');
    for (const body of [
      { createBackup: { name: 'x', backup_type: 'daily' } },
      { createBackup: { name: 'x', rotation: 1 } },
      { createBackup: { name: 'x', backup_type: 'daily', rotation: -1 } },
      { createBackup: { name: 'x', backup_type: 'daily', rotation: 'two' } },
    ]) {
      const r = await act(c, 'demo', s.id, body);
      assert.equal(r.status, 400, JSON.stringify(body));
    }
    const reader = await act(c, 'demo_reader', s.id, { createBackup: { name: 'x', backup_type: 'daily', rotation: 1 } });
    assert.equal(reader.status, 403);
    assert.match(reader.body.forbidden.message, /os_compute_api:os-create-backup/);
  });
});

describe('the image proxy (2.1–2.35)', () => {
  it('shows, lists (with filters) and deletes images with Nova\'s fields; 404 from 2.36', async () => {
    const s = await c.bootServer('demo');
    const r = await act(c, 'demo', s.id, { createImage: { name: 'proxied', metadata: { auto_disk_config: 'True' } } }, '2.45');
    const id = r.body.image_id;
    await activeImage('demo', id);
    await c.waitServer(s.id, settled('ACTIVE'));
    const shown = await c.req('demo', 'GET', `/images/${id}`);
    assert.equal(shown.status, 200, shown.text);
    const img = shown.body.image;
    assert.equal(img.name, 'proxied');
    assert.equal(img.status, 'ACTIVE');
    assert.equal(img.progress, 100);
    assert.equal(img.server.id, s.id);
    assert.equal(img.metadata.image_type, 'snapshot');
    assert.equal(img['OS-DCF:diskConfig'], 'AUTO');
    assert.ok(img['OS-EXT-IMG-SIZE:size'] > 0);
    assert.match(img.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(img.links.map((l: any) => l.rel), ['self', 'bookmark', 'alternate']);

    const byServer = await c.req('demo', 'GET', `/images/detail?server=${s.id}`);
    assert.deepEqual(byServer.body.images.map((i: any) => i.id), [id]);
    const index = await c.req('demo', 'GET', '/images?type=snapshot');
    assert.ok(index.body.images.some((i: any) => i.id === id));
    assert.deepEqual(Object.keys(index.body.images[0]).sort(), ['id', 'links', 'name']);

    assert.equal((await c.req('alt_demo', 'GET', `/images/${id}`)).status, 404);
    const cirros = (await c.req('demo', 'GET', '/images?name=cirros')).body.images[0];
    const refused = await c.req('demo', 'DELETE', `/images/${cirros.id}`);
    assert.equal(refused.status, 403);
    assert.equal(refused.body.forbidden.message, 'You are not allowed to delete the image.');
    assert.equal((await c.req('demo', 'GET', `/images/${id}`, { version: '2.36' })).status, 404);
    assert.equal((await c.req('demo', 'DELETE', `/images/${id}`)).status, 204);
    const gone = await c.req('demo', 'GET', `/images/${id}`);
    assert.equal(gone.status, 404);
    assert.equal(gone.body.itemNotFound.message, 'Image not found.');
  });
});

describe('the image metadata proxy (2.1–2.38)', () => {
  it('lists, shows, sets, updates and deletes an image\'s properties; refuses mismatches, unknown keys and the seeded images', async () => {
    const made = await fetch(`${c.imageUrl}/v2/images`, {
      method: 'POST',
      headers: { 'X-Auth-Token': await c.token('demo'), 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'meta', a: '1', b: '2' }),
    });
    const id = ((await made.json()) as any).id;
    const base = `/images/${id}/metadata`;
    assert.deepEqual((await c.req('demo', 'GET', base)).body, { metadata: { a: '1', b: '2' } });
    assert.deepEqual((await c.req('demo', 'GET', `${base}/a`)).body, { meta: { a: '1' } });
    assert.equal((await c.req('demo', 'GET', `${base}/zz`)).status, 404);
    const merged = await c.req('demo', 'POST', base, { body: { metadata: { c: '3', a: 'one' } } });
    assert.deepEqual(merged.body, { metadata: { a: 'one', b: '2', c: '3' } });
    const replaced = await c.req('demo', 'PUT', base, { body: { metadata: { x: '9' } } });
    assert.deepEqual(replaced.body, { metadata: { x: '9' } });
    assert.deepEqual((await image('demo', id)).body.x, '9');
    assert.equal((await image('demo', id)).body.a, undefined);
    const item = await c.req('demo', 'PUT', `${base}/y`, { body: { meta: { y: '8' } } });
    assert.deepEqual(item.body, { meta: { y: '8' } });
    const mismatch = await c.req('demo', 'PUT', `${base}/y`, { body: { meta: { z: '8' } } });
    assert.equal(mismatch.status, 400);
    assert.equal(mismatch.body.badRequest.message, 'Request body and URI mismatch');
    assert.equal((await c.req('demo', 'DELETE', `${base}/y`)).status, 204);
    const unknown = await c.req('demo', 'DELETE', `${base}/y`);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.itemNotFound.message, 'Invalid metadata key');
    assert.deepEqual((await c.req('demo', 'GET', base)).body, { metadata: { x: '9' } });
    assert.equal((await c.req('alt_demo', 'GET', base)).status, 404);
    assert.equal((await c.req('demo', 'GET', base, { version: '2.39' })).status, 404);
    const cirros = (await c.req('demo', 'GET', '/images?name=cirros')).body.images[0];
    assert.equal((await c.req('demo', 'POST', `/images/${cirros.id}/metadata`, { body: { metadata: { k: 'v' } } })).status, 403);
  });
});
