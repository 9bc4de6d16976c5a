// The seeded identity data and [identity] options.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Config } from '../../../src/config/config.js';
import { parseExtraUser, projectIdFor, stableId } from '../../../src/identity/users.js';
import { IdentityStore } from '../../../src/identity/store.js';
import { startIdentity, login, passwordAuth, post } from './harness.js';

describe('IdentityStore', () => {
  it('derives stable 32-hex ids from names', async () => {
    const a = new IdentityStore();
    const b = new IdentityStore();
    assert.match(projectIdFor('demo'), /^[0-9a-f]{32}$/);
    assert.equal((await a.projectByName('demo'))?.id, (await b.projectByName('demo'))?.id);
    assert.equal((await a.userByName('admin'))?.id, stableId('user', 'admin'));
    assert.notEqual(projectIdFor('demo'), projectIdFor('alt_demo'));
  });

  it('takes passwords and extra users from config; extra users log in over HTTP', async () => {
    const conf = new Config();
    conf.set('identity', 'admin_password', 's3cret');
    conf.set('identity', 'extra_users', 'ops:opspw:operations:member+reader, auditor:apw:demo:reader');
    const h = await startIdentity(IdentityStore.fromConfig(conf, null));
    try {
      const tokens = `${h.url}/v3/auth/tokens`;
      const oldPw = await post(tokens, passwordAuth({ name: 'admin', domain: { id: 'default' }, password: 'admin' }));
      assert.equal(oldPw.status, 401);
      await login(h.url, 'admin', 's3cret');
      const res = await post(tokens, passwordAuth({ name: 'ops', domain: { id: 'default' }, password: 'opspw' }));
      assert.equal(res.status, 201);
      const { token } = (await res.json()) as { token: { project: { id: string; name: string }; roles: { name: string }[] } };
      assert.deepEqual([token.project.name, token.project.id], ['operations', projectIdFor('operations')]);
      assert.deepEqual(token.roles.map((r) => r.name).sort(), ['member', 'reader']);
      const auditor = await post(tokens, passwordAuth({ name: 'auditor', domain: { id: 'default' }, password: 'apw' }));
      const body = (await auditor.json()) as { token: { project: { name: string } } };
      assert.equal(body.token.project.name, 'demo');
    } finally {
      await h.close();
    }
  });

  it('rejects malformed extra_users entries', () => {
    assert.throws(() => parseExtraUser('just-a-name'), /name:password:project:role/);
    assert.deepEqual(parseExtraUser('a:b:c:admin+reader').roles, ['admin', 'reader']);
  });
});
