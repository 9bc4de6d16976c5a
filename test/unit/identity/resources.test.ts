// Version documents, catalog, projects, users, roles and domains as Keystone shows them.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { projectIdFor, stableId } from '../../../src/identity/users.js';
import { startIdentity, login, type IdentityHarness } from './harness.js';

describe('identity resources', () => {
  let h: IdentityHarness;
  let admin: string;
  let demo: string;
  before(async () => {
    h = await startIdentity();
    admin = await login(h.url, 'admin');
    demo = await login(h.url, 'demo');
  });
  after(() => h.close());

  const get = (path: string, token?: string): Promise<Response> =>
    fetch(`${h.url}${path}`, { headers: token ? { 'X-Auth-Token': token } : {} });

  it('GET / answers 300 with the versions list; GET /v3 describes v3', async () => {
    const root = await get('/');
    assert.equal(root.status, 300);
    const { versions } = (await root.json()) as { versions: { values: { id: string; status: string; links: { href: string }[] }[] } };
    assert.equal(versions.values.length, 1);
    assert.equal(versions.values[0]?.status, 'stable');
    assert.match(versions.values[0]?.id ?? '', /^v3\.\d+$/);
    assert.equal(versions.values[0]?.links[0]?.href, `${h.url}/v3/`);
    const v3 = await get('/v3');
    assert.equal(v3.status, 200);
    const { version } = (await v3.json()) as { version: { id: string; 'media-types': unknown[] } };
    assert.match(version.id, /^v3\./);
    assert.deepEqual(version['media-types'], [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }]);
  });

  it('GET /v3/auth/catalog returns the catalog in Keystone shape', async () => {
    const res = await get('/v3/auth/catalog', demo);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { catalog: unknown };
    assert.deepEqual(body.catalog, h.catalog);
    assert.equal((await get('/v3/auth/catalog')).status, 401);
  });

  it('GET /v3/auth/projects lists the projects the user holds roles on', async () => {
    const res = await get('/v3/auth/projects', demo);
    const { projects } = (await res.json()) as { projects: { id: string; name: string; domain_id: string }[] };
    assert.deepEqual(projects.map((p) => [p.id, p.name, p.domain_id]), [[projectIdFor('demo'), 'demo', 'default']]);
  });

  it('GET /v3/projects: admin sees all, filters by name; others get 403', async () => {
    const all = (await (await get('/v3/projects', admin)).json()) as { projects: { name: string }[]; links: unknown };
    assert.deepEqual(all.projects.map((p) => p.name).sort(), ['admin', 'alt_demo', 'demo']);
    const named = (await (await get('/v3/projects?name=demo', admin)).json()) as { projects: { id: string }[] };
    assert.deepEqual(named.projects.map((p) => p.id), [projectIdFor('demo')]);
    const denied = await get('/v3/projects', demo);
    assert.equal(denied.status, 403);
    assert.equal(((await denied.json()) as { error: { title: string } }).error.title, 'Forbidden');
  });

  it('GET /v3/projects/{id}: own project or admin; 404 for an unknown one', async () => {
    const own = await get(`/v3/projects/${projectIdFor('demo')}`, demo);
    assert.equal(own.status, 200);
    const { project } = (await own.json()) as { project: Record<string, unknown> };
    assert.equal(project.name, 'demo');
    assert.equal(project.domain_id, 'default');
    assert.equal(project.enabled, true);
    assert.equal((await get(`/v3/projects/${projectIdFor('alt_demo')}`, demo)).status, 403);
    assert.equal((await get(`/v3/projects/${projectIdFor('alt_demo')}`, admin)).status, 200);
    assert.equal((await get('/v3/projects/nope', admin)).status, 404);
  });

  it('GET /v3/users/{id} and /v3/users/{id}/projects: self or admin', async () => {
    const demoId = stableId('user', 'demo');
    const self = await get(`/v3/users/${demoId}`, demo);
    assert.equal(self.status, 200);
    const { user } = (await self.json()) as { user: Record<string, unknown> };
    assert.deepEqual([user.id, user.name, user.domain_id, user.enabled], [demoId, 'demo', 'default', true]);
    assert.equal((await get(`/v3/users/${stableId('user', 'admin')}`, demo)).status, 403);
    const projects = (await (await get(`/v3/users/${demoId}/projects`, admin)).json()) as { projects: { name: string }[] };
    assert.deepEqual(projects.projects.map((p) => p.name), ['demo']);
    assert.equal((await get(`/v3/users/${stableId('user', 'admin')}/projects`, demo)).status, 403);
  });

  it('GET /v3/roles lists the default roles for admin', async () => {
    const res = await get('/v3/roles', admin);
    const { roles } = (await res.json()) as { roles: { id: string; name: string }[] };
    assert.deepEqual(roles.map((r) => r.name).sort(), ['admin', 'manager', 'member', 'reader']);
    for (const r of roles) assert.equal(r.id, stableId('role', r.name));
    assert.equal((await get('/v3/roles', demo)).status, 403);
  });

  it('GET /v3/domains/default shows the Default domain; unknown ids are 404', async () => {
    const res = await get('/v3/domains/default', demo);
    assert.equal(res.status, 200);
    const { domain } = (await res.json()) as { domain: { id: string; name: string; enabled: boolean } };
    assert.deepEqual([domain.id, domain.name, domain.enabled], ['default', 'Default', true]);
    assert.equal((await get('/v3/domains/other', admin)).status, 404);
    assert.equal((await get('/v3/domains/default')).status, 401);
  });

  it('answers unknown paths with a Keystone 404 body', async () => {
    const res = await get('/v3/nothing-here', admin);
    assert.equal(res.status, 404);
    assert.deepEqual(await res.json(), { error: { code: 404, message: 'The resource could not be found.', title: 'Not Found' } });
  });
});
