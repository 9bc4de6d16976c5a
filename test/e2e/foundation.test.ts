// The basics through the real `openstack` client against `magnetar serve`:
// tokens, flavors, services, hypervisors, zones, a server's life and its
// instance actions, and a member refused an admin-only call.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMagnetar, type Magnetar } from './support/magnetar-process.js';
import { assertRefused } from './support/openstack-cli.js';

const ADMIN = 'magnetar-admin';
const DEMO = 'magnetar';
const HOSTS = ['compute1', 'compute2', 'compute3'];

describe('openstack client: foundation', () => {
  let m: Magnetar;
  let serverId = '';
  /** The server build runs while the read-only tests do: `--wait` sleeps 5 s between polls. */
  let creating: Promise<any>;

  before(async () => {
    m = await startMagnetar();
    creating = m.cli.json(DEMO, ['server', 'create', '--flavor', 'm1.tiny', '--image', 'cirros', '--network', 'none', '--wait', 'e2e-vm'], { version: '2.37' });
    creating.catch(() => undefined);
  });
  after(async () => {
    await m?.stop();
  });

  // Read-only checks, side by side (each client start costs a second or more).
  describe('the deployment', { concurrency: 3 }, () => {
    it('openstack token issue gives a token scoped to the user’s project', async () => {
      const [admin, demo] = await Promise.all([m.cli.json(ADMIN, ['token', 'issue']), m.cli.json(DEMO, ['token', 'issue'])]);
      for (const t of [admin, demo]) {
        assert.equal(typeof t.id, 'string');
        assert.ok(t.id.length > 20);
        assert.match(t.project_id, /^[0-9a-f]{32}$/);
        assert.match(t.user_id, /^[0-9a-f]{32}$/);
        assert.ok(Date.parse(t.expires) > Date.now(), `expires in the future: ${t.expires}`);
      }
      assert.notEqual(admin.project_id, demo.project_id);
      assert.notEqual(admin.user_id, demo.user_id);
    });

    it('openstack endpoint list shows the catalog: compute, image, network and identity on every interface', async () => {
      const endpoints: any[] = await m.cli.json(ADMIN, ['endpoint', 'list']);
      const byService = (type: string): string[] => endpoints.filter((e) => e['Service Type'] === type).map((e) => e.Interface).sort();
      for (const type of ['compute', 'image', 'network', 'identity']) assert.deepEqual(byService(type), ['admin', 'internal', 'public'], type);
      const compute = endpoints.find((e) => e['Service Type'] === 'compute' && e.Interface === 'public');
      assert.equal(compute.URL, `http://127.0.0.1:${m.ports.compute}/v2.1`);
      assert.equal(compute['Service Name'], 'nova');
      assert.equal(compute.Region, 'RegionOne');
    });

    it('openstack flavor list shows the four m1.* flavors', async () => {
      const flavors: any[] = await m.cli.json(ADMIN, ['flavor', 'list']);
      const byName = Object.fromEntries(flavors.map((f) => [f.Name, f]));
      assert.deepEqual(Object.keys(byName).sort(), ['m1.large', 'm1.medium', 'm1.small', 'm1.tiny']);
      assert.deepEqual(
        ['m1.tiny', 'm1.small', 'm1.medium', 'm1.large'].map((n) => [byName[n].ID, byName[n].RAM, byName[n].Disk, byName[n].VCPUs, byName[n]['Is Public']]),
        [
          ['1', 512, 1, 1, true],
          ['2', 2048, 20, 1, true],
          ['3', 4096, 40, 2, true],
          ['4', 8192, 80, 4, true],
        ],
      );
    });

    it('openstack compute service list shows compute1..3 up and enabled', async () => {
      const services: any[] = await m.cli.json(ADMIN, ['compute', 'service', 'list']);
      const computes = services.filter((s) => s.Binary === 'nova-compute');
      assert.deepEqual(computes.map((s) => s.Host).sort(), HOSTS);
      for (const s of computes) {
        assert.equal(s.State, 'up', `${s.Host} is up`);
        assert.equal(s.Status, 'enabled', `${s.Host} is enabled`);
        assert.equal(s.Zone, 'nova');
      }
    });

    it('openstack hypervisor list shows one hypervisor per simulated host', async () => {
      const hypervisors: any[] = await m.cli.json(ADMIN, ['hypervisor', 'list']);
      assert.deepEqual(hypervisors.map((h) => h['Hypervisor Hostname']).sort(), HOSTS);
      for (const h of hypervisors) {
        assert.equal(h.State, 'up');
        assert.equal(h['Hypervisor Type'], 'fake');
        assert.equal(typeof h.ID, 'number', 'ID below 2.53 is the integer id');
      }
    });

    // openstackclient's hypervisor show also lists host aggregates (GET /os-aggregates).
    it('openstack hypervisor show <hostname> shows the host', async () => {
      const h = await m.cli.json(ADMIN, ['hypervisor', 'show', 'compute1']);
      assert.equal(h.hypervisor_hostname, 'compute1');
      assert.deepEqual(h.aggregates, []);
    });

    it('openstack availability zone list shows zone nova available', async () => {
      const zones: any[] = await m.cli.json(ADMIN, ['availability', 'zone', 'list', '--compute']);
      const nova = zones.filter((z) => z['Zone Name'] === 'nova');
      assert.equal(nova.length, 1, JSON.stringify(zones));
      assert.equal(nova[0]['Zone Status'], 'available');
    });

    it('a member is refused an admin-only call with the policy message and a non-zero exit', async () => {
      const r = await m.cli.openstack(DEMO, ['compute', 'service', 'list']);
      // openstackclient lists services through openstacksdk, which words the error its own way.
      assertRefused(r, /403: Client Error for url: .*\/os-services, Policy doesn't allow os_compute_api:os-services:list to be performed\./);
    });
  });

  it('openstack server create --network none --wait builds an ACTIVE server', async () => {
    const s = await creating;
    serverId = s.id;
    assert.match(serverId, /^[0-9a-f-]{36}$/);
    assert.equal(s.name, 'e2e-vm');
    assert.equal(s.status, 'ACTIVE');
    assert.equal(s['OS-EXT-STS:vm_state'], 'active');
    assert.equal(s.flavor, 'm1.tiny (1)');
    assert.match(s.image, /^cirros \([0-9a-f-]{36}\)$/);
  });

  it('openstack server list shows the server', async () => {
    const [mine, all] = await Promise.all([m.cli.json(DEMO, ['server', 'list']), m.cli.json(ADMIN, ['server', 'list', '--all-projects'])]);
    for (const list of [mine, all]) {
      const row = list.find((s: any) => s.ID === serverId);
      assert.ok(row, `server in ${JSON.stringify(list)}`);
      assert.equal(row.Name, 'e2e-vm');
      assert.equal(row.Status, 'ACTIVE');
      assert.equal(row.Flavor, 'm1.tiny');
      assert.equal(row.Image, 'cirros');
    }
  });

  it('openstack server show: admins see the host, members do not', async () => {
    const [admin, demo] = await Promise.all([m.cli.json(ADMIN, ['server', 'show', serverId]), m.cli.json(DEMO, ['server', 'show', serverId])]);
    assert.equal(admin.id, serverId);
    assert.equal(admin.status, 'ACTIVE');
    assert.equal(admin['OS-EXT-STS:power_state'], 1, 'RUNNING (machine-readable output keeps the number)');
    assert.ok(HOSTS.includes(admin['OS-EXT-SRV-ATTR:host']), admin['OS-EXT-SRV-ATTR:host']);
    assert.equal(admin['OS-EXT-SRV-ATTR:hypervisor_hostname'], admin['OS-EXT-SRV-ATTR:host']);
    assert.equal(admin['OS-EXT-AZ:availability_zone'], 'nova');
    assert.equal(demo.status, 'ACTIVE');
    assert.equal(demo['OS-EXT-SRV-ATTR:host'], undefined);
  });

  it('openstack server event list / show: the create action and its events', async () => {
    const events: any[] = await m.cli.json(DEMO, ['server', 'event', 'list', serverId]);
    assert.equal(events.length, 1, JSON.stringify(events));
    assert.equal(events[0].Action, 'create');
    assert.equal(events[0]['Server ID'], serverId);
    const requestId = events[0]['Request ID'];
    assert.match(requestId, /^req-[0-9a-f-]{36}$/);

    const shown = await m.cli.json(ADMIN, ['server', 'event', 'show', serverId, requestId]);
    assert.equal(shown.action, 'create');
    assert.equal(shown.request_id, requestId);
    assert.equal(shown.message, null);
    const names = shown.events.map((e: any) => e.event);
    assert.ok(
      names.some((n: string) => /build_and_run_instance/.test(n)),
      `a compute build event among ${JSON.stringify(names)}`,
    );
    for (const e of shown.events) assert.equal(e.result, 'Success', JSON.stringify(e));
  });

  it('openstack server delete --wait removes the server', async () => {
    await m.cli.ok(DEMO, ['server', 'delete', '--wait', serverId]);
    const list: any[] = await m.cli.json(DEMO, ['server', 'list']);
    assert.equal(
      list.find((s) => s.ID === serverId),
      undefined,
    );
  });
});
