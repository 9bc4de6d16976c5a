// os-server-external-events: each event answered on its own (200, 404 for
// an unknown server, 422 for one without a host, 400 for a missing tag),
// 207 when any failed; admin or service only; and the network service
// sending network-changed when a floating IP is pointed at a server's port
// through its own API, so the server's addresses show it once the server's
// host has refreshed its network info.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud } from '../support/cloud.js';
import { setInstanceColumns } from '../support/db.js';
import { until } from '../support/wait.js';

const NO_SERVER = '3b7c1b8e-0d2a-4c59-9a7e-3b5d2f0e8a11';

describe('os-server-external-events', () => {
  let c: Cloud;
  let privateId: string;
  const post = (body: unknown, version = '2.1', user = 'admin') => c.req(user, 'POST', '/os-server-external-events', { body, version });
  const bootOnPrivate = async () => {
    const r = await c.req('demo', 'POST', '/servers', {
      version: '2.37',
      body: { server: { name: 'ev', flavorRef: '1', imageRef: (await c.req('demo', 'GET', '/images')).body.images[0].id, networks: [{ uuid: privateId }] } },
    });
    assert.equal(r.status, 202, r.text);
    return c.waitServer(r.body.server.id, (s) => s.status === 'ACTIVE');
  };
  before(async () => {
    c = await startCloud();
    privateId = (await c.req('demo', 'GET', `${c.networkUrl}/v2.0/networks?name=private`)).body.networks[0].id;
  });
  after(async () => c?.stop());

  it('answers each event, 207 when one failed', async () => {
    const s = await c.bootServer('demo');
    const all = await post({ events: [{ name: 'network-changed', server_uuid: s.id, tag: 'p1' }] });
    assert.equal(all.status, 200, all.text);
    assert.deepEqual(all.body.events, [{ name: 'network-changed', server_uuid: s.id, tag: 'p1', status: 'completed', code: 200 }]);
    const mixed = await post({ events: [{ name: 'network-vif-plugged', server_uuid: s.id }, { name: 'network-changed', server_uuid: NO_SERVER }] });
    assert.equal(mixed.status, 207);
    assert.deepEqual(mixed.body.events.map((e: any) => [e.code, e.status]), [[200, 'completed'], [404, 'failed']]);
    const hostless = await c.bootServer('demo');
    await setInstanceColumns(c, hostless.id, { host: null });
    assert.equal((await post({ events: [{ name: 'network-changed', server_uuid: hostless.id }] })).body.events[0].code, 422);
    const untagged = await post({ events: [{ name: 'power-update', server_uuid: s.id }] }, '2.76');
    assert.deepEqual([untagged.status, untagged.body.events[0].code], [207, 400]);
  });

  it('refuses what is not its to take: schema, version and policy', async () => {
    const s = await c.bootServer('demo');
    assert.equal((await post({ events: [] })).status, 400);
    assert.equal((await post({ events: [{ name: 'volume-extended', server_uuid: s.id, tag: 'v' }] })).status, 400);
    assert.equal((await post({ events: [{ name: 'volume-extended', server_uuid: s.id, tag: 'v' }] }, '2.51')).status, 200);
    assert.equal((await post({ events: [{ name: 'network-changed', server_uuid: 'nope' }] })).status, 400);
    assert.equal((await post({ events: [{ name: 'network-changed', server_uuid: s.id }] }, '2.1', 'demo')).status, 403);
  });

  it('a floating IP pointed at a server\'s port through the network API shows in its addresses', async () => {
    const s = await bootOnPrivate();
    const port = (await c.req('demo', 'GET', `${c.networkUrl}/v2.0/ports?device_id=${s.id}`)).body.ports[0];
    const fip = await c.req('demo', 'POST', `${c.networkUrl}/v2.0/floatingips`, { body: { floatingip: { floating_network_id: (await c.req('demo', 'GET', `${c.networkUrl}/v2.0/networks?name=public`)).body.networks[0].id, port_id: port.id } } });
    assert.equal(fip.status, 201, fip.text);
    const address = fip.body.floatingip.floating_ip_address;
    await until('the server to show its floating address', async () => (await c.req('demo', 'GET', `/servers/${s.id}`)).body.server.addresses.private.map((a: any) => a.addr), (addrs: string[]) => addrs.includes(address));
    await c.req('demo', 'PUT', `${c.networkUrl}/v2.0/floatingips/${fip.body.floatingip.id}`, { body: { floatingip: { port_id: null } } });
    await until('the server to drop it', async () => (await c.req('demo', 'GET', `/servers/${s.id}`)).body.server.addresses.private.map((a: any) => a.addr), (addrs: string[]) => !addrs.includes(address));
  });

  it('network-changed is the server\'s host\'s to handle: while its agent is stopped the addresses wait, and follow once it is back', async () => {
    const s = await bootOnPrivate();
    const host = s['OS-EXT-SRV-ATTR:host'];
    const port = (await c.req('demo', 'GET', `${c.networkUrl}/v2.0/ports?device_id=${s.id}`)).body.ports[0];
    const publicId = (await c.req('demo', 'GET', `${c.networkUrl}/v2.0/networks?name=public`)).body.networks[0].id;
    const addrs = async (): Promise<string[]> => (await c.req('demo', 'GET', `/servers/${s.id}`)).body.server.addresses.private.map((a: any) => a.addr);
    await c.aio.stopHost(host);
    try {
      const fip = await c.req('demo', 'POST', `${c.networkUrl}/v2.0/floatingips`, { body: { floatingip: { floating_network_id: publicId, port_id: port.id } } });
      assert.equal(fip.status, 201, fip.text);
      const address = fip.body.floatingip.floating_ip_address;
      // The event was accepted for the host (the server has one) and waits there.
      const r = await post({ events: [{ name: 'network-changed', server_uuid: s.id, tag: port.id }] });
      assert.equal(r.body.events[0].code, 200);
      await new Promise((res) => setTimeout(res, 500));
      assert.ok(!(await addrs()).includes(address), 'refreshed without its host');
      await c.aio.startHost(host);
      await until('the server to show its floating address', addrs, (a: string[]) => a.includes(address));
    } finally {
      if (c.aio.hosts.state(host) === 'stopped') await c.aio.startHost(host);
    }
  });
});
