// Server group policies where servers land: the hard filters (affinity,
// anti-affinity with max_server_per_host) and the soft weighers at boot and
// multi-create; every move honouring the group — cold and live migration and
// evacuation scheduled within the policy or refused — and the late check on
// the destination host that catches a forced host.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startCloud, type Cloud } from '../support/cloud.js';
import { migrationRows, setForcedDown } from '../support/db.js';
import { listMigrations } from '../support/migrations.js';
import { until } from '../support/wait.js';
import { validateInstanceGroupPolicy } from '../../src/compute/server-group-policy-check.js';
import { loadConfig } from '../../src/config/config.js';

let c: Cloud;
before(async () => {
  // Soft affinity outweighs free RAM here, so its stacking shows on identical hosts.
  c = await startCloud({ overrides: ['filter_scheduler.soft_affinity_weight_multiplier=2', 'quota.server_groups=-1'] });
});
after(async () => {
  await c.stop();
});

const HOST = 'OS-EXT-SRV-ATTR:host';
const HOSTS = ['compute1', 'compute2', 'compute3'];
const uniq = (p: string): string => `${p}-${randomBytes(3).toString('hex')}`;

async function group(policy: string, rules?: Record<string, number>): Promise<string> {
  const r = await c.req('demo', 'POST', '/os-server-groups', {
    version: '2.64',
    body: { server_group: { name: uniq('g'), policy, ...(rules && { rules }) } },
  });
  assert.equal(r.status, 200, r.text);
  return r.body.server_group.id;
}
let image: string | undefined;
async function imageId(): Promise<string> {
  if (image) return image;
  const t = await c.token('admin');
  const r = await fetch(`${c.imageUrl}/v2/images?name=cirros`, { headers: { 'X-Auth-Token': t } });
  return (image = ((await r.json()) as any).images[0].id);
}
/** Boots `count` servers into the group in one request; returns them once built (ACTIVE or ERROR). */
async function bootInto(groupId: string, count = 1): Promise<any[]> {
  const name = uniq('vm');
  const r = await c.req('demo', 'POST', '/servers', {
    version: '2.37',
    body: {
      server: { name, flavorRef: '1', imageRef: await imageId(), networks: 'none', min_count: count, max_count: count },
      'os:scheduler_hints': { group: groupId },
    },
  });
  assert.equal(r.status, 202, r.text);
  const list = await c.req('admin', 'GET', `/servers?all_tenants=1&name=^${name}`);
  const ids: string[] = list.body.servers.map((s: any) => s.id);
  assert.equal(ids.length, count);
  const out = [];
  for (const id of ids) out.push(await c.waitServer(id, (s) => s.status === 'ACTIVE' || s.status === 'ERROR'));
  return out;
}
async function deleteAll(servers: readonly any[]): Promise<void> {
  for (const s of servers) await c.req('admin', 'DELETE', `/servers/${s.id}`);
  for (const s of servers) await c.waitServer(s.id, (x) => x.status === 'DELETED');
}
const action = (id: string, body: unknown, version = '2.1') => c.req('admin', 'POST', `/servers/${id}/action`, { version, body });

describe('placement at boot', () => {
  it('anti-affinity: one member per host, then no valid host', async () => {
    const g = await group('anti-affinity');
    const servers = [];
    for (let i = 0; i < 3; i++) servers.push(...(await bootInto(g)));
    assert.deepEqual(servers.map((s) => s.status), ['ACTIVE', 'ACTIVE', 'ACTIVE']);
    assert.deepEqual(servers.map((s) => s[HOST]).sort(), HOSTS);
    const [extra] = await bootInto(g);
    assert.equal(extra.status, 'ERROR');
    assert.match(extra.fault.message, /^No valid host was found/);
    await deleteAll([...servers, extra]);
  });

  it('anti-affinity in one multi-create: all on different hosts, or none when they cannot be', async () => {
    const g = await group('anti-affinity');
    const three = await bootInto(g, 3);
    assert.deepEqual(three.map((s) => s[HOST]).sort(), HOSTS);
    await deleteAll(three);
    const g2 = await group('anti-affinity');
    const four = await bootInto(g2, 4);
    assert.deepEqual(four.map((s) => s.status), ['ERROR', 'ERROR', 'ERROR', 'ERROR']);
    await deleteAll(four);
  });

  it('anti-affinity with max_server_per_host 2: two per host at most', async () => {
    const g = await group('anti-affinity', { max_server_per_host: 2 });
    const six = await bootInto(g, 6);
    assert.deepEqual(six.map((s) => s.status), Array(6).fill('ACTIVE'));
    const perHost = new Map<string, number>();
    for (const s of six) perHost.set(s[HOST], (perHost.get(s[HOST]) ?? 0) + 1);
    assert.deepEqual([...perHost.values()], [2, 2, 2]);
    const [seventh] = await bootInto(g);
    assert.equal(seventh.status, 'ERROR');
    await deleteAll([...six, seventh]);
  });

  it('affinity: every member on the first one\'s host', async () => {
    const g = await group('affinity');
    const first = await bootInto(g);
    const more = await bootInto(g, 2);
    const third = await bootInto(g);
    const all = [...first, ...more, ...third];
    assert.deepEqual(new Set(all.map((s) => s[HOST])).size, 1);
    assert.deepEqual(all.map((s) => s.status), Array(4).fill('ACTIVE'));
    await deleteAll(all);
  });

  it('soft-anti-affinity spreads; more members than hosts still boot', async () => {
    const g = await group('soft-anti-affinity');
    const servers = [];
    for (let i = 0; i < 4; i++) servers.push(...(await bootInto(g)));
    assert.deepEqual(servers.map((s) => s.status), Array(4).fill('ACTIVE'));
    assert.deepEqual(servers.slice(0, 3).map((s) => s[HOST]).sort(), HOSTS);
    await deleteAll(servers);
  });

  it('soft-affinity stacks; a full host does not stop the next member', async () => {
    const g = await group('soft-affinity');
    const servers = [];
    for (let i = 0; i < 3; i++) servers.push(...(await bootInto(g)));
    assert.deepEqual(servers.map((s) => s.status), Array(3).fill('ACTIVE'));
    assert.equal(new Set(servers.map((s) => s[HOST])).size, 1);
    await deleteAll(servers);
  });
});

/** Three anti-affinity members, one on each host. */
async function spreadGroup(): Promise<any[]> {
  const g = await group('anti-affinity');
  const servers = await bootInto(g, 3);
  assert.deepEqual(servers.map((s) => s[HOST]).sort(), HOSTS);
  return servers;
}

describe('moves honour the group', () => {
  it('cold migration: to the one host without a member; none left → no valid host, server stays', async () => {
    const g = await group('anti-affinity');
    const two = await bootInto(g, 2);
    const free = HOSTS.find((h) => !two.some((s) => s[HOST] === h))!;
    assert.equal((await action(two[0].id, { migrate: null })).status, 202);
    const moved = await c.waitServer(two[0].id, (s) => s.status === 'VERIFY_RESIZE' || s.status === 'ERROR');
    assert.equal(moved.status, 'VERIFY_RESIZE');
    assert.equal(moved[HOST], free);
    assert.equal((await action(two[0].id, { confirmResize: null })).status, 204);
    await c.waitServer(two[0].id, (s) => s.status === 'ACTIVE');
    await deleteAll(two);

    const three = await spreadGroup();
    const r = await action(three[0].id, { migrate: null });
    assert.equal(r.status, 202);
    const [m] = await until('migration error', () => migrationRows(c, three[0].id), (x) => x[0]?.status === 'error');
    assert.equal(m!.status, 'error');
    const back = await c.waitServer(three[0].id, (s) => s.status === 'ACTIVE' && s['OS-EXT-STS:task_state'] === null);
    assert.equal(back[HOST], three[0][HOST]);
    // A host named from 2.56 goes through the same filters.
    const named = await action(three[0].id, { migrate: { host: three[1][HOST] } }, '2.56');
    assert.equal(named.status, 202);
    await until('second migration error', () => migrationRows(c, three[0].id), (x) => x.length === 2 && x.every((y: any) => y.status === 'error'));
    await deleteAll(three);
  });

  it('scheduled live migration: no valid host when every other host has a member', async () => {
    const three = await spreadGroup();
    const r = await action(three[0].id, { 'os-migrateLive': { host: null, block_migration: 'auto' } }, '2.30');
    assert.equal(r.status, 400, r.text);
    assert.match(r.body.badRequest.message, /^No valid host was found\./);
    const named = await action(three[0].id, { 'os-migrateLive': { host: three[1][HOST], block_migration: 'auto' } }, '2.30');
    assert.equal(named.status, 400, named.text);
    assert.match(named.body.badRequest.message, /^No valid host was found\./);
    const now = await c.waitServer(three[0].id, () => true);
    assert.equal(now.status, 'ACTIVE');
    assert.equal(now[HOST], three[0][HOST]);
    await deleteAll(three);
  });

  it('forced live migration: the destination refuses it as a pre-check; the server stays ACTIVE where it was', async () => {
    const three = await spreadGroup();
    const target = three[1][HOST];
    const sync = await action(three[0].id, { 'os-migrateLive': { host: target, block_migration: 'auto', force: true } }, '2.30');
    assert.equal(sync.status, 400, sync.text);
    assert.equal(
      sync.body.badRequest.message,
      'Migration pre-check error: Failed to validate instance group policy due to: Anti-affinity instance group policy was violated',
    );
    const async = await action(three[0].id, { 'os-migrateLive': { host: target, block_migration: 'auto', force: true } }, '2.34');
    assert.equal(async.status, 202, async.text);
    await until('both migrations in error', () => listMigrations(c, three[0].id), (l) => l.length === 2 && l.every((m) => m.status === 'error'));
    const now = await c.waitServer(three[0].id, (s) => s['OS-EXT-STS:task_state'] === null);
    assert.equal(now.status, 'ACTIVE');
    assert.equal(now[HOST], three[0][HOST]);
    await deleteAll(three);
  });

  it('affinity: a member cannot be live-migrated away from the group\'s host', async () => {
    const g = await group('affinity');
    const two = await bootInto(g, 2);
    const r = await action(two[0].id, { 'os-migrateLive': { host: null, block_migration: 'auto' } }, '2.30');
    assert.equal(r.status, 400, r.text);
    assert.match(r.body.badRequest.message, /^No valid host was found\./);
    // Forced elsewhere, the destination's late check refuses it.
    const other = HOSTS.find((h) => h !== two[0][HOST])!;
    const forced = await action(two[0].id, { 'os-migrateLive': { host: other, block_migration: 'auto', force: true } }, '2.30');
    assert.equal(forced.status, 400, forced.text);
    assert.equal(forced.body.badRequest.message, 'Migration pre-check error: Failed to validate instance group policy due to: Affinity instance group policy was violated');
    await deleteAll(two);
  });

  it('evacuation: scheduled within the policy; none left → ERROR; a forced host is checked on arrival', async () => {
    const g = await group('anti-affinity');
    const two = await bootInto(g, 2);
    const free = HOSTS.find((h) => !two.some((s) => s[HOST] === h))!;
    const failed = two[0][HOST];
    await setForcedDown(c, failed, true);
    try {
      const r = await action(two[0].id, { evacuate: {} }, '2.68');
      assert.equal(r.status, 200, r.text);
      const moved = await c.waitServer(two[0].id, (s) => s[HOST] !== failed || s.status === 'ERROR');
      assert.equal(moved.status, 'ACTIVE');
      assert.equal(moved[HOST], free);
    } finally {
      await setForcedDown(c, failed, false);
    }
    await deleteAll(two);

    const three = await spreadGroup();
    const down = three[0][HOST];
    await setForcedDown(c, down, true);
    try {
      const r = await action(three[0].id, { evacuate: {} }, '2.68');
      assert.equal(r.status, 200, r.text);
      const end = await c.waitServer(three[0].id, (s) => s.status === 'ERROR');
      assert.match(end.fault.message, /^No valid host was found/);
      assert.equal(end[HOST], down);

      // Forced (2.29, force true) onto a host with a member: the scheduler is skipped, the destination refuses.
      await c.req('admin', 'POST', `/servers/${three[0].id}/action`, { body: { 'os-resetState': { state: 'active' } } });
      const forced = await action(three[0].id, { evacuate: { host: three[1][HOST], force: true } }, '2.29');
      assert.equal(forced.status, 200, forced.text);
      const refused = await c.waitServer(three[0].id, (s) => s.status === 'ERROR' && s.fault?.message !== end.fault.message);
      assert.equal(refused.fault.message, 'Anti-affinity instance group policy was violated');
      assert.equal(refused[HOST], down);
      const ms = await listMigrations(c, three[0].id);
      assert.deepEqual(ms.filter((m) => m.migration_type === 'evacuation').map((m) => m.status).sort(), ['error', 'failed']);
    } finally {
      await setForcedDown(c, down, false);
    }
    await deleteAll(three);
  });
});

describe('moves placed at the same time', () => {
  it('two members cold-migrated at once to the one free host: the destination lets at most one in', async () => {
    const g = await group('anti-affinity');
    const two = await bootInto(g, 2);
    const free = HOSTS.find((h) => !two.some((s) => s[HOST] === h))!;
    // Both are scheduled before either lands: each sees the free host empty.
    const rs = await Promise.all(two.map((s) => action(s.id, { migrate: null })));
    assert.deepEqual(rs.map((r) => r.status), [202, 202]);
    const ends = [];
    for (const s of two) ends.push(await c.waitServer(s.id, (x) => x['OS-EXT-STS:task_state'] === null && ['ACTIVE', 'VERIFY_RESIZE', 'ERROR'].includes(x.status)));
    const arrived = ends.filter((s) => s.status === 'VERIFY_RESIZE');
    assert.ok(arrived.length <= 1, JSON.stringify(ends.map((s) => [s.status, s[HOST]])));
    for (const s of arrived) assert.equal(s[HOST], free);
    for (const [i, s] of ends.entries()) {
      if (s.status === 'VERIFY_RESIZE') continue;
      // Refused: where it was, still running, its migration in error.
      assert.equal(s.status, 'ACTIVE');
      assert.equal(s[HOST], two[i][HOST]);
      const ms = await migrationRows(c, s.id);
      assert.equal(ms[0]?.status, 'error');
    }
    for (const s of arrived) assert.equal((await action(s.id, { confirmResize: null })).status, 204);
    for (const s of arrived) await c.waitServer(s.id, (x) => x.status === 'ACTIVE');
    await deleteAll(two);
  });

  it('boots into one anti-affinity group at the same time never share a host', async () => {
    const g = await group('anti-affinity');
    const img = await imageId();
    const rs = await Promise.all(
      [0, 1, 2, 3].map(() =>
        c.req('demo', 'POST', '/servers', {
          version: '2.37',
          body: { server: { name: uniq('race'), flavorRef: '1', imageRef: img, networks: 'none' }, 'os:scheduler_hints': { group: g } },
        }),
      ),
    );
    const ends = [];
    for (const r of rs) {
      assert.equal(r.status, 202, r.text);
      ends.push(await c.waitServer(r.body.server.id, (s) => s.status === 'ACTIVE' || s.status === 'ERROR'));
    }
    const active = ends.filter((s) => s.status === 'ACTIVE');
    assert.equal(new Set(active.map((s) => s[HOST])).size, active.length);
    for (const s of ends.filter((x) => x.status === 'ERROR'))
      assert.match(s.fault.message, /^(No valid host was found|Anti-affinity instance group policy was violated)/);
    await deleteAll(ends);
  });
});

describe('the late check on a host', () => {
  it('counts the members on the host and those moving to or from it, against max_server_per_host', async () => {
    const db = c.aio.base.db.kysely;
    const three = await spreadGroup();
    const [a, b] = three;
    await assert.rejects(validateInstanceGroupPolicy(db, c.aio.base.conf, a.id, b[HOST]), { message: 'Anti-affinity instance group policy was violated' });
    await validateInstanceGroupPolicy(db, c.aio.base.conf, a.id, a[HOST]);
    // [workarounds] disable_group_policy_check_upcall turns the check off.
    const off = loadConfig({ env: {}, overrides: ['workarounds.disable_group_policy_check_upcall=true'] });
    await validateInstanceGroupPolicy(db, off, a.id, b[HOST]);
    await deleteAll([b]);
    // b's host is free now.
    await validateInstanceGroupPolicy(db, c.aio.base.conf, a.id, b[HOST]);
    await deleteAll(three.filter((s) => s !== b));

    const g = await group('anti-affinity', { max_server_per_host: 2 });
    const two = await bootInto(g, 2);
    const hostOfOther = two[1][HOST];
    await validateInstanceGroupPolicy(db, c.aio.base.conf, two[0].id, hostOfOther);
    await deleteAll(two);
  });
});

describe('a hard policy without its filter', () => {
  let bare: Cloud;
  before(async () => {
    bare = await startCloud({ overrides: ['filter_scheduler.enabled_filters=ComputeFilter,RamFilter,ServerGroupAntiAffinityFilter'] });
  });
  after(async () => {
    await bare.stop();
  });

  it('cannot be honoured: the build fails with Nova\'s message; the other policies still place', async () => {
    const img = await (async () => {
      const t = await bare.token('admin');
      const r = await fetch(`${bare.imageUrl}/v2/images?name=cirros`, { headers: { 'X-Auth-Token': t } });
      return ((await r.json()) as any).images[0].id;
    })();
    const bootIn = async (policy: string): Promise<any> => {
      const g = await bare.req('demo', 'POST', '/os-server-groups', { version: '2.64', body: { server_group: { name: 'g', policy } } });
      assert.equal(g.status, 200, g.text);
      const r = await bare.req('demo', 'POST', '/servers', {
        version: '2.37',
        body: { server: { name: uniq('vm'), flavorRef: '1', imageRef: img, networks: 'none' }, 'os:scheduler_hints': { group: g.body.server_group.id } },
      });
      assert.equal(r.status, 202, r.text);
      return bare.waitServer(r.body.server.id, (s) => s.status === 'ACTIVE' || s.status === 'ERROR');
    };
    const refused = await bootIn('affinity');
    assert.equal(refused.status, 'ERROR');
    assert.equal(refused.fault.message, 'ServerGroup policy is not supported: ServerGroupAffinityFilter not configured');
    assert.equal((await bootIn('anti-affinity')).status, 'ACTIVE');
    assert.equal((await bootIn('soft-affinity')).status, 'ACTIVE');
  });
});
