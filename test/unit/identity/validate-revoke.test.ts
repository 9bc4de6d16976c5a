// GET/HEAD/DELETE /v3/auth/tokens: validation of a subject token, tampering,
// expiry and revocation.
import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startIdentity, login, type IdentityHarness } from './harness.js';

describe('token validation and revocation', () => {
  let h: IdentityHarness;
  let url: string;
  beforeEach(async () => {
    h = await startIdentity();
    url = `${h.url}/v3/auth/tokens`;
  });
  afterEach(() => h.close());

  const check = (method: string, auth: string, subject: string): Promise<Response> =>
    fetch(url, { method, headers: { 'X-Auth-Token': auth, 'X-Subject-Token': subject } });

  it('GET returns the token body and X-Subject-Token; HEAD answers 200 without a body', async () => {
    const admin = await login(h.url, 'admin');
    const demo = await login(h.url, 'demo');
    const res = await check('GET', admin, demo);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-subject-token'), demo);
    const { token } = (await res.json()) as { token: { user: { name: string }; catalog: unknown } };
    assert.equal(token.user.name, 'demo');
    assert.deepEqual(token.catalog, h.catalog);
    const head = await check('HEAD', admin, demo);
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
  });

  it('lets a token validate itself but not another user token', async () => {
    const demo = await login(h.url, 'demo');
    const alt = await login(h.url, 'alt_demo');
    assert.equal((await check('GET', demo, demo)).status, 200);
    assert.equal((await check('GET', demo, alt)).status, 403);
  });

  it('needs a valid X-Auth-Token: 401 without one', async () => {
    const demo = await login(h.url, 'demo');
    const res = await fetch(url, { headers: { 'X-Subject-Token': demo } });
    assert.equal(res.status, 401);
    assert.equal((await check('GET', 'garbage', demo)).status, 401);
  });

  it('answers 404 for a tampered, garbage or missing subject token', async () => {
    const admin = await login(h.url, 'admin');
    const demo = await login(h.url, 'demo');
    // Flip a character of the payload: the signature no longer matches.
    const tampered = demo.slice(0, 3) + (demo[3] === 'A' ? 'B' : 'A') + demo.slice(4);
    assert.notEqual(tampered, demo);
    for (const subject of [tampered, 'garbage', `${demo}x`]) {
      const res = await check('GET', admin, subject);
      assert.equal(res.status, 404, subject);
      const err = (await res.json()) as { error: { code: number; title: string } };
      assert.deepEqual([err.error.code, err.error.title], [404, 'Not Found']);
    }
    assert.equal((await check('HEAD', admin, tampered)).status, 404);
  });

  it('rejects an expired token', async () => {
    const admin = await login(h.url, 'admin');
    const demo = await login(h.url, 'demo');
    assert.equal((await check('GET', admin, demo)).status, 200);
    h.clock.advance(3601);
    const fresh = await login(h.url, 'admin');
    assert.equal((await check('GET', fresh, demo)).status, 404);
    assert.equal((await check('GET', demo, demo)).status, 401);
  });

  it('rejects a token issued with a short expiration once it passes', async () => {
    const short = await startIdentity(undefined, 2);
    try {
      const t = await login(short.url, 'demo');
      const v = (): Promise<Response> =>
        fetch(`${short.url}/v3/auth/tokens`, { headers: { 'X-Auth-Token': t, 'X-Subject-Token': t } });
      assert.equal((await v()).status, 200);
      short.clock.advance(2);
      assert.equal((await v()).status, 401);
    } finally {
      await short.close();
    }
  });

  it('DELETE revokes the token: 204, then it no longer validates', async () => {
    const admin = await login(h.url, 'admin');
    const demo = await login(h.url, 'demo');
    const del = await check('DELETE', demo, demo);
    assert.equal(del.status, 204);
    assert.equal((await check('GET', admin, demo)).status, 404);
    assert.equal((await check('DELETE', admin, demo)).status, 404);
    // Other tokens of the same user are untouched.
    const again = await login(h.url, 'demo');
    assert.equal((await check('GET', admin, again)).status, 200);
  });
});
