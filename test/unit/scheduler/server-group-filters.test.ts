// The server group filters and soft weighers on hand-made host states, and
// the weight normalisation that lets them combine with the RAM weigher.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { HostState } from '../../../src/scheduler/host-state.js';
import type { RequestSpec, RequestedGroup } from '../../../src/scheduler/request-spec.js';
import { serverGroupAffinityFilter } from '../../../src/scheduler/filters/server-group-affinity-filter.js';
import { serverGroupAntiAffinityFilter } from '../../../src/scheduler/filters/server-group-anti-affinity-filter.js';
import { enabledFilters } from '../../../src/scheduler/filters/enabled-filters.js';
import { serverGroupSoftAffinityWeigher, serverGroupSoftAntiAffinityWeigher } from '../../../src/scheduler/weighers/server-group-soft-affinity.js';
import { ramWeigher } from '../../../src/scheduler/weighers/ram.js';
import { orderByWeight } from '../../../src/scheduler/weighers/weigher.js';

const host = (name: string, instances: string[] = [], usedMb = 0): HostState => ({
  host: name,
  nodename: `${name}.local`,
  nodeUuid: `n-${name}`,
  hostIp: '192.0.2.1',
  serviceDisabled: false,
  serviceDisabledReason: null,
  serviceUp: true,
  inventory: { vcpus: 4, memory_mb: 4096, local_gb: 40, cpu_allocation_ratio: 1, ram_allocation_ratio: 1, disk_allocation_ratio: 1 },
  used: { vcpus: 0, memory_mb: usedMb, disk_gb: 0 },
  instanceUuids: new Set(instances),
  instanceCount: instances.length,
  aggregates: [],
});

const spec = (group?: Partial<RequestedGroup>, instanceUuid = 'new'): RequestSpec => ({
  instanceUuid,
  projectId: 'p1',
  flavor: { vcpus: 1, memory_mb: 512, root_gb: 1, ephemeral_gb: 0, swap: 0 },
  availabilityZone: null,
  ...(group && { instanceGroup: { uuid: 'g', policy: 'anti-affinity', rules: {}, members: [], hosts: [], ...group } }),
});

describe('ServerGroupAntiAffinityFilter', () => {
  const f = serverGroupAntiAffinityFilter;
  it('passes every host without a group or for another policy', () => {
    assert.equal(f.passes(host('a', ['m1']), spec()), true);
    assert.equal(f.passes(host('a', ['m1']), spec({ policy: 'affinity', members: ['m1', 'new'] })), true);
    assert.equal(f.passes(host('a', ['m1']), spec({ policy: 'soft-anti-affinity', members: ['m1', 'new'] })), true);
  });
  it('rejects a host with another member; passes one without', () => {
    const s = spec({ members: ['m1', 'new'] });
    assert.equal(f.passes(host('a', ['m1', 'x']), s), false);
    assert.equal(f.passes(host('b', ['x']), s), true);
  });
  it('passes the host the server itself is on (a resize staying put)', () => {
    assert.equal(f.passes(host('a', ['m1', 'new']), spec({ members: ['m1', 'new'] })), true);
  });
  it('allows up to max_server_per_host members on a host', () => {
    const s = spec({ members: ['m1', 'm2', 'new'], rules: { max_server_per_host: 2 } });
    assert.equal(f.passes(host('a', ['m1']), s), true);
    assert.equal(f.passes(host('a', ['m1', 'm2']), s), false);
  });
});

describe('ServerGroupAffinityFilter', () => {
  const f = serverGroupAffinityFilter;
  it('passes any host while no member has one', () => assert.equal(f.passes(host('a'), spec({ policy: 'affinity', members: ['new'] })), true));
  it("passes only the members' hosts", () => {
    const s = spec({ policy: 'affinity', members: ['m1', 'new'], hosts: ['b'] });
    assert.equal(f.passes(host('b'), s), true);
    assert.equal(f.passes(host('a'), s), false);
  });
  it('ignores other policies', () => assert.equal(f.passes(host('a'), spec({ policy: 'anti-affinity', hosts: ['b'] })), true));
});

describe('enabled by name', () => {
  it('answers to Nova\'s class names', () => {
    const fs = enabledFilters(['ServerGroupAntiAffinityFilter', 'ServerGroupAffinityFilter'], { hostZone: () => 'nova', imageProperties: () => ({}), isolationNamespace: '', isolationSeparator: '.' }, () => undefined);
    assert.deepEqual(fs.map((f) => f.name), ['ServerGroupAntiAffinityFilter', 'ServerGroupAffinityFilter']);
  });
});

describe('soft weighers', () => {
  const a = host('a', ['m1', 'm2']);
  const b = host('b', ['m3']);
  const c = host('c');
  it('soft-affinity prefers the host with most members', () => {
    const s = spec({ policy: 'soft-affinity', members: ['m1', 'm2', 'm3'] });
    assert.deepEqual(orderByWeight([c, b, a], [serverGroupSoftAffinityWeigher(1)], s).map((h) => h.host), ['a', 'b', 'c']);
  });
  it('soft-anti-affinity prefers the host with fewest members', () => {
    const s = spec({ policy: 'soft-anti-affinity', members: ['m1', 'm2', 'm3'] });
    assert.deepEqual(orderByWeight([a, b, c], [serverGroupSoftAntiAffinityWeigher(1)], s).map((h) => h.host), ['c', 'b', 'a']);
  });
  it('weigh nothing for other policies', () => {
    const s = spec({ policy: 'anti-affinity', members: ['m1', 'm2', 'm3'] });
    assert.equal(serverGroupSoftAffinityWeigher(1).weigh(a, s), 0);
    assert.equal(serverGroupSoftAntiAffinityWeigher(1).weigh(a, s), 0);
  });
});

describe('normalised weights', () => {
  it('combine weighers of different units by their multipliers, as Nova does', () => {
    // a runs two members and has least free RAM; c has most free RAM and none.
    const a = host('a', ['m1', 'm2'], 2048);
    const c = host('c', [], 0);
    const s = spec({ policy: 'soft-affinity', members: ['m1', 'm2'] });
    // Equal multipliers: RAM (c: 1, a: 0) and affinity (a: 1, c: 0) tie; the tie goes to fewer instances.
    assert.deepEqual(orderByWeight([a, c], [ramWeigher(1), serverGroupSoftAffinityWeigher(1)], s).map((h) => h.host), ['c', 'a']);
    // A larger affinity multiplier wins whatever the RAM difference in MB.
    assert.deepEqual(orderByWeight([a, c], [ramWeigher(1), serverGroupSoftAffinityWeigher(2)], s).map((h) => h.host), ['a', 'c']);
  });
});
