// A token revoked with DELETE /v3/auth/tokens stays revoked for every API
// process sharing the database and across restarts: Keystone's 404 on
// validation, 401 on the compute API.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, TEST_DIALECT, type Cloud } from '../support/cloud.js';
import { until } from '../support/wait.js';

async function issueToken(identityUrl: string, user: string): Promise<string> {
  const r = await fetch(`${identityUrl}/v3/auth/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: user, domain: { id: 'default' }, password: user } } } } }),
  });
  assert.equal(r.status, 201);
  return r.headers.get('x-subject-token')!;
}

const listServers = async (computeUrl: string, token: string): Promise<number> =>
  (await fetch(`${computeUrl}/v2.1/servers`, { headers: { 'X-Auth-Token': token } })).status;

const validation = async (identityUrl: string, token: string): Promise<number> =>
  (await fetch(`${identityUrl}/v3/auth/tokens`, { headers: { 'X-Auth-Token': token, 'X-Subject-Token': token } })).status;

const revoke = async (identityUrl: string, token: string): Promise<number> =>
  (await fetch(`${identityUrl}/v3/auth/tokens`, { method: 'DELETE', headers: { 'X-Auth-Token': token, 'X-Subject-Token': token } })).status;

describe('token revocation across API processes', () => {
  let c: Cloud;
  before(async () => {
    c = await startCloud();
  });
  after(async () => {
    await c.stop();
  });

  it('a token revoked through one API process is refused by another sharing the database within a second or so', {
    skip: TEST_DIALECT === 'sqlite' ? 'the all-in-one holds its SQLite file for itself; run with MAGNETAR_TEST_DB=postgres' : false,
  }, async () => {
    const other = await c.startApiProcess();
    try {
      const token = await issueToken(c.identityUrl, 'demo');
      assert.equal(await listServers(other.computeUrl, token), 200);
      assert.equal(await validation(other.identityUrl, token), 200);
      assert.equal(await revoke(c.identityUrl, token), 204);
      const revokedAt = Date.now();
      assert.equal(await listServers(c.computeUrl, token), 401, 'the revoking process refuses it at once');
      await until('the other process to refuse the token', () => listServers(other.computeUrl, token), (s) => s === 401, 3000);
      assert.ok(Date.now() - revokedAt < 2000, `the other process took ${Date.now() - revokedAt} ms`);
      assert.equal(await validation(other.identityUrl, token), 401, 'a revoked token cannot authenticate its own validation');
      const admin = await issueToken(other.identityUrl, 'admin');
      const v = await fetch(`${other.identityUrl}/v3/auth/tokens`, { headers: { 'X-Auth-Token': admin, 'X-Subject-Token': token } });
      assert.equal(v.status, 404);
      // Revoked through the other process, refused here too.
      const second = await issueToken(c.identityUrl, 'demo');
      assert.equal(await listServers(c.computeUrl, second), 200);
      assert.equal(await revoke(other.identityUrl, second), 204);
      await until('this process to refuse the token', () => listServers(c.computeUrl, second), (s) => s === 401, 3000);
    } finally {
      await other.stop();
    }
  });

  it('a restarted API refuses a token revoked before the restart, and keeps accepting the others', async () => {
    const revoked = await issueToken(c.identityUrl, 'demo');
    const kept = await issueToken(c.identityUrl, 'demo');
    assert.equal(await revoke(c.identityUrl, revoked), 204);
    await c.restart();
    assert.equal(await listServers(c.computeUrl, revoked), 401);
    assert.equal(await listServers(c.computeUrl, kept), 200);
    const admin = await issueToken(c.identityUrl, 'admin');
    const v = await fetch(`${c.identityUrl}/v3/auth/tokens`, { headers: { 'X-Auth-Token': admin, 'X-Subject-Token': revoked } });
    assert.equal(v.status, 404);
  });
});
