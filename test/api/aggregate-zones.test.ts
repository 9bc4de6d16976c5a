// Availability zones defined by aggregates, as every API shows them: the zone
// lists and their detail, os-services, server bodies, the zone checks of
// server creation and pinning; the scheduler placing a server in such a zone;
// and moves (cold and live migration, evacuation) keeping a server that asked
// for a zone inside it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud } from '../support/cloud.js';
import { act } from '../support/actions.js';
import { setForcedDown } from '../support/db.js';
import { waitNewestMigration } from '../support/migrations.js';

const HOST = 'OS-EXT-SRV-ATTR:host';
const AZ = 'OS-EXT-AZ:availability_zone';
const ZONE = 'zone-a';

let c: Cloud;
let aggId: number;

before(async () => {
  c = await startCloud();
  // compute1 and compute2 make zone-a; compute3 stays in the default zone.
  const r = await c.req('admin', 'POST', '/os-aggregates', { body: { aggregate: { name: 'rack-a', availability_zone: ZONE } } });
  aggId = r.body.aggregate.id;
  for (const host of ['compute1', 'compute2']) {
    const a = await c.req('admin', 'POST', `/os-aggregates/${aggId}/action`, { body: { add_host: { host } } });
    assert.equal(a.status, 200, a.text);
  }
});
after(async () => {
  await c.stop();
});

const zones = async (user: string, path: string) => (await c.req(user, 'GET', path)).body.availabilityZoneInfo;
const deleteServer = async (id: string) => {
  await c.req('admin', 'DELETE', `/servers/${id}`);
  await c.waitServer(id, (s) => s.status === 'DELETED');
};
/** A server forced onto a host (it takes room there without asking for a zone). */
const filler = (host: string) => c.bootServer('admin', { availability_zone: `nova:${host}` });

describe('zones shown', () => {
  it('os-availability-zone lists the aggregate zone beside the default one', async () => {
    assert.deepEqual(await zones('demo', '/os-availability-zone'), [
      { zoneName: 'nova', zoneState: { available: true }, hosts: null },
      { zoneName: ZONE, zoneState: { available: true }, hosts: null },
    ]);
  });

  it('the detail puts each host and its services under its zone', async () => {
    const info = await zones('admin', '/os-availability-zone/detail');
    assert.deepEqual(info.map((z: any) => z.zoneName), ['internal', 'nova', ZONE]);
    const byName = Object.fromEntries(info.map((z: any) => [z.zoneName, z]));
    assert.deepEqual(Object.keys(byName[ZONE].hosts).sort(), ['compute1', 'compute2']);
    assert.deepEqual(Object.keys(byName['nova'].hosts), ['compute3']);
    assert.deepEqual(Object.keys(byName[ZONE].hosts.compute1), ['nova-compute']);
    assert.deepEqual(Object.keys(byName['internal'].hosts), ['magnetar']);
  });

  it('a zone whose hosts are all disabled is unavailable; an aggregate zone without hosts is not listed', async () => {
    const empty = await c.req('admin', 'POST', '/os-aggregates', { body: { aggregate: { name: 'empty', availability_zone: 'zone-empty' } } });
    const ids = Object.fromEntries(
      (await c.req('admin', 'GET', '/os-services?binary=nova-compute', { version: '2.53' })).body.services.map((s: any) => [s.host, s.id]),
    );
    const setStatus = (host: string, status: string) => c.req('admin', 'PUT', `/os-services/${ids[host]}`, { version: '2.53', body: { status } });
    try {
      await setStatus('compute1', 'disabled');
      await setStatus('compute2', 'disabled');
      assert.deepEqual(await zones('demo', '/os-availability-zone'), [
        { zoneName: 'nova', zoneState: { available: true }, hosts: null },
        { zoneName: ZONE, zoneState: { available: false }, hosts: null },
      ]);
      const r = await c.req('demo', 'POST', '/servers', {
        body: { server: { name: 'x', flavorRef: '1', imageRef: await imageId(), availability_zone: ZONE } },
      });
      assert.equal(r.status, 400);
      assert.equal(r.body.badRequest.message, 'The requested availability zone is not available');
    } finally {
      await setStatus('compute1', 'enabled');
      await setStatus('compute2', 'enabled');
      await c.req('admin', 'DELETE', `/os-aggregates/${empty.body.aggregate.id}`);
    }
  });

  it("os-services shows each compute service's zone; other services are internal", async () => {
    const services = (await c.req('admin', 'GET', '/os-services')).body.services;
    const zoneOf = Object.fromEntries(services.map((s: any) => [`${s.binary}@${s.host}`, s.zone]));
    assert.equal(zoneOf['nova-compute@compute1'], ZONE);
    assert.equal(zoneOf['nova-compute@compute2'], ZONE);
    assert.equal(zoneOf['nova-compute@compute3'], 'nova');
    assert.equal(zoneOf['nova-scheduler@magnetar'], 'internal');
    assert.equal(zoneOf['nova-conductor@magnetar'], 'internal');
  });

  it("a zone rename through the aggregate shows at once (servers' hosts stay; an empty host's zone moves)", async () => {
    const extra = await c.req('admin', 'POST', '/os-aggregates', { body: { aggregate: { name: 'renaming', availability_zone: 'zone-x' } } });
    const id = extra.body.aggregate.id;
    try {
      await c.req('admin', 'POST', `/os-aggregates/${id}/action`, { body: { add_host: { host: 'compute3' } } });
      let services = (await c.req('admin', 'GET', '/os-services?host=compute3&binary=nova-compute')).body.services;
      assert.equal(services[0].zone, 'zone-x');
      await c.req('admin', 'PUT', `/os-aggregates/${id}`, { body: { aggregate: { availability_zone: 'zone-y' } } });
      services = (await c.req('admin', 'GET', '/os-services?host=compute3&binary=nova-compute')).body.services;
      assert.equal(services[0].zone, 'zone-y');
      assert.ok((await zones('demo', '/os-availability-zone')).some((z: any) => z.zoneName === 'zone-y'));
    } finally {
      await c.req('admin', 'POST', `/os-aggregates/${id}/action`, { body: { remove_host: { host: 'compute3' } } });
      await c.req('admin', 'DELETE', `/os-aggregates/${id}`);
    }
    const services = (await c.req('admin', 'GET', '/os-services?host=compute3&binary=nova-compute')).body.services;
    assert.equal(services[0].zone, 'nova');
  });
});

let cirros: string | undefined;
async function imageId(): Promise<string> {
  if (cirros) return cirros;
  const r = await fetch(`${c.imageUrl}/v2/images`, { headers: { 'X-Auth-Token': await c.token('admin') } });
  cirros = ((await r.json()) as { images: Array<{ id: string; name: string }> }).images.find((i) => i.name === 'cirros')!.id;
  return cirros;
}

describe('servers in zones', () => {
  it('a server asking for the aggregate zone lands on one of its hosts and shows the zone', async () => {
    for (let i = 0; i < 3; i++) {
      const s = await c.bootServer('demo', { availability_zone: ZONE });
      assert.ok(['compute1', 'compute2'].includes(s[HOST]), s[HOST]);
      assert.equal(s[AZ], ZONE);
      const mine = (await c.req('demo', 'GET', `/servers/${s.id}`, { version: '2.96' })).body.server;
      assert.equal(mine[AZ], ZONE);
      assert.equal(mine.pinned_availability_zone, ZONE);
      await deleteServer(s.id);
    }
  });

  it('a server asking for the default zone stays off the aggregate zone', async () => {
    for (let i = 0; i < 2; i++) {
      const s = await c.bootServer('demo', { availability_zone: 'nova' });
      assert.equal(s[HOST], 'compute3');
      assert.equal(s[AZ], 'nova');
      await deleteServer(s.id);
    }
  });

  it("a server that asked for no zone shows its host's zone, in lists and list filters too", async () => {
    const s = await filler('compute1');
    assert.equal(s[AZ], ZONE);
    const list = (await c.req('admin', 'GET', '/servers/detail')).body.servers;
    assert.equal(list.find((x: any) => x.id === s.id)[AZ], ZONE);
    const t = await filler('compute3');
    assert.equal(t[AZ], 'nova');
    // Filtering by zone goes by the host's zone too.
    const inZone = (await c.req('admin', 'GET', `/servers?availability_zone=${ZONE}`)).body.servers.map((x: any) => x.id);
    assert.ok(inZone.includes(s.id));
    assert.ok(!inZone.includes(t.id));
    const inNova = (await c.req('admin', 'GET', '/servers?availability_zone=^nova$')).body.servers.map((x: any) => x.id);
    assert.deepEqual([inNova.includes(s.id), inNova.includes(t.id)], [false, true]);
    await deleteServer(s.id);
    await deleteServer(t.id);
  });

  it('a server without a host shows the zone it asked for', async () => {
    // Bigger than any host: scheduling fails and the server has no host.
    const big = await c.req('admin', 'POST', '/flavors', { body: { flavor: { name: 'huge', ram: 1048576, vcpus: 1, disk: 1 } } });
    const r = await c.req('demo', 'POST', '/servers', {
      body: { server: { name: 'nowhere', flavorRef: big.body.flavor.id, imageRef: await imageId(), availability_zone: ZONE } },
    });
    assert.equal(r.status, 202, r.text);
    const s = await c.waitServer(r.body.server.id, (x) => x.status === 'ERROR');
    assert.equal(s[HOST], null);
    assert.equal(s[AZ], ZONE);
    await deleteServer(s.id);
  });

  it('an unknown zone is refused', async () => {
    const r = await c.req('demo', 'POST', '/servers', { body: { server: { name: 'x', flavorRef: '1', imageRef: await imageId(), availability_zone: 'zone-nope' } } });
    assert.equal(r.status, 400);
    assert.equal(r.body.badRequest.message, 'The requested availability zone is not available');
  });

  it("a forced host keeps the zone asked for only when the host is in it; otherwise the host's zone shows", async () => {
    const inZone = await c.bootServer('admin', { availability_zone: `${ZONE}:compute2` });
    assert.equal(inZone[HOST], 'compute2');
    let body = (await c.req('admin', 'GET', `/servers/${inZone.id}`, { version: '2.96' })).body.server;
    assert.equal(body.pinned_availability_zone, ZONE);
    const elsewhere = await c.bootServer('admin', { availability_zone: 'nova:compute2' });
    body = (await c.req('admin', 'GET', `/servers/${elsewhere.id}`, { version: '2.96' })).body.server;
    assert.equal(body.pinned_availability_zone, null);
    assert.equal(body[AZ], ZONE);
    const defaultHost = await c.bootServer('admin', { availability_zone: 'nova:compute3' });
    body = (await c.req('admin', 'GET', `/servers/${defaultHost.id}`, { version: '2.96' })).body.server;
    assert.equal(body.pinned_availability_zone, 'nova');
    for (const s of [inZone, elsewhere, defaultHost]) await deleteServer(s.id);
  });

  it('2.104: a server is pinned only to the zone its host is in', async () => {
    const s = await filler('compute2');
    const pin = (zone: string | null) => c.req('admin', 'PUT', `/servers/${s.id}`, { version: '2.104', body: { server: { pinned_availability_zone: zone } } });
    let r = await pin('nova');
    assert.equal(r.status, 409);
    assert.equal(r.body.conflictingRequest.message, `Server can only be pinned to its current availability zone '${ZONE}', but 'nova' was requested.`);
    r = await pin(ZONE);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.server.pinned_availability_zone, ZONE);
    await deleteServer(s.id);
  });
});

describe('moves keep a server in the zone it asked for', () => {
  /**
   * A server in zone-a, and a filler on the other zone-a host so that the
   * default zone's compute3 has the most free room: a move that ignored the
   * zone would go there.
   */
  async function zonedServer(): Promise<{ s: any; other: string; fillerId: string }> {
    const s = await c.bootServer('demo', { availability_zone: ZONE });
    const other = s[HOST] === 'compute1' ? 'compute2' : 'compute1';
    const f = await filler(other);
    return { s, other, fillerId: f.id };
  }

  it('cold migration', async () => {
    const { s, other, fillerId } = await zonedServer();
    const r = await act(c, 'admin', s.id, { migrate: null });
    assert.equal(r.status, 202, r.text);
    const moved = await c.waitServer(s.id, (x) => x.status === 'VERIFY_RESIZE' || x.status === 'ERROR');
    assert.equal(moved.status, 'VERIFY_RESIZE');
    assert.equal(moved[HOST], other);
    assert.equal(moved[AZ], ZONE);
    await act(c, 'admin', s.id, { confirmResize: null });
    await c.waitServer(s.id, (x) => x.status === 'ACTIVE');
    await deleteServer(s.id);
    await deleteServer(fillerId);
  });

  it('cold migration with no other host in the zone finds no host', async () => {
    const s = await c.bootServer('demo', { availability_zone: 'nova' });
    assert.equal(s[HOST], 'compute3');
    assert.equal((await act(c, 'admin', s.id, { migrate: null })).status, 202);
    await waitNewestMigration(c, s.id, (m) => m.status === 'error');
    const back = await c.waitServer(s.id, (x) => x.status === 'ACTIVE' && x['OS-EXT-STS:task_state'] === null);
    assert.equal(back[HOST], 'compute3');
    await deleteServer(s.id);
  });

  it('live migration (scheduled)', async () => {
    const { s, other, fillerId } = await zonedServer();
    const r = await act(c, 'admin', s.id, { 'os-migrateLive': { host: null, block_migration: 'auto' } }, '2.25');
    assert.equal(r.status, 202, r.text);
    const moved = await c.waitServer(s.id, (x) => x['OS-EXT-STS:task_state'] === null && x[HOST] !== s[HOST]);
    assert.equal(moved[HOST], other);
    assert.equal(moved[AZ], ZONE);
    await deleteServer(s.id);
    await deleteServer(fillerId);
  });

  it('evacuation', async () => {
    const { s, other, fillerId } = await zonedServer();
    const source = s[HOST];
    await setForcedDown(c, source, true);
    try {
      const r = await act(c, 'admin', s.id, { evacuate: {} }, '2.68');
      assert.equal(r.status, 200, r.text);
      const moved = await c.waitServer(s.id, (x) => x.status === 'ACTIVE' && x[HOST] !== source);
      assert.equal(moved[HOST], other);
      assert.equal(moved[AZ], ZONE);
    } finally {
      await setForcedDown(c, source, false);
      await c.aio.stopHost(source);
      await c.aio.startHost(source);
    }
    await deleteServer(s.id);
    await deleteServer(fillerId);
  });

  it('a server that asked for no zone may leave it', async () => {
    const s = await filler('compute1');
    const f = await filler('compute2');
    const r = await act(c, 'admin', s.id, { migrate: null });
    assert.equal(r.status, 202, r.text);
    const moved = await c.waitServer(s.id, (x) => x.status === 'VERIFY_RESIZE' || x.status === 'ERROR');
    assert.equal(moved[HOST], 'compute3');
    assert.equal(moved[AZ], 'nova');
    await act(c, 'admin', s.id, { confirmResize: null });
    await c.waitServer(s.id, (x) => x.status === 'ACTIVE');
    await deleteServer(s.id);
    await deleteServer(f.id);
  });
});
