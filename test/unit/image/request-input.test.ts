// Input the image API refuses before any handler: URLs that are not
// percent-encoded UTF-8 or decode to a NUL. Each is Glance's plain-text 400,
// never a 5xx.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { buildImageApp } from '../../../src/image/app.js';
import { ImageCatalog } from '../../../src/image/catalog.js';
import type { AuthContext, TokenValidator } from '../../../src/identity/validator.js';

const GOOD = 'good-token';
const validator: TokenValidator = {
  async validate(token: string): Promise<AuthContext | null> {
    if (token !== GOOD) return null;
    return {
      userId: 'u', userName: 'demo', projectId: 'p', projectName: 'demo', domainId: 'default',
      roles: ['member', 'reader'], expiresAt: new Date(Date.now() + 3600_000), tokenId: token,
    };
  },
};

describe('image API input checks', () => {
  let app: FastifyInstance;
  let url: string;
  before(async () => {
    app = buildImageApp({ images: new ImageCatalog(), validator, identityUrl: 'http://127.0.0.1:5000/v3' });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(() => app.close());

  it('answers 400 Bad Request to a path or query string that is not percent-encoded UTF-8 or holds a NUL', async () => {
    const cases: Array<[string, RegExp]> = [
      ['/v2/images/%zz', /not percent-encoded UTF-8/],
      ['/v2/images/%ff', /not percent-encoded UTF-8/],
      ['/v2/images/%00', /NUL/],
      ['/v2/images?name=%00', /NUL/],
      ['/v2/images?marker=%00', /NUL/],
      ['/v2/images?name=%ff', /not UTF-8 encoded/],
      ['/v2/images?name=%zz', /not UTF-8 encoded/],
    ];
    for (const [path, message] of cases) {
      const res = await fetch(`${url}${path}`, { headers: { 'X-Auth-Token': GOOD } });
      assert.equal(res.status, 400, path);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/, path);
      const text = await res.text();
      assert.match(text, /^400 Bad Request\n\n/, path);
      assert.match(text, message, path);
    }
  });
});
