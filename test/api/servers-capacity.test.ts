// Room on hosts: servers fill a small host until the scheduler finds no valid
// host, and deleting a server gives its room back.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud } from '../support/cloud.js';

let c: Cloud;

before(async () => {
  // One host with room for exactly four m1.tiny (512 MB) servers.
  c = await startCloud({ overrides: ['magnetar.compute_hosts=solo', 'fake.memory_mb=2048'] });
});
after(async () => {
  await c.stop();
});

describe('capacity', () => {
  it('a full host refuses the next server (ERROR, no valid host) until a delete gives the room back', async () => {
    const servers = [];
    for (let i = 0; i < 4; i++) servers.push(await c.bootServer('demo'));
    assert.deepEqual(servers.map((s) => s.status), ['ACTIVE', 'ACTIVE', 'ACTIVE', 'ACTIVE']);
    const full = await c.bootServer('demo');
    assert.equal(full.status, 'ERROR');
    assert.match(full.fault.message, /^No valid host was found/);
    assert.equal((await c.req('demo', 'DELETE', `/servers/${full.id}`)).status, 204);

    assert.equal((await c.req('demo', 'DELETE', `/servers/${servers[0].id}`)).status, 204);
    await c.waitServer(servers[0].id, (x) => x.gone === true);
    const again = await c.bootServer('demo');
    assert.equal(again.status, 'ACTIVE');
  });

  it('several servers in one request are scheduled together and all fail when they do not fit', async () => {
    const image = (await c.req('demo', 'GET', '/servers/detail')).body.servers[0].image.id;
    const r = await c.req('demo', 'POST', '/servers', {
      version: '2.37',
      body: { server: { name: 'many', flavorRef: '1', imageRef: image, networks: 'none', min_count: 3, return_reservation_id: true } },
    });
    assert.equal(r.status, 202, r.text);
    const l = await c.req('demo', 'GET', `/servers?reservation_id=${r.body.reservation_id}`);
    assert.equal(l.body.servers.length, 3);
    for (const s of l.body.servers) {
      const done = await c.waitServer(s.id, (x) => x.status !== 'BUILD');
      assert.equal(done.status, 'ERROR');
    }
  });
});
