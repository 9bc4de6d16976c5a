// POST/GET/PUT/DELETE /servers and lock/unlock, as a client sees them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud } from '../support/cloud.js';

let c: Cloud;
let imageId: string;

before(async () => {
  c = await startCloud();
  const t = await c.token('admin');
  const r = await fetch(`${c.imageUrl}/v2/images?name=cirros`, { headers: { 'X-Auth-Token': t } });
  imageId = ((await r.json()) as { images: Array<{ id: string }> }).images[0]!.id;
});
after(async () => {
  await c.stop();
});

describe('create', () => {
  it('boots a server to ACTIVE and answers 202 with id, links, diskConfig, security_groups, adminPass and Location', async () => {
    const r = await c.req('demo', 'POST', '/servers', {
      version: '2.37',
      body: { server: { name: 'web 1', flavorRef: '1', imageRef: imageId, networks: 'none' } },
    });
    assert.equal(r.status, 202, r.text);
    const s = r.body.server;
    assert.deepEqual(Object.keys(s).sort(), ['OS-DCF:diskConfig', 'adminPass', 'id', 'links', 'security_groups']);
    assert.equal(s.adminPass.length, 12);
    assert.deepEqual(s.security_groups, [{ name: 'default' }]);
    assert.equal(r.headers.get('location'), s.links[0].href);
    const done = await c.waitServer(s.id, (x) => x.status === 'ACTIVE');
    assert.equal(done['OS-EXT-SRV-ATTR:hostname'], 'web-1');
    assert.equal(done['OS-EXT-STS:power_state'], 1);
  });
});

describe('show, list, delete (smoke)', () => {
  it('shows, lists and deletes a server', async () => {
    const s = await c.bootServer('demo');
    const show = await c.req('demo', 'GET', `/servers/${s.id}`, { version: 'latest' });
    assert.equal(show.status, 200, show.text);
    assert.equal(show.body.server.status, 'ACTIVE');
    const list = await c.req('demo', 'GET', '/servers');
    assert.ok(list.body.servers.some((x: any) => x.id === s.id));
    const detail = await c.req('demo', 'GET', '/servers/detail?limit=1', { version: '2.47' });
    assert.equal(detail.status, 200, detail.text);
    assert.equal(detail.body.servers.length, 1);
    const del = await c.req('demo', 'DELETE', `/servers/${s.id}`);
    assert.equal(del.status, 204, del.text);
    await c.waitServer(s.id, (x) => x.gone === true);
  });
});
