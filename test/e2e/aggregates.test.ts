// Host aggregates through the real `openstack` client against `magnetar
// serve`: create with a zone, add a host, set and unset properties, the
// zone in the zone list and on the compute service, a server placed in it,
// image caching (2.81), and the refusals the client reports.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMagnetar, type Magnetar } from './support/magnetar-process.js';
import { assertRefused } from './support/openstack-cli.js';

const ADMIN = 'magnetar-admin';
const DEMO = 'magnetar';

describe('openstack client: aggregates', () => {
  let m: Magnetar;
  before(async () => {
    m = await startMagnetar();
  });
  after(async () => {
    await m?.stop();
  });

  it('creates an aggregate in a zone, adds a host and sets properties', async () => {
    const created = await m.cli.json(ADMIN, ['aggregate', 'create', '--zone', 'e2e-zone', '--property', 'ssd=true', 'e2e-agg'], { version: '2.41' });
    assert.equal(created.name, 'e2e-agg');
    assert.equal(created.availability_zone, 'e2e-zone');
    await m.cli.ok(ADMIN, ['aggregate', 'add', 'host', 'e2e-agg', 'compute2']);
    await m.cli.ok(ADMIN, ['aggregate', 'set', '--property', 'tier=gold', 'e2e-agg']);
    await m.cli.ok(ADMIN, ['aggregate', 'unset', '--property', 'ssd', 'e2e-agg']);
    const shown = await m.cli.json(ADMIN, ['aggregate', 'show', 'e2e-agg'], { version: '2.41' });
    assert.deepEqual(shown.hosts, ['compute2']);
    assert.deepEqual(shown.properties, { tier: 'gold' });
    assert.match(shown.uuid, /^[0-9a-f-]{36}$/);
    const list: any[] = await m.cli.json(ADMIN, ['aggregate', 'list', '--long']);
    assert.ok(list.some((a) => a.Name === 'e2e-agg' && a['Availability Zone'] === 'e2e-zone'));
  });

  it('the zone shows in the zone list and on the compute service, and a server asking for it lands there', async () => {
    const zones: any[] = await m.cli.json(DEMO, ['availability', 'zone', 'list', '--compute']);
    assert.ok(zones.some((z) => z['Zone Name'] === 'e2e-zone' && z['Zone Status'] === 'available'));
    const services: any[] = await m.cli.json(ADMIN, ['compute', 'service', 'list', '--service', 'nova-compute']);
    assert.equal(services.find((s) => s.Host === 'compute2').Zone, 'e2e-zone');
    const s = await m.cli.json(
      ADMIN,
      ['server', 'create', '--flavor', 'm1.tiny', '--image', 'cirros', '--network', 'none', '--availability-zone', 'e2e-zone', '--wait', 'e2e-zoned'],
      { version: '2.37', timeoutMs: 120_000 },
    );
    assert.equal(s['OS-EXT-AZ:availability_zone'], 'e2e-zone');
    assert.equal(s['OS-EXT-SRV-ATTR:host'], 'compute2');
    await m.cli.ok(ADMIN, ['server', 'delete', '--wait', 'e2e-zoned'], { timeoutMs: 120_000 });
  });

  it('asks for image caching at 2.81', async () => {
    await m.cli.ok(ADMIN, ['aggregate', 'cache', 'image', 'e2e-agg', 'cirros'], { version: '2.81' });
  });

  it('reports the refusals: a non-empty aggregate, an unknown host, a member', async () => {
    assertRefused(await m.cli.openstack(ADMIN, ['aggregate', 'delete', 'e2e-agg']), /Host aggregate is not empty/);
    assertRefused(await m.cli.openstack(ADMIN, ['aggregate', 'add', 'host', 'e2e-agg', 'nowhere']), /Compute host nowhere could not be found/);
    assertRefused(await m.cli.openstack(DEMO, ['aggregate', 'list']), /os_compute_api:os-aggregates:index|HTTP 403/);
    await m.cli.ok(ADMIN, ['aggregate', 'remove', 'host', 'e2e-agg', 'compute2']);
    await m.cli.ok(ADMIN, ['aggregate', 'delete', 'e2e-agg']);
  });
});
