// GET /v3/role_assignments in Keystone's shape: filters, names, implied roles.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { projectIdFor, stableId } from '../../../src/identity/users.js';
import { startIdentity, login, type IdentityHarness } from './harness.js';

describe('identity role assignments', () => {
  let h: IdentityHarness;
  let admin: string;
  let demo: string;
  const demoProject = projectIdFor('demo');
  const user = (n: string): string => stableId('user', n);
  const role = (n: string): string => stableId('role', n);
  before(async () => {
    h = await startIdentity();
    admin = await login(h.url, 'admin');
    demo = await login(h.url, 'demo');
  });
  after(() => h.close());

  const list = async (query: string, token = admin): Promise<{ status: number; body: any }> => {
    const r = await fetch(`${h.url}/v3/role_assignments${query}`, { headers: { 'X-Auth-Token': token } });
    return { status: r.status, body: await r.json() };
  };
  const triples = (body: any): string[][] =>
    body.role_assignments.map((a: any) => [a.user.id, a.scope.project.id, a.role.id]).sort();

  it('lists the direct user-on-project assignments, with ids only and a grant link', async () => {
    const r = await list('?user.id=' + user('demo'));
    assert.equal(r.status, 200);
    assert.deepEqual(triples(r.body), [
      [user('demo'), demoProject, role('member')],
      [user('demo'), demoProject, role('reader')],
    ].sort());
    const member = r.body.role_assignments.find((a: any) => a.role.id === role('member'));
    assert.deepEqual(member, {
      scope: { project: { id: demoProject } },
      user: { id: user('demo') },
      role: { id: role('member') },
      links: { assignment: `${h.url}/v3/projects/${demoProject}/users/${user('demo')}/roles/${role('member')}` },
    });
    assert.deepEqual(r.body.links, { self: `${h.url}/v3/role_assignments?user.id=${user('demo')}`, previous: null, next: null });
  });

  it('filters by project and role; include_names adds names and domains', async () => {
    const onDemo = await list(`?scope.project.id=${demoProject}`);
    assert.deepEqual(
      [...new Set(onDemo.body.role_assignments.map((a: any) => a.user.id))].sort(),
      [user('demo'), user('demo_manager'), user('demo_reader')].sort(),
    );
    const managers = await list(`?role.id=${role('manager')}&include_names=True`);
    assert.deepEqual(managers.body.role_assignments.map((a: any) => [a.user, a.scope.project, a.role]), [
      [
        { id: user('demo_manager'), name: 'demo_manager', domain: { id: 'default', name: 'Default' } },
        { id: demoProject, name: 'demo', domain: { id: 'default', name: 'Default' } },
        { id: role('manager'), name: 'manager' },
      ],
    ]);
    assert.equal((await list('?scope.domain.id=default')).body.role_assignments.length, 0, 'no domain assignments exist');
  });

  it('effective adds implied roles, each pointing at the role that implied it', async () => {
    const r = await list(`?user.id=${user('demo_manager')}&effective`);
    assert.deepEqual(r.body.role_assignments.map((a: any) => a.role.id), [role('manager'), role('member'), role('reader')]);
    const member = r.body.role_assignments[1];
    assert.equal(member.links.assignment, `${h.url}/v3/projects/${demoProject}/users/${user('demo_manager')}/roles/${role('manager')}`);
    assert.equal(member.links.prior_role, `${h.url}/v3/prior_role/${role('member')}/implies/${role('manager')}`);
    assert.equal((await list(`?user.id=${user('demo_manager')}&effective=0`)).body.role_assignments.length, 1, 'effective=0 is false');
  });

  it('refuses non-admins and contradictory filters', async () => {
    const denied = await list('', demo);
    assert.equal(denied.status, 403);
    assert.equal(denied.body.error.message, 'You are not authorized to perform the requested action: identity:list_role_assignments.');
    const both = await list(`?scope.project.id=${demoProject}&scope.domain.id=default`);
    assert.equal(both.status, 400);
    assert.equal(both.body.error.message, 'Specify a domain or project, not both');
    assert.equal((await list('?user.id=x&group.id=y')).status, 400);
    assert.equal((await list('?group.id=y&effective')).status, 400);
  });
});
