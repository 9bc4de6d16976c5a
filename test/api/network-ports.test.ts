// Ports: generated MACs and fixed IPs (chosen, or asked for by subnet or
// address), no address held twice even under concurrent creates, 409 when
// the pools run out or an address is taken, bindings (admin-only fields,
// 'unbound' until bound, then 'ovs', and ACTIVE once wired), the default security group,
// filters by device and fixed IP, update and delete.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud, type Reply, type RequestOptions } from '../support/cloud.js';
import { until } from '../support/wait.js';

describe('network API: ports', () => {
  let cloud: Cloud;
  let net: (user: string, method: string, path: string, opts?: RequestOptions) => Promise<Reply>;
  let networkId: string;
  let subnetId: string;
  const port = (body: Record<string, unknown>, user = 'demo') => net(user, 'POST', '/v2.0/ports', { body: { port: { network_id: networkId, ...body } } });
  before(async () => {
    cloud = await startCloud();
    net = (user, method, path, opts) => cloud.req(user, method, `${cloud.networkUrl}${path}`, opts);
    networkId = (await net('demo', 'POST', '/v2.0/networks', { body: { network: { name: 'pn' } } })).body.network.id;
    subnetId = (await net('demo', 'POST', '/v2.0/subnets', { body: { subnet: { network_id: networkId, ip_version: 4, cidr: '10.20.0.0/24' } } })).body.subnet.id;
  });
  after(async () => cloud?.stop());

  it('creates a port with a generated MAC, the next free address, DOWN and unbound, in the default security group', async () => {
    const r = await port({ name: 'p1', device_id: 'dev-1', device_owner: 'compute:nova' });
    assert.equal(r.status, 201);
    const p = r.body.port;
    assert.match(p.mac_address, /^fa:16:3e(:[0-9a-f]{2}){3}$/);
    assert.deepEqual(p.fixed_ips, [{ subnet_id: subnetId, ip_address: '10.20.0.2' }]);
    assert.equal(p.status, 'DOWN');
    assert.equal(p.admin_state_up, true);
    assert.equal(p.port_security_enabled, true);
    assert.equal(p['binding:vnic_type'], 'normal');
    // Binding details are admin-only.
    assert.ok(!('binding:host_id' in p) && !('binding:vif_type' in p) && !('binding:profile' in p));
    const groups = (await net('demo', 'GET', '/v2.0/security-groups?name=default')).body.security_groups;
    assert.equal(groups.length, 1);
    assert.deepEqual(p.security_groups, [groups[0].id]);
    const asAdmin = (await net('admin', 'GET', `/v2.0/ports/${p.id}`)).body.port;
    assert.equal(asAdmin['binding:vif_type'], 'unbound');
    assert.equal(asAdmin['binding:host_id'], '');
    assert.deepEqual(asAdmin['binding:profile'], {});
  });

  it('takes requested addresses, and refuses taken or foreign ones', async () => {
    const a = (await port({ fixed_ips: [{ ip_address: '10.20.0.50' }] })).body.port;
    assert.deepEqual(a.fixed_ips, [{ subnet_id: subnetId, ip_address: '10.20.0.50' }]);
    const taken = await port({ fixed_ips: [{ subnet_id: subnetId, ip_address: '10.20.0.50' }] });
    assert.equal(taken.status, 409);
    assert.deepEqual(taken.body.NeutronError, { type: 'IpAddressAlreadyAllocated', message: `IP address 10.20.0.50 already allocated in subnet ${subnetId}`, detail: '' });
    const foreign = await port({ fixed_ips: [{ ip_address: '10.99.0.5' }] });
    assert.equal(foreign.status, 400);
    assert.equal(foreign.body.NeutronError.type, 'InvalidIpForNetwork');
    const broadcast = await port({ fixed_ips: [{ subnet_id: subnetId, ip_address: '10.20.0.255' }] });
    assert.equal(broadcast.status, 400);
    assert.equal(broadcast.body.NeutronError.type, 'InvalidIpForSubnet');
    // Another project on a shared network may not pick its address.
    const mac = await port({ mac_address: 'fa:16:3e:00:00:01' });
    assert.equal(mac.body.port.mac_address, 'fa:16:3e:00:00:01');
    const dupMac = await port({ mac_address: 'fa:16:3e:00:00:01' });
    assert.equal(dupMac.status, 409);
    assert.equal(dupMac.body.NeutronError.type, 'MacAddressInUse');
  });

  it('never hands out one address twice: concurrent creates on a small pool share it out, the rest get 409 IpAddressGenerationFailure', async () => {
    const small = (await net('demo', 'POST', '/v2.0/networks', { body: { network: { name: 'small' } } })).body.network.id;
    // A /29: gateway .1, pool .2 – .6.
    await net('demo', 'POST', '/v2.0/subnets', { body: { subnet: { network_id: small, ip_version: 4, cidr: '10.30.0.0/29' } } });
    const replies = await Promise.all(Array.from({ length: 8 }, () => net('demo', 'POST', '/v2.0/ports', { body: { port: { network_id: small } } })));
    const made = replies.filter((r) => r.status === 201);
    const refused = replies.filter((r) => r.status !== 201);
    assert.equal(made.length, 5);
    assert.deepEqual(made.map((r) => r.body.port.fixed_ips[0].ip_address).sort(), ['10.30.0.2', '10.30.0.3', '10.30.0.4', '10.30.0.5', '10.30.0.6']);
    for (const r of refused) {
      assert.equal(r.status, 409);
      assert.deepEqual(r.body.NeutronError, { type: 'IpAddressGenerationFailure', message: `No more IP addresses available on network ${small}.`, detail: '' });
    }
    assert.equal((await net('demo', 'GET', `/v2.0/ports?network_id=${small}`)).body.ports.length, 5);
  });

  it('binds a port to a host (admin only): vif_type ovs, DOWN until the L2 agent wires it, then ACTIVE; unbinding brings it back DOWN', async () => {
    const p = (await port({ device_id: 'dev-bind' })).body.port;
    const denied = await net('demo', 'PUT', `/v2.0/ports/${p.id}`, { body: { port: { 'binding:host_id': 'compute1' } } });
    assert.equal(denied.status, 403);
    assert.equal(denied.body.NeutronError.type, 'PolicyNotAuthorized');
    assert.equal((await port({ 'binding:host_id': 'compute1' })).status, 403);
    const b = await net('admin', 'PUT', `/v2.0/ports/${p.id}`, { body: { port: { 'binding:host_id': 'compute1', 'binding:profile': { migrating_to: 'compute2' } } } });
    assert.equal(b.status, 200);
    assert.equal(b.body.port['binding:vif_type'], 'ovs');
    assert.equal(b.body.port['binding:host_id'], 'compute1');
    assert.equal(b.body.port.status, 'DOWN');
    await until('the port wired', async () => (await net('demo', 'GET', `/v2.0/ports/${p.id}`)).body.port.status, (st) => st === 'ACTIVE');
    const u = await net('admin', 'PUT', `/v2.0/ports/${p.id}`, { body: { port: { 'binding:host_id': '' } } });
    assert.equal(u.body.port['binding:vif_type'], 'unbound');
    assert.equal(u.body.port.status, 'DOWN');
  });

  it("lets other projects make ports on a shared network, but not pick its addresses; an external network's ports are its owner's", async () => {
    const shared = (await net('admin', 'POST', '/v2.0/networks', { body: { network: { name: 'shared', shared: true } } })).body.network.id;
    const sub = (await net('admin', 'POST', '/v2.0/subnets', { body: { subnet: { network_id: shared, ip_version: 4, cidr: '10.50.0.0/24' } } })).body.subnet.id;
    const p = await net('alt_demo', 'POST', '/v2.0/ports', { body: { port: { network_id: shared, fixed_ips: [{ subnet_id: sub }] } } });
    assert.equal(p.status, 201);
    assert.equal(p.body.port.project_id, await cloud.projectId('alt_demo'));
    const picked = await net('alt_demo', 'POST', '/v2.0/ports', { body: { port: { network_id: shared, fixed_ips: [{ ip_address: '10.50.0.9' }] } } });
    assert.equal(picked.status, 403);
    assert.equal(picked.body.NeutronError.type, 'PolicyNotAuthorized');
    // The network's owner sees the port; other projects do not.
    assert.equal((await net('admin', 'GET', `/v2.0/ports/${p.body.port.id}`)).status, 200);
    assert.equal((await net('demo', 'GET', `/v2.0/ports/${p.body.port.id}`)).status, 404);
    const unshare = await net('admin', 'PUT', `/v2.0/networks/${shared}`, { body: { network: { shared: false } } });
    assert.equal(unshare.status, 409);
    assert.equal(unshare.body.NeutronError.type, 'InvalidSharedSetting');
    const pub = (await net('alt_demo', 'GET', '/v2.0/networks?name=public')).body.networks[0].id;
    assert.equal((await net('alt_demo', 'POST', '/v2.0/ports', { body: { port: { network_id: pub } } })).status, 403);
  });

  it('filters by device_id, network_id and fixed_ips, and refuses unknown filters', async () => {
    const p = (await port({ device_id: 'dev-filter', fixed_ips: [{ ip_address: '10.20.0.77' }] })).body.port;
    const byDevice = (await net('demo', 'GET', '/v2.0/ports?device_id=dev-filter')).body.ports;
    assert.deepEqual(byDevice.map((x: any) => x.id), [p.id]);
    const byIp = (await net('demo', 'GET', '/v2.0/ports?fixed_ips=ip_address%3D10.20.0.77')).body.ports;
    assert.deepEqual(byIp.map((x: any) => x.id), [p.id]);
    const bySubnet = (await net('demo', 'GET', `/v2.0/ports?fixed_ips=subnet_id%3D${subnetId}&device_id=dev-filter`)).body.ports;
    assert.deepEqual(bySubnet.map((x: any) => x.id), [p.id]);
    assert.equal((await net('demo', 'GET', '/v2.0/ports?colour=blue')).status, 400);
  });

  it('lists by several devices or ids, only what the caller may see, and an empty device_id means no device', async () => {
    const ids = async (user: string, query: string) => ((await net(user, 'GET', `/v2.0/ports?${query}`)).body.ports as any[]).map((x) => x.id).sort();
    const a1 = (await port({ device_id: 'dev-many-a', name: 'many-1' })).body.port.id;
    const a2 = (await port({ device_id: 'dev-many-a', name: 'many-2' })).body.port.id;
    const b = (await port({ device_id: 'dev-many-b', name: 'many-1' })).body.port.id;
    const loose = (await port({ name: 'many-loose' })).body.port.id;
    const othersNet = (await net('alt_demo', 'POST', '/v2.0/networks', { body: { network: { name: 'alt-many' } } })).body.network.id;
    await net('alt_demo', 'POST', '/v2.0/subnets', { body: { subnet: { network_id: othersNet, ip_version: 4, cidr: '10.21.0.0/24' } } });
    const alt = (await net('alt_demo', 'POST', '/v2.0/ports', { body: { port: { network_id: othersNet, device_id: 'dev-many-a' } } })).body.port.id;
    assert.deepEqual(await ids('demo', 'device_id=dev-many-a'), [a1, a2].sort());
    assert.deepEqual(await ids('demo', 'device_id=dev-many-a&device_id=dev-many-b'), [a1, a2, b].sort());
    assert.deepEqual(await ids('demo', 'device_id=dev-many-a&name=many-1'), [a1]);
    assert.deepEqual(await ids('alt_demo', 'device_id=dev-many-a'), [alt], "another project's ports on that device stay hidden");
    assert.deepEqual(await ids('admin', 'device_id=dev-many-a'), [a1, a2, alt].sort());
    assert.deepEqual(await ids('demo', `id=${a1}&id=${b}&id=${alt}`), [a1, b].sort());
    assert.deepEqual(await ids('demo', `id=${a1}&device_id=dev-many-b`), []);
    const noDevice = await ids('demo', 'device_id=&name=many-loose');
    assert.deepEqual(noDevice, [loose]);
    assert.deepEqual(await ids('demo', 'device_id=nothing-here'), []);
  });

  it("updates name, device and addresses; another project's port is 404; deletes free its address", async () => {
    const p = (await port({ name: 'u' })).body.port;
    const u = await net('demo', 'PUT', `/v2.0/ports/${p.id}`, { body: { port: { name: 'u2', device_id: 'vm-9', device_owner: 'compute:nova', fixed_ips: [{ ip_address: '10.20.0.99' }] } } });
    assert.equal(u.status, 200);
    assert.equal(u.body.port.name, 'u2');
    assert.equal(u.body.port.device_id, 'vm-9');
    assert.deepEqual(u.body.port.fixed_ips, [{ subnet_id: subnetId, ip_address: '10.20.0.99' }]);
    assert.equal(u.body.port.revision_number, 1);
    for (const method of ['GET', 'DELETE']) {
      const r = await net('alt_demo', method, `/v2.0/ports/${p.id}`);
      assert.equal(r.status, 404);
      assert.equal(r.body.NeutronError.type, 'PortNotFound');
    }
    const noSec = await net('demo', 'PUT', `/v2.0/ports/${p.id}`, { body: { port: { port_security_enabled: false } } });
    assert.equal(noSec.status, 409);
    assert.equal(noSec.body.NeutronError.type, 'PortSecurityPortHasSecurityGroup');
    const withGroups = await net('demo', 'PUT', `/v2.0/ports/${p.id}`, { body: { port: { port_security_enabled: false, security_groups: u.body.port.security_groups } } });
    assert.equal(withGroups.status, 400);
    assert.equal(withGroups.body.NeutronError.type, 'PortSecurityAndIPRequiredForSecurityGroups');
    const off = await net('demo', 'PUT', `/v2.0/ports/${p.id}`, { body: { port: { port_security_enabled: false, security_groups: [] } } });
    assert.equal(off.status, 200);
    assert.deepEqual(off.body.port.security_groups, []);
    assert.equal(off.body.port.port_security_enabled, false);
    assert.equal((await net('demo', 'DELETE', `/v2.0/ports/${p.id}`)).status, 204);
    assert.equal((await net('demo', 'GET', `/v2.0/ports/${p.id}`)).status, 404);
    const again = await port({ fixed_ips: [{ ip_address: '10.20.0.99' }] });
    assert.equal(again.status, 201);
    const missing = await net('demo', 'POST', '/v2.0/ports', { body: { port: { network_id: '00000000-0000-4000-8000-000000000000' } } });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.NeutronError.type, 'NetworkNotFound');
    const bad = await port({ mac_address: 'zz:16:3e:00:00:01' });
    assert.equal(bad.status, 400);
    assert.match(bad.body.NeutronError.message, /^Invalid input for mac_address\. Reason: 'zz:16:3e:00:00:01' is not a valid MAC address\.$/);
  });
});
