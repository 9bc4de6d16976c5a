// Rebuild as a client sees it: the 202 body, the rebuild task states, the
// image and name changed, a stopped server staying stopped, guards and errors.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud } from '../support/cloud.js';

describe('server rebuild', () => {
  let c: Cloud;
  let ubuntu = '';
  before(async () => {
    c = await startCloud();
    const r = await fetch(`${c.imageUrl}/v2/images?name=ubuntu-24.04`, { headers: { 'X-Auth-Token': await c.token('admin') } });
    ubuntu = ((await r.json()) as any).images[0].id;
  });
  after(async () => {
    await c.stop();
  });

  it('rebuilds from another image with a new name and answers the server body with adminPass', async () => {
    const s = await c.bootServer('demo');
    const r = await c.req('demo', 'POST', `/servers/${s.id}/action`, {
      body: { rebuild: { imageRef: ubuntu, name: 'renamed', metadata: { k: 'v' }, adminPass: 'secret', accessIPv6: '0:0:0:0:0:babe:220.12.22.2' } },
    });
    assert.equal(r.status, 202, r.text);
    assert.equal(r.body.server.id, s.id);
    assert.equal(r.body.server.adminPass, 'secret');
    assert.equal(r.body.server.name, 'renamed');
    assert.equal(r.body.server.status, 'REBUILD');
    assert.equal(r.body.server.image.id, ubuntu);
    assert.deepEqual(r.body.server.metadata, { k: 'v' });
    assert.equal(r.body.server.accessIPv6, '::babe:dc0c:1602');
    const after = await c.waitServer(s.id, (x) => x.status === 'ACTIVE');
    assert.equal(after.image.id, ubuntu);
    const acts = await c.req('demo', 'GET', `/servers/${s.id}/os-instance-actions`);
    assert.equal(acts.body.instanceActions[0].action, 'rebuild');
  });

  it('shows user_data at the top level of the answer from 2.57', async () => {
    const s = await c.bootServer('demo');
    let r = await c.req('admin', 'POST', `/servers/${s.id}/action`, { body: { rebuild: { imageRef: ubuntu, user_data: 'aGVsbG8=' } }, version: '2.75' });
    assert.equal(r.status, 202, r.text);
    assert.equal(r.body.server.user_data, 'aGVsbG8=');
    assert.equal('OS-EXT-SRV-ATTR:user_data' in r.body.server, false);
    await c.waitServer(s.id, (x) => x.status === 'ACTIVE');
    r = await c.req('demo', 'POST', `/servers/${s.id}/action`, { body: { rebuild: { imageRef: ubuntu } }, version: '2.56' });
    assert.equal('user_data' in r.body.server, false);
    await c.waitServer(s.id, (x) => x.status === 'ACTIVE');
  });

  it('sets or drops the key from 2.54 and refuses a keypair the caller does not have', async () => {
    const s = await c.bootServer('demo');
    const kp = await c.req('demo', 'POST', '/os-keypairs', { body: { keypair: { name: 'rk' } } });
    assert.equal(kp.status, 200, kp.text);
    let r = await c.req('demo', 'POST', `/servers/${s.id}/action`, { body: { rebuild: { imageRef: ubuntu, key_name: 'nope' } }, version: '2.54' });
    assert.equal(r.status, 400);
    assert.equal(r.body.badRequest.message, 'Invalid key_name provided.');
    r = await c.req('demo', 'POST', `/servers/${s.id}/action`, { body: { rebuild: { imageRef: ubuntu, key_name: 'rk' } }, version: '2.54' });
    assert.equal(r.status, 202, r.text);
    assert.equal('key_name' in r.body.server, false, 'below 2.75 the rebuild answer leaves key_name out');
    assert.equal((await c.waitServer(s.id, (x) => x.status === 'ACTIVE')).key_name, 'rk');
    r = await c.req('demo', 'POST', `/servers/${s.id}/action`, { body: { rebuild: { imageRef: ubuntu, key_name: null } }, version: '2.75' });
    assert.equal(r.body.server.key_name, null);
    await c.waitServer(s.id, (x) => x.status === 'ACTIVE');
  });

  it('keeps a stopped server stopped', async () => {
    const s = await c.bootServer('demo');
    await c.req('demo', 'POST', `/servers/${s.id}/action`, { body: { 'os-stop': null } });
    await c.waitServer(s.id, (x) => x.status === 'SHUTOFF');
    const r = await c.req('demo', 'POST', `/servers/${s.id}/action`, { body: { rebuild: { imageRef: ubuntu } } });
    assert.equal(r.status, 202);
    const after = await c.waitServer(s.id, (x) => x.status === 'SHUTOFF' && x['OS-EXT-STS:task_state'] === null);
    assert.equal(after['OS-EXT-STS:power_state'], 4);
  });

  it('rejects bad bodies, unknown images, versions and states', async () => {
    const s = await c.bootServer('demo');
    let r = await c.req('demo', 'POST', `/servers/${s.id}/action`, { body: { rebuild: {} } });
    assert.equal(r.status, 400);
    assert.match(r.body.badRequest.message, /'imageRef' is a required property/);
    r = await c.req('demo', 'POST', `/servers/${s.id}/action`, { body: { rebuild: { imageRef: ubuntu, user_data: 'x' } }, version: '2.56' });
    assert.equal(r.status, 400, 'user_data arrives in 2.57');
    r = await c.req('demo', 'POST', `/servers/${s.id}/action`, { body: { rebuild: { imageRef: 'no-such-image' } } });
    assert.equal(r.status, 400);
    assert.equal(r.body.badRequest.message, 'Cannot find requested image');
    await c.req('demo', 'POST', `/servers/${s.id}/action`, { body: { pause: null } });
    await c.waitServer(s.id, (x) => x.status === 'PAUSED');
    r = await c.req('demo', 'POST', `/servers/${s.id}/action`, { body: { rebuild: { imageRef: ubuntu } } });
    assert.equal(r.status, 409);
    assert.equal(r.body.conflictingRequest.message, `Cannot 'rebuild' instance ${s.id} while it is in vm_state paused`);
    r = await c.req('demo_reader', 'POST', `/servers/${s.id}/action`, { body: { rebuild: { imageRef: ubuntu } } });
    assert.equal(r.status, 403);
  });

  it('stores OS-DCF:diskConfig from the rebuild body; without it the image decides (MANUAL)', async () => {
    const s = await c.bootServer('demo', { 'OS-DCF:diskConfig': 'MANUAL' });
    let r = await c.req('demo', 'POST', `/servers/${s.id}/action`, { body: { rebuild: { imageRef: ubuntu, 'OS-DCF:diskConfig': 'AUTO' } } });
    assert.equal(r.status, 202, r.text);
    assert.equal(r.body.server['OS-DCF:diskConfig'], 'AUTO');
    let done = await c.waitServer(s.id, (x) => x.status === 'ACTIVE');
    assert.equal(done['OS-DCF:diskConfig'], 'AUTO');
    r = await c.req('demo', 'POST', `/servers/${s.id}/action`, { body: { rebuild: { imageRef: ubuntu } } });
    assert.equal(r.status, 202, r.text);
    assert.equal(r.body.server['OS-DCF:diskConfig'], 'MANUAL');
    done = await c.waitServer(s.id, (x) => x.status === 'ACTIVE');
    assert.equal(done['OS-DCF:diskConfig'], 'MANUAL');
  });

});
