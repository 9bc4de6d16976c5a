// GET /servers and /servers/detail: who sees what, filters, sorting and paging.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud } from '../support/cloud.js';

let c: Cloud;
let a: any; // demo, tagged, locked
let b: any; // demo, flavor 2
let other: any; // alt_demo
let probe: any; // demo, deleted

const ids = (r: any) => r.body.servers.map((s: any) => s.id);

before(async () => {
  c = await startCloud();
  probe = await c.bootServer('demo', { name: 'beta-probe' });
  const first = probe;
  const made = await c.req('demo', 'POST', '/servers', {
    version: '2.52',
    body: { server: { name: 'alpha-web', flavorRef: '1', imageRef: first.image.id, networks: 'none', tags: ['web', 'prod'] } },
  });
  assert.equal(made.status, 202, made.text);
  assert.equal((await c.req('demo', 'DELETE', `/servers/${first.id}`)).status, 204);
  await c.waitServer(first.id, (x) => x.gone === true);
  a = await c.waitServer(made.body.server.id, (x) => x.status === 'ACTIVE');
  b = await c.bootServer('demo', { name: 'beta-db', flavorRef: '2' });
  other = await c.bootServer('alt_demo', { name: 'alpha-other' });
  const lock = await c.req('demo', 'POST', `/servers/${a.id}/action`, { body: { lock: null } });
  assert.equal(lock.status, 202);
});
after(async () => {
  await c.stop();
});

describe('who sees what', () => {
  it('index items are {id, name, links}; newest first; only the caller project', async () => {
    const r = await c.req('demo', 'GET', '/servers');
    assert.equal(r.status, 200);
    assert.deepEqual(ids(r), [b.id, a.id]);
    assert.deepEqual(Object.keys(r.body.servers[0]).sort(), ['id', 'links', 'name']);
    assert.equal(r.body.servers[0].links[0].href, `${c.computeUrl}/v2.1/servers/${b.id}`);
    assert.equal('servers_links' in r.body, false);
  });

  it('detail items are the full body (no server_groups), same keys as show', async () => {
    const r = await c.req('demo', 'GET', '/servers/detail', { version: 'latest' });
    const show = await c.req('demo', 'GET', `/servers/${a.id}`, { version: 'latest' });
    const item = r.body.servers.find((s: any) => s.id === a.id);
    const want = Object.keys(show.body.server).filter((k) => k !== 'server_groups').sort();
    assert.deepEqual(Object.keys(item).sort(), want);
    const admin = await c.req('admin', 'GET', '/servers/detail?all_tenants=1', { version: '2.73' });
    const adminItem = admin.body.servers.find((s: any) => s.id === a.id);
    assert.equal(adminItem.host_status, 'UP');
    assert.ok('OS-EXT-SRV-ATTR:host' in adminItem);
  });

  it('all_tenants is 403 for non-admins; admins see every project and may narrow by project_id/tenant_id', async () => {
    for (const p of ['/servers?all_tenants=1', '/servers/detail?all_tenants', '/servers?all_tenants=true']) {
      const r = await c.req('demo', 'GET', p);
      assert.equal(r.status, 403, p);
      assert.match(r.body.forbidden.message, /get_all_tenants/);
    }
    const all = await c.req('admin', 'GET', '/servers?all_tenants=1');
    assert.ok([a.id, b.id, other.id].every((id) => ids(all).includes(id)));
    const own = await c.req('admin', 'GET', '/servers');
    assert.equal(ids(own).includes(a.id), false);
    const alt = await c.projectId('alt_demo');
    assert.deepEqual(ids(await c.req('admin', 'GET', `/servers?all_tenants=1&project_id=${alt}`)), [other.id]);
    assert.deepEqual(ids(await c.req('admin', 'GET', `/servers?all_tenants=1&tenant_id=${alt}`)), [other.id]);
    assert.equal((await c.req('admin', 'GET', '/servers?all_tenants=maybe')).status, 400);
    // Without all_tenants a tenant_id filter is ignored.
    assert.deepEqual(ids(await c.req('demo', 'GET', `/servers?tenant_id=${alt}`)), [b.id, a.id]);
    assert.equal((await c.req('demo_reader', 'GET', '/servers')).status, 200);
  });
});

describe('filters', () => {
  it('name is a regular expression', async () => {
    assert.deepEqual(ids(await c.req('demo', 'GET', '/servers?name=^alpha')), [a.id]);
    assert.deepEqual(ids(await c.req('demo', 'GET', '/servers?name=db')), [b.id]);
  });

  it('status maps back to states; unknown status is 400 from 2.38, empty before', async () => {
    assert.deepEqual(ids(await c.req('demo', 'GET', '/servers?status=active')), [b.id, a.id]);
    assert.deepEqual(ids(await c.req('demo', 'GET', '/servers?status=SHUTOFF')), []);
    assert.deepEqual(ids(await c.req('demo', 'GET', '/servers?status=BOGUS', { version: '2.37' })), []);
    const bad = await c.req('demo', 'GET', '/servers?status=BOGUS', { version: '2.38' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.badRequest.message, 'Invalid status value');
  });

  it('image and flavor', async () => {
    assert.deepEqual(ids(await c.req('demo', 'GET', '/servers?flavor=2')), [b.id]);
    assert.deepEqual(ids(await c.req('demo', 'GET', '/servers?flavor=99')), []);
    const show = await c.req('demo', 'GET', `/servers/${a.id}`);
    assert.deepEqual(ids(await c.req('demo', 'GET', `/servers?image=${show.body.server.image.id}`)), [b.id, a.id]);
    assert.deepEqual(ids(await c.req('demo', 'GET', '/servers?image=11111111-2222-4333-8444-555555555555')), []);
  });

  it('tags (2.26), locked (2.73)', async () => {
    assert.deepEqual(ids(await c.req('demo', 'GET', '/servers?tags=web,prod', { version: '2.26' })), [a.id]);
    assert.deepEqual(ids(await c.req('demo', 'GET', '/servers?tags=web,dev', { version: '2.26' })), []);
    assert.deepEqual(ids(await c.req('demo', 'GET', '/servers?tags-any=dev,prod', { version: '2.26' })), [a.id]);
    assert.deepEqual(ids(await c.req('demo', 'GET', '/servers?not-tags=web', { version: '2.26' })), [b.id]);
    assert.deepEqual(ids(await c.req('demo', 'GET', '/servers?not-tags-any=prod,dev', { version: '2.26' })), [b.id]);
    // Below 2.26 the tag filters are dropped.
    assert.deepEqual(ids(await c.req('demo', 'GET', '/servers?tags=nope', { version: '2.25' })), [b.id, a.id]);
    assert.deepEqual(ids(await c.req('demo', 'GET', '/servers?locked=true', { version: '2.73' })), [a.id]);
    assert.deepEqual(ids(await c.req('demo', 'GET', '/servers?locked=false', { version: '2.73' })), [b.id]);
    assert.equal((await c.req('demo', 'GET', '/servers?locked=maybe', { version: '2.73' })).status, 400);
  });

  it('changes-since / changes-before, and before < since is 400', async () => {
    // Recently deleted servers come back too, as DELETED.
    const since = await c.req('demo', 'GET', '/servers/detail?changes-since=2000-01-01T00:00:00Z');
    assert.deepEqual(ids(since), [b.id, a.id, probe.id]);
    assert.equal(since.body.servers[2].status, 'DELETED');
    assert.deepEqual(ids(await c.req('demo', 'GET', '/servers?changes-since=2999-01-01T00:00:00Z')), []);
    assert.deepEqual(ids(await c.req('demo', 'GET', '/servers?changes-before=2000-01-01T00:00:00Z', { version: '2.66' })), []);
    const bad = await c.req('demo', 'GET', '/servers?changes-since=2020-01-02T00:00:00Z&changes-before=2020-01-01T00:00:00Z', { version: '2.66' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.badRequest.message, 'The value of changes-since must be less than or equal to changes-before.');
    assert.equal((await c.req('demo', 'GET', '/servers?changes-since=yesterday')).status, 400);
  });

  it('an IP filter matches nothing (servers have no addresses)', async () => {
    const r = await c.req('demo', 'GET', '/servers?ip=10.0.0.1');
    assert.equal(r.status, 200);
    assert.deepEqual(ids(r), []);
  });

  it('admin-only filters (host) are dropped for members and applied for admins', async () => {
    const host = (await c.req('admin', 'GET', `/servers/${a.id}`)).body.server['OS-EXT-SRV-ATTR:host'];
    assert.deepEqual(ids(await c.req('demo', 'GET', '/servers?host=nowhere')), [b.id, a.id]);
    const r = await c.req('admin', 'GET', `/servers?all_tenants=1&host=${host}`);
    assert.ok(ids(r).includes(a.id));
    assert.deepEqual(ids(await c.req('admin', 'GET', '/servers?all_tenants=1&host=nowhere')), []);
  });

  it('unknown parameters are dropped below 2.75 and 400 from 2.75', async () => {
    assert.equal((await c.req('demo', 'GET', '/servers?foo=bar', { version: '2.74' })).status, 200);
    const r = await c.req('demo', 'GET', '/servers?foo=bar', { version: '2.75' });
    assert.equal(r.status, 400);
    assert.match(r.body.badRequest.message, /foo/);
  });

  it('deleted servers: admins may list them, vm_state=deleted is admin-only', async () => {
    const s = await c.bootServer('demo', { name: 'doomed' });
    assert.equal((await c.req('demo', 'DELETE', `/servers/${s.id}`)).status, 204);
    await c.waitServer(s.id, (x) => x.gone === true);
    const r = await c.req('admin', 'GET', '/servers/detail?all_tenants=1&deleted=true');
    const item = r.body.servers.find((x: any) => x.id === s.id);
    assert.equal(item.status, 'DELETED');
    assert.equal((await c.req('demo', 'GET', '/servers?vm_state=deleted', { version: '2.83' })).status, 403);
    const byStatus = await c.req('demo', 'GET', '/servers?status=DELETED');
    assert.equal(byStatus.status, 403);
    assert.equal(byStatus.body.forbidden.message, 'Only administrators may list deleted instances');
    assert.ok(ids(await c.req('admin', 'GET', '/servers?all_tenants=1&status=DELETED')).includes(s.id));
    // changes-since also returns recently deleted servers.
    assert.ok(ids(await c.req('demo', 'GET', '/servers?changes-since=2000-01-01T00:00:00Z')).includes(s.id));
    assert.equal(ids(await c.req('demo', 'GET', '/servers')).includes(s.id), false);
  });
});

describe('sorting and paging', () => {
  it('sort_key/sort_dir; host sorting is admin-only; bad direction is 400', async () => {
    assert.deepEqual(ids(await c.req('demo', 'GET', '/servers?sort_key=display_name&sort_dir=asc')), [a.id, b.id]);
    assert.deepEqual(ids(await c.req('demo', 'GET', '/servers?sort_key=display_name&sort_dir=desc')), [b.id, a.id]);
    const host = await c.req('demo', 'GET', '/servers?sort_key=host');
    assert.equal(host.status, 403);
    assert.equal(host.body.forbidden.message, 'Only administrators can sort servers by host');
    assert.equal((await c.req('admin', 'GET', '/servers?sort_key=host')).status, 200);
    assert.equal((await c.req('demo', 'GET', '/servers?sort_key=display_name&sort_dir=sideways')).status, 400);
    // More directions than keys is 400 (a direction alone, too).
    const extra = await c.req('demo', 'GET', '/servers?sort_dir=asc');
    assert.equal(extra.status, 400);
    assert.equal(extra.body.badRequest.message, 'Invalid input received: Sort direction size exceeds sort key size');
    // The first direction also orders the created_at/id tie-breakers.
    assert.deepEqual(ids(await c.req('demo', 'GET', '/servers?sort_key=vm_state&sort_dir=asc')), [a.id, b.id]);
    assert.equal((await c.req('demo', 'GET', '/servers?sort_key=bogus')).status, 400);
    // Ignored keys are fine below 2.75 and 400 from 2.75.
    assert.equal((await c.req('demo', 'GET', '/servers?sort_key=vcpus', { version: '2.74' })).status, 200);
    assert.equal((await c.req('demo', 'GET', '/servers?sort_key=vcpus', { version: '2.75' })).status, 400);
  });

  it('limit and marker page through the list with a next link while pages are full', async () => {
    const p1 = await c.req('demo', 'GET', '/servers?limit=1');
    assert.deepEqual(ids(p1), [b.id]);
    assert.deepEqual(p1.body.servers_links, [{ rel: 'next', href: `${c.computeUrl}/v2.1/servers?limit=1&marker=${b.id}` }]);
    const p2 = await c.req('demo', 'GET', p1.body.servers_links[0].href);
    assert.deepEqual(ids(p2), [a.id]);
    const p3 = await c.req('demo', 'GET', p2.body.servers_links[0].href);
    assert.deepEqual(ids(p3), []);
    assert.equal('servers_links' in p3.body, false);
    const d = await c.req('demo', 'GET', '/servers/detail?limit=2');
    assert.equal(d.body.servers_links[0].href, `${c.computeUrl}/v2.1/servers/detail?limit=2&marker=${a.id}`);
    assert.deepEqual(ids(await c.req('demo', 'GET', '/servers?limit=0')), []);
  });

  it('an unknown marker or a bad limit is 400', async () => {
    const r = await c.req('demo', 'GET', '/servers?marker=nope');
    assert.equal(r.status, 400);
    assert.equal(r.body.badRequest.message, 'marker [nope] not found');
    assert.equal((await c.req('demo', 'GET', '/servers?limit=-1')).status, 400);
    assert.equal((await c.req('demo', 'GET', '/servers?limit=abc')).status, 400);
  });

  it('links keep the project segment when the request had it', async () => {
    const pid = await c.projectId('demo');
    const r = await c.req('demo', 'GET', `/v2.1/${pid}/servers?limit=1`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.servers[0].links[0].href, `${c.computeUrl}/v2.1/${pid}/servers/${b.id}`);
    assert.equal(r.body.servers[0].links[1].href, `${c.computeUrl}/${pid}/servers/${b.id}`);
    assert.equal(r.body.servers_links[0].href, `${c.computeUrl}/v2.1/${pid}/servers?limit=1&marker=${b.id}`);
  });
});
