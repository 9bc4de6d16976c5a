// The protocol layer every compute request goes through: version documents,
// microversion negotiation and echo headers, request ids, the token check,
// body-size and content-type limits, project segments and fault envelopes.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud } from '../support/cloud.js';

const RID = /^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('compute API protocol', () => {
  let c: Cloud;
  before(async () => {
    c = await startCloud();
  });
  after(async () => {
    await c.stop();
  });

  it('GET / lists the versions without request ids or version headers', async () => {
    const r = await c.req('admin', 'GET', '/', { token: null, version: '2.200' });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.versions.map((v: any) => [v.id, v.status, v.version, v.min_version]), [
      ['v2.0', 'DEPRECATED', '', ''],
      ['v2.1', 'CURRENT', '2.104', '2.1'],
    ]);
    assert.ok(r.body.versions[1].links[0].href.endsWith('/v2.1/'));
    assert.equal(r.headers.get('x-openstack-request-id'), null);
    assert.equal(r.headers.get('openstack-api-version'), null);
  });

  it('GET /v2.1 needs no token and negotiates the version', async () => {
    const r = await c.req('admin', 'GET', '/v2.1', { token: null, version: 'latest' });
    assert.equal(r.status, 200);
    assert.equal(r.body.version.id, 'v2.1');
    assert.equal(r.body.version.version, '2.104');
    assert.deepEqual(Object.keys(r.body.version).sort(), ['id', 'links', 'media-types', 'min_version', 'status', 'updated', 'version']);
    assert.equal(r.headers.get('openstack-api-version'), 'compute 2.104');
    assert.equal(r.headers.get('x-openstack-nova-api-version'), '2.104');
    assert.match(r.headers.get('vary') ?? '', /OpenStack-API-Version.*X-OpenStack-Nova-API-Version/);
    assert.match(r.headers.get('x-openstack-request-id') ?? '', RID);
  });

  it('another root path answers 300 with choices', async () => {
    const r = await c.req('admin', 'GET', `${c.computeUrl}/foo`, { token: null });
    assert.equal(r.status, 300);
    assert.deepEqual(r.body.choices.map((x: any) => x.id), ['v2.0', 'v2.1']);
    assert.ok(r.body.choices[1].links[0].href.endsWith('/v2.1/foo'));
  });

  it('echoes 2.1 when no version is asked and the legacy header alone works', async () => {
    let r = await c.req('admin', 'GET', '/flavors-nope');
    assert.equal(r.headers.get('openstack-api-version'), null, 'router 404 carries no version headers');
    r = await c.req('admin', 'GET', '/v2.1', { token: null, headers: { 'X-OpenStack-Nova-API-Version': '2.53' } });
    assert.equal(r.headers.get('openstack-api-version'), 'compute 2.53');
    assert.equal(r.headers.get('x-openstack-nova-api-version'), '2.53');
    r = await c.req('admin', 'GET', '/v2.1', { token: null });
    assert.equal(r.headers.get('openstack-api-version'), 'compute 2.1');
  });

  it('takes the last compute entry of the standard header, which wins over the legacy one', async () => {
    const r = await c.req('admin', 'GET', '/v2.1', {
      token: null,
      headers: { 'OpenStack-API-Version': 'compute 2.10, image 2.5, compute 2.60', 'X-OpenStack-Nova-API-Version': '2.3' },
    });
    assert.equal(r.headers.get('openstack-api-version'), 'compute 2.60');
  });

  it('rejects malformed versions with 400 and no echo, out-of-range ones with 406 and the echo', async () => {
    for (const bad of ['2', '2.01', '02.1', '2.1.1', 'LATEST', 'v2.1', 'foo']) {
      const r = await c.req('admin', 'GET', '/v2.1', { token: null, version: bad });
      assert.equal(r.status, 400, bad);
      assert.equal(r.body.badRequest.message, `API Version String ${bad} is of invalid format. Must be of format MajorNum.MinorNum.`);
      assert.equal(r.headers.get('openstack-api-version'), null);
    }
    for (const out of ['2.0', '2.105', '3.0']) {
      const r = await c.req('admin', 'GET', '/v2.1', { token: null, version: out });
      assert.equal(r.status, 406, out);
      assert.equal(r.body.computeFault.code, 406);
      assert.equal(r.body.computeFault.message, `Version ${out} is not supported by the API. Minimum is 2.1 and maximum is 2.104.`);
      assert.equal(r.headers.get('openstack-api-version'), `compute ${out}`);
    }
  });

  it('gives a fresh request id in both headers, never echoing the inbound one', async () => {
    const inbound = 'req-11111111-2222-3333-4444-555555555555';
    const a = await c.req('admin', 'GET', '/v2.1', { token: null, headers: { 'X-Openstack-Request-Id': inbound } });
    const b = await c.req('admin', 'GET', '/v2.1', { token: null });
    const id = a.headers.get('x-openstack-request-id')!;
    assert.match(id, RID);
    assert.equal(a.headers.get('x-compute-request-id'), id);
    assert.notEqual(id, inbound);
    assert.notEqual(id, b.headers.get('x-openstack-request-id'));
  });

  it('answers 401 in the identity service shape for missing, garbage and tampered tokens', async () => {
    const good = await c.token('demo');
    const tampered = good.slice(0, -2) + (good.endsWith('A') ? 'BB' : 'AA');
    for (const token of [null, 'garbage', tampered]) {
      const r = await c.req('demo', 'GET', '/servers', { token });
      assert.equal(r.status, 401);
      assert.deepEqual(r.body, { error: { code: 401, title: 'Unauthorized', message: 'The request you have made requires authentication.' } });
      assert.equal(r.headers.get('www-authenticate'), `Keystone uri="${c.identityUrl}/v3"`);
      assert.match(r.headers.get('x-openstack-request-id') ?? '', RID);
      assert.equal(r.headers.get('openstack-api-version'), null);
    }
  });

  it('refuses a body over the size limit with 413 before the token check', async () => {
    const r = await c.req('demo', 'POST', '/servers', { token: null, raw: JSON.stringify({ x: 'a'.repeat(120_000) }) });
    assert.equal(r.status, 413);
    assert.equal(r.body.overLimit.code, 413);
  });

  it('serves /v2 as the legacy mode: always 2.1, version headers ignored and not echoed', async () => {
    const doc = await c.req('admin', 'GET', '/v2', { token: null });
    assert.equal(doc.status, 200);
    assert.equal(doc.body.version.id, 'v2.0');
    assert.equal(doc.body.version.status, 'DEPRECATED');
    const r = await c.req('admin', 'GET', '/v2/os-hypervisors', { version: '2.60' });
    assert.equal(r.status, 200, r.text);
    assert.equal(typeof r.body.hypervisors[0].id, 'number', 'integer ids, as at 2.1');
    assert.equal(r.headers.get('openstack-api-version'), null);
    assert.equal(r.headers.get('x-openstack-nova-api-version'), null);
    assert.match(r.headers.get('x-openstack-request-id') ?? '', RID);
    const anon = await c.req('admin', 'GET', '/v2/os-hypervisors', { token: null });
    assert.equal(anon.status, 401);
  });

  it('unknown paths under /v2.1 are 404 after the token check', async () => {
    const r = await c.req('admin', 'GET', '/no-such-thing');
    assert.equal(r.status, 404);
    const anon = await c.req('admin', 'GET', '/no-such-thing', { token: null });
    assert.equal(anon.status, 401);
  });
});
