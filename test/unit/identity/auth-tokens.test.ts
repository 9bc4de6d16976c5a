// POST /v3/auth/tokens: the password and token methods, scoping, and errors.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { projectIdFor, stableId } from '../../../src/identity/users.js';
import { startIdentity, passwordAuth, post, type IdentityHarness } from './harness.js';

const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000Z$/;

describe('POST /v3/auth/tokens', () => {
  let h: IdentityHarness;
  let tokens: string;
  before(async () => {
    h = await startIdentity();
    tokens = `${h.url}/v3/auth/tokens`;
  });
  after(() => h.close());

  it('authenticates by user name and domain name and returns the full token body', async () => {
    const res = await post(tokens, passwordAuth({ name: 'admin', domain: { name: 'Default' }, password: 'admin' }, {
      project: { name: 'admin', domain: { name: 'Default' } },
    }));
    assert.equal(res.status, 201);
    const token = res.headers.get('x-subject-token');
    assert.ok(token && token.length < 300, `token length ${token?.length}`);
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    const body = (await res.json()) as { token: Record<string, unknown> };
    const t = body.token;
    assert.deepEqual(t.methods, ['password']);
    assert.deepEqual(t.user, {
      domain: { id: 'default', name: 'Default' },
      id: stableId('user', 'admin'),
      name: 'admin',
      password_expires_at: null,
    });
    assert.deepEqual(t.project, { domain: { id: 'default', name: 'Default' }, id: projectIdFor('admin'), name: 'admin' });
    assert.equal(t.is_domain, false);
    assert.match(String(t.expires_at), TIME);
    assert.match(String(t.issued_at), TIME);
    assert.equal(Date.parse(String(t.expires_at)) - Date.parse(String(t.issued_at)), 3600_000);
    assert.ok(Array.isArray(t.audit_ids) && t.audit_ids.length === 1 && typeof t.audit_ids[0] === 'string');
    assert.deepEqual(t.catalog, h.catalog);
  });

  it('expands implied roles: admin carries admin, manager, member and reader', async () => {
    const res = await post(tokens, passwordAuth({ name: 'admin', domain: { id: 'default' }, password: 'admin' }));
    const { token } = (await res.json()) as { token: { roles: { id: string; name: string }[] } };
    assert.deepEqual(token.roles.map((r) => r.name).sort(), ['admin', 'manager', 'member', 'reader']);
    for (const r of token.roles) assert.equal(r.id, stableId('role', r.name));
  });

  it('expands implied roles of demo_manager and keeps demo_reader a reader', async () => {
    const roles = async (name: string): Promise<string[]> => {
      const res = await post(tokens, passwordAuth({ name, domain: { id: 'default' }, password: name }));
      const { token } = (await res.json()) as { token: { roles: { name: string }[] } };
      return token.roles.map((r) => r.name).sort();
    };
    assert.deepEqual(await roles('demo_manager'), ['manager', 'member', 'reader']);
    assert.deepEqual(await roles('demo_reader'), ['reader']);
    assert.deepEqual(await roles('demo'), ['member', 'reader']);
  });

  it('authenticates by user id and scopes by project id', async () => {
    const res = await post(tokens, passwordAuth({ id: stableId('user', 'demo'), password: 'demo' }, {
      project: { id: projectIdFor('demo') },
    }));
    assert.equal(res.status, 201);
    const { token } = (await res.json()) as { token: { project: { name: string }; user: { name: string } } };
    assert.equal(token.user.name, 'demo');
    assert.equal(token.project.name, 'demo');
  });

  it('scopes an unscoped request to the user default project', async () => {
    const res = await post(tokens, passwordAuth({ name: 'alt_demo', domain: { id: 'default' }, password: 'alt_demo' }));
    assert.equal(res.status, 201);
    const { token } = (await res.json()) as { token: { project: { id: string } } };
    assert.equal(token.project.id, projectIdFor('alt_demo'));
  });

  it('omits the catalog with ?nocatalog', async () => {
    const res = await post(`${tokens}?nocatalog`, passwordAuth({ name: 'demo', domain: { id: 'default' }, password: 'demo' }));
    const { token } = (await res.json()) as { token: Record<string, unknown> };
    assert.equal('catalog' in token, false);
  });

  it('answers 401 with the Keystone body to a wrong password and an unknown user', async () => {
    for (const user of [
      { name: 'admin', domain: { id: 'default' }, password: 'wrong' },
      { name: 'nobody', domain: { id: 'default' }, password: 'x' },
      { name: 'admin', domain: { name: 'NoSuchDomain' }, password: 'admin' },
    ]) {
      const res = await post(tokens, passwordAuth(user));
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('x-subject-token'), null);
      assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
      assert.deepEqual(await res.json(), {
        error: { code: 401, message: 'The request you have made requires authentication.', title: 'Unauthorized' },
      });
    }
  });

  it('answers 401 when the user has no role on the requested project', async () => {
    const res = await post(tokens, passwordAuth({ name: 'demo', domain: { id: 'default' }, password: 'demo' }, {
      project: { name: 'admin', domain: { id: 'default' } },
    }));
    assert.equal(res.status, 401);
  });

  it('answers 400 Keystone-style to a malformed body or a user name without a domain', async () => {
    const bodies: unknown[] = [{}, { auth: { identity: {} } }, passwordAuth({ name: 'admin', password: 'admin' })];
    for (const body of bodies) {
      const res = await post(tokens, body);
      assert.equal(res.status, 400);
      const err = (await res.json()) as { error: { code: number; title: string; message: string } };
      assert.equal(err.error.code, 400);
      assert.equal(err.error.title, 'Bad Request');
      assert.ok(err.error.message.length > 0);
    }
    const res = await fetch(tokens, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{nope' });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error: { title: string } }).error.title, 'Bad Request');
  });

  it('exchanges a token for a new one with the token method, keeping the audit chain', async () => {
    const first = await post(tokens, passwordAuth({ name: 'admin', domain: { id: 'default' }, password: 'admin' }));
    const firstId = first.headers.get('x-subject-token') ?? '';
    const firstBody = (await first.json()) as { token: { audit_ids: string[] } };
    const res = await post(tokens, {
      auth: { identity: { methods: ['token'], token: { id: firstId } }, scope: { project: { name: 'admin', domain: { id: 'default' } } } },
    });
    assert.equal(res.status, 201);
    const { token } = (await res.json()) as { token: { methods: string[]; audit_ids: string[] } };
    assert.deepEqual(token.methods, ['token', 'password']);
    assert.equal(token.audit_ids[1], firstBody.token.audit_ids[0]);
    const bad = await post(tokens, { auth: { identity: { methods: ['token'], token: { id: 'garbage' } } } });
    assert.equal(bad.status, 401);
  });
});
