// The scheduler's aggregate filters, enabled through [filter_scheduler]
// enabled_filters: each keeps servers off the hosts whose aggregate metadata
// rules them out. The RAM weigher spreads servers over the three hosts, so
// without the filter the excluded host would get one of every three.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startCloud, type Cloud } from '../support/cloud.js';

const HOST = 'OS-EXT-SRV-ATTR:host';
const FILTERS = [
  'ComputeFilter',
  'AvailabilityZoneFilter',
  'RamFilter',
  'DiskFilter',
  'CoreFilter',
  'AggregateInstanceExtraSpecsFilter',
  'AggregateMultiTenancyIsolation',
  'AggregateImagePropertiesIsolation',
  'AggregateTypeAffinityFilter',
];

let c: Cloud;
let images: Record<string, string>;
before(async () => {
  c = await startCloud({ overrides: [`filter_scheduler.enabled_filters=${FILTERS.join(',')}`] });
  const r = await fetch(`${c.imageUrl}/v2/images`, { headers: { 'X-Auth-Token': await c.token('admin') } });
  images = Object.fromEntries(((await r.json()) as { images: Array<{ id: string; name: string }> }).images.map((i) => [i.name, i.id]));
});
after(async () => {
  await c.stop();
});

/** An aggregate of one host with this metadata, for the duration of `fn`. */
async function withAggregate(host: string, metadata: Record<string, string>, fn: () => Promise<void>): Promise<void> {
  const a = (await c.req('admin', 'POST', '/os-aggregates', { body: { aggregate: { name: `f-${randomBytes(3).toString('hex')}` } } })).body.aggregate;
  await c.req('admin', 'POST', `/os-aggregates/${a.id}/action`, { body: { set_metadata: { metadata } } });
  await c.req('admin', 'POST', `/os-aggregates/${a.id}/action`, { body: { add_host: { host } } });
  try {
    await fn();
  } finally {
    await c.req('admin', 'POST', `/os-aggregates/${a.id}/action`, { body: { remove_host: { host } } });
    await c.req('admin', 'DELETE', `/os-aggregates/${a.id}`);
  }
}

/** Boots `n` servers one after another and returns their hosts; deletes them afterwards. */
async function hostsOf(user: string, n: number, extra: Record<string, unknown> = {}): Promise<string[]> {
  const servers: any[] = [];
  try {
    for (let i = 0; i < n; i++) servers.push(await c.bootServer(user, extra));
    return servers.map((s) => s[HOST]);
  } finally {
    for (const s of servers) await c.req('admin', 'DELETE', `/servers/${s.id}`);
    for (const s of servers) await c.waitServer(s.id, (x) => x.status === 'DELETED');
  }
}

describe('aggregate filters', () => {
  it('without aggregates, servers spread over every host', async () => {
    assert.deepEqual((await hostsOf('demo', 3)).sort(), ['compute1', 'compute2', 'compute3']);
  });

  it('AggregateInstanceExtraSpecsFilter: a flavor with extra specs goes only where an aggregate matches them', async () => {
    const f = (await c.req('admin', 'POST', '/flavors', { body: { flavor: { name: 'ssd.tiny', ram: 512, vcpus: 1, disk: 1 } } })).body.flavor;
    await c.req('admin', 'POST', `/flavors/${f.id}/os-extra_specs`, { body: { extra_specs: { 'aggregate_instance_extra_specs:ssd': 'true' } } });
    await withAggregate('compute2', { ssd: 'true' }, async () => {
      assert.deepEqual(await hostsOf('demo', 3, { flavorRef: f.id }), ['compute2', 'compute2', 'compute2']);
      // Flavors without extra specs still go anywhere.
      assert.deepEqual((await hostsOf('demo', 3)).sort(), ['compute1', 'compute2', 'compute3']);
    });
  });

  it("AggregateMultiTenancyIsolation: a host of a tenant's aggregate takes only that tenant's servers", async () => {
    const alt = await c.projectId('alt_demo');
    await withAggregate('compute3', { filter_tenant_id: alt }, async () => {
      assert.ok(!(await hostsOf('demo', 3)).includes('compute3'));
      assert.ok((await hostsOf('alt_demo', 3)).includes('compute3'));
    });
  });

  it('AggregateImagePropertiesIsolation: a host whose aggregate wants another os_distro takes no server of this image', async () => {
    await withAggregate('compute1', { os_distro: 'ubuntu' }, async () => {
      assert.ok(!(await hostsOf('demo', 3, { imageRef: images['cirros'] })).includes('compute1'));
      assert.ok((await hostsOf('demo', 3, { imageRef: images['ubuntu-24.04'] })).includes('compute1'));
    });
  });

  it('AggregateTypeAffinityFilter: a host with instance_type takes only those flavors', async () => {
    await withAggregate('compute1', { instance_type: 'm1.small' }, async () => {
      assert.ok(!(await hostsOf('demo', 3, { flavorRef: '1' })).includes('compute1'));
      assert.ok((await hostsOf('demo', 3, { flavorRef: '2' })).includes('compute1'));
    });
  });
});
