// Each filter, the weigher order and the capacity arithmetic, on hand-made host states.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { HostState } from '../../../src/scheduler/host-state.js';
import type { RequestSpec } from '../../../src/scheduler/request-spec.js';
import { resourcesOf } from '../../../src/scheduler/request-spec.js';
import { capacityOf, fits } from '../../../src/scheduler/resources.js';
import { computeFilter } from '../../../src/scheduler/filters/compute-filter.js';
import { availabilityZoneFilter } from '../../../src/scheduler/filters/availability-zone-filter.js';
import { ramFilter } from '../../../src/scheduler/filters/ram-filter.js';
import { coreFilter } from '../../../src/scheduler/filters/core-filter.js';
import { diskFilter } from '../../../src/scheduler/filters/disk-filter.js';
import { sameHostFilter } from '../../../src/scheduler/filters/same-host-filter.js';
import { differentHostFilter } from '../../../src/scheduler/filters/different-host-filter.js';
import { requestedDestinationFilter } from '../../../src/scheduler/filters/requested-destination-filter.js';
import { ignoreHostsFilter } from '../../../src/scheduler/filters/ignore-hosts-filter.js';
import { enabledFilters, type FilterDeps } from '../../../src/scheduler/filters/enabled-filters.js';
import { availabilityZoneFilter as azFilter, hostZoneFromAggregates } from '../../../src/scheduler/filters/availability-zone-filter.js';
import { aggregateInstanceExtraSpecsFilter } from '../../../src/scheduler/filters/aggregate-instance-extra-specs-filter.js';
import { aggregateMultiTenancyIsolation } from '../../../src/scheduler/filters/aggregate-multi-tenancy-isolation.js';
import { aggregateImagePropertiesIsolation } from '../../../src/scheduler/filters/aggregate-image-properties-isolation.js';
import { aggregateTypeAffinityFilter } from '../../../src/scheduler/filters/aggregate-type-affinity-filter.js';
import { matchesExtraSpec } from '../../../src/scheduler/filters/extra-specs-ops.js';
import { ramWeigher } from '../../../src/scheduler/weighers/ram.js';
import { orderByWeight } from '../../../src/scheduler/weighers/weigher.js';

const host = (over: Partial<HostState> = {}): HostState => ({
  host: 'h1',
  nodename: 'h1.local',
  nodeUuid: 'n1',
  hostIp: '192.0.2.1',
  serviceDisabled: false,
  serviceDisabledReason: null,
  serviceUp: true,
  inventory: { vcpus: 4, memory_mb: 4096, local_gb: 40, cpu_allocation_ratio: 1, ram_allocation_ratio: 1, disk_allocation_ratio: 1 },
  used: { vcpus: 0, memory_mb: 0, disk_gb: 0 },
  instanceUuids: new Set(),
  aggregates: [],
  ...over,
  instanceCount: over.instanceCount ?? over.instanceUuids?.size ?? 0,
});

const spec = (over: Partial<RequestSpec> = {}): RequestSpec => ({
  instanceUuid: 'i-new',
  projectId: 'p1',
  flavor: { vcpus: 1, memory_mb: 1024, root_gb: 10, ephemeral_gb: 0, swap: 0 },
  availabilityZone: null,
  ...over,
});

const FILTER_DEPS: FilterDeps = { hostZone: () => 'nova', imageProperties: () => ({}), isolationNamespace: '', isolationSeparator: '.' };

/** A host in aggregates with these metadata. */
const inAggregates = (...metadata: Array<Record<string, string>>): HostState => host({ aggregates: metadata.map((m, i) => ({ id: i + 1, metadata: m })) });

describe('ComputeFilter', () => {
  it('passes an enabled, up service', () => assert.equal(computeFilter.passes(host(), spec()), true));
  it('rejects a disabled service', () => assert.equal(computeFilter.passes(host({ serviceDisabled: true }), spec()), false));
  it('rejects a down service', () => assert.equal(computeFilter.passes(host({ serviceUp: false }), spec()), false));
});

describe('AvailabilityZoneFilter', () => {
  const f = availabilityZoneFilter((h) => (h.host === 'h1' ? 'az1' : 'az2'));
  it('passes any host when no zone is requested', () => assert.equal(f.passes(host({ host: 'h2' }), spec()), true));
  it('passes a host in the requested zone', () => assert.equal(f.passes(host(), spec({ availabilityZone: 'az1' })), true));
  it('rejects a host in another zone', () => assert.equal(f.passes(host({ host: 'h2' }), spec({ availabilityZone: 'az1' })), false));
});

describe('AvailabilityZoneFilter on zones from aggregates', () => {
  const f = azFilter(hostZoneFromAggregates('nova'));
  it('puts a host without a zoned aggregate in the default zone', () => {
    assert.equal(f.passes(inAggregates({ k: 'v' }), spec({ availabilityZone: 'nova' })), true);
    assert.equal(f.passes(inAggregates(), spec({ availabilityZone: 'az1' })), false);
  });
  it("puts a host in its aggregate's zone, and no longer in the default one", () => {
    assert.equal(f.passes(inAggregates({ k: 'v' }, { availability_zone: 'az1' }), spec({ availabilityZone: 'az1' })), true);
    assert.equal(f.passes(inAggregates({ availability_zone: 'az1' }), spec({ availabilityZone: 'nova' })), false);
  });
  it('reads aggregates only for a request with a zone', () => {
    assert.equal(f.readsAggregates?.(spec()), false);
    assert.equal(f.readsAggregates?.(spec({ availabilityZone: 'az1' })), true);
  });
});

describe('extra spec operators', () => {
  const cases: Array<[string, string, boolean]> = [
    ['ssd', 'ssd', true],
    ['ssd', 'hdd', false],
    ['4', '= 3', true],
    ['2', '= 3', false],
    ['3.0', '== 3', true],
    ['3', '!= 3', false],
    ['5', '>= 5', true],
    ['5', '<= 4', false],
    ['abc', 's== abc', true],
    ['abc', 's!= abc', false],
    ['abc', 's< abd', true],
    ['b', 's>= a', true],
    ['x86_64 avx2', '<in> avx', true],
    ['x86_64', '<in> arm', false],
    ['a b c', '<all-in> a c', true],
    ['a b', '<all-in> a c', false],
    ['v2', '<or> v1 <or> v2 <or> v3', true],
    ['v4', '<or> v1 <or> v2', false],
    ['fast', '= 3', false],
  ];
  for (const [value, req, want] of cases) it(`${JSON.stringify(value)} against ${JSON.stringify(req)} → ${want}`, () => assert.equal(matchesExtraSpec(value, req), want));
});

describe('AggregateInstanceExtraSpecsFilter', () => {
  const f = aggregateInstanceExtraSpecsFilter;
  const withSpecs = (extra_specs: Record<string, string>): RequestSpec => spec({ flavor: { ...spec().flavor, extra_specs } });
  it('passes any host for a flavor without extra specs', () => assert.equal(f.passes(inAggregates(), spec()), true));
  it('needs every unscoped or aggregate-scoped spec matched by an aggregate', () => {
    assert.equal(f.passes(inAggregates({ ssd: 'true' }), withSpecs({ ssd: 'true' })), true);
    assert.equal(f.passes(inAggregates({ ssd: 'true' }), withSpecs({ 'aggregate_instance_extra_specs:ssd': 'true' })), true);
    assert.equal(f.passes(inAggregates({ ssd: 'false' }), withSpecs({ ssd: 'true' })), false);
    assert.equal(f.passes(inAggregates(), withSpecs({ ssd: 'true' })), false);
  });
  it('ignores other scopes', () => assert.equal(f.passes(inAggregates(), withSpecs({ 'hw:cpu_policy': 'dedicated' })), true));
  it('splits comma-separated aggregate values and applies operators', () => {
    assert.equal(f.passes(inAggregates({ tier: 'gold, silver' }), withSpecs({ tier: 'silver' })), true);
    assert.equal(f.passes(inAggregates({ cores: '8' }), withSpecs({ cores: '>= 4' })), true);
  });
});

describe('AggregateMultiTenancyIsolation', () => {
  const f = aggregateMultiTenancyIsolation;
  it("lets a host of a restricted aggregate take only the listed projects' servers", () => {
    assert.equal(f.passes(inAggregates({ filter_tenant_id: 'p1,p2' }), spec({ projectId: 'p2' })), true);
    assert.equal(f.passes(inAggregates({ filter_tenant_id: 'p1' }), spec({ projectId: 'p3' })), false);
  });
  it('reads every key starting filter_tenant_id', () =>
    assert.equal(f.passes(inAggregates({ filter_tenant_id: 'p1' }, { filter_tenant_id2: 'p3' }), spec({ projectId: 'p3' })), true));
  it('lets anyone onto an unrestricted host', () => assert.equal(f.passes(inAggregates({ ssd: 'true' }), spec({ projectId: 'p9' })), true));
});

describe('AggregateImagePropertiesIsolation', () => {
  const image = (props: Record<string, string>) => aggregateImagePropertiesIsolation(() => props, '', '.');
  it('keeps an image off hosts whose aggregates want another value of one of its properties', () => {
    assert.equal(image({ os_distro: 'ubuntu' }).passes(inAggregates({ os_distro: 'ubuntu,debian' }), spec()), true);
    assert.equal(image({ os_distro: 'windows' }).passes(inAggregates({ os_distro: 'ubuntu' }), spec()), false);
  });
  it('passes an image without the property', () => assert.equal(image({}).passes(inAggregates({ os_distro: 'ubuntu' }), spec()), true));
  it('reads legacy property names, and ignores keys that are no image property', () => {
    assert.equal(image({ architecture: 'aarch64' }).passes(inAggregates({ hw_architecture: 'x86_64' }), spec()), false);
    assert.equal(image({ colour: 'red' }).passes(inAggregates({ colour: 'blue' }), spec()), true);
  });
  it('with a namespace, looks only at keys inside it', () => {
    const f = aggregateImagePropertiesIsolation(() => ({ os_distro: 'windows' }), 'iso', '.');
    assert.equal(f.passes(inAggregates({ os_distro: 'ubuntu' }), spec()), true);
  });
});

describe('AggregateTypeAffinityFilter', () => {
  const f = aggregateTypeAffinityFilter;
  const flavor = (name: string): RequestSpec => spec({ flavor: { ...spec().flavor, name } });
  it('lets a host with instance_type take only the listed flavors', () => {
    assert.equal(f.passes(inAggregates({ instance_type: 'm1.small, m1.large' }), flavor('m1.large')), true);
    assert.equal(f.passes(inAggregates({ instance_type: 'm1.small' }), flavor('m1.tiny')), false);
  });
  it('lets any flavor onto a host without instance_type', () => assert.equal(f.passes(inAggregates({ ssd: 'true' }), flavor('m1.tiny')), true));
});

describe('RamFilter', () => {
  it('passes when free RAM covers the flavor exactly', () =>
    assert.equal(ramFilter.passes(host({ used: { vcpus: 0, memory_mb: 3072, disk_gb: 0 } }), spec()), true));
  it('rejects when free RAM is short', () =>
    assert.equal(ramFilter.passes(host({ used: { vcpus: 0, memory_mb: 3073, disk_gb: 0 } }), spec()), false));
  it('counts ram_allocation_ratio', () => {
    const inv = { ...host().inventory, ram_allocation_ratio: 1.5 };
    assert.equal(ramFilter.passes(host({ inventory: inv, used: { vcpus: 0, memory_mb: 5120, disk_gb: 0 } }), spec()), true);
    assert.equal(ramFilter.passes(host({ inventory: inv, used: { vcpus: 0, memory_mb: 5121, disk_gb: 0 } }), spec()), false);
  });
});

describe('CoreFilter', () => {
  it('counts cpu_allocation_ratio', () => {
    const inv = { ...host().inventory, cpu_allocation_ratio: 4 };
    assert.equal(coreFilter.passes(host({ inventory: inv, used: { vcpus: 15, memory_mb: 0, disk_gb: 0 } }), spec()), true);
    assert.equal(coreFilter.passes(host({ inventory: inv, used: { vcpus: 16, memory_mb: 0, disk_gb: 0 } }), spec()), false);
  });
});

describe('DiskFilter', () => {
  const big = spec({ flavor: { vcpus: 1, memory_mb: 1, root_gb: 20, ephemeral_gb: 10, swap: 1025 } });
  it('asks for root + ephemeral + swap rounded up to whole GB', () => assert.equal(resourcesOf(big.flavor).disk_gb, 32));
  it('passes when the disk fits', () => assert.equal(diskFilter.passes(host({ used: { vcpus: 0, memory_mb: 0, disk_gb: 8 } }), big), true));
  it('rejects when it does not', () => assert.equal(diskFilter.passes(host({ used: { vcpus: 0, memory_mb: 0, disk_gb: 9 } }), big), false));
});

describe('SameHostFilter / DifferentHostFilter', () => {
  const h = host({ instanceUuids: new Set(['a', 'b']) });
  it('same_host: passes a host running one of the instances', () =>
    assert.equal(sameHostFilter.passes(h, spec({ schedulerHints: { same_host: ['x', 'b'] } })), true));
  it('same_host: rejects a host running none of them', () =>
    assert.equal(sameHostFilter.passes(h, spec({ schedulerHints: { same_host: ['x'] } })), false));
  it('same_host: no hint passes', () => assert.equal(sameHostFilter.passes(h, spec()), true));
  it('different_host: rejects a host running one of the instances', () =>
    assert.equal(differentHostFilter.passes(h, spec({ schedulerHints: { different_host: ['a'] } })), false));
  it('different_host: passes a host running none of them', () =>
    assert.equal(differentHostFilter.passes(h, spec({ schedulerHints: { different_host: ['x'] } })), true));
});

describe('requested destination and ignored hosts', () => {
  it('requestedHost keeps only that host', () => {
    assert.equal(requestedDestinationFilter.passes(host(), spec({ requestedHost: 'h1' })), true);
    assert.equal(requestedDestinationFilter.passes(host(), spec({ requestedHost: 'h2' })), false);
  });
  it('requestedNode keeps only that node', () => {
    assert.equal(requestedDestinationFilter.passes(host(), spec({ requestedNode: 'h1.local' })), true);
    assert.equal(requestedDestinationFilter.passes(host(), spec({ requestedNode: 'h2.local' })), false);
  });
  it('ignoreHosts drops the listed hosts', () => {
    assert.equal(ignoreHostsFilter.passes(host(), spec({ ignoreHosts: ['h1'] })), false);
    assert.equal(ignoreHostsFilter.passes(host(), spec({ ignoreHosts: ['h2'] })), true);
  });
});

describe('enabledFilters', () => {
  it('keeps the configured order and warns about names it does not implement', () => {
    const warnings: string[] = [];
    const fs = enabledFilters(['RamFilter', 'NoSuchFilter', 'ComputeFilter'], FILTER_DEPS, (m) => warnings.push(m));
    assert.deepEqual(fs.map((f) => f.name), ['RamFilter', 'ComputeFilter']);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /NoSuchFilter/);
  });
});

describe('RAM weigher', () => {
  const a = host({ host: 'a', nodeUuid: 'na', used: { vcpus: 0, memory_mb: 2048, disk_gb: 0 } });
  const b = host({ host: 'b', nodeUuid: 'nb' });
  it('puts the host with most free RAM first (spreading)', () =>
    assert.deepEqual(orderByWeight([a, b], [ramWeigher(1)]).map((h) => h.host), ['b', 'a']));
  it('stacks with a negative multiplier', () =>
    assert.deepEqual(orderByWeight([b, a], [ramWeigher(-1)]).map((h) => h.host), ['a', 'b']));
  it('breaks ties by fewer instances, then by name', () => {
    const c = host({ host: 'c', nodeUuid: 'nc', instanceUuids: new Set(['x']) });
    const d = host({ host: 'd', nodeUuid: 'nd' });
    assert.deepEqual(orderByWeight([c, d, b], [ramWeigher(1)]).map((h) => h.host), ['b', 'd', 'c']);
  });
});

describe('capacity', () => {
  it('undoes single-precision storage of ratios', () => {
    const inv = { vcpus: 10, memory_mb: 1000, local_gb: 10, cpu_allocation_ratio: Math.fround(0.9), ram_allocation_ratio: 1, disk_allocation_ratio: 1 };
    assert.equal(capacityOf(inv).vcpus, 9);
    assert.equal(fits(inv, { vcpus: 8, memory_mb: 0, disk_gb: 0 }, { vcpus: 1, memory_mb: 0, disk_gb: 0 }), true);
  });
  it('does not check a resource that is not asked for', () => {
    const inv = { vcpus: 1, memory_mb: 1000, local_gb: 10, cpu_allocation_ratio: 1, ram_allocation_ratio: 1, disk_allocation_ratio: 1 };
    assert.equal(fits(inv, { vcpus: 5, memory_mb: 0, disk_gb: 0 }, { vcpus: 0, memory_mb: 100, disk_gb: 0 }), true);
    assert.equal(fits(inv, { vcpus: 5, memory_mb: 0, disk_gb: 0 }, { vcpus: 1, memory_mb: 100, disk_gb: 0 }), false);
  });
});
