// Ports plugged before a server goes ACTIVE, as Nova waits for Neutron: a
// bound port is DOWN until the network service's L2 agent wires it, then
// ACTIVE with a network-vif-plugged event that the compute API casts to the
// server's host, where the build waits for it (`[DEFAULT]
// vif_plugging_timeout`, `vif_plugging_is_fatal`). Ports never wired fail the
// build with Nova's fault, or not when plugging is not fatal; a plug event
// reported failed fails it too; a port left unwired across a restart of the
// network service is wired at its start. And the events themselves, as the
// network service sends them to whatever compute endpoint it is given.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startCloud, type Cloud } from '../support/cloud.js';
import { until } from '../support/wait.js';

const fixture = (cloud: () => Cloud) => {
  const net = (user: string, method: string, path: string, body?: unknown) => cloud().req(user, method, `${cloud().networkUrl}/v2.0${path}`, body === undefined ? {} : { body });
  const portsOf = async (uuid: string): Promise<any[]> => (await net('admin', 'GET', `/ports?device_id=${uuid}`)).body.ports;
  const privateId = async (): Promise<string> => (await net('demo', 'GET', '/networks?name=private')).body.networks[0].id;
  const create = async (): Promise<string> => {
    const c = cloud();
    const imageRef = (await c.req('demo', 'GET', '/images')).body.images[0].id;
    const r = await c.req('demo', 'POST', '/servers', { version: '2.37', body: { server: { name: 'plug', flavorRef: '1', imageRef, networks: [{ uuid: await privateId() }] } } });
    assert.equal(r.status, 202, r.text);
    return r.body.server.id;
  };
  return { net, portsOf, create };
};

describe('vif plugging: ports wired by the network service', () => {
  let c: Cloud;
  const { net, portsOf, create } = fixture(() => c);
  // Wiring takes long enough that a build not waiting for it would be seen ACTIVE with its port DOWN.
  before(async () => {
    c = await startCloud({ overrides: ['magnetar.port_wiring_delay=1'] });
  });
  after(async () => c?.stop());

  it('a server goes ACTIVE only once its port is ACTIVE', async () => {
    const id = await create();
    const building = await until('its port', async () => portsOf(id), (ps) => ps.length === 1);
    assert.equal(building[0].status, 'DOWN', 'bound, not wired yet');
    assert.equal((await c.req('admin', 'GET', `/servers/${id}`)).body.server.status, 'BUILD');
    const s = await c.waitServer(id, (x) => x.status !== 'BUILD', 15_000);
    assert.equal(s.status, 'ACTIVE');
    const [port] = await portsOf(id);
    assert.equal(port.status, 'ACTIVE');
    assert.equal(port['binding:host_id'], s['OS-EXT-SRV-ATTR:host']);
    assert.equal(s.addresses.private[0].addr, port.fixed_ips[0].ip_address);
  });

  it('a bound port is DOWN until wired, then ACTIVE; unbinding brings it DOWN at once', async () => {
    const netId = (await net('demo', 'GET', '/networks?name=private')).body.networks[0].id;
    const p = (await net('admin', 'POST', '/ports', { port: { network_id: netId, 'binding:host_id': 'compute1', device_owner: 'compute:nova', device_id: 'dev-plug' } })).body.port;
    assert.equal(p.status, 'DOWN');
    await until('the port ACTIVE', async () => (await net('admin', 'GET', `/ports/${p.id}`)).body.port.status, (st) => st === 'ACTIVE', 10_000);
    const unbound = await net('admin', 'PUT', `/ports/${p.id}`, { port: { 'binding:host_id': '' } });
    assert.equal(unbound.body.port.status, 'DOWN');
    // Bound again, it waits for wiring again.
    assert.equal((await net('admin', 'PUT', `/ports/${p.id}`, { port: { 'binding:host_id': 'compute1' } })).body.port.status, 'DOWN');
    await until('the port ACTIVE', async () => (await net('admin', 'GET', `/ports/${p.id}`)).body.port.status, (st) => st === 'ACTIVE', 10_000);
    await net('admin', 'DELETE', `/ports/${p.id}`);
  });

  it('a build run again after its host died sees its port ACTIVE and does not wait', async () => {
    c.aio.faults.add({ step: 'crash:compute.build.after_spawn', count: 1 });
    const id = await create();
    const host = await until('the host to die', async () => c.aio.base.conf.list('magnetar', 'compute_hosts').find((h) => c.aio.hosts.state(h) === 'stopped') ?? '', (h) => h !== '', 15_000);
    assert.equal((await portsOf(id))[0].status, 'ACTIVE');
    // Nothing will plug the port again: a rerun that waited would time out (fatal).
    c.aio.base.conf.set('DEFAULT', 'vif_plugging_timeout', 2);
    await c.aio.startHost(host);
    const s = await c.waitServer(id, (x) => x.status !== 'BUILD', 15_000);
    assert.equal(s.status, 'ACTIVE');
    assert.equal((await portsOf(id)).length, 1);
  });
});

describe('vif plugging: ports never wired', () => {
  let c: Cloud;
  const { net, portsOf, create } = fixture(() => c);
  const conf = () => c.aio.base.conf;
  before(async () => {
    // Spawning takes long enough for an event to come while the guest is still being made.
    c = await startCloud({ overrides: ['magnetar.port_wiring_delay=-1', 'DEFAULT.vif_plugging_timeout=1', 'fake.spawn_delay=0.6'] });
  });
  after(async () => c?.stop());

  it('with vif_plugging_is_fatal the build fails with Nova\'s fault and keeps no port', async () => {
    const id = await create();
    const s = await c.waitServer(id, (x) => x.status !== 'BUILD', 15_000);
    assert.equal(s.status, 'ERROR');
    assert.equal(s.fault.code, 500);
    assert.equal(s.fault.message, `Build of instance ${id} aborted: Failed to allocate the network(s), not rescheduling.`);
    assert.match(s.fault.details, /VirtualInterfaceCreateException: Virtual Interface creation failed/);
    assert.equal(s['OS-EXT-SRV-ATTR:host'], null);
    assert.deepEqual(await portsOf(id), []);
  });

  it('without it the build goes on: ACTIVE, its port still DOWN', async () => {
    conf().set('DEFAULT', 'vif_plugging_is_fatal', false);
    try {
      const s = await c.waitServer(await create(), (x) => x.status !== 'BUILD', 15_000);
      assert.equal(s.status, 'ACTIVE');
      assert.equal((await portsOf(s.id))[0].status, 'DOWN');
    } finally {
      conf().set('DEFAULT', 'vif_plugging_is_fatal', true);
    }
  });

  it('vif_plugging_timeout = 0 does not wait', async () => {
    conf().set('DEFAULT', 'vif_plugging_timeout', 0);
    try {
      const s = await c.waitServer(await create(), (x) => x.status !== 'BUILD', 15_000);
      assert.equal(s.status, 'ACTIVE');
    } finally {
      conf().set('DEFAULT', 'vif_plugging_timeout', 1);
    }
  });

  it('a network-vif-plugged event posted to the compute API reaches the build on its host, even before the build waits', async () => {
    conf().set('DEFAULT', 'vif_plugging_timeout', 60);
    try {
      const id = await create();
      const [port] = await until('its port', async () => portsOf(id), (ps) => ps.length === 1);
      // The guest is still spawning: the event is kept until the build waits.
      const r = await c.req('admin', 'POST', '/os-server-external-events', { body: { events: [{ name: 'network-vif-plugged', server_uuid: id, tag: port.id, status: 'completed' }] } });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.body.events, [{ name: 'network-vif-plugged', server_uuid: id, tag: port.id, status: 'completed', code: 200 }]);
      assert.equal((await c.req('admin', 'GET', `/servers/${id}`)).body.server.status, 'BUILD');
      const s = await c.waitServer(id, (x) => x.status !== 'BUILD', 5_000);
      assert.equal(s.status, 'ACTIVE');

      // An event for another port is no help; one reported failed fails the build as a timeout would.
      const id2 = await create();
      const [port2] = await until('its port', async () => portsOf(id2), (ps) => ps.length === 1);
      await c.req('admin', 'POST', '/os-server-external-events', { body: { events: [{ name: 'network-vif-plugged', server_uuid: id2, tag: 'not-its-port' }] } });
      await new Promise((res) => setTimeout(res, 1000));
      assert.equal((await c.req('admin', 'GET', `/servers/${id2}`)).body.server.status, 'BUILD');
      await c.req('admin', 'POST', '/os-server-external-events', { body: { events: [{ name: 'network-vif-plugged', server_uuid: id2, tag: port2.id, status: 'failed' }] } });
      const failed = await c.waitServer(id2, (x) => x.status !== 'BUILD', 5_000);
      assert.equal(failed.status, 'ERROR');
      assert.equal(failed.fault.message, `Build of instance ${id2} aborted: Failed to allocate the network(s), not rescheduling.`);
    } finally {
      conf().set('DEFAULT', 'vif_plugging_timeout', 1);
    }
  });

  it('a port left bound and unwired is wired when the network service starts again', async () => {
    const netId = (await net('demo', 'GET', '/networks?name=private')).body.networks[0].id;
    const p = (await net('admin', 'POST', '/ports', { port: { network_id: netId, 'binding:host_id': 'compute2', device_owner: 'compute:nova', device_id: 'dev-restart' } })).body.port;
    assert.equal(p.status, 'DOWN');
    conf().set('magnetar', 'port_wiring_delay', 0.05);
    await c.restart();
    await until('the port ACTIVE', async () => (await net('admin', 'GET', `/ports/${p.id}`)).body.port.status, (st) => st === 'ACTIVE', 10_000);
  });
});

describe('vif plugging: the events the network service sends', () => {
  let c: Cloud;
  let receiver: Server;
  const received: any[] = [];
  const { net } = fixture(() => c);
  before(async () => {
    // Where the `[nova]` user's endpoint points: it records the events and accepts them.
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        if (req.url === '/v2.1/os-server-external-events') received.push(...JSON.parse(body).events);
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"events": []}');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    c = await startCloud({ overrides: [`nova.endpoint_override=http://127.0.0.1:${(receiver.address() as AddressInfo).port}/v2.1`] });
  });
  after(async () => {
    await c?.stop();
    receiver?.close();
  });

  it('network-vif-plugged when a server\'s port goes ACTIVE, network-vif-unplugged when it goes DOWN; none for other ports', async () => {
    const server = '6f0e5c0a-8d0c-4a8e-9b55-0c1d2e3f4a5b';
    const netId = (await net('demo', 'GET', '/networks?name=private')).body.networks[0].id;
    const p = (await net('admin', 'POST', '/ports', { port: { network_id: netId, 'binding:host_id': 'compute1', device_owner: 'compute:nova', device_id: server } })).body.port;
    const other = (await net('admin', 'POST', '/ports', { port: { network_id: netId, 'binding:host_id': 'compute1', device_id: 'not-a-server' } })).body.port;
    const plugged = await until('the plug event', async () => received.filter((e) => e.name === 'network-vif-plugged'), (es) => es.length > 0);
    assert.deepEqual(plugged, [{ name: 'network-vif-plugged', server_uuid: server, tag: p.id, status: 'completed' }]);
    await until('the other port wired', async () => (await net('admin', 'GET', `/ports/${other.id}`)).body.port.status, (st) => st === 'ACTIVE');

    assert.equal((await net('admin', 'PUT', `/ports/${p.id}`, { port: { 'binding:host_id': '' } })).body.port.status, 'DOWN');
    const unplugged = await until('the unplug event', async () => received.filter((e) => e.name === 'network-vif-unplugged'), (es) => es.length > 0);
    assert.deepEqual(unplugged, [{ name: 'network-vif-unplugged', server_uuid: server, tag: p.id, status: 'completed' }]);
    assert.deepEqual(received.filter((e) => e.tag === other.id), []);
  });
});
