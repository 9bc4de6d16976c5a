// The identity admin side, as Keystone answers it: projects, users, roles and
// role grants made, changed and deleted through /v3, kept in the database,
// seen by the compute API's project checks, and the tokens of deleted users
// and projects refused everywhere.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud } from '../support/cloud.js';

interface IdReply {
  readonly status: number;
  readonly body: any;
}

describe('identity admin API', () => {
  let c: Cloud;
  let admin: string;
  let demo: string;
  before(async () => {
    c = await startCloud();
    admin = await c.token('admin');
    demo = await c.token('demo');
  });
  after(async () => {
    await c.stop();
  });

  const call = async (method: string, path: string, token: string | null, body?: unknown): Promise<IdReply> => {
    const headers: Record<string, string> = {};
    if (token !== null) headers['X-Auth-Token'] = token;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const r = await fetch(`${c.identityUrl}/v3${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    return { status: r.status, body: text === '' ? undefined : JSON.parse(text) };
  };
  const login = async (name: string, password: string, project?: string): Promise<{ status: number; token: string }> => {
    const r = await fetch(`${c.identityUrl}/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: { methods: ['password'], password: { user: { name, domain: { id: 'default' }, password } } },
          ...(project !== undefined && { scope: { project: { name: project, domain: { id: 'default' } } } }),
        },
      }),
    });
    return { status: r.status, token: r.headers.get('x-subject-token') ?? '' };
  };
  const fault = (code: number, title: string, message: string) => ({ error: { code, message, title } });
  const roleId = async (name: string): Promise<string> => (await call('GET', `/roles?name=${name}`, admin)).body.roles[0].id;

  it('creates a project with Keystone defaults, refuses a duplicate name with 409, updates and deletes it', async () => {
    const made = await call('POST', '/projects', admin, { project: { name: 'ops', description: 'operations', tags: ['blue'] } });
    assert.equal(made.status, 201);
    const p = made.body.project;
    assert.match(p.id, /^[0-9a-f]{32}$/);
    assert.deepEqual(
      { name: p.name, description: p.description, domain_id: p.domain_id, enabled: p.enabled, is_domain: p.is_domain, parent_id: p.parent_id, tags: p.tags },
      { name: 'ops', description: 'operations', domain_id: 'default', enabled: true, is_domain: false, parent_id: 'default', tags: ['blue'] },
    );
    assert.equal(p.links.self, `${c.identityUrl}/v3/projects/${p.id}`);
    assert.deepEqual((await call('GET', `/projects/${p.id}`, admin)).body.project, p);
    assert.deepEqual((await call('GET', '/projects?name=ops', admin)).body.projects, [p]);

    const dup = await call('POST', '/projects', admin, { project: { name: 'ops' } });
    assert.equal(dup.status, 409);
    assert.deepEqual(dup.body, fault(409, 'Conflict', 'Conflict occurred attempting to store project - Duplicate entry found with name ops at domain ID default.'));
    assert.equal((await call('POST', '/projects', admin, { project: { name: 'demo' } })).status, 409, 'a configured name is taken too');

    const patched = await call('PATCH', `/projects/${p.id}`, admin, { project: { name: 'ops2', enabled: false, description: 'x' } });
    assert.equal(patched.status, 200);
    assert.deepEqual([patched.body.project.name, patched.body.project.enabled, patched.body.project.description], ['ops2', false, 'x']);
    assert.equal((await call('PATCH', `/projects/${p.id}`, admin, { project: { domain_id: 'other' } })).status, 400);

    assert.equal((await call('DELETE', `/projects/${p.id}`, admin)).status, 204);
    const gone = await call('GET', `/projects/${p.id}`, admin);
    assert.equal(gone.status, 404);
    assert.deepEqual(gone.body, fault(404, 'Not Found', `Could not find project: ${p.id}.`));
    assert.equal((await call('DELETE', `/projects/${p.id}`, admin)).status, 404);
    assert.equal((await call('PATCH', `/projects/${p.id}`, admin, { project: { name: 'x' } })).status, 404);
  });

  it('answers 400 for a bad body, 401 without a token, 403 for non-admins, and changes nothing', async () => {
    const noName = await call('POST', '/projects', admin, { project: { description: 'nameless' } });
    assert.deepEqual(noName.body, fault(400, 'Bad Request', "'name' is a required property"));
    const badName = await call('POST', '/projects', admin, { project: { name: 42 } });
    assert.deepEqual(badName.body, fault(400, 'Bad Request', "Invalid input for field 'name': 42 is not of type 'string'"));
    assert.equal((await call('POST', '/projects', admin, { project: { name: 'x', enabled: 'yes' } })).status, 400);
    assert.equal((await call('POST', '/users', admin, { user: { name: 'x', password: 5 } })).status, 400);
    assert.equal((await call('POST', '/projects', admin, { project: { name: 'x', domain_id: 'nowhere' } })).status, 404);

    const anon = await call('POST', '/projects', null, { project: { name: 'anon' } });
    assert.deepEqual(anon.body, fault(401, 'Unauthorized', 'The request you have made requires authentication.'));
    const denied = await call('POST', '/projects', demo, { project: { name: 'mine' } });
    assert.deepEqual(denied.body, fault(403, 'Forbidden', 'You are not authorized to perform the requested action: identity:create_project.'));
    assert.equal((await call('POST', '/users', demo, { user: { name: 'mine' } })).body.error.message, 'You are not authorized to perform the requested action: identity:create_user.');
    assert.equal((await call('POST', '/roles', demo, { role: { name: 'mine' } })).status, 403);
    const names = (await call('GET', '/projects', admin)).body.projects.map((p: { name: string }) => p.name);
    assert.ok(!names.includes('x') && !names.includes('anon') && !names.includes('mine'), names.join(','));
    // Configured records are fixed.
    const demoProject = await c.projectId('demo');
    assert.equal((await call('DELETE', `/projects/${demoProject}`, admin)).status, 403);
  });

  it('a created user logs in once granted a role; the grant is checked, listed and revoked; a deleted user is refused everywhere', async () => {
    const project = (await call('POST', '/projects', admin, { project: { name: 'team' } })).body.project;
    const made = await call('POST', '/users', admin, { user: { name: 'alice', password: 'pw1', default_project_id: project.id, email: 'a@example.org' } });
    assert.equal(made.status, 201);
    const user = made.body.user;
    assert.deepEqual(
      { name: user.name, domain_id: user.domain_id, enabled: user.enabled, default_project_id: user.default_project_id, email: user.email, password: user.password },
      { name: 'alice', domain_id: 'default', enabled: true, default_project_id: project.id, email: 'a@example.org', password: undefined },
    );
    assert.equal((await call('POST', '/users', admin, { user: { name: 'alice' } })).status, 409);
    assert.equal((await login('alice', 'pw1', 'team')).status, 401, 'no role on the project yet');

    const member = await roleId('member');
    const grant = `/projects/${project.id}/users/${user.id}/roles/${member}`;
    assert.equal((await call('HEAD', grant, admin)).status, 404);
    assert.equal((await call('PUT', grant, admin)).status, 204);
    assert.equal((await call('PUT', grant, admin)).status, 204, 'granting again changes nothing');
    assert.equal((await call('HEAD', grant, admin)).status, 204);
    assert.equal((await call('PUT', grant, demo)).status, 403);
    assert.equal((await call('PUT', `/projects/${project.id}/users/${user.id}/roles/nope`, admin)).body.error.message, 'Could not find role: nope.');
    assert.deepEqual((await call('GET', `/projects/${project.id}/users/${user.id}/roles`, admin)).body.roles.map((r: { name: string }) => r.name), ['member']);
    const effective = await call('GET', `/role_assignments?user.id=${user.id}&scope.project.id=${project.id}&effective&include_names`, admin);
    assert.deepEqual(
      effective.body.role_assignments.map((a: any) => [a.user.name, a.scope.project.name, a.role.name]),
      [['alice', 'team', 'member'], ['alice', 'team', 'reader']],
    );
    const byRole = await call('GET', `/role_assignments?role.id=${member}&scope.project.id=${project.id}`, admin);
    assert.deepEqual(byRole.body.role_assignments.map((a: any) => a.user.id), [user.id]);
    assert.deepEqual((await call('GET', `/users/${user.id}/projects`, admin)).body.projects.map((p: { name: string }) => p.name), ['team']);

    const session = await login('alice', 'pw1');
    assert.equal(session.status, 201, 'scoped to the default project');
    assert.equal((await login('alice', 'wrong', 'team')).status, 401);
    const servers = await c.req('alice', 'GET', '/servers', { token: session.token });
    assert.equal(servers.status, 200);

    // Changing the password: the new one works, the old one no longer.
    assert.equal((await call('PATCH', `/users/${user.id}`, admin, { user: { password: 'pw2' } })).status, 200);
    assert.equal((await login('alice', 'pw1', 'team')).status, 401);
    assert.equal((await login('alice', 'pw2', 'team')).status, 201);

    assert.equal((await call('DELETE', `/users/${user.id}`, admin)).status, 204);
    assert.equal((await c.req('alice', 'GET', '/servers', { token: session.token })).status, 401);
    assert.equal((await call('GET', '/auth/tokens', session.token)).status, 401);
    assert.equal((await login('alice', 'pw2', 'team')).status, 401);
    assert.equal((await call('GET', `/users/${user.id}`, admin)).status, 404);
    assert.deepEqual((await call('GET', `/role_assignments?scope.project.id=${project.id}`, admin)).body.role_assignments, [], 'the grants went with the user');
    assert.equal((await call('DELETE', `/projects/${project.id}`, admin)).status, 204);
  });

  it('revoking a grant and deleting a project take effect on tokens at once', async () => {
    const project = (await call('POST', '/projects', admin, { project: { name: 'short-lived' } })).body.project;
    const user = (await call('POST', '/users', admin, { user: { name: 'bob', password: 'pw' } })).body.user;
    const member = await roleId('member');
    const grant = `/projects/${project.id}/users/${user.id}/roles/${member}`;
    assert.equal((await call('PUT', grant, admin)).status, 204);
    const first = await login('bob', 'pw', 'short-lived');
    assert.equal((await c.req('bob', 'GET', '/servers', { token: first.token })).status, 200);
    assert.equal((await call('DELETE', grant, admin)).status, 204);
    assert.equal((await call('DELETE', grant, admin)).status, 404);
    assert.equal((await c.req('bob', 'GET', '/servers', { token: first.token })).status, 401);

    assert.equal((await call('PUT', grant, admin)).status, 204);
    const second = await login('bob', 'pw', 'short-lived');
    assert.equal((await c.req('bob', 'GET', '/servers', { token: second.token })).status, 200);
    assert.equal((await call('DELETE', `/projects/${project.id}`, admin)).status, 204);
    assert.equal((await c.req('bob', 'GET', '/servers', { token: second.token })).status, 401);
    assert.deepEqual((await call('GET', `/role_assignments?user.id=${user.id}`, admin)).body.role_assignments, []);
    assert.equal((await call('DELETE', `/users/${user.id}`, admin)).status, 204);

    // A configured user granted admin through the API loses it with the grant.
    const demoUser = (await call('GET', '/users?name=demo', admin)).body.users[0].id;
    const adminGrant = `/projects/${await c.projectId('demo')}/users/${demoUser}/roles/${await roleId('admin')}`;
    assert.equal((await call('PUT', adminGrant, admin)).status, 204);
    const promoted = await login('demo', 'demo', 'demo');
    assert.equal((await call('GET', '/projects', promoted.token)).status, 200);
    assert.equal((await call('DELETE', adminGrant, admin)).status, 204);
    assert.equal((await call('GET', '/projects', promoted.token)).status, 403);
    assert.equal((await c.req('demo', 'GET', '/servers', { token: promoted.token })).status, 200, 'the configured roles stay');
    // The configured grant itself is fixed.
    assert.equal((await call('DELETE', `/projects/${await c.projectId('demo')}/users/${demoUser}/roles/${member}`, admin)).status, 403);
  });

  it('roles: created, refused twice, deleted with their grants; configured roles are fixed', async () => {
    const made = await call('POST', '/roles', admin, { role: { name: 'auditor', description: 'reads logs' } });
    assert.equal(made.status, 201);
    assert.deepEqual([made.body.role.name, made.body.role.description, made.body.role.domain_id], ['auditor', 'reads logs', null]);
    assert.equal((await call('POST', '/roles', admin, { role: { name: 'auditor' } })).body.error.message, 'Conflict occurred attempting to store role - Duplicate entry found with name auditor.');
    const demoUser = (await call('GET', '/users?name=demo', admin)).body.users[0].id;
    const demoProject = await c.projectId('demo');
    assert.equal((await call('PUT', `/projects/${demoProject}/users/${demoUser}/roles/${made.body.role.id}`, admin)).status, 204);
    assert.equal((await call('DELETE', `/roles/${made.body.role.id}`, admin)).status, 204);
    assert.deepEqual((await call('GET', `/role_assignments?role.id=${made.body.role.id}`, admin)).body.role_assignments, []);
    assert.equal((await call('DELETE', `/roles/${await roleId('reader')}`, admin)).status, 403);
  });

  it("the compute API's project checks see created projects, and they survive a restart", async () => {
    const project = (await call('POST', '/projects', admin, { project: { name: 'quota-team' } })).body.project;
    const quotas = await c.req('admin', 'GET', `/os-quota-sets/${project.id}`);
    assert.equal(quotas.status, 200);
    await c.restart();
    admin = await c.token('admin');
    demo = await c.token('demo');
    assert.equal((await call('GET', `/projects/${project.id}`, admin)).status, 200);
    assert.equal((await c.req('admin', 'GET', `/os-quota-sets/${project.id}`)).status, 200);
    assert.equal((await call('DELETE', `/projects/${project.id}`, admin)).status, 204);
    const after = await c.req('admin', 'GET', `/os-quota-sets/${project.id}`);
    assert.equal(after.status, 400);
    assert.equal(after.body.badRequest.message, `Project ID ${project.id} is not a valid project.`);
  });
});
