// Subnet pools and subnets from them: a pool's defaults and checks, subnets
// given the next free block (of the pool's default length or one asked for)
// or a CIDR inside the pool, never one block twice even when created at
// once, bounds, quota and exhaustion faults, the default pool of an IP
// version, prefixes added and removed, and a pool in use kept. Filters,
// fields, sorting and pages as elsewhere.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud, type Reply, type RequestOptions } from '../support/cloud.js';

describe('network API: subnet pools', () => {
  let cloud: Cloud;
  let net: (user: string, method: string, path: string, opts?: RequestOptions) => Promise<Reply>;
  const pool = (body: Record<string, unknown>, user = 'demo') => net(user, 'POST', '/v2.0/subnetpools', { body: { subnetpool: body } });
  const network = async (user = 'demo') => (await net(user, 'POST', '/v2.0/networks', { body: { network: { name: 'sp-net' } } })).body.network.id as string;
  const subnet = (body: Record<string, unknown>, user = 'demo') => net(user, 'POST', '/v2.0/subnets', { body: { subnet: { ip_version: 4, ...body } } });
  const fault = (r: Reply) => [r.status, r.body?.NeutronError?.type, r.body?.NeutronError?.message];
  before(async () => {
    cloud = await startCloud();
    net = (user, method, path, opts) => cloud.req(user, method, `${cloud.networkUrl}${path}`, opts);
  });
  after(async () => cloud?.stop());

  it('lists the subnet pool extensions', async () => {
    const aliases = (await net('demo', 'GET', '/v2.0/extensions')).body.extensions.map((e: { alias: string }) => e.alias);
    for (const alias of ['subnet_allocation', 'default-subnetpools', 'subnetpool-prefix-ops']) assert.ok(aliases.includes(alias), alias);
  });

  it("creates a pool with Neutron's defaults, its prefixes compacted, and shows, lists, updates and deletes it", async () => {
    const r = await pool({ name: 'sp1', prefixes: ['10.10.128.0/17', '10.10.0.0/17', '10.10.5.9/24'] });
    assert.equal(r.status, 201);
    const demo = await cloud.projectId('demo');
    const p = r.body.subnetpool;
    assert.deepEqual({ ...p, id: 'x', created_at: 'x', updated_at: 'x' }, {
      id: 'x', name: 'sp1', tenant_id: demo, project_id: demo, prefixes: ['10.10.0.0/16'], default_quota: null, ip_version: 4,
      default_prefixlen: 8, min_prefixlen: 8, max_prefixlen: 32, is_default: false, shared: false, address_scope_id: null, description: '',
      tags: [], created_at: 'x', updated_at: 'x', revision_number: 0,
    });
    const v6 = (await pool({ name: 'sp0', prefixes: ['2001:db8:1::/48'], default_prefixlen: '64' })).body.subnetpool;
    assert.deepEqual([v6.ip_version, v6.min_prefixlen, v6.max_prefixlen, v6.default_prefixlen], [6, 64, 128, 64]);
    assert.deepEqual((await net('demo', 'GET', `/v2.0/subnetpools/${p.id}?fields=prefixes&fields=ip_version`)).body.subnetpool, { prefixes: ['10.10.0.0/16'], ip_version: 4 });
    assert.deepEqual((await net('demo', 'GET', '/v2.0/subnetpools?ip_version=6&fields=name')).body.subnetpools, [{ name: 'sp0' }]);
    const page = (await net('demo', 'GET', '/v2.0/subnetpools?sort_key=name&sort_dir=desc&limit=1')).body;
    assert.deepEqual(page.subnetpools.map((x: { name: string }) => x.name), ['sp1']);
    assert.equal(page.subnetpools_links[0].rel, 'next');
    const u = await net('demo', 'PUT', `/v2.0/subnetpools/${p.id}`, { body: { subnetpool: { name: 'sp1b', description: 'lab', default_prefixlen: 24, min_prefixlen: 16 } } });
    assert.equal(u.status, 200);
    assert.deepEqual([u.body.subnetpool.name, u.body.subnetpool.description, u.body.subnetpool.default_prefixlen, u.body.subnetpool.min_prefixlen, u.body.subnetpool.revision_number],
      ['sp1b', 'lab', 24, 16, 1]);
    assert.equal((await net('demo', 'PUT', `/v2.0/subnetpools/${p.id}`, { body: { subnetpool: { shared: true } } })).status, 400);
    // Tags, as on the other resources.
    assert.equal((await net('demo', 'PUT', `/v2.0/subnetpools/${p.id}/tags/lab`)).status, 201);
    assert.deepEqual((await net('demo', 'GET', `/v2.0/subnetpools?tags=lab&fields=id`)).body.subnetpools, [{ id: p.id }]);
    assert.equal((await net('alt_demo', 'PUT', `/v2.0/subnetpools/${p.id}/tags/mine`)).status, 404);
    assert.equal((await net('demo', 'DELETE', `/v2.0/subnetpools/${v6.id}`)).status, 204);
    assert.deepEqual(fault(await net('demo', 'GET', `/v2.0/subnetpools/${v6.id}`)), [404, 'SubnetPoolNotFound', `Subnet pool ${v6.id} could not be found.`]);
  });

  it('refuses bad pools with a 400 and creates nothing', async () => {
    const count = async () => (await net('demo', 'GET', '/v2.0/subnetpools')).body.subnetpools.length;
    const before = await count();
    const cases: Array<[Record<string, unknown>, string, string | RegExp]> = [
      [{ prefixes: ['10.20.0.0/16'] }, 'HTTPBadRequest', "Failed to parse request. Required attribute 'name' not specified"],
      [{ name: 'x' }, 'HTTPBadRequest', "Failed to parse request. Required attribute 'prefixes' not specified"],
      [{ name: ' ', prefixes: ['10.20.0.0/16'] }, 'HTTPBadRequest', /Blank strings are not permitted/],
      [{ name: 'x', prefixes: [] }, 'EmptySubnetPoolPrefixList', 'Empty subnet pool prefix list.'],
      [{ name: 'x', prefixes: ['10.20.0.0/16', '2001:db8::/32'] }, 'PrefixVersionMismatch', 'Cannot mix IPv4 and IPv6 prefixes in a subnet pool.'],
      [{ name: 'x', prefixes: ['10.20.0.0'] }, 'HTTPBadRequest', "Invalid input for prefixes. Reason: '10.20.0.0' is not a valid IP subnet."],
      [{ name: 'x', prefixes: '10.20.0.0/16' }, 'HTTPBadRequest', "Invalid input for prefixes. Reason: '10.20.0.0/16' is not a list."],
      [{ name: 'x', prefixes: ['10.20.0.0/16'], min_prefixlen: 24, max_prefixlen: 20 }, 'IllegalSubnetPoolPrefixBounds', 'Illegal prefix bounds: min_prefixlen=24, max_prefixlen=20.'],
      [{ name: 'x', prefixes: ['10.20.0.0/16'], max_prefixlen: 33 }, 'IllegalSubnetPoolPrefixBounds', 'Illegal prefix bounds: max_prefixlen=33, ip_version_max=32.'],
      [{ name: 'x', prefixes: ['10.20.0.0/16'], default_prefixlen: 4 }, 'IllegalSubnetPoolPrefixBounds', 'Illegal prefix bounds: default_prefixlen=4, min_prefixlen=8.'],
      [{ name: 'x', prefixes: ['10.20.0.0/16'], default_prefixlen: 'big' }, 'InvalidInput', "Invalid input for operation: 'big' is not an integer."],
      [{ name: 'x', prefixes: ['10.20.0.0/16'], default_quota: -1 }, 'HTTPBadRequest', "Invalid input for default_quota. Reason: '-1' should be non-negative."],
      [{ name: 'x', prefixes: ['10.20.0.0/16'], ip_version: 4 }, 'HTTPBadRequest', "Attribute 'ip_version' not allowed in POST"],
      [{ name: 'x', prefixes: ['10.20.0.0/16'], address_scope_id: 'nope' }, 'HTTPBadRequest', "Invalid input for address_scope_id. Reason: 'nope' is not a valid UUID."],
    ];
    for (const [body, type, message] of cases) {
      const r = await pool(body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.equal(r.body.NeutronError.type, type, JSON.stringify(body));
      if (typeof message === 'string') assert.equal(r.body.NeutronError.message, message);
      else assert.match(r.body.NeutronError.message, message);
    }
    assert.equal(await count(), before);
  });

  it('gives subnets the next free block, one asked for by length, or a CIDR asked for inside the pool', async () => {
    const p = (await pool({ name: 'alloc', prefixes: ['10.30.0.0/16'], default_prefixlen: 24, min_prefixlen: 20, max_prefixlen: 28 })).body.subnetpool;
    const n = await network();
    const first = await subnet({ network_id: n, subnetpool_id: p.id });
    assert.equal(first.status, 201);
    assert.deepEqual([first.body.subnet.cidr, first.body.subnet.gateway_ip, first.body.subnet.subnetpool_id], ['10.30.0.0/24', '10.30.0.1', p.id]);
    assert.deepEqual(first.body.subnet.allocation_pools, [{ start: '10.30.0.2', end: '10.30.0.254' }]);
    assert.equal((await subnet({ network_id: n, subnetpool_id: p.id })).body.subnet.cidr, '10.30.1.0/24');
    // The smallest free space that fits takes a smaller block.
    assert.equal((await subnet({ network_id: n, subnetpool_id: p.id, prefixlen: 26 })).body.subnet.cidr, '10.30.2.0/26');
    const asked = await subnet({ network_id: n, subnetpool_id: p.id, cidr: '10.30.200.0/24', gateway_ip: null });
    assert.deepEqual([asked.status, asked.body.subnet.cidr, asked.body.subnet.gateway_ip], [201, '10.30.200.0/24', null]);
    assert.equal((await net('demo', 'GET', `/v2.0/subnets?subnetpool_id=${p.id}`)).body.subnets.length, 4);
    assert.deepEqual((await net('demo', 'GET', `/v2.0/subnets/${asked.body.subnet.id}?fields=subnetpool_id`)).body.subnet, { subnetpool_id: p.id });
    // A subnet not from a pool says so.
    const plain = (await subnet({ network_id: await network(), cidr: '10.31.0.0/24' })).body.subnet;
    assert.equal(plain.subnetpool_id, null);

    assert.deepEqual(fault(await subnet({ network_id: n, subnetpool_id: p.id, cidr: '10.30.200.0/25' })),
      [409, 'SubnetAllocationError', 'Failed to allocate subnet: Cannot allocate requested subnet from the available set of prefixes.']);
    assert.deepEqual(fault(await subnet({ network_id: n, subnetpool_id: p.id, cidr: '10.99.0.0/24' })),
      [409, 'SubnetAllocationError', 'Failed to allocate subnet: Cannot allocate requested subnet from the available set of prefixes.']);
    assert.deepEqual(fault(await subnet({ network_id: n, subnetpool_id: p.id, prefixlen: 29 })),
      [400, 'MaxPrefixSubnetAllocationError', 'Unable to allocate subnet with prefix length 29, maximum allowed prefix is 28.']);
    assert.deepEqual(fault(await subnet({ network_id: n, subnetpool_id: p.id, prefixlen: 16 })),
      [400, 'MinPrefixSubnetAllocationError', 'Unable to allocate subnet with prefix length 16, minimum allowed prefix is 20.']);
    assert.deepEqual(fault(await subnet({ network_id: n, subnetpool_id: p.id, cidr: '10.30.50.0/24', prefixlen: 24 })),
      [400, 'BadRequest', 'Bad subnets request: cidr and prefixlen must not be supplied together.']);
    assert.deepEqual(fault(await subnet({ network_id: n, subnetpool_id: p.id, allocation_pools: [{ start: '10.30.9.2', end: '10.30.9.9' }] })),
      [400, 'BadRequest', 'Bad subnets request: allocation_pools allowed only for specific subnet requests..']);
    assert.deepEqual(fault(await subnet({ network_id: n, subnetpool_id: p.id, ip_version: 6 })),
      [400, 'BadRequest', 'Bad subnets request: Cannot allocate IPv6 subnet from IPv4 subnet pool.']);
    assert.deepEqual(fault(await subnet({ network_id: n })), [400, 'BadRequest', 'Bad subnets request: a subnetpool must be specified in the absence of a cidr.']);
    const missing = '00000000-0000-4000-8000-000000000000';
    assert.deepEqual(fault(await subnet({ network_id: n, subnetpool_id: missing })), [404, 'SubnetPoolNotFound', `Subnet pool ${missing} could not be found.`]);
    // A network's IPv4 subnets come from one pool.
    assert.deepEqual(fault(await subnet({ network_id: n, cidr: '10.32.0.0/24' })),
      [400, 'NetworkSubnetPoolAffinityError', 'Subnets hosted on the same network must be allocated from the same subnet pool.']);
    assert.equal((await net('demo', 'GET', `/v2.0/subnets?network_id=${n}`)).body.subnets.length, 4);
  });

  it('never hands out one block twice: concurrent subnets from a small pool share it out, the rest are told it is exhausted', async () => {
    const p = (await pool({ name: 'small', prefixes: ['192.168.40.0/26'], default_prefixlen: 28, min_prefixlen: 28 })).body.subnetpool;
    const nets = await Promise.all(Array.from({ length: 6 }, () => network()));
    const replies = await Promise.all(nets.map((n) => subnet({ network_id: n, subnetpool_id: p.id })));
    const made = replies.filter((r) => r.status === 201).map((r) => r.body.subnet.cidr).sort();
    assert.deepEqual(made, ['192.168.40.0/28', '192.168.40.16/28', '192.168.40.32/28', '192.168.40.48/28']);
    for (const r of replies.filter((x) => x.status !== 201)) {
      assert.deepEqual(fault(r), [409, 'SubnetAllocationError', 'Failed to allocate subnet: Insufficient prefix space to allocate subnet size /28.']);
    }
    // A pool with subnets stays; once they go, it may go too.
    assert.deepEqual(fault(await net('demo', 'DELETE', `/v2.0/subnetpools/${p.id}`)),
      [400, 'SubnetPoolDeleteError', 'Unable to delete subnet pool: Subnet pool has existing allocations.']);
    for (const r of replies.filter((x) => x.status === 201)) assert.equal((await net('demo', 'DELETE', `/v2.0/subnets/${r.body.subnet.id}`)).status, 204);
    assert.equal((await net('demo', 'DELETE', `/v2.0/subnetpools/${p.id}`)).status, 204);
  });

  it("counts a project's addresses against the pool's default_quota", async () => {
    const p = (await pool({ name: 'quota', prefixes: ['10.40.0.0/16'], default_prefixlen: 24, default_quota: 512 })).body.subnetpool;
    const n = await network();
    assert.equal((await subnet({ network_id: n, subnetpool_id: p.id })).status, 201);
    assert.equal((await subnet({ network_id: n, subnetpool_id: p.id })).status, 201);
    assert.deepEqual(fault(await subnet({ network_id: n, subnetpool_id: p.id, prefixlen: 30 })),
      [409, 'SubnetPoolQuotaExceeded', 'Per-project subnet pool prefix quota exceeded.']);
  });

  it('has one default pool per IP version, set by admins, that use_default_subnetpool takes from', async () => {
    const n = await network();
    // The seeded one (devstack's) is the IPv4 default: another takes its place only once it gives it up.
    const seeded = (await net('demo', 'GET', '/v2.0/subnetpools?is_default=true&ip_version=4')).body.subnetpools;
    assert.deepEqual(seeded.map((x: { name: string }) => x.name), ['shared-default-subnetpool-v4']);
    assert.deepEqual(fault(await pool({ name: 'early', prefixes: ['10.49.0.0/16'], is_default: true }, 'admin')),
      [400, 'InvalidInput', 'Invalid input for operation: A default subnetpool for this IP family has already been set. Only one default may exist per IP family.']);
    assert.equal((await net('admin', 'PUT', `/v2.0/subnetpools/${seeded[0].id}`, { body: { subnetpool: { is_default: false } } })).status, 200);
    assert.deepEqual(fault(await subnet({ network_id: n, use_default_subnetpool: true })), [400, 'BadRequest', 'Bad subnets request: No default subnetpool found for IPv4.']);
    assert.equal((await pool({ name: 'mine', prefixes: ['10.50.0.0/16'], is_default: true })).status, 403);
    const d = (await pool({ name: 'default-v4', prefixes: ['10.60.0.0/16'], default_prefixlen: 26, is_default: true, shared: true }, 'admin')).body.subnetpool;
    assert.equal(d.is_default, true);
    assert.deepEqual(fault(await pool({ name: 'another', prefixes: ['10.61.0.0/16'], is_default: true }, 'admin')),
      [400, 'InvalidInput', 'Invalid input for operation: A default subnetpool for this IP family has already been set. Only one default may exist per IP family.']);
    const other = (await pool({ name: 'other', prefixes: ['10.62.0.0/16'] }, 'admin')).body.subnetpool;
    assert.equal((await net('admin', 'PUT', `/v2.0/subnetpools/${other.id}`, { body: { subnetpool: { is_default: true } } })).status, 400);
    const s = await subnet({ network_id: n, use_default_subnetpool: true });
    assert.equal(s.status, 201);
    assert.deepEqual([s.body.subnet.cidr, s.body.subnet.subnetpool_id], ['10.60.0.0/26', d.id]);
    assert.ok(!('use_default_subnetpool' in s.body.subnet));
    assert.deepEqual(fault(await subnet({ network_id: n, use_default_subnetpool: true, subnetpool_id: d.id })),
      [400, 'BadRequest', 'Bad subnets request: subnetpool_id and use_default_subnetpool cannot both be specified.']);
    assert.deepEqual((await net('demo', 'GET', '/v2.0/subnetpools?is_default=true')).body.subnetpools.map((x: { id: string }) => x.id), [d.id]);
    // Another project uses the shared pool but may not change it.
    assert.equal((await subnet({ network_id: await network('alt_demo'), subnetpool_id: d.id }, 'alt_demo')).status, 201);
    assert.equal((await net('alt_demo', 'PUT', `/v2.0/subnetpools/${d.id}`, { body: { subnetpool: { name: 'mine' } } })).status, 403);
    assert.equal((await net('demo', 'PUT', `/v2.0/subnetpools/${d.id}`, { body: { subnetpool: { is_default: false } } })).status, 403);
    // Once it is no longer the default, another may be; of several made the default at once, one is.
    assert.equal((await net('admin', 'PUT', `/v2.0/subnetpools/${d.id}`, { body: { subnetpool: { is_default: false } } })).status, 200);
    const racers = await Promise.all(['10.63.0.0/16', '10.64.0.0/16', '10.65.0.0/16', '10.66.0.0/16'].map((prefix, i) =>
      pool({ name: `racer${i}`, prefixes: [prefix], is_default: true }, 'admin')));
    assert.equal(racers.filter((r) => r.status === 201).length, 1);
    for (const r of racers.filter((x) => x.status !== 201)) assert.equal(r.body.NeutronError.type, 'InvalidInput');
    const winner = racers.find((r) => r.status === 201)!.body.subnetpool;
    assert.deepEqual((await net('admin', 'GET', '/v2.0/subnetpools?is_default=true&ip_version=4')).body.subnetpools.map((x: { id: string }) => x.id), [winner.id]);
    // Deleting the default frees the place.
    assert.equal((await net('admin', 'DELETE', `/v2.0/subnetpools/${winner.id}`)).status, 204);
    assert.equal((await net('admin', 'PUT', `/v2.0/subnetpools/${other.id}`, { body: { subnetpool: { is_default: true } } })).status, 200);
    assert.equal((await net('admin', 'PUT', `/v2.0/subnetpools/${other.id}`, { body: { subnetpool: { is_default: false } } })).status, 200);
    assert.equal((await net('admin', 'PUT', `/v2.0/subnetpools/${seeded[0].id}`, { body: { subnetpool: { is_default: true } } })).status, 200);
  });

  it("hides a project's pools from others", async () => {
    const p = (await pool({ name: 'private-pool', prefixes: ['10.70.0.0/16'] })).body.subnetpool;
    assert.equal((await net('alt_demo', 'GET', `/v2.0/subnetpools/${p.id}`)).status, 404);
    assert.ok(!(await net('alt_demo', 'GET', '/v2.0/subnetpools')).body.subnetpools.some((x: { id: string }) => x.id === p.id));
    assert.equal((await subnet({ network_id: await network('alt_demo'), subnetpool_id: p.id }, 'alt_demo')).status, 404);
    assert.equal((await net('alt_demo', 'DELETE', `/v2.0/subnetpools/${p.id}`)).status, 404);
  });

  it('adds and removes prefixes, keeping those in use and refusing updates that drop prefixes', async () => {
    const p = (await pool({ name: 'ops', prefixes: ['10.80.0.0/24'], default_prefixlen: 26 })).body.subnetpool;
    const add = await net('demo', 'PUT', `/v2.0/subnetpools/${p.id}/add_prefixes`, { body: { prefixes: ['10.80.1.0/24', '10.81.0.0/16'] } });
    assert.equal(add.status, 200);
    assert.deepEqual(add.body, { prefixes: ['10.80.0.0/23', '10.81.0.0/16'] });
    const used = (await subnet({ network_id: await network(), subnetpool_id: p.id })).body.subnet;
    assert.equal(used.cidr, '10.80.0.0/26');
    assert.deepEqual(fault(await net('demo', 'PUT', `/v2.0/subnetpools/${p.id}/remove_prefixes`, { body: { prefixes: ['10.80.0.0/24'] } })),
      [400, 'IllegalSubnetPoolPrefixUpdate', 'Illegal update to prefixes: One or more the prefixes to be removed is in use by a subnet..']);
    const removed = await net('demo', 'PUT', `/v2.0/subnetpools/${p.id}/remove_prefixes`, { body: { prefixes: ['10.81.0.0/17'] } });
    assert.deepEqual(removed.body, { prefixes: ['10.80.0.0/23', '10.81.128.0/17'] });
    const none = await net('demo', 'PUT', `/v2.0/subnetpools/${p.id}/remove_prefixes`, { body: { prefixes: ['192.0.2.0/24'] } });
    assert.deepEqual(none.body, { prefixes: ['10.80.0.0/23', '10.81.128.0/17'] });
    assert.equal((await net('demo', 'PUT', `/v2.0/subnetpools/${p.id}/add_prefixes`, { body: { prefixes: [] } })).status, 400);
    assert.equal((await net('demo', 'PUT', `/v2.0/subnetpools/${p.id}/add_prefixes`, { body: { prefixes: ['2001:db8::/32'] } })).body.NeutronError.type, 'PrefixVersionMismatch');
    assert.equal((await net('alt_demo', 'PUT', `/v2.0/subnetpools/${p.id}/add_prefixes`, { body: { prefixes: ['10.82.0.0/16'] } })).status, 404);
    assert.deepEqual(fault(await net('demo', 'PUT', `/v2.0/subnetpools/${p.id}`, { body: { subnetpool: { prefixes: ['10.80.0.0/23'] } } })),
      [400, 'IllegalSubnetPoolPrefixUpdate', 'Illegal update to prefixes: Existing prefixes must be a subset of the new prefixes.']);
    const grown = await net('demo', 'PUT', `/v2.0/subnetpools/${p.id}`, { body: { subnetpool: { prefixes: ['10.80.0.0/22', '10.81.128.0/17'] } } });
    assert.deepEqual(grown.body.subnetpool.prefixes, ['10.80.0.0/22', '10.81.128.0/17']);
    assert.deepEqual((await net('demo', 'GET', `/v2.0/subnetpools/${p.id}`)).body.subnetpool.prefixes, ['10.80.0.0/22', '10.81.128.0/17']);
    // Pools count in the project's subnetpool quota usage.
    const details = (await net('demo', 'GET', `/v2.0/quotas/${await cloud.projectId('demo')}/details`)).body.quota;
    assert.ok(details.subnetpool.used >= 1);
  });
});
