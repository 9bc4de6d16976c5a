// GET /os-migrations: filters, fields per microversion, paging (2.59),
// changes-since/before, user_id/project_id (2.80), and the policies that
// decide who may list which project's migrations and see their hosts.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud } from '../support/cloud.js';
import { until } from '../support/wait.js';

const HOST = 'OS-EXT-SRV-ATTR:host';
const BASE_KEYS = [
  'created_at', 'dest_compute', 'dest_host', 'dest_node', 'id', 'instance_uuid', 'new_instance_type_id',
  'old_instance_type_id', 'source_compute', 'source_node', 'status', 'updated_at',
];

describe('GET /os-migrations', () => {
  let c: Cloud;
  /** Migrations made in `before`, by name: uuid of the server and who asked. */
  const made: Record<string, { server: any; final: string }> = {};
  let demoProject: string;
  let altProject: string;
  let managerId: string;

  const list = async (user: string, query: string, version: string) => c.req(user, 'GET', `/os-migrations${query}`, { version });
  const ids = (r: { body: any }): string[] => r.body.migrations.map((m: any) => m.instance_uuid);

  async function migrate(user: string, owner: string, host: string | null, force: boolean, final: string) {
    const s = await c.bootServer(owner);
    const body = host === null ? { block_migration: 'auto', host: null } : { block_migration: 'auto', host: host === 'self' ? s[HOST] : host, force };
    const r = await c.req(user, 'POST', `/servers/${s.id}/action`, { body: { 'os-migrateLive': body }, version: '2.34' });
    assert.equal(r.status, 202, r.text);
    await until(`migration of ${s.id}`, () => list('admin', `?instance_uuid=${s.id}`, '2.80'), (x) => x.body.migrations[0]?.status === final);
    await c.waitServer(s.id, (x) => x['OS-EXT-STS:task_state'] === null);
    return { server: s, final };
  }

  before(async () => {
    c = await startCloud();
    demoProject = await c.projectId('demo');
    altProject = await c.projectId('alt_demo');
    made['byAdmin'] = await migrate('admin', 'demo', null, false, 'completed');
    made['byManager'] = await migrate('demo_manager', 'demo', null, false, 'completed');
    made['altProject'] = await migrate('admin', 'alt_demo', null, false, 'completed');
    made['failed'] = await migrate('admin', 'demo', 'self', true, 'error');
    const r = await list('admin', `?instance_uuid=${made['byManager']!.server.id}`, '2.80');
    managerId = r.body.migrations[0].user_id;
  });
  after(async () => {
    await c.stop();
  });

  it('2.1: the base fields only; unknown parameters (even paging) are ignored', async () => {
    const r = await list('admin', '?limit=1&foo=bar&project_id=x', '2.1');
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.migrations.length, 4);
    for (const m of r.body.migrations) assert.deepEqual(Object.keys(m).sort(), BASE_KEYS);
    assert.equal(r.body.migrations_links, undefined);
    const m = r.body.migrations.find((x: any) => x.instance_uuid === made['byAdmin']!.server.id);
    assert.equal(m.status, 'completed');
    assert.equal(m.source_compute, made['byAdmin']!.server[HOST]);
    assert.equal(typeof m.id, 'number');
    assert.match(m.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
  });

  it('2.23 adds migration_type (links only for live migrations in progress); 2.59 uuid; 2.80 user_id and project_id', async () => {
    const v223 = await list('admin', '', '2.23');
    for (const m of v223.body.migrations) {
      assert.deepEqual(Object.keys(m).sort(), [...BASE_KEYS, 'migration_type'].sort());
      assert.equal(m.migration_type, 'live-migration');
    }
    const v259 = await list('admin', '', '2.59');
    for (const m of v259.body.migrations) assert.deepEqual(Object.keys(m).sort(), [...BASE_KEYS, 'migration_type', 'uuid'].sort());
    const v280 = await list('admin', '', '2.80');
    for (const m of v280.body.migrations) assert.deepEqual(Object.keys(m).sort(), [...BASE_KEYS, 'migration_type', 'project_id', 'user_id', 'uuid'].sort());
    const byManager = v280.body.migrations.find((m: any) => m.instance_uuid === made['byManager']!.server.id);
    assert.equal(byManager.project_id, demoProject, 'the initiator’s project');
    const alt = v280.body.migrations.find((m: any) => m.instance_uuid === made['altProject']!.server.id);
    assert.equal(alt.project_id, await c.projectId('admin'), 'the admin initiated it, not the owner');
  });

  it('filters: instance_uuid, status, migration_type, host, source_compute, hidden', async () => {
    const failed = made['failed']!.server;
    assert.deepEqual(ids(await list('admin', `?instance_uuid=${failed.id}`, '2.1')), [failed.id]);
    assert.deepEqual(ids(await list('admin', '?status=error', '2.1')), [failed.id]);
    assert.equal((await list('admin', '?migration_type=live-migration', '2.1')).body.migrations.length, 4);
    assert.equal((await list('admin', '?migration_type=resize', '2.1')).body.migrations.length, 0);
    const src = made['byAdmin']!.server[HOST];
    const all = (await list('admin', '', '2.1')).body.migrations;
    const touching = all.filter((m: any) => m.source_compute === src || m.dest_compute === src).map((m: any) => m.id).sort();
    assert.deepEqual((await list('admin', `?host=${src}`, '2.1')).body.migrations.map((m: any) => m.id).sort(), touching);
    const leaving = all.filter((m: any) => m.source_compute === src).map((m: any) => m.id).sort();
    assert.deepEqual((await list('admin', `?source_compute=${src}`, '2.1')).body.migrations.map((m: any) => m.id).sort(), leaving);
    // host wins over source_compute.
    assert.deepEqual((await list('admin', `?host=${src}&source_compute=nowhere`, '2.1')).body.migrations.map((m: any) => m.id).sort(), touching);
    assert.equal((await list('admin', '?hidden=0', '2.1')).body.migrations.length, 4);
    assert.equal((await list('admin', '?hidden=1', '2.1')).body.migrations.length, 0);
  });

  it('2.59: newest first, limit and marker (a uuid), migrations_links when the page is full', async () => {
    const all = (await list('admin', '', '2.59')).body.migrations;
    assert.equal(all.length, 4);
    const ordered = [...all].sort((a: any, b: any) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : b.id - a.id));
    assert.deepEqual(all.map((m: any) => m.id), ordered.map((m: any) => m.id));
    const p1 = await list('admin', '?limit=2&migration_type=live-migration', '2.59');
    assert.equal(p1.status, 200, p1.text);
    assert.deepEqual(p1.body.migrations.map((m: any) => m.uuid), all.slice(0, 2).map((m: any) => m.uuid));
    // As Nova builds it: the request's parameters sorted, then a marker that was not among them.
    assert.deepEqual(p1.body.migrations_links, [
      { rel: 'next', href: `${c.computeUrl}/v2.1/os-migrations?limit=2&migration_type=live-migration&marker=${all[1].uuid}` },
    ]);
    const p2 = await c.req('admin', 'GET', p1.body.migrations_links[0].href, { version: '2.59' });
    assert.deepEqual(p2.body.migrations.map((m: any) => m.uuid), all.slice(2, 4).map((m: any) => m.uuid));
    assert.deepEqual(p2.body.migrations_links, [
      { rel: 'next', href: `${c.computeUrl}/v2.1/os-migrations?limit=2&marker=${all[3].uuid}&migration_type=live-migration` },
    ]);
    const p3 = await c.req('admin', 'GET', p2.body.migrations_links[0].href, { version: '2.59' });
    assert.deepEqual(p3.body.migrations, []);
    assert.equal(p3.body.migrations_links, undefined);
    const short = await list('admin', '?limit=10', '2.59');
    assert.equal(short.body.migrations_links, undefined, 'no link when the page is not full');
    assert.deepEqual((await list('admin', '?limit=0', '2.59')).body.migrations, []);
    const badMarker = await list('admin', '?marker=nope', '2.59');
    assert.equal(badMarker.status, 400);
    assert.equal(badMarker.body.badRequest.message, 'Marker nope could not be found.');
    assert.equal((await list('admin', '?limit=-1', '2.59')).status, 400);
    assert.equal((await list('admin', '?limit=x', '2.59')).status, 400);
  });

  it('from 2.59 unknown parameters are 400 (user_id/project_id until 2.80, changes-before until 2.66)', async () => {
    for (const [q, v] of [['?foo=1', '2.59'], ['?project_id=x', '2.79'], ['?user_id=x', '2.59'], ['?changes-before=2020-01-01T00:00:00Z', '2.65']]) {
      const r = await list('admin', q!, v!);
      assert.equal(r.status, 400, `${q} at ${v}: ${r.text}`);
    }
  });

  it('changes-since and changes-before filter on updated_at', async () => {
    const all = (await list('admin', '', '2.66')).body.migrations;
    const newest = all.map((m: any) => m.updated_at).sort().at(-1);
    const future = '2999-01-01T00:00:00Z';
    assert.deepEqual((await list('admin', `?changes-since=${future}`, '2.59')).body.migrations, []);
    assert.equal((await list('admin', '?changes-since=2000-01-01T00:00:00Z', '2.59')).body.migrations.length, 4);
    assert.equal((await list('admin', `?changes-since=${newest}Z`, '2.59')).body.migrations.length, 1);
    assert.equal((await list('admin', `?changes-before=${future}`, '2.66')).body.migrations.length, 4);
    assert.deepEqual((await list('admin', '?changes-before=2000-01-01T00:00:00Z', '2.66')).body.migrations, []);
    const bad = await list('admin', `?changes-since=${future}&changes-before=2000-01-01T00:00:00Z`, '2.66');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.badRequest.message, 'The value of changes-since must be less than or equal to changes-before.');
    assert.equal((await list('admin', '?changes-since=yesterday', '2.59')).status, 400);
    // Before 2.59 the parameters are dropped.
    assert.equal((await list('admin', `?changes-since=${future}`, '2.58')).body.migrations.length, 4);
  });

  it('2.80: user_id and project_id filters', async () => {
    assert.deepEqual(ids(await list('admin', `?user_id=${managerId}`, '2.80')), [made['byManager']!.server.id]);
    assert.deepEqual(ids(await list('admin', `?project_id=${demoProject}`, '2.80')), [made['byManager']!.server.id]);
    assert.equal((await list('admin', `?project_id=${altProject}`, '2.80')).body.migrations.length, 0);
  });

  it('policies: member 403; manager only with project_id = own project (hosts hidden); admin sees all', async () => {
    const member = await list('demo', '', '2.80');
    assert.equal(member.status, 403);
    assert.equal(member.body.forbidden.message, "Policy doesn't allow os_compute_api:os-migrations:index to be performed.");
    const mgrAll = await list('demo_manager', '', '2.80');
    assert.equal(mgrAll.status, 403);
    assert.equal(mgrAll.body.forbidden.message, "Policy doesn't allow os_compute_api:os-migrations:index:all_projects to be performed.");
    const mgrOther = await list('demo_manager', `?project_id=${altProject}`, '2.80');
    assert.equal(mgrOther.status, 403);
    // Before 2.80 project_id does not exist, so a manager can never list.
    assert.equal((await list('demo_manager', `?project_id=${demoProject}`, '2.1')).status, 403);
    const own = await list('demo_manager', `?project_id=${demoProject}`, '2.80');
    assert.equal(own.status, 200, own.text);
    assert.deepEqual(ids(own), [made['byManager']!.server.id]);
    for (const k of ['source_compute', 'source_node', 'dest_compute', 'dest_node', 'dest_host']) assert.equal(own.body.migrations[0][k], null, k);
    const admin = await list('admin', '', '2.80');
    assert.equal(admin.body.migrations.length, 4);
    for (const m of admin.body.migrations) assert.equal(typeof m.source_compute, 'string');
  });
});
