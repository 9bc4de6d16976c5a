// Token validators used by the compute and image APIs.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { KeystoneTokenValidator, LocalTokenValidator, wwwAuthenticate } from '../../../src/identity/validator.js';
import { ManualClock } from '../../../src/compute/clock.js';
import { projectIdFor, stableId } from '../../../src/identity/users.js';
import { startIdentity, login, type IdentityHarness } from './harness.js';

describe('token validators', () => {
  let h: IdentityHarness;
  before(async () => {
    h = await startIdentity();
  });
  after(() => h.close());

  it('LocalTokenValidator returns the caller context and null after revocation', async () => {
    const v = new LocalTokenValidator(h.signer, h.revocations, h.store);
    const token = await login(h.url, 'demo_manager');
    const ctx = await v.validate(token);
    assert.ok(ctx);
    assert.deepEqual(
      [ctx.userId, ctx.userName, ctx.projectId, ctx.projectName, ctx.domainId, ctx.tokenId],
      [stableId('user', 'demo_manager'), 'demo_manager', projectIdFor('demo'), 'demo', 'default', token],
    );
    assert.deepEqual([...ctx.roles].sort(), ['manager', 'member', 'reader']);
    assert.ok(ctx.expiresAt.getTime() > Date.now());
    const del = await fetch(`${h.url}/v3/auth/tokens`, { method: 'DELETE', headers: { 'X-Auth-Token': token, 'X-Subject-Token': token } });
    assert.equal(del.status, 204);
    assert.equal(await v.validate(token), null);
    assert.equal(await v.validate('garbage'), null);
  });

  it('KeystoneTokenValidator asks the identity service and caches the answer', async () => {
    let calls = 0;
    const counting: typeof fetch = (input, init) => {
      calls++;
      return fetch(input, init);
    };
    const clock = new ManualClock();
    const v = new KeystoneTokenValidator(`${h.url}/v3`, { fetch: counting, clock, maxCacheSeconds: 300 });
    const token = await login(h.url, 'admin');
    const ctx = await v.validate(token);
    assert.equal(ctx?.userName, 'admin');
    assert.equal(ctx?.projectId, projectIdFor('admin'));
    assert.deepEqual([...(ctx?.roles ?? [])].sort(), ['admin', 'manager', 'member', 'reader']);
    await v.validate(token);
    assert.equal(calls, 1);
    clock.advance(301);
    await v.validate(token);
    assert.equal(calls, 2);
    assert.equal(await v.validate('garbage'), null);
  });

  it('wwwAuthenticate names the identity endpoint', () => {
    assert.equal(wwwAuthenticate('http://k:5000/v3'), 'Keystone uri="http://k:5000/v3"');
  });
});
