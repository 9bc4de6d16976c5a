// Multiple port bindings (binding-extended), as Nova's live migration uses
// them: an inactive binding for the destination, 409 for a host bound
// already, activation swapping active and inactive and moving the port's
// binding:host_id (a port wired on the source stays ACTIVE), deleting the
// source's binding; admin only; compute ports only.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud, type Reply, type RequestOptions } from '../support/cloud.js';
import { until } from '../support/wait.js';

describe('network API: port bindings', () => {
  let cloud: Cloud;
  let net: (user: string, method: string, path: string, opts?: RequestOptions) => Promise<Reply>;
  let networkId: string;
  before(async () => {
    cloud = await startCloud();
    net = (user, method, path, opts) => cloud.req(user, method, `${cloud.networkUrl}${path}`, opts);
    networkId = (await net('demo', 'POST', '/v2.0/networks', { body: { network: { name: 'bn' } } })).body.network.id;
    await net('demo', 'POST', '/v2.0/subnets', { body: { subnet: { network_id: networkId, ip_version: 4, cidr: '10.42.0.0/24' } } });
  });
  after(async () => cloud?.stop());

  it('adds an inactive binding, activates it (the port moves), and deletes the former one', async () => {
    const port = (await net('admin', 'POST', '/v2.0/ports', { body: { port: { network_id: networkId, device_owner: 'compute:nova', 'binding:host_id': 'src' } } })).body.port;
    const list = await net('admin', 'GET', `/v2.0/ports/${port.id}/bindings`);
    assert.equal(list.status, 200);
    assert.deepEqual(list.body.bindings.map((b: { host: string; status: string }) => [b.host, b.status]), [['src', 'ACTIVE']]);
    await until('the port wired on src', async () => (await net('admin', 'GET', `/v2.0/ports/${port.id}`)).body.port.status, (st) => st === 'ACTIVE');

    const made = await net('admin', 'POST', `/v2.0/ports/${port.id}/bindings`, { body: { binding: { host: 'dst', profile: { migrating_to: 'dst' } } } });
    assert.equal(made.status, 201);
    assert.equal(made.body.binding.host, 'dst');
    assert.equal(made.body.binding.status, 'INACTIVE');
    assert.equal(made.body.binding.vif_type, 'ovs');
    assert.equal(made.body.binding.vnic_type, 'normal');
    const dup = await net('admin', 'POST', `/v2.0/ports/${port.id}/bindings`, { body: { binding: { host: 'dst' } } });
    assert.equal(dup.status, 409);
    assert.deepEqual(dup.body.NeutronError, { type: 'PortBindingAlreadyExists', message: `Binding for port ${port.id} on host dst already exists.`, detail: '' });
    assert.equal((await net('admin', 'GET', `/v2.0/ports/${port.id}/bindings/dst`)).body.binding.status, 'INACTIVE');
    assert.equal((await net('admin', 'GET', `/v2.0/ports/${port.id}/bindings/nowhere`)).status, 404);
    assert.equal((await net('admin', 'GET', `/v2.0/ports/${port.id}`)).body.port['binding:host_id'], 'src');

    const act = await net('admin', 'PUT', `/v2.0/ports/${port.id}/bindings/dst/activate`);
    assert.equal(act.status, 200);
    assert.equal(act.body.binding.status, 'ACTIVE');
    const after = (await net('admin', 'GET', `/v2.0/ports/${port.id}`)).body.port;
    assert.equal(after['binding:host_id'], 'dst');
    assert.deepEqual(after['binding:profile'], { migrating_to: 'dst' });
    // The destination plugged the VIF before the switch-over: the port stays up.
    assert.equal(after.status, 'ACTIVE');
    const both = (await net('admin', 'GET', `/v2.0/ports/${port.id}/bindings`)).body.bindings;
    assert.deepEqual(both.map((b: { host: string; status: string }) => [b.host, b.status]), [['dst', 'ACTIVE'], ['src', 'INACTIVE']]);
    const twice = await net('admin', 'PUT', `/v2.0/ports/${port.id}/bindings/dst/activate`);
    assert.equal(twice.status, 409);
    assert.equal(twice.body.NeutronError.type, 'PortBindingAlreadyActive');

    assert.equal((await net('admin', 'DELETE', `/v2.0/ports/${port.id}/bindings/src`)).status, 204);
    const left = (await net('admin', 'GET', `/v2.0/ports/${port.id}/bindings`)).body.bindings;
    assert.deepEqual(left.map((b: { host: string }) => b.host), ['dst']);
    assert.equal((await net('admin', 'GET', `/v2.0/ports/${port.id}/bindings?status=INACTIVE`)).body.bindings.length, 0);
  });

  it('a port activated on another host right after its binding is up there once wired; deleting its active binding brings it DOWN', async () => {
    const port = (await net('admin', 'POST', '/v2.0/ports', { body: { port: { network_id: networkId, device_owner: 'compute:nova', 'binding:host_id': 'a' } } })).body.port;
    assert.equal(port.status, 'DOWN');
    await net('admin', 'POST', `/v2.0/ports/${port.id}/bindings`, { body: { binding: { host: 'b' } } });
    await net('admin', 'PUT', `/v2.0/ports/${port.id}/bindings/b/activate`);
    await until('the port wired on b', async () => (await net('admin', 'GET', `/v2.0/ports/${port.id}`)).body.port, (p) => p.status === 'ACTIVE' && p['binding:host_id'] === 'b');
    assert.equal((await net('admin', 'DELETE', `/v2.0/ports/${port.id}/bindings/b`)).status, 204);
    const unbound = (await net('admin', 'GET', `/v2.0/ports/${port.id}`)).body.port;
    assert.deepEqual([unbound['binding:host_id'], unbound.status], ['', 'DOWN']);
  });

  it('is for admins, and for compute ports only', async () => {
    const own = (await net('demo', 'POST', '/v2.0/ports', { body: { port: { network_id: networkId, device_owner: 'compute:nova' } } })).body.port;
    const denied = await net('demo', 'POST', `/v2.0/ports/${own.id}/bindings`, { body: { binding: { host: 'h' } } });
    assert.equal(denied.status, 403);
    assert.equal(denied.body.NeutronError.message, 'rule:create_port_binding is disallowed by policy');
    assert.equal((await net('demo', 'GET', `/v2.0/ports/${own.id}/bindings`)).status, 403);
    const plain = (await net('demo', 'POST', '/v2.0/ports', { body: { port: { network_id: networkId } } })).body.port;
    const notCompute = await net('admin', 'POST', `/v2.0/ports/${plain.id}/bindings`, { body: { binding: { host: 'h' } } });
    assert.equal(notCompute.status, 400);
    assert.equal(notCompute.body.NeutronError.message, `Bad port request: Invalid port ${plain.id}. Operation only valid on compute and shared filesystem ports.`);
    const noHost = await net('admin', 'POST', `/v2.0/ports/${own.id}/bindings`, { body: { binding: {} } });
    assert.equal(noHost.status, 400);
    // Nova sends the VIF's profile, which may be null.
    const nullProfile = await net('admin', 'POST', `/v2.0/ports/${own.id}/bindings`, { body: { binding: { host: 'h2', vnic_type: 'normal', profile: null } } });
    assert.equal(nullProfile.status, 201);
    assert.deepEqual(nullProfile.body.binding.profile, {});
  });
});
