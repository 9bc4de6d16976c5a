// /os-aggregates: every route and its version gates (uuid from 2.41, image
// caching from 2.81, strict queries from 2.102), Nova's faults and messages
// for each refused change, admin-only policies, and aggregates surviving a
// restart.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startCloud, type Cloud } from '../support/cloud.js';

let c: Cloud;
before(async () => {
  c = await startCloud();
});
after(async () => {
  await c.stop();
});

const uniq = (p: string): string => `${p}-${randomBytes(3).toString('hex')}`;
const UUID_RX = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TIME_RX = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/;

async function create(name: string, zone?: string | null, version = '2.1'): Promise<any> {
  const r = await c.req('admin', 'POST', '/os-aggregates', { version, body: { aggregate: { name, ...(zone !== undefined && { availability_zone: zone }) } } });
  assert.equal(r.status, 200, r.text);
  return r.body.aggregate;
}
const action = (id: number | string, body: unknown, version = '2.1', user = 'admin') =>
  c.req(user, 'POST', `/os-aggregates/${id}/action`, { version, body });
const addHost = (id: number | string, host: string, version = '2.1') => action(id, { add_host: { host } }, version);
const removeHost = (id: number | string, host: string, version = '2.1') => action(id, { remove_host: { host } }, version);
const setMetadata = (id: number | string, metadata: Record<string, string | null>, version = '2.1') => action(id, { set_metadata: { metadata } }, version);
const show = async (id: number): Promise<any> => (await c.req('admin', 'GET', `/os-aggregates/${id}`, { version: '2.41' })).body.aggregate;

function fault(r: { status: number; body: any; text: string }, status: number, message: string | RegExp): void {
  assert.equal(r.status, status, r.text);
  const name = { 400: 'badRequest', 403: 'forbidden', 404: 'itemNotFound', 409: 'conflictingRequest' }[status]!;
  if (typeof message === 'string') assert.equal(r.body[name].message, message);
  else assert.match(r.body[name].message, message);
}

describe('create, show, list, update, delete', () => {
  it('creates an aggregate: 200, without hosts and metadata, uuid from 2.41', async () => {
    const name = uniq('agg');
    const a = await create(name);
    assert.deepEqual(Object.keys(a).sort(), ['availability_zone', 'created_at', 'deleted', 'deleted_at', 'id', 'name', 'updated_at']);
    assert.equal(a.name, name);
    assert.equal(a.availability_zone, null);
    assert.equal(a.deleted, false);
    assert.equal(a.deleted_at, null);
    assert.equal(a.updated_at, null);
    assert.match(a.created_at, TIME_RX);
    assert.equal(typeof a.id, 'number');

    const b = await create(uniq('agg'), 'london', '2.41');
    assert.deepEqual(Object.keys(b).sort(), ['availability_zone', 'created_at', 'deleted', 'deleted_at', 'id', 'name', 'updated_at', 'uuid']);
    assert.equal(b.availability_zone, 'london');
    assert.match(b.uuid, UUID_RX);
  });

  it('shows hosts and metadata; the zone is the availability_zone metadata; uuid only from 2.41', async () => {
    const a = await create(uniq('agg'), 'paris');
    const r40 = await c.req('admin', 'GET', `/os-aggregates/${a.id}`, { version: '2.40' });
    assert.equal(r40.status, 200);
    assert.deepEqual(r40.body.aggregate, { ...a, hosts: [], metadata: { availability_zone: 'paris' } });
    const r41 = await c.req('admin', 'GET', `/os-aggregates/${a.id}`, { version: '2.41' });
    assert.match(r41.body.aggregate.uuid, UUID_RX);
    assert.equal((await c.req('admin', 'GET', `/os-aggregates/${a.id}`, { version: 'latest' })).body.aggregate.uuid, r41.body.aggregate.uuid);
  });

  it('lists every aggregate with hosts and metadata, uuid from 2.41', async () => {
    const a = await create(uniq('agg'));
    await addHost(a.id, 'compute3');
    try {
      const r = await c.req('admin', 'GET', '/os-aggregates');
      assert.equal(r.status, 200);
      const item = r.body.aggregates.find((x: any) => x.id === a.id);
      assert.deepEqual(item.hosts, ['compute3']);
      assert.deepEqual(item.metadata, {});
      assert.equal(item.uuid, undefined);
      const r41 = await c.req('admin', 'GET', '/os-aggregates', { version: '2.41' });
      assert.ok(r41.body.aggregates.every((x: any) => UUID_RX.test(x.uuid)));
    } finally {
      await removeHost(a.id, 'compute3');
    }
  });

  it('refuses a name already taken: 409', async () => {
    const name = uniq('agg');
    await create(name);
    const r = await c.req('admin', 'POST', '/os-aggregates', { body: { aggregate: { name } } });
    fault(r, 409, `Aggregate ${name} already exists.`);
  });

  it('validates the body: names, zones, lengths, extra fields', async () => {
    const bad = async (aggregate: unknown, message: string | RegExp) =>
      fault(await c.req('admin', 'POST', '/os-aggregates', { body: { aggregate } }), 400, message);
    await bad({ name: ' lead' }, "An invalid 'name' value was provided. The name must be: printable characters. Can not start or end with whitespace.");
    await bad({ name: 'ok', availability_zone: 'a:b' }, "An invalid 'name' value was provided. The name must be: printable characters except :.Can not start or end with whitespace.");
    await bad({ name: '' }, /^Invalid input for field\/attribute name\. Value: \. '' is too short$/);
    await bad({ name: 'x'.repeat(256) }, /is too long/);
    await bad({}, "Invalid input for field/attribute aggregate. Value: {}. 'name' is a required property");
    await bad({ name: 'ok', colour: 'red' }, /Additional properties are not allowed \('colour' was unexpected\)/);
    fault(await c.req('admin', 'POST', '/os-aggregates', { body: { name: 'ok' } }), 400, /'aggregate' is a required property/);
  });

  it('updates the name and the zone: 200 with the whole aggregate', async () => {
    const a = await create(uniq('agg'), 'az-old');
    const name = uniq('renamed');
    const r = await c.req('admin', 'PUT', `/os-aggregates/${a.id}`, { version: '2.41', body: { aggregate: { name: `  ${name} `, availability_zone: 'az-new' } } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.aggregate.name, name);
    assert.equal(r.body.aggregate.availability_zone, 'az-new');
    assert.deepEqual(r.body.aggregate.metadata, { availability_zone: 'az-new' });
    assert.deepEqual(r.body.aggregate.hosts, []);
    assert.match(r.body.aggregate.updated_at, TIME_RX);
    assert.match(r.body.aggregate.uuid, UUID_RX);
    assert.equal((await show(a.id)).name, name);
  });

  it('refuses a rename into a taken name (409), a null zone (400) and an empty update (400); changes nothing', async () => {
    const taken = uniq('taken');
    await create(taken);
    const a = await create(uniq('agg'));
    fault(await c.req('admin', 'PUT', `/os-aggregates/${a.id}`, { body: { aggregate: { name: taken } } }), 409, `Aggregate ${taken} already exists.`);
    fault(
      await c.req('admin', 'PUT', `/os-aggregates/${a.id}`, { body: { aggregate: { name: uniq('n'), availability_zone: null } } }),
      400,
      `Cannot update aggregate ${a.id}. Reason: Aggregate ${a.name} does not support empty named availability zone.`,
    );
    assert.equal((await show(a.id)).name, a.name);
    fault(await c.req('admin', 'PUT', `/os-aggregates/${a.id}`, { body: { aggregate: {} } }), 400, /is not valid under any of the given schemas/);
    fault(
      await c.req('admin', 'PUT', `/os-aggregates/${a.id}`, { body: { aggregate: { name: '   ' } } }),
      400,
      "An invalid 'name' value was provided. The name must be: printable characters with at least one non space character",
    );
    // Renaming to its own name is no conflict.
    assert.equal((await c.req('admin', 'PUT', `/os-aggregates/${a.id}`, { body: { aggregate: { name: a.name } } })).status, 200);
  });

  it('deletes an empty aggregate (200, no body), refuses one with hosts (400)', async () => {
    const a = await create(uniq('agg'));
    await addHost(a.id, 'compute2');
    fault(await c.req('admin', 'DELETE', `/os-aggregates/${a.id}`), 400, `Cannot remove host from aggregate ${a.id}. Reason: Host aggregate is not empty.`);
    await removeHost(a.id, 'compute2');
    const r = await c.req('admin', 'DELETE', `/os-aggregates/${a.id}`);
    assert.equal(r.status, 200);
    assert.equal(r.text, '');
    fault(await c.req('admin', 'GET', `/os-aggregates/${a.id}`), 404, `Aggregate ${a.id} could not be found.`);
  });

  it('404 for an unknown aggregate, 400 for an id that is no integer, on every route', async () => {
    const id = 999999;
    fault(await c.req('admin', 'GET', `/os-aggregates/${id}`), 404, `Aggregate ${id} could not be found.`);
    fault(await c.req('admin', 'PUT', `/os-aggregates/${id}`, { body: { aggregate: { name: 'x' } } }), 404, `Aggregate ${id} could not be found.`);
    fault(await c.req('admin', 'DELETE', `/os-aggregates/${id}`), 404, `Aggregate ${id} could not be found.`);
    fault(await setMetadata(id, { k: 'v' }), 404, `Aggregate ${id} could not be found.`);
    fault(await addHost(id, 'compute1'), 404, `Aggregate ${id} could not be found.`);
    fault(await removeHost(id, 'compute1'), 404, `Cannot remove host compute1 in aggregate ${id}`);
    fault(await c.req('admin', 'GET', '/os-aggregates/99999999999999999999'), 404, 'Aggregate 99999999999999999999 could not be found.');
    for (const bad of ['abc', '1.5']) {
      fault(await c.req('admin', 'GET', `/os-aggregates/${bad}`), 400, 'Invalid input received: id must be an integer');
      fault(await c.req('admin', 'DELETE', `/os-aggregates/${bad}`), 400, 'Invalid input received: id must be an integer');
      fault(await addHost(bad, 'compute1'), 400, 'Invalid input received: id must be an integer');
    }
  });

  it('ignores unknown query parameters before 2.102 and refuses them from 2.102', async () => {
    const a = await create(uniq('agg'));
    assert.equal((await c.req('admin', 'GET', '/os-aggregates?x=1', { version: '2.101' })).status, 200);
    assert.equal((await c.req('admin', 'GET', '/os-aggregates?x=1', { version: '2.102' })).status, 400);
    assert.equal((await c.req('admin', 'GET', `/os-aggregates/${a.id}?x=1`, { version: '2.101' })).status, 200);
    assert.equal((await c.req('admin', 'GET', `/os-aggregates/${a.id}?x=1`, { version: '2.102' })).status, 400);
  });
});

describe('hosts', () => {
  it('adds and removes a host: 200 with the aggregate, uuid from 2.41', async () => {
    const a = await create(uniq('agg'));
    let r = await addHost(a.id, 'compute1', '2.41');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.aggregate.hosts, ['compute1']);
    assert.equal(r.body.aggregate.uuid, (await show(a.id)).uuid);
    r = await addHost(a.id, 'compute2');
    assert.deepEqual(r.body.aggregate.hosts, ['compute1', 'compute2']);
    assert.equal(r.body.aggregate.uuid, undefined);
    r = await removeHost(a.id, 'compute1', '2.41');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.aggregate.hosts, ['compute2']);
    assert.match(r.body.aggregate.uuid, UUID_RX);
    await removeHost(a.id, 'compute2');
  });

  it('only compute hosts: 404 for an unknown host or a host without nova-compute', async () => {
    const a = await create(uniq('agg'));
    fault(await addHost(a.id, 'nowhere'), 404, 'Compute host nowhere could not be found.');
    // The conductor and scheduler run on host `magnetar`.
    fault(await addHost(a.id, 'magnetar'), 404, 'Compute host magnetar could not be found.');
    fault(await removeHost(a.id, 'nowhere'), 404, `Cannot remove host nowhere in aggregate ${a.id}`);
    fault(await action(a.id, { add_host: { host: 'bad host!' } }), 400, /add_host|host/);
  });

  it('a host already in the aggregate: 409; a host not in it cannot be removed: 404', async () => {
    const a = await create(uniq('agg'));
    await addHost(a.id, 'compute1');
    fault(await addHost(a.id, 'compute1'), 409, `Aggregate ${a.id} already has host compute1.`);
    fault(await removeHost(a.id, 'compute2'), 404, `Cannot remove host compute2 in aggregate ${a.id}`);
    await removeHost(a.id, 'compute1');
  });

  it('a host cannot be in two zones: 409 with the zone it is in', async () => {
    const az1 = await create(uniq('agg'), 'zone-one');
    const az2 = await create(uniq('agg'), 'zone-two');
    const plain = await create(uniq('agg'));
    const same = await create(uniq('agg'), 'zone-one');
    await addHost(az1.id, 'compute1');
    try {
      fault(await addHost(az2.id, 'compute1'), 409, `Cannot add host to aggregate ${az2.id}. Reason: One or more hosts already in availability zone(s) ['zone-one'].`);
      // An aggregate without a zone, or with the same zone, is fine.
      assert.equal((await addHost(plain.id, 'compute1')).status, 200);
      assert.equal((await addHost(same.id, 'compute1')).status, 200);
      // The zone of an aggregate with that host cannot be changed to another either (400 here).
      fault(
        await c.req('admin', 'PUT', `/os-aggregates/${plain.id}`, { body: { aggregate: { availability_zone: 'zone-two' } } }),
        400,
        `Cannot update aggregate ${plain.id}. Reason: One or more hosts already in availability zone(s) ['zone-one', 'zone-one'].`,
      );
      fault(
        await setMetadata(plain.id, { availability_zone: 'zone-two' }),
        400,
        `Cannot update metadata of aggregate ${plain.id}. Reason: One or more hosts already in availability zone(s) ['zone-one', 'zone-one'].`,
      );
      assert.equal((await show(plain.id)).availability_zone, null);
    } finally {
      for (const a of [az1, plain, same]) await removeHost(a.id, 'compute1');
    }
  });

  it("a host with servers does not change zone by joining or leaving an aggregate: 409; its aggregate's zone cannot change: 400", async () => {
    const s = await c.bootServer('admin', { availability_zone: 'nova:compute3' });
    const zoned = await create(uniq('agg'), 'busy-zone');
    try {
      fault(
        await addHost(zoned.id, 'compute3'),
        409,
        `Cannot add host to aggregate ${zoned.id}. Reason: The host cannot be added to the aggregate as the availability zone of the host would change from 'None' to 'busy-zone' ` +
          'but the host already has 1 instance(s). Changing the AZ of an existing instance is not supported by this action. ' +
          'Move the instances away from this host then try again. If you need to move the instances between AZs then you can use shelve_offload and unshelve to achieve this..',
      );
      // An aggregate without a zone takes it.
      const plain = await create(uniq('agg'));
      assert.equal((await addHost(plain.id, 'compute3')).status, 200);
      fault(
        await setMetadata(plain.id, { availability_zone: 'other' }),
        400,
        `Cannot update metadata of aggregate ${plain.id}. Reason: One or more hosts contain instances in this zone.`,
      );
      fault(
        await c.req('admin', 'PUT', `/os-aggregates/${plain.id}`, { body: { aggregate: { availability_zone: 'other' } } }),
        400,
        `Cannot update aggregate ${plain.id}. Reason: One or more hosts contain instances in this zone.`,
      );
      assert.equal((await removeHost(plain.id, 'compute3')).status, 200);
      // Put the host in a zone while empty, then give it a server: it cannot leave.
      await c.req('admin', 'DELETE', `/servers/${s.id}`);
      await c.waitServer(s.id, (x) => x.status === 'DELETED');
      assert.equal((await addHost(zoned.id, 'compute3')).status, 200);
      const t = await c.bootServer('admin', { availability_zone: 'busy-zone' });
      assert.equal(t['OS-EXT-SRV-ATTR:host'], 'compute3');
      fault(
        await removeHost(zoned.id, 'compute3'),
        409,
        `Cannot remove host from aggregate ${zoned.id}. Reason: The host cannot be removed from the aggregate as the availability zone of the host would change from 'busy-zone' to 'None' ` +
          'but the host already has 1 instance(s). Changing the AZ of an existing instance is not supported by this action. ' +
          'Move the instances away from this host then try again. If you need to move the instances between AZs then you can use shelve_offload and unshelve to achieve this..',
      );
      await c.req('admin', 'DELETE', `/servers/${t.id}`);
      await c.waitServer(t.id, (x) => x.status === 'DELETED');
    } finally {
      await removeHost(zoned.id, 'compute3');
    }
  });

  it('a deleted compute service leaves its aggregates', async () => {
    const a = await create(uniq('agg'));
    const svcs = (await c.req('admin', 'GET', '/os-services?binary=nova-compute', { version: '2.53' })).body.services;
    await c.aio.stopHost('compute3');
    try {
      await addHost(a.id, 'compute3');
      const id = svcs.find((s: any) => s.host === 'compute3').id;
      assert.equal((await c.req('admin', 'DELETE', `/os-services/${id}`, { version: '2.53' })).status, 204);
      assert.deepEqual((await show(a.id)).hosts, []);
    } finally {
      await c.aio.startHost('compute3');
    }
    // The restarted agent registers the host again; it is in no aggregate.
    assert.deepEqual((await show(a.id)).hosts, []);
  });
});

describe('set_metadata', () => {
  it('sets and removes keys (null removes; an unknown key to remove is ignored)', async () => {
    const a = await create(uniq('agg'), 'meta-zone');
    let r = await setMetadata(a.id, { key: 'value', other: 'x' }, '2.41');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.aggregate.metadata, { availability_zone: 'meta-zone', key: 'value', other: 'x' });
    assert.match(r.body.aggregate.updated_at, TIME_RX);
    assert.match(r.body.aggregate.uuid, UUID_RX);
    r = await setMetadata(a.id, { key: 'changed', other: null, absent: null });
    assert.deepEqual(r.body.aggregate.metadata, { availability_zone: 'meta-zone', key: 'changed' });
    assert.deepEqual((await show(a.id)).metadata, { availability_zone: 'meta-zone', key: 'changed' });
    // The zone can be renamed through metadata, not emptied.
    r = await setMetadata(a.id, { availability_zone: 'meta-zone-2' });
    assert.equal(r.body.aggregate.availability_zone, 'meta-zone-2');
    fault(
      await setMetadata(a.id, { availability_zone: null }),
      400,
      `Cannot update metadata of aggregate ${a.id}. Reason: Aggregate ${a.name} does not support empty named availability zone.`,
    );
    fault(
      await setMetadata(a.id, { availability_zone: '' }),
      400,
      `Cannot update metadata of aggregate ${a.id}. Reason: Aggregate ${a.name} does not support empty named availability zone.`,
    );
  });

  it('validates keys and values', async () => {
    const a = await create(uniq('agg'));
    fault(await setMetadata(a.id, { 'bad/key': 'v' }), 400, /Additional properties are not allowed/);
    fault(await setMetadata(a.id, { k: 'x'.repeat(256) }), 400, /is too long/);
    fault(await action(a.id, { set_metadata: {} }), 400, /'metadata' is a required property/);
    fault(await action(a.id, { set_metadata: { metadata: { k: 1 } } }), 400, /is not of type 'string', 'null'/);
  });
});

describe('cache images (2.81)', () => {
  const cache = (id: number | string, images: unknown, version = '2.81', user = 'admin') =>
    c.req(user, 'POST', `/os-aggregates/${id}/images`, { version, body: { cache: images } });
  let imageId: string;
  before(async () => {
    const r = await fetch(`${c.imageUrl}/v2/images`, { headers: { 'X-Auth-Token': await c.token('admin') } });
    imageId = ((await r.json()) as { images: Array<{ id: string; name: string }> }).images.find((i) => i.name === 'cirros')!.id;
  });

  it('accepts a request for known images: 202, no body (the fake driver caches nothing)', async () => {
    const a = await create(uniq('agg'));
    await addHost(a.id, 'compute1');
    try {
      const r = await cache(a.id, [{ id: imageId }]);
      assert.equal(r.status, 202, r.text);
      assert.equal(r.text, '');
    } finally {
      await removeHost(a.id, 'compute1');
    }
  });

  it('does not exist before 2.81', async () => {
    const a = await create(uniq('agg'));
    assert.equal((await cache(a.id, [{ id: imageId }], '2.80')).status, 404);
  });

  it('refuses duplicates, unknown images, bad ids and unknown aggregates', async () => {
    const a = await create(uniq('agg'));
    fault(await cache(a.id, [{ id: imageId }, { id: imageId }]), 400, 'Duplicate images in request');
    const unknown = '70a599e0-31e7-49b7-b260-868f441e862b';
    fault(await cache(a.id, [{ id: unknown }]), 400, `Image ${unknown} could not be found.`);
    fault(await cache(a.id, []), 400, /is too short/);
    fault(await cache(a.id, [{ id: 'not-a-uuid' }]), 400, /Invalid input for field\/attribute id/);
    fault(await cache(999999, [{ id: imageId }]), 404, 'Aggregate 999999 could not be found.');
    fault(await cache('x', [{ id: imageId }]), 400, 'Invalid input received: id must be an integer');
  });

  it('is admin-only (compute:aggregates:images)', async () => {
    const a = await create(uniq('agg'));
    fault(await cache(a.id, [{ id: imageId }], '2.81', 'demo'), 403, "Policy doesn't allow compute:aggregates:images to be performed.");
  });
});

describe('policy', () => {
  it('refuses every route to non-admins with the rule named', async () => {
    const a = await create(uniq('agg'));
    const rule = (r: string) => `Policy doesn't allow os_compute_api:os-aggregates:${r} to be performed.`;
    for (const user of ['demo', 'demo_manager', 'demo_reader']) {
      fault(await c.req(user, 'GET', '/os-aggregates'), 403, rule('index'));
      fault(await c.req(user, 'POST', '/os-aggregates', { body: { aggregate: { name: uniq('x') } } }), 403, rule('create'));
      fault(await c.req(user, 'GET', `/os-aggregates/${a.id}`), 403, rule('show'));
      fault(await c.req(user, 'PUT', `/os-aggregates/${a.id}`, { body: { aggregate: { name: 'x' } } }), 403, rule('update'));
      fault(await c.req(user, 'DELETE', `/os-aggregates/${a.id}`), 403, rule('delete'));
      fault(await action(a.id, { add_host: { host: 'compute1' } }, '2.1', user), 403, rule('add_host'));
      fault(await action(a.id, { remove_host: { host: 'compute1' } }, '2.1', user), 403, rule('remove_host'));
      fault(await action(a.id, { set_metadata: { metadata: { k: 'v' } } }, '2.1', user), 403, rule('set_metadata'));
    }
    // The policy comes before the id check and the lookup.
    fault(await c.req('demo', 'GET', '/os-aggregates/abc'), 403, rule('show'));
    fault(await c.req('demo', 'DELETE', '/os-aggregates/999999'), 403, rule('delete'));
    const after = await show(a.id);
    assert.deepEqual([after.name, after.hosts, after.metadata], [a.name, [], {}]);
  });
});

describe('persistence', () => {
  it('keeps aggregates, hosts and metadata across a restart', async () => {
    const a = await create(uniq('kept'), 'kept-zone');
    await addHost(a.id, 'compute2');
    await setMetadata(a.id, { k: 'v' });
    const before = await show(a.id);
    await c.restart();
    try {
      assert.deepEqual(await show(a.id), before);
    } finally {
      await removeHost(a.id, 'compute2');
    }
  });
});
