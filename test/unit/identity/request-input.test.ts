// Input the identity API refuses before any handler: URLs that are not
// percent-encoded UTF-8 or decode to a NUL, and JSON bodies that are not
// UTF-8, nest too deep or carry a NUL. Each is Keystone's 400, never a 5xx.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startIdentity, login, type IdentityHarness } from './harness.js';

const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

describe('identity API input checks', () => {
  let h: IdentityHarness;
  let admin: string;
  before(async () => {
    h = await startIdentity();
    admin = await login(h.url, 'admin');
  });
  after(() => h.close());

  const assertKeystone400 = async (res: Response, label: string): Promise<void> => {
    assert.equal(res.status, 400, label);
    const body = (await res.json()) as { error: { code: number; title: string; message: string } };
    assert.deepEqual([body.error.code, body.error.title], [400, 'Bad Request'], label);
    assert.ok(body.error.message.length > 0, label);
  };

  it('answers 400 to a path or query string that is not percent-encoded UTF-8 or holds a NUL', async () => {
    for (const path of ['/v3/users/%zz', '/v3/users/%ff', '/v3/users/%00', '/v3/users?name=%00', '/v3/users?name=%ff', '/v3/projects?name=%zz']) {
      await assertKeystone400(await fetch(`${h.url}${path}`, { headers: { 'X-Auth-Token': admin } }), path);
    }
  });

  it('answers 400 to a token request nested too deep, not UTF-8, or with a NUL, and issues nothing', async () => {
    const post = (body: BodyInit): Promise<Response> =>
      fetch(`${h.url}/v3/auth/tokens`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
    const auth = (name: string): string =>
      JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name, domain: { id: 'default' }, password: 'admin' } } } } });
    const bodies: Array<[string, BodyInit]> = [
      ['nested 5,000 deep', `{"auth":${nested(5000)}}`],
      ['nested 100,000 deep', `{"auth":${nested(100_000)}}`],
      ['NUL in the user name', auth('admin\u0000')],
      ['unpaired surrogate', auth('admin\ud800')],
      ['not UTF-8', Buffer.concat([Buffer.from(auth('admin').slice(0, -3)), Buffer.from([0xff]), Buffer.from('"}')])],
    ];
    for (const [label, body] of bodies) {
      const res = await post(body);
      assert.equal(res.headers.get('x-subject-token'), null, label);
      await assertKeystone400(res, label);
    }
  });

  it('answers a path parameter too long to name anything with a Keystone error, not a framework one', async () => {
    const res = await fetch(`${h.url}/v3/users/${'x'.repeat(500)}`, { headers: { 'X-Auth-Token': admin } });
    assert.equal(res.status, 414);
    const body = (await res.json()) as { error: { code: number; title: string } };
    assert.deepEqual([body.error.code, body.error.title], [414, 'Request-URI Too Long']);
  });
});
