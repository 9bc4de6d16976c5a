// /servers/{id}/ips[/{network}]: a server's addresses by network label, from its ports; policy and lookups.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud } from '../support/cloud.js';

const NO_SERVER = '3b7c1b8e-0d2a-4c59-9a7e-3b5d2f0e8a11';

describe('server ips', () => {
  let c: Cloud;
  let server: any;
  let wired: any;
  before(async () => {
    c = await startCloud();
    server = await c.bootServer('demo');
    // Below 2.37 without `networks`: a port on demo's only network, `private`.
    const image = (await (await fetch(`${c.imageUrl}/v2/images?name=cirros`, { headers: { 'X-Auth-Token': await c.token('demo') } })).json()) as any;
    const r = await c.req('demo', 'POST', '/servers', { body: { server: { name: 'wired', flavorRef: '1', imageRef: image.images[0].id } } });
    wired = await c.waitServer(r.body.server.id, (s) => s.status === 'ACTIVE');
  });
  after(async () => {
    await c.stop();
  });

  it('lists no addresses for a server without ports, as its body shows none', async () => {
    const r = await c.req('demo_reader', 'GET', `/servers/${server.id}/ips`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { addresses: {} });
    assert.deepEqual(server.addresses, {});
  });

  it('lists the addresses of a server\'s ports by network, version and address only', async () => {
    const addr = wired.addresses.private[0].addr;
    assert.match(addr, /^10\.0\.0\.\d+$/);
    const r = await c.req('demo_reader', 'GET', `/servers/${wired.id}/ips`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { addresses: { private: [{ version: 4, addr }] } });
    const one = await c.req('demo', 'GET', `/servers/${wired.id}/ips/private`);
    assert.deepEqual(one.body, { private: [{ version: 4, addr }] });
    assert.equal((await c.req('demo', 'GET', `/servers/${wired.id}/ips/public`)).status, 404);
  });

  it('404s a network the server is not on', async () => {
    const r = await c.req('demo', 'GET', `/servers/${server.id}/ips/private`);
    assert.equal(r.status, 404);
    assert.equal(r.body.itemNotFound.message, 'Instance is not a member of specified network');
  });

  it('404s an unknown or another project\'s server; admins read any', async () => {
    for (const [user, id] of [['demo', NO_SERVER], ['alt_demo', server.id]] as const) {
      for (const path of ['ips', 'ips/private']) {
        const r = await c.req(user, 'GET', `/servers/${id}/${path}`);
        assert.equal(r.status, 404);
        assert.equal(r.body.itemNotFound.message, `Instance ${id} could not be found.`);
      }
    }
    assert.equal((await c.req('admin', 'GET', `/servers/${server.id}/ips`)).status, 200);
  });

  it('takes no query parameters from 2.102', async () => {
    assert.equal((await c.req('demo', 'GET', `/servers/${server.id}/ips?x=1`, { version: '2.101' })).status, 200);
    assert.equal((await c.req('demo', 'GET', `/servers/${server.id}/ips?x=1`, { version: '2.102' })).status, 400);
  });
});
