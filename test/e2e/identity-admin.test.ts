// The identity admin side through the real `openstack` client: a project, a
// user with a password and a role grant made as admin, then the new user
// gets a token scoped to the new project and lists its servers.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startMagnetar, type Magnetar } from './support/magnetar-process.js';

const ADMIN = 'magnetar-admin';

describe('openstack client: identity admin', () => {
  let m: Magnetar;
  before(async () => {
    m = await startMagnetar();
  });
  after(async () => {
    await m?.stop();
  });

  it('project create, user create --password and role add let the new user work in the new project', async () => {
    const project = await m.cli.json(ADMIN, ['project', 'create', '--description', 'e2e team', 'e2e-team']);
    assert.equal(project.name, 'e2e-team');
    assert.equal(project.domain_id, 'default');
    assert.equal(project.enabled, true);
    const user = await m.cli.json(ADMIN, ['user', 'create', '--password', 'e2e-secret', '--project', 'e2e-team', '--email', 'e2e@example.org', 'e2e-user']);
    assert.equal(user.name, 'e2e-user');
    assert.equal(user.default_project_id, project.id);
    await m.cli.ok(ADMIN, ['role', 'add', '--project', 'e2e-team', '--user', 'e2e-user', 'member']);
    const assignments: any[] = await m.cli.json(ADMIN, ['role', 'assignment', 'list', '--project', 'e2e-team', '--names']);
    assert.deepEqual(assignments.map((a) => [a.Role, a.User, a.Project]), [['member', 'e2e-user@Default', 'e2e-team@Default']]);

    const asUser = { name: 'e2e-user', password: 'e2e-secret', project: 'e2e-team' };
    const token = await m.cli.jsonAs(ADMIN, asUser, ['token', 'issue']);
    assert.equal(token.project_id, project.id);
    assert.equal(token.user_id, user.id);
    assert.deepEqual(await m.cli.jsonAs(ADMIN, asUser, ['server', 'list']), []);

    await m.cli.ok(ADMIN, ['user', 'delete', 'e2e-user']);
    await m.cli.ok(ADMIN, ['project', 'delete', 'e2e-team']);
    await assert.rejects(m.cli.jsonAs(ADMIN, asUser, ['token', 'issue']), /HTTP 401/);
  });
});
