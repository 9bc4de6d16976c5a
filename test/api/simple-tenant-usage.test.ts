// os-simple-tenant-usage: per-project usage over a period, counting the hours
// each server ran inside it (deleted servers included) times its flavor's
// sizes; the list is admin-only, a project's own usage readable by its readers;
// from 2.40 the servers are paged.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud } from '../support/cloud.js';
import { setInstanceColumns } from '../support/db.js';

const Q = '?start=2020-01-01T00:00:00&end=2020-01-01T10:00:00';

describe('os-simple-tenant-usage', () => {
  let c: Cloud;
  let demo: string;
  let alt: string;
  /** Servers by role: running, deleted (terminated inside), alt's, launched after the end, terminated before the start. */
  const s: Record<string, any> = {};
  let tiny: { name: string; memory_mb: number; vcpus: number; root_gb: number; ephemeral_gb: number };

  before(async () => {
    c = await startCloud();
    demo = await c.projectId('demo');
    alt = await c.projectId('alt_demo');
    for (const [key, user] of [['running', 'demo'], ['deleted', 'demo'], ['alt', 'alt_demo'], ['later', 'demo'], ['earlier', 'demo']] as const)
      s[key] = await c.bootServer(user);
    for (const key of ['deleted', 'earlier']) {
      assert.equal((await c.req('demo', 'DELETE', `/servers/${s[key].id}`)).status, 204);
      await c.waitServer(s[key].id, (x) => x.gone === true);
    }
    await setInstanceColumns(c, s.running.id, { launched_at: '2020-01-01 02:00:00.000000', terminated_at: null });
    await setInstanceColumns(c, s.deleted.id, { launched_at: '2019-12-31 22:00:00.000000', terminated_at: '2020-01-01 01:30:00.250000' });
    await setInstanceColumns(c, s.alt.id, { launched_at: '2020-01-01 09:00:00.000000', terminated_at: null });
    await setInstanceColumns(c, s.later.id, { launched_at: '2020-01-01 11:00:00.000000' });
    await setInstanceColumns(c, s.earlier.id, { launched_at: '2019-12-30 00:00:00.000000', terminated_at: '2019-12-31 00:00:00.000000' });
    const row = await c.aio.base.db.kysely.selectFrom('instances').select('flavor').where('uuid', '=', s.running.id).executeTakeFirstOrThrow();
    tiny = JSON.parse(row.flavor);
  });
  after(async () => {
    await c.stop();
  });

  const demoIds = () => [s.running.id, s.deleted.id].sort();

  it('lists every project\'s usage for an admin, summed over the servers that ran in the period', async () => {
    const r = await c.req('admin', 'GET', `/os-simple-tenant-usage${Q}`);
    assert.equal(r.status, 200, r.text);
    const byTenant = new Map<string, any>(r.body.tenant_usages.map((u: any) => [u.tenant_id, u]));
    assert.deepEqual([...byTenant.keys()], [demo, alt].sort());
    const d = byTenant.get(demo);
    const disk = tiny.root_gb + tiny.ephemeral_gb;
    const hours = 8 + (1.5 + 0.25 / 3600);
    assert.deepEqual(Object.keys(d).sort(), ['start', 'stop', 'tenant_id', 'total_hours', 'total_local_gb_usage', 'total_memory_mb_usage', 'total_vcpus_usage']);
    assert.equal(d.start, '2020-01-01T00:00:00');
    assert.equal(d.stop, '2020-01-01T10:00:00');
    assert.ok(Math.abs(d.total_hours - hours) < 1e-9, String(d.total_hours));
    assert.ok(Math.abs(d.total_memory_mb_usage - tiny.memory_mb * hours) < 1e-6);
    assert.ok(Math.abs(d.total_vcpus_usage - tiny.vcpus * hours) < 1e-9);
    assert.ok(Math.abs(d.total_local_gb_usage - disk * hours) < 1e-9);
    assert.equal(byTenant.get(alt).total_hours, 1);
  });

  it('details each server with detailed=1: hours, sizes, times, state (terminated once ended) and uptime', async () => {
    const r = await c.req('admin', 'GET', `/os-simple-tenant-usage${Q}&detailed=1`);
    assert.equal(r.status, 200, r.text);
    const d = r.body.tenant_usages.find((u: any) => u.tenant_id === demo);
    assert.deepEqual(d.server_usages.map((u: any) => u.instance_id), demoIds());
    const running = d.server_usages.find((u: any) => u.instance_id === s.running.id);
    assert.deepEqual(Object.keys(running).sort(), ['ended_at', 'flavor', 'hours', 'instance_id', 'local_gb', 'memory_mb', 'name', 'started_at', 'state', 'tenant_id', 'uptime', 'vcpus']);
    assert.equal(running.hours, 8);
    assert.equal(running.flavor, tiny.name);
    assert.equal(running.name, s.running.name);
    assert.equal(running.tenant_id, demo);
    assert.equal(running.memory_mb, tiny.memory_mb);
    assert.equal(running.vcpus, tiny.vcpus);
    assert.equal(running.local_gb, tiny.root_gb + tiny.ephemeral_gb);
    assert.equal(running.started_at, '2020-01-01T02:00:00');
    assert.equal(running.ended_at, null);
    assert.equal(running.state, 'active');
    assert.ok(running.uptime > 6 * 365 * 86400 - 86400 * 400, String(running.uptime));
    const deleted = d.server_usages.find((u: any) => u.instance_id === s.deleted.id);
    assert.equal(deleted.state, 'terminated');
    assert.equal(deleted.ended_at, '2020-01-01T01:30:00.250000');
    assert.equal(deleted.uptime, 3 * 3600 + 30 * 60);
    assert.ok(Math.abs(deleted.hours - (1.5 + 0.25 / 3600)) < 1e-12);
  });

  it('shows one project\'s usage to its readers, always with its servers; another project is 403, the list 403 for non-admins', async () => {
    let r = await c.req('demo_reader', 'GET', `/os-simple-tenant-usage/${demo}${Q}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.tenant_usage.tenant_id, demo);
    assert.deepEqual(r.body.tenant_usage.server_usages.map((u: any) => u.instance_id), demoIds());
    r = await c.req('alt_demo', 'GET', `/os-simple-tenant-usage/${demo}${Q}`);
    assert.equal(r.status, 403);
    assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:os-simple-tenant-usage:show to be performed.");
    r = await c.req('demo', 'GET', `/os-simple-tenant-usage${Q}`);
    assert.equal(r.status, 403);
    assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:os-simple-tenant-usage:list to be performed.");
    r = await c.req('admin', 'GET', `/os-simple-tenant-usage/${Q}`);
    assert.equal(r.status, 404, 'an empty tenant id');
    r = await c.req('admin', 'GET', `/os-simple-tenant-usage/no-such-project${Q}`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { tenant_usage: {} });
  });

  it('refuses a start not before the end, and times in other formats; accepts Nova\'s three formats', async () => {
    let r = await c.req('admin', 'GET', '/os-simple-tenant-usage?start=2020-01-02T00:00:00&end=2020-01-01T00:00:00');
    assert.equal(r.status, 400);
    assert.equal(r.body.badRequest.message, 'Invalid start time. The start time cannot occur after the end time.');
    r = await c.req('admin', 'GET', `/os-simple-tenant-usage/${demo}?start=2020-01-01T00:00:00&end=2020-01-01T00:00:00`);
    assert.equal(r.status, 400);
    for (const bad of ['2020-01-01', '2020-01-01T00:00:00Z', '2020-02-30T00:00:00', '2020-01-01 00:00:00', 'yesterday', '2020-01-01T24:00:00']) {
      r = await c.req('admin', 'GET', `/os-simple-tenant-usage?start=${encodeURIComponent(bad)}`);
      assert.equal(r.status, 400, bad);
      assert.equal(r.body.badRequest.message, 'Invalid datetime string: Datetime is in invalid format', bad);
    }
    for (const start of ['2020-01-01T00:00:00.5', '2020-01-01 00:00:00.000001', '2020-1-1T0:0:0']) {
      r = await c.req('admin', 'GET', `/os-simple-tenant-usage?start=${encodeURIComponent(start)}&end=2020-01-01T10:00:00`);
      assert.equal(r.status, 200, `${start}: ${r.text}`);
    }
    r = await c.req('admin', 'GET', '/os-simple-tenant-usage?start=2020-01-01T00:00:00.5&end=2020-01-01T10:00:00');
    assert.equal(r.body.tenant_usages[0].start, '2020-01-01T00:00:00.500000');
  });

  it('defaults start and end to now and stops a period at now', async () => {
    let r = await c.req('admin', 'GET', '/os-simple-tenant-usage');
    assert.equal(r.status, 200, r.text);
    assert.ok(Array.isArray(r.body.tenant_usages));
    r = await c.req('admin', 'GET', `/os-simple-tenant-usage/${demo}?start=2020-01-01T00:00:00&end=2999-01-01T00:00:00`);
    assert.equal(r.status, 200, r.text);
    const stop = Date.parse(`${r.body.tenant_usage.stop}Z`);
    assert.ok(Math.abs(stop - Date.now()) < 60_000, r.body.tenant_usage.stop);
    // Every demo server launched before now is in it, the one launched in 2020-01-01 11:00 too.
    assert.equal(r.body.tenant_usage.server_usages.length, 3);
  });

  it('pages the servers from 2.40 (limit, marker, next link); before 2.40 limit is ignored', async () => {
    const all = [s.running.id, s.deleted.id, s.alt.id];
    const order = [...[s.running.id, s.deleted.id].sort().map((id) => ({ id, p: demo })), { id: s.alt.id, p: alt }].sort((a, b) =>
      a.p === b.p ? (a.id < b.id ? -1 : 1) : a.p < b.p ? -1 : 1,
    );
    let r = await c.req('admin', 'GET', `/os-simple-tenant-usage${Q}&detailed=1&limit=1`, { version: '2.39' });
    assert.equal(r.body.tenant_usages.flatMap((u: any) => u.server_usages).length, 3);
    assert.equal(r.body.tenant_usages_links, undefined);

    const seen: string[] = [];
    let url: string | undefined = `/os-simple-tenant-usage${Q}&detailed=1&limit=2`;
    let pages = 0;
    while (url) {
      r = await c.req('admin', 'GET', url, { version: '2.40' });
      assert.equal(r.status, 200, r.text);
      seen.push(...r.body.tenant_usages.flatMap((u: any) => u.server_usages.map((x: any) => x.instance_id)));
      url = r.body.tenant_usages_links?.[0]?.href;
      if (url) {
        assert.equal(r.body.tenant_usages_links[0].rel, 'next');
        assert.match(url, /\/os-simple-tenant-usage\?detailed=1&end=2020-01-01T10%3A00%3A00&limit=2&marker=[0-9a-f-]+&start=/);
      }
      pages++;
    }
    assert.deepEqual(seen, order.map((o) => o.id));
    assert.equal(pages, 2);
    assert.deepEqual([...seen].sort(), [...all].sort());

    r = await c.req('demo', 'GET', `/os-simple-tenant-usage/${demo}${Q}&limit=1`, { version: '2.40' });
    assert.equal(r.body.tenant_usage.server_usages.length, 1);
    assert.match(r.body.tenant_usage_links[0].href, new RegExp(`/os-simple-tenant-usage/${demo}\\?end=`));

    r = await c.req('admin', 'GET', `/os-simple-tenant-usage${Q}&marker=9a3c1b8e-0d2a-4c59-9a7e-3b5d2f0e8a11`, { version: '2.40' });
    assert.equal(r.status, 400);
    assert.equal(r.body.badRequest.message, 'Marker 9a3c1b8e-0d2a-4c59-9a7e-3b5d2f0e8a11 could not be found.');
    r = await c.req('admin', 'GET', `/os-simple-tenant-usage${Q}&limit=-1`, { version: '2.40' });
    assert.equal(r.status, 400);
  });

  it('drops unknown query parameters before 2.75 and refuses them from 2.75', async () => {
    let r = await c.req('admin', 'GET', `/os-simple-tenant-usage${Q}&foo=1`, { version: '2.74' });
    assert.equal(r.status, 200);
    r = await c.req('admin', 'GET', `/os-simple-tenant-usage${Q}&foo=1`, { version: '2.75' });
    assert.equal(r.status, 400);
    r = await c.req('admin', 'GET', `/os-simple-tenant-usage/${demo}${Q}&detailed=1`, { version: '2.75' });
    assert.equal(r.status, 400);
  });
});
