// Servers with ports, through the network service as a client sees both:
// boot with a list, `auto`, `none` or nothing; Nova's faults for bad
// requests; addresses, /ips and the ip filters; the ports gone (or given
// back) with the server; the ports' host following the server's moves.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud } from '../support/cloud.js';
import { setForcedDown } from '../support/db.js';

const NO_ID = '3b7c1b8e-0d2a-4c59-9a7e-3b5d2f0e8a11';

describe('servers with networks', () => {
  let c: Cloud;
  let imageId: string;
  let privateId: string;
  let publicId: string;

  const net = async (user: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> => {
    const r = await fetch(`${c.networkUrl}/v2.0${path}`, {
      method,
      headers: { 'X-Auth-Token': await c.token(user), ...(body !== undefined && { 'Content-Type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await r.text();
    return { status: r.status, body: text === '' ? undefined : JSON.parse(text) };
  };
  const portsOf = async (uuid: string): Promise<any[]> => (await net('admin', 'GET', `/ports?device_id=${uuid}`)).body.ports;

  const create = (user: string, server: Record<string, unknown>, version = '2.1') =>
    c.req(user, 'POST', '/servers', { version, body: { server: { name: 'n', flavorRef: '1', imageRef: imageId, ...server } } });

  const boot = async (user: string, server: Record<string, unknown>, version = '2.1'): Promise<any> => {
    const r = await create(user, server, version);
    assert.equal(r.status, 202, r.text);
    return c.waitServer(r.body.server.id, (s) => s.status === 'ACTIVE' || s.status === 'ERROR');
  };

  before(async () => {
    c = await startCloud();
    const images = await fetch(`${c.imageUrl}/v2/images?name=cirros`, { headers: { 'X-Auth-Token': await c.token('admin') } });
    imageId = ((await images.json()) as any).images[0].id;
    const nets = (await net('admin', 'GET', '/networks')).body.networks;
    privateId = nets.find((n: any) => n.name === 'private').id;
    publicId = nets.find((n: any) => n.name === 'public').id;
  });
  after(async () => c?.stop());

  it('boots on the project\'s only network when none is named, with a port bound to its host', async () => {
    const s = await boot('demo', {});
    assert.equal(s.status, 'ACTIVE');
    const ports = await portsOf(s.id);
    assert.equal(ports.length, 1);
    const p = ports[0];
    assert.equal(p.network_id, privateId);
    assert.equal(p.device_owner, `compute:${s['OS-EXT-AZ:availability_zone']}`);
    assert.equal(p['binding:host_id'], s['OS-EXT-SRV-ATTR:host']);
    assert.equal(p.status, 'ACTIVE');
    const ip = p.fixed_ips[0].ip_address;
    assert.match(ip, /^10\.0\.0\./);
    assert.deepEqual(s.addresses, { private: [{ version: 4, addr: ip, 'OS-EXT-IPS:type': 'fixed', 'OS-EXT-IPS-MAC:mac_addr': p.mac_address }] });
    assert.deepEqual(s.security_groups, [{ name: 'default' }]);

    const ips = await c.req('demo', 'GET', `/servers/${s.id}/ips`);
    assert.deepEqual(ips.body, { addresses: { private: [{ version: 4, addr: ip }] } });
    const one = await c.req('demo', 'GET', `/servers/${s.id}/ips/private`);
    assert.deepEqual(one.body, { private: [{ version: 4, addr: ip }] });
    assert.equal((await c.req('demo', 'GET', `/servers/${s.id}/ips/public`)).status, 404);

    // ip: a pattern matched from the start of the address.
    const hit = await c.req('demo', 'GET', `/servers?ip=${ip.replace(/\./g, '\\.')}$`);
    assert.deepEqual(hit.body.servers.map((x: any) => x.id), [s.id]);
    const miss = await c.req('demo', 'GET', '/servers?ip=192\\.168');
    assert.deepEqual(miss.body.servers, []);
    assert.deepEqual((await c.req('demo', 'GET', '/servers?ip6=fd00', { version: '2.5' })).body.servers, []);

    // Deleted: the port it was given goes with it.
    assert.equal((await c.req('demo', 'DELETE', `/servers/${s.id}`)).status, 204);
    await c.waitServer(s.id, (x) => x.gone === true);
    assert.deepEqual(await portsOf(s.id), []);
  });

  it('boots with none (no port), auto (the one network) and a list with a fixed IP', async () => {
    const none = await boot('demo', { networks: 'none' }, '2.37');
    assert.deepEqual(none.addresses, {});
    assert.deepEqual(await portsOf(none.id), []);
    assert.equal(none.security_groups, undefined);

    const auto = await boot('demo', { networks: 'auto' }, '2.37');
    assert.deepEqual(Object.keys(auto.addresses), ['private']);

    const fixed = await boot('demo', { networks: [{ uuid: privateId, fixed_ip: '10.0.0.50' }] }, '2.37');
    assert.equal(fixed.addresses.private[0].addr, '10.0.0.50');

    // The same address again: Nova's FixedIpAlreadyInUse, 400.
    const again = await create('demo', { networks: [{ uuid: privateId, fixed_ip: '10.0.0.50' }] });
    assert.equal(again.status, 400);
    assert.equal(again.body.badRequest.message, `Fixed IP address 10.0.0.50 is already in use on instance ${fixed.id}.`);
    const off = await create('demo', { networks: [{ uuid: privateId, fixed_ip: '192.168.9.9' }] });
    assert.equal(off.status, 400);
    assert.equal(off.body.badRequest.message, `Fixed IP 192.168.9.9 is not a valid ip address for network ${privateId}.`);
    for (const s of [none, auto, fixed]) await c.req('demo', 'DELETE', `/servers/${s.id}`);
  });

  it('answers Nova\'s faults for networks and ports that cannot be used', async () => {
    const lost = await create('demo', { networks: [{ uuid: NO_ID }] });
    assert.equal(lost.status, 400);
    assert.equal(lost.body.badRequest.message, `Network ${NO_ID} could not be found.`);
    const noPort = await create('demo', { networks: [{ port: NO_ID }] });
    assert.equal(noPort.status, 400);
    assert.equal(noPort.body.badRequest.message, `Port id ${NO_ID} could not be found.`);
    // An external network is for admins only.
    const ext = await create('demo', { networks: [{ uuid: publicId }] });
    assert.equal(ext.status, 403);
    assert.equal(ext.body.forbidden.message, `It is not allowed to create an interface on external network ${publicId}`);
    const multi = await create('demo', { networks: [{ uuid: privateId, fixed_ip: '10.0.0.51' }], max_count: 2 });
    assert.equal(multi.status, 400);
    assert.equal(multi.body.badRequest.message, 'Failed to launch instances: max_count cannot be greater than 1 if an fixed_ip is specified.');
    // Security groups are checked whatever the networks, `none` too.
    const sg = await create('demo', { networks: 'none', security_groups: [{ name: 'default' }, { name: 'nosuch' }] }, '2.37');
    assert.equal(sg.status, 400);
    assert.equal(sg.body.badRequest.message, 'Security group nosuch not found.');

    // A second network of its own makes an unnamed one ambiguous.
    const second = await net('demo', 'POST', '/networks', { network: { name: 'second' } });
    assert.equal(second.status, 201);
    try {
      const amb = await create('demo', {});
      assert.equal(amb.status, 409);
      assert.equal(amb.body.conflictingRequest.message, 'Multiple possible networks found, use a Network ID to be more specific.');
      const ambAuto = await create('demo', { networks: 'auto' }, '2.37');
      assert.equal(ambAuto.status, 409);
      // No subnet on it to take an address from.
      const bare = await create('demo', { networks: [{ uuid: second.body.network.id }] });
      assert.equal(bare.status, 400);
      assert.equal(bare.body.badRequest.message, `Network ${second.body.network.id} requires a subnet in order to boot instances on.`);
    } finally {
      await net('demo', 'DELETE', `/networks/${second.body.network.id}`);
    }

    // A project with no network: nothing named boots without a port; `auto` gets the project a topology.
    const alone = await boot('alt_demo', {});
    assert.deepEqual(alone.addresses, {});
    await c.req('alt_demo', 'DELETE', `/servers/${alone.id}`);
    const altProject = await c.projectId('alt_demo');
    const auto = await boot('alt_demo', { networks: 'auto' }, '2.37');
    assert.equal(auto.status, 'ACTIVE');
    const topology = (await net('alt_demo', 'GET', `/auto-allocated-topology/${altProject}`)).body.auto_allocated_topology;
    const [port] = await portsOf(auto.id);
    assert.equal(port.network_id, topology.id);
    assert.equal(Object.keys(auto.addresses).length, 1);
    await c.req('alt_demo', 'DELETE', `/servers/${auto.id}`);
  });

  it('gives the ports it makes the requested security groups, which the server shows', async () => {
    const g = await net('demo', 'POST', '/security-groups', { security_group: { name: 'web' } });
    assert.equal(g.status, 201);
    const s = await boot('demo', { security_groups: [{ name: 'web' }, { name: 'default' }] });
    const [port] = await portsOf(s.id);
    assert.deepEqual([...port.security_groups].sort(), [g.body.security_group.id, (await net('demo', 'GET', '/security-groups?name=default')).body.security_groups[0].id].sort());
    assert.deepEqual(s.security_groups.map((x: any) => x.name).sort(), ['default', 'web']);
    await c.req('demo', 'DELETE', `/servers/${s.id}`);
    await c.waitServer(s.id, (x) => x.gone === true);
    await net('demo', 'DELETE', `/security-groups/${g.body.security_group.id}`);
  });

  it('takes the user\'s own port, refuses it while in use, and gives it back unbound on delete', async () => {
    const made = await net('demo', 'POST', '/ports', { port: { network_id: privateId, name: 'mine' } });
    assert.equal(made.status, 201);
    const portId = made.body.port.id;
    const s = await boot('demo', { networks: [{ port: portId }] });
    assert.equal(s.status, 'ACTIVE');
    const bound = (await net('admin', 'GET', `/ports/${portId}`)).body.port;
    assert.equal(bound.device_id, s.id);
    assert.equal(bound['binding:host_id'], s['OS-EXT-SRV-ATTR:host']);
    assert.deepEqual(Object.keys(s.addresses), ['private']);

    const inUse = await create('demo', { networks: [{ port: portId }] });
    assert.equal(inUse.status, 409);
    assert.equal(inUse.body.conflictingRequest.message, `Port ${portId} is still in use.`);
    const many = await create('demo', { networks: [{ port: portId }], max_count: 2 });
    assert.equal(many.status, 400);
    assert.match(many.body.badRequest.message, /^Failed to launch instances: Unable to launch multiple instances with a single configured port ID/);

    assert.equal((await c.req('demo', 'DELETE', `/servers/${s.id}`)).status, 204);
    await c.waitServer(s.id, (x) => x.gone === true);
    const back = (await net('admin', 'GET', `/ports/${portId}`)).body.port;
    assert.equal(back.device_id, '');
    assert.equal(back.device_owner, '');
    assert.equal(back['binding:host_id'], '');
    await net('demo', 'DELETE', `/ports/${portId}`);
  });

  it('injectNetworkInfo hands the guest the network info of its ports as they are now, and refreshes the addresses', async () => {
    const s = await boot('demo', {});
    const guest = () => c.aio.agents.get(s['OS-EXT-SRV-ATTR:host'])!.ctx.driver.getGuest(s.id)!;
    const [port] = await portsOf(s.id);
    // Spawned with it: one VIF, the port's MAC, the network's label.
    const spawned = guest().networkInfo as any[];
    assert.equal(spawned.length, 1);
    assert.equal(spawned[0].id, port.id);
    assert.equal(spawned[0].address, port.mac_address);
    assert.equal(spawned[0].network.label, 'private');
    assert.equal(spawned[0].network.subnets[0].cidr, '10.0.0.0/26');
    // Its address changed behind the compute side's back: the injection carries the new one.
    const moved = await net('admin', 'PUT', `/ports/${port.id}`, { port: { fixed_ips: [{ ip_address: '10.0.0.60' }] } });
    assert.equal(moved.status, 200);
    assert.equal((await c.req('admin', 'POST', `/servers/${s.id}/action`, { body: { injectNetworkInfo: null } })).status, 202);
    const injected = await until(async () => guest().networkInfo as any[], (n) => n[0].network.subnets[0].ips[0].address === '10.0.0.60');
    assert.equal(injected[0].network.subnets[0].ips[0].address, '10.0.0.60');
    const after = await c.waitServer(s.id, (x) => x.addresses.private?.[0]?.addr === '10.0.0.60');
    assert.equal(after.addresses.private.length, 1);
    await c.req('demo', 'DELETE', `/servers/${s.id}`);
  });

  it('os-interface lists, shows, attaches and detaches the server\'s ports', async () => {
    const s = await boot('demo', {});
    const base = `/servers/${s.id}/os-interface`;
    const list = await c.req('demo', 'GET', base);
    assert.equal(list.status, 200);
    assert.equal(list.body.interfaceAttachments.length, 1);
    const first = list.body.interfaceAttachments[0];
    assert.equal(first.net_id, privateId);
    assert.equal(first.port_state, 'ACTIVE');
    assert.deepEqual(Object.keys(first).sort(), ['fixed_ips', 'mac_addr', 'net_id', 'port_id', 'port_state']);
    const one = await c.req('demo', 'GET', `${base}/${first.port_id}`);
    assert.deepEqual(one.body.interfaceAttachment, first);
    const none = await c.req('demo', 'GET', `${base}/${NO_ID}`);
    assert.equal(none.status, 404);
    // An id the network service refuses to read is no port of the server either, never a 500.
    assert.equal((await c.req('demo', 'GET', `${base}/${'x'.repeat(300)}`)).status, 404);

    // A second port on the same network, with a chosen address.
    const both = await c.req('demo', 'POST', base, { body: { interfaceAttachment: { net_id: privateId, port_id: first.port_id } } });
    assert.equal(both.status, 400);
    assert.equal(both.body.badRequest.message, 'Must not input both network_id and port_id');
    const ipOnly = await c.req('demo', 'POST', base, { body: { interfaceAttachment: { fixed_ips: [{ ip_address: '10.0.0.40' }] } } });
    assert.equal(ipOnly.status, 400);
    const lost = await c.req('demo', 'POST', base, { body: { interfaceAttachment: { net_id: NO_ID } } });
    assert.equal(lost.status, 404);
    assert.equal(lost.body.itemNotFound.message, `Network ${NO_ID} could not be found.`);
    const added = await c.req('demo', 'POST', base, { body: { interfaceAttachment: { net_id: privateId, fixed_ips: [{ ip_address: '10.0.0.40' }] } } });
    assert.equal(added.status, 200, added.text);
    const att = added.body.interfaceAttachment;
    assert.deepEqual(att.fixed_ips.map((f: any) => f.ip_address), ['10.0.0.40']);
    const withTwo = await c.waitServer(s.id, (x) => x.addresses.private?.length === 2);
    assert.deepEqual(withTwo.addresses.private.map((a: any) => a.addr).slice(1), ['10.0.0.40']);
    assert.equal((await c.req('demo', 'GET', base)).body.interfaceAttachments.length, 2);

    // Detached: the port made for it is deleted; the addresses follow.
    assert.equal((await c.req('demo', 'DELETE', `${base}/${att.port_id}`)).status, 202);
    await until(() => portsOf(s.id), (p) => p.length === 1);
    assert.equal((await net('admin', 'GET', `/ports/${att.port_id}`)).status, 404);
    await c.waitServer(s.id, (x) => x.addresses.private?.length === 1);
    assert.equal((await c.req('demo', 'DELETE', `${base}/${NO_ID}`)).status, 404);
    await c.req('demo', 'DELETE', `/servers/${s.id}`);
  });

  it('os-interface shows the device tags of the boot\'s and the attach\'s ports from 2.70', async () => {
    const s = await boot('demo', { networks: [{ uuid: privateId, tag: 'boot-nic' }] }, '2.42');
    const base = `/servers/${s.id}/os-interface`;
    const added = await c.req('demo', 'POST', base, { version: '2.70', body: { interfaceAttachment: { net_id: privateId, tag: 'hot-nic' } } });
    assert.equal(added.status, 200, added.text);
    assert.equal(added.body.interfaceAttachment.tag, 'hot-nic');
    const list = await c.req('demo', 'GET', base, { version: '2.70' });
    assert.deepEqual(list.body.interfaceAttachments.map((a: any) => a.tag).sort(), ['boot-nic', 'hot-nic']);
    assert.equal((await c.req('demo', 'GET', base, { version: '2.69' })).body.interfaceAttachments[0].tag, undefined);
    await c.req('demo', 'DELETE', `/servers/${s.id}`);
    await c.waitServer(s.id, (x) => x.gone === true);
  });

  it('the audit reports a port held for a server that does not exist', async () => {
    const made = await net('admin', 'POST', '/ports', { port: { network_id: privateId, device_id: NO_ID, device_owner: 'compute:nova', project_id: await c.projectId('demo') } });
    assert.equal(made.status, 201);
    try {
      const r = await c.req('admin', 'GET', '/magnetar/audit');
      const leak = r.body.audit.findings.find((f: any) => f.kind === 'port-leak');
      assert.equal(leak?.server, NO_ID);
      assert.equal(leak.message, `Port ${made.body.port.id} is held for server ${NO_ID}, which does not exist`);
    } finally {
      await net('admin', 'DELETE', `/ports/${made.body.port.id}`);
    }
    const after = await c.req('admin', 'GET', '/magnetar/audit');
    assert.equal(after.body.audit.findings.filter((f: any) => f.kind === 'port-leak').length, 0);
  });

  it('a build that fails releases the port it made, and gives the user\'s own back', async () => {
    const mine = (await net('demo', 'POST', '/ports', { port: { network_id: privateId } })).body.port;
    for (const networks of [undefined, [{ port: mine.id }]]) {
      c.aio.faults.add({ step: 'spawn', count: 1, message: 'disk on fire' });
      const r = await create('demo', networks === undefined ? { name: 'fails' } : { name: 'fails', networks });
      assert.equal(r.status, 202);
      const s = await c.waitServer(r.body.server.id, (x) => x.status === 'ERROR' || x.status === 'ACTIVE');
      assert.equal(s.status, 'ERROR');
      await until(() => portsOf(s.id), (p) => p.length === 0);
      assert.deepEqual(await portsOf(s.id), []);
      await c.req('demo', 'DELETE', `/servers/${s.id}`);
    }
    const back = (await net('admin', 'GET', `/ports/${mine.id}`)).body.port;
    assert.equal(back.device_id, '');
    await net('demo', 'DELETE', `/ports/${mine.id}`);
  });

  it('a host that dies mid-build or mid-delete converges: one port for the built server, none for the deleted one', async () => {
    const hostDied = async (): Promise<string> =>
      until(async () => c.aio.base.conf.list('magnetar', 'compute_hosts').find((h) => c.aio.hosts.state(h) === 'stopped') ?? '', (h) => h !== '', 10_000);
    c.aio.faults.add({ step: 'crash:compute.build.after_spawn', count: 1 });
    const r = await create('demo', {});
    assert.equal(r.status, 202);
    const host = await hostDied();
    assert.notEqual(host, '');
    await c.aio.startHost(host);
    const s = await c.waitServer(r.body.server.id, (x) => x.status === 'ACTIVE', 20_000);
    assert.equal((await portsOf(s.id)).length, 1);
    assert.deepEqual(Object.keys(s.addresses), ['private']);

    c.aio.faults.add({ step: 'crash:compute.terminate.after_destroy', server: s.id, count: 1 });
    assert.equal((await c.req('demo', 'DELETE', `/servers/${s.id}`)).status, 204);
    assert.equal(await hostDied(), s['OS-EXT-SRV-ATTR:host']);
    assert.equal((await portsOf(s.id)).length, 1, 'the port outlives the crash');
    await c.aio.startHost(s['OS-EXT-SRV-ATTR:host']);
    await c.waitServer(s.id, (x) => x.gone === true, 20_000);
    assert.deepEqual(await portsOf(s.id), []);
  });

  describe('the ports follow the server\'s moves', () => {
    // Every move's ports ended with their server: nothing left over for the audit.
    after(async () => {
      const leaks = await until(
        async () => (await c.req('admin', 'GET', '/magnetar/audit')).body.audit.findings.filter((f: any) => f.kind === 'port-leak'),
        (l) => l.length === 0,
      );
      assert.deepEqual(leaks, []);
    });

    const HOST = 'OS-EXT-SRV-ATTR:host';
    const act = (id: string, body: unknown, version = '2.1') => c.req('admin', 'POST', `/servers/${id}/action`, { version, body });
    const bindingHost = async (id: string): Promise<string[]> => (await portsOf(id)).map((p) => p['binding:host_id']);
    const otherHost = (host: string): string => [...c.aio.agents.keys()].find((h) => h !== host)!;

    it('cold migrate binds them to the destination, revert back to the source', async () => {
      const s = await boot('demo', {});
      const source = s[HOST];
      assert.deepEqual(await bindingHost(s.id), [source]);
      assert.equal((await act(s.id, { migrate: null })).status, 202);
      const moved = await c.waitServer(s.id, (x) => x.status === 'VERIFY_RESIZE');
      assert.notEqual(moved[HOST], source);
      assert.deepEqual(await bindingHost(s.id), [moved[HOST]]);
      assert.deepEqual(moved.addresses, s.addresses);
      assert.equal((await act(s.id, { revertResize: null })).status, 202);
      const back = await c.waitServer(s.id, (x) => x.status === 'ACTIVE' && x[HOST] === source);
      assert.deepEqual(await bindingHost(s.id), [source]);
      assert.deepEqual(back.addresses, s.addresses);
      await c.req('demo', 'DELETE', `/servers/${s.id}`);
    });

    it('live migration binds them to the destination after the switch-over', async () => {
      const s = await boot('demo', {});
      const dest = otherHost(s[HOST]);
      const r = await act(s.id, { 'os-migrateLive': { host: dest, block_migration: 'auto' } }, '2.25');
      assert.equal(r.status, 202, r.text);
      await c.waitServer(s.id, (x) => x.status === 'ACTIVE' && x[HOST] === dest);
      await until(() => bindingHost(s.id), (h) => h[0] === dest);
      // With per-host bindings: the destination's activated, the source's dropped.
      const [port] = await portsOf(s.id);
      const bindings = await until(async () => (await net('admin', 'GET', `/ports/${port.id}/bindings`)).body.bindings, (b: any[]) => b.length === 1);
      assert.deepEqual(bindings.map((b: any) => [b.host, b.status]), [[dest, 'ACTIVE']]);
      await c.req('demo', 'DELETE', `/servers/${s.id}`);
    });

    it('a live migration that fails on the source drops the destination\'s inactive bindings', async () => {
      const s = await boot('demo', {});
      const source = s[HOST];
      const dest = otherHost(source);
      c.aio.faults.add({ step: 'live_migration', server: s.id, count: 1 });
      assert.equal((await act(s.id, { 'os-migrateLive': { host: dest, block_migration: 'auto' } }, '2.25')).status, 202);
      // The transfer fails after pre-live-migration made the destination's binding; the rollback drops it.
      await c.waitServer(s.id, (x) => x.status === 'ACTIVE' && x['OS-EXT-STS:task_state'] === null);
      const [port] = await portsOf(s.id);
      const bindings = await until(async () => (await net('admin', 'GET', `/ports/${port.id}/bindings`)).body.bindings, (b: any[]) => b.length === 1);
      assert.deepEqual(bindings.map((b: any) => [b.host, b.status]), [[source, 'ACTIVE']]);
      assert.deepEqual(await bindingHost(s.id), [source]);
      await c.req('demo', 'DELETE', `/servers/${s.id}`);
    });

    it('evacuate rebinds them on the destination', async () => {
      const s = await boot('demo', {});
      const failed = s[HOST];
      await setForcedDown(c, failed, true);
      try {
        const r = await act(s.id, { evacuate: {} }, '2.29');
        assert.equal(r.status, 200, r.text);
        const moved = await c.waitServer(s.id, (x) => x.status === 'ACTIVE' && x[HOST] !== failed);
        assert.deepEqual(await bindingHost(s.id), [moved[HOST]]);
        assert.deepEqual(moved.addresses, s.addresses);
      } finally {
        await setForcedDown(c, failed, false);
      }
      await c.req('demo', 'DELETE', `/servers/${s.id}`);
    });
  });
});

async function until<T>(get: () => Promise<T>, pred: (v: T) => boolean, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (pred(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
}
