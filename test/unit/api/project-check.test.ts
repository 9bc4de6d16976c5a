// verifyProjectId: only Keystone's 404 refuses a project id (400); a 403,
// another answer or an identity service that cannot be reached lets the
// request through. The URL may be configured with or without /v3.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyProjectId } from '../../../src/api/project-check.js';
import { HttpFault } from '../../../src/api/faults.js';

describe('verifyProjectId', () => {
  let server: Server;
  let base: string;
  const seen: Array<{ url: string; token: string | undefined }> = [];
  before(async () => {
    server = createServer((req, res) => {
      seen.push({ url: req.url ?? '', token: req.headers['x-auth-token'] as string | undefined });
      const id = (req.url ?? '').split('/').pop();
      res.statusCode = id === 'missing' ? 404 : id === 'hidden' ? 403 : id === 'broken' ? 500 : 200;
      res.end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.close();
  });

  it('asks GET /v3/projects/{id} with the caller token, whether the URL has /v3 or not', async () => {
    await verifyProjectId(`${base}/v3`, { 'x-auth-token': 'tok' }, 'p1');
    await verifyProjectId(`${base}/`, { 'x-auth-token': 'tok' }, 'p 2');
    assert.deepEqual(seen.slice(-2), [
      { url: '/v3/projects/p1', token: 'tok' },
      { url: '/v3/projects/p%202', token: 'tok' },
    ]);
  });

  it('refuses a project Keystone does not know, and lets 403, 500 and no answer through', async () => {
    await assert.rejects(verifyProjectId(`${base}/v3`, {}, 'missing'), (err: unknown) => {
      assert.ok(err instanceof HttpFault);
      assert.equal(err.status, 400);
      assert.equal(err.message, 'Project ID missing is not a valid project.');
      return true;
    });
    await verifyProjectId(`${base}/v3`, {}, 'hidden');
    await verifyProjectId(`${base}/v3`, {}, 'broken');
    await verifyProjectId('http://127.0.0.1:1/v3', {}, 'anything');
  });
});
