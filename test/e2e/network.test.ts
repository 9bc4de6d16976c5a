// The network service through the real `openstack` client against
// `magnetar serve`: the seeded networks and default subnet pool, an
// auto-allocated topology made and deleted, network/subnet/port create, show,
// list, set and delete, a port with a requested address, and the in-use
// refusal of a network delete; the seeded router1, a router with a gateway
// on `public` and an interface on a subnet, and a floating IP from `public`;
// a server booted on `private` (its port by server, a floating IP added with
// the client — which goes to the network service, which tells the compute
// service —, its port's binding following a live migration, its port gone
// with it).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMagnetar, type Magnetar } from './support/magnetar-process.js';
import { assertRefused } from './support/openstack-cli.js';

const DEMO = 'magnetar';
const ADMIN = 'magnetar-admin';

describe('openstack client: networks', () => {
  let m: Magnetar;
  before(async () => {
    m = await startMagnetar();
  });
  after(async () => m?.stop());

  it('network list shows the seeded networks; network, subnet and port create, show, set and delete', async () => {
    const seeded = await m.cli.json(DEMO, ['network', 'list']);
    assert.deepEqual(seeded.map((n: any) => n.Name).sort(), ['private', 'public']);
    const external = await m.cli.json(DEMO, ['network', 'list', '--external']);
    assert.deepEqual(external.map((n: any) => n.Name), ['public']);

    // devstack's default subnet pool, private-subnet taken from it, and a project's auto-allocated subnet its next block.
    const pools = await m.cli.json(DEMO, ['subnet', 'pool', 'list']);
    assert.deepEqual(pools.map((p: any) => p.Name), ['shared-default-subnetpool-v4']);
    assert.equal((await m.cli.json(DEMO, ['subnet', 'show', 'private-subnet'])).subnetpool_id, pools[0].ID);
    const topology = await m.cli.json(DEMO, ['network', 'auto', 'allocated', 'topology', 'create']);
    const autoNet = topology.id ?? topology.ID;
    const autoSubnets = await m.cli.json(DEMO, ['subnet', 'list', '--network', autoNet, '--long']);
    assert.deepEqual(autoSubnets.map((x: any) => [x.Name, x.Subnet]), [['auto_allocated_subnet_v4', '10.0.0.64/26']]);
    await m.cli.ok(DEMO, ['network', 'auto', 'allocated', 'topology', 'delete']);

    const made = await m.cli.json(DEMO, ['network', 'create', 'e2e-net']);
    assert.equal(made.name, 'e2e-net');
    assert.equal(made.status, 'ACTIVE');
    assert.equal(made.mtu, 1500);
    const subnet = await m.cli.json(DEMO, ['subnet', 'create', '--network', 'e2e-net', '--subnet-range', '192.168.77.0/24', '--dns-nameserver', '8.8.8.8', 'e2e-subnet']);
    assert.equal(subnet.cidr, '192.168.77.0/24');
    assert.equal(subnet.gateway_ip, '192.168.77.1');
    const port = await m.cli.json(DEMO, ['port', 'create', '--network', 'e2e-net', '--fixed-ip', 'subnet=e2e-subnet,ip-address=192.168.77.10', 'e2e-port']);
    assert.match(port.mac_address, /^fa:16:3e:/);
    assert.match(JSON.stringify(port.fixed_ips), /192\.168\.77\.10/);
    const listed = await m.cli.json(DEMO, ['port', 'list', '--network', 'e2e-net']);
    assert.deepEqual(listed.map((p: any) => p.Name), ['e2e-port']);

    assertRefused(await m.cli.openstack(DEMO, ['network', 'delete', 'e2e-net']), /ports still in use|NetworkInUse/);

    assert.deepEqual((await m.cli.json(DEMO, ['router', 'list'])).map((r: any) => r.Name), ['router1']);
    const router = await m.cli.json(DEMO, ['router', 'create', '--external-gateway', 'public', 'e2e-router']);
    assert.equal(router.external_gateway_info.network_id, external[0].ID);
    await m.cli.ok(DEMO, ['router', 'add', 'subnet', 'e2e-router', 'e2e-subnet']);
    assertRefused(await m.cli.openstack(DEMO, ['router', 'delete', 'e2e-router']), /still has ports|RouterInUse|still attached/);
    const fip = await m.cli.json(DEMO, ['floating', 'ip', 'create', '--port', 'e2e-port', 'public']);
    assert.match(fip.floating_ip_address, /^172\.24\.4\./);
    assert.equal(fip.fixed_ip_address, '192.168.77.10');
    assert.equal(fip.router_id, router.id);
    await m.cli.ok(DEMO, ['floating', 'ip', 'delete', fip.floating_ip_address]);
    await m.cli.ok(DEMO, ['router', 'remove', 'subnet', 'e2e-router', 'e2e-subnet']);
    await m.cli.ok(DEMO, ['router', 'delete', 'e2e-router']);

    await m.cli.ok(DEMO, ['network', 'set', '--name', 'e2e-net2', 'e2e-net']);
    assert.equal((await m.cli.json(DEMO, ['network', 'show', 'e2e-net2'])).name, 'e2e-net2');
    await m.cli.ok(DEMO, ['port', 'delete', 'e2e-port']);
    await m.cli.ok(DEMO, ['subnet', 'delete', 'e2e-subnet']);
    await m.cli.ok(DEMO, ['network', 'delete', 'e2e-net2']);
    assert.deepEqual((await m.cli.json(DEMO, ['network', 'list'])).map((n: any) => n.Name).sort(), ['private', 'public']);
    const groups = await m.cli.json(DEMO, ['security', 'group', 'list']);
    assert.deepEqual(groups.map((g: any) => g.Name), ['default']);
  });

  it('a server on `private`: its port listed by server, a floating IP added, and its binding follows a live migration', async () => {
    const server = await m.cli.json(DEMO, ['--os-compute-api-version', '2.37', 'server', 'create', '--flavor', 'm1.tiny', '--image', 'cirros', '--network', 'private', '--wait', 'e2e-vm']);
    assert.equal(server.status, 'ACTIVE');
    assert.match(JSON.stringify(server.addresses), /private.*10\.0\.0\./);
    const ports = await m.cli.json(DEMO, ['port', 'list', '--server', 'e2e-vm']);
    assert.equal(ports.length, 1);
    const fixed = ports[0]['Fixed IP Addresses'][0].ip_address as string;

    const fip = await m.cli.json(DEMO, ['floating', 'ip', 'create', 'public']);
    await m.cli.ok(DEMO, ['server', 'add', 'floating', 'ip', 'e2e-vm', fip.floating_ip_address]);
    const shown = await m.cli.json(DEMO, ['floating', 'ip', 'show', fip.floating_ip_address]);
    assert.equal(shown.fixed_ip_address, fixed);
    assert.equal(shown.port_id, ports[0].ID);
    assert.match(JSON.stringify((await m.cli.json(DEMO, ['server', 'show', 'e2e-vm'])).addresses), new RegExp(fip.floating_ip_address.replace(/\./g, '\\.')));

    const host = (await m.cli.json(ADMIN, ['server', 'show', server.id]))['OS-EXT-SRV-ATTR:host'];
    assert.equal((await m.cli.json(ADMIN, ['port', 'show', ports[0].ID]))['binding_host_id'], host);
    await m.cli.ok(ADMIN, ['--os-compute-api-version', '2.30', 'server', 'migrate', '--live-migration', '--wait', server.id]);
    const moved = (await m.cli.json(ADMIN, ['server', 'show', server.id]))['OS-EXT-SRV-ATTR:host'];
    assert.notEqual(moved, host);
    assert.equal((await m.cli.json(ADMIN, ['port', 'show', ports[0].ID]))['binding_host_id'], moved);

    await m.cli.ok(DEMO, ['server', 'delete', '--wait', 'e2e-vm']);
    assert.deepEqual(await m.cli.json(DEMO, ['port', 'list', '--device-id', server.id]), []);
    await m.cli.ok(DEMO, ['floating', 'ip', 'delete', fip.floating_ip_address]);
  });
});
