// Input the compute API refuses at its edge, on every database: JSON nested
// too deep, NUL or unpaired surrogates in a body, bytes that are not UTF-8,
// and URLs that are not percent-encoded UTF-8 or decode to a NUL. Each is a
// Nova 400 (never a 500) and changes nothing.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud, type Reply } from '../support/cloud.js';

const nested = (depth: number): string => {
  let s = '1';
  for (let i = 0; i < depth; i++) s = `{"a":${s}}`;
  return s;
};

const assertBadRequest = (r: Reply, message: string | RegExp, label: string): void => {
  assert.equal(r.status, 400, `${label}: ${r.text}`);
  assert.deepEqual(Object.keys(r.body), ['badRequest'], label);
  assert.equal(r.body.badRequest.code, 400, label);
  if (typeof message === 'string') assert.equal(r.body.badRequest.message, message, label);
  else assert.match(r.body.badRequest.message, message, label);
  assert.match(r.headers.get('x-openstack-request-id') ?? '', /^req-/, label);
};

describe('input refused at the edge of the compute API', () => {
  let c: Cloud;
  let serverId: string;
  before(async () => {
    c = await startCloud();
    serverId = (await c.bootServer('demo')).id;
  });
  after(async () => {
    await c.stop();
  });

  const rows = async (): Promise<unknown> => {
    const k = c.aio.base.db.kysely;
    return {
      instances: await k.selectFrom('instances').selectAll().orderBy('id').execute(),
      services: await k.selectFrom('services').select(['uuid', 'disabled', 'disabled_reason', 'forced_down']).orderBy('id').execute(),
      keyPairs: await k.selectFrom('key_pairs').selectAll().orderBy('id').execute(),
      actions: await k.selectFrom('instance_actions').select('id').orderBy('id').execute(),
    };
  };

  it('answers 400 to a body nested 5,000 levels deep on POST /servers and PUT /os-services, and changes nothing', async () => {
    const before = await rows();
    const services = (await c.req('admin', 'GET', '/os-services?binary=nova-compute', { version: '2.53' })).body.services;
    const deep = nested(5000);
    const requests: Array<[string, string, string, string]> = [
      ['POST', '/servers', `{"server":${deep}}`, '2.1'],
      ['POST', '/servers', `{"server":{"name":"x","flavorRef":"1","imageRef":"x","networks":"none","metadata":${deep}}}`, '2.37'],
      ['PUT', `/os-services/${services[0].id}`, `{"status":${deep}}`, '2.53'],
      ['PUT', `/os-services/${services[0].id}`, deep, '2.53'],
      ['PUT', '/os-services/disable', `{"host":"compute1","binary":${deep}}`, '2.1'],
      ['POST', `/servers/${serverId}/action`, `{"os-resetState":${deep}}`, '2.1'],
    ];
    for (const [method, path, raw, version] of requests) {
      const r = await c.req('admin', method, path, { raw, version });
      assertBadRequest(r, 'Malformed request body: nested deeper than 64 levels', `${method} ${path}`);
    }
    assert.deepEqual(await rows(), before);
  });

  it('still validates a body nested within the limit against its schema', async () => {
    const r = await c.req('admin', 'POST', `/servers/${serverId}/action`, { raw: `{"os-resetState":${nested(60)}}` });
    assertBadRequest(r, /^Invalid input for field\/attribute os-resetState\. .* 'state' is a required property$/, 'within the limit');
  });

  it('answers 400 to a NUL in a query parameter (GET /servers?image=%00) on every database', async () => {
    for (const path of [
      '/servers?image=%00',
      '/servers/detail?name=a%00b',
      '/servers?%00=1',
      '/os-migrations?host=%00',
      '/os-hypervisors/detail?hypervisor_hostname_pattern=%00',
      '/os-keypairs?user_id=%00',
      '/flavors?minRam=%00',
      '/os-services?host=%00',
    ]) {
      assertBadRequest(await c.req('admin', 'GET', path), 'Query string must not contain NUL characters', path);
    }
  });

  it('answers 400 to a NUL in the path, where ids reach the database', async () => {
    for (const path of ['/flavors/%00', '/os-keypairs/%00', `/servers/%00`, `/servers/${serverId}/migrations/%00`, '/os-hypervisors/a%00b']) {
      assertBadRequest(await c.req('admin', 'GET', path), 'The request path must not contain NUL characters', path);
    }
    assertBadRequest(await c.req('admin', 'DELETE', '/os-keypairs/%00'), 'The request path must not contain NUL characters', 'DELETE');
  });

  it('answers 400 to a path or query string that is not percent-encoded UTF-8', async () => {
    for (const path of ['/servers/%zz', '/servers/%ff', '/flavors/%ED%A0%80/os-extra_specs', '/servers/100%']) {
      assertBadRequest(await c.req('admin', 'GET', path), 'The request path is not percent-encoded UTF-8', path);
    }
    for (const path of ['/servers?name=%ff', '/servers?name=%zz', '/os-migrations?host=%C3']) {
      assertBadRequest(await c.req('admin', 'GET', path), 'Query string is not UTF-8 encoded', path);
    }
  });

  it('checks the URL before the token: a URL that names nothing is 400 for anyone', async () => {
    assertBadRequest(await c.req('admin', 'GET', '/servers?image=%00', { token: null }), /NUL/, 'no token');
    assertBadRequest(await c.req('admin', 'GET', '/servers/%zz', { token: null }), /percent-encoded/, 'no token');
  });

  it('answers 400 to a NUL or an unpaired surrogate in a key or a string of the body, and changes nothing', async () => {
    const before = await rows();
    const cases: Array<[string, string, string, string]> = [
      ['POST', '/os-keypairs', '{"keypair": {"name": "a\\u0000b"}}', 'a key or string contains a NUL character'],
      ['POST', '/os-keypairs', '{"keypair": {"name": "ab", "x\\u0000": 1}}', 'a key or string contains a NUL character'],
      ['PUT', `/servers/${serverId}`, '{"server": {"name": "vm\\u0000"}}', 'a key or string contains a NUL character'],
      ['POST', `/servers/${serverId}/action`, '{"os-resetState": {"state": "\\u0000"}}', 'a key or string contains a NUL character'],
      ['PUT', `/servers/${serverId}`, '{"server": {"name": "vm\\ud800"}}', 'a key or string is not valid Unicode'],
      ['POST', `/servers/${serverId}/action`, '{"\\udc00": null}', 'a key or string is not valid Unicode'],
    ];
    for (const [method, path, raw, why] of cases) {
      assertBadRequest(await c.req('admin', method, path, { raw }), `Malformed request body: ${why}`, `${method} ${path} ${raw}`);
    }
    assert.deepEqual(await rows(), before);
  });

  it('answers 400 Malformed request body to bytes that are not UTF-8', async () => {
    const body = Buffer.concat([Buffer.from('{"server": {"name": "'), Buffer.from([0xc3, 0x28]), Buffer.from('"}}')]);
    const r = await fetch(`${c.computeUrl}/v2.1/servers/${serverId}`, {
      method: 'PUT',
      headers: { 'X-Auth-Token': await c.token('admin'), 'Content-Type': 'application/json' },
      body,
    });
    assert.equal(r.status, 400);
    assert.deepEqual(await r.json(), { badRequest: { code: 400, message: 'Malformed request body' } });
  });

  it('answers a path parameter too long to name anything with a Nova fault', async () => {
    const r = await c.req('admin', 'GET', `/servers/${'x'.repeat(2000)}`);
    assert.equal(r.status, 414);
    assert.deepEqual(r.body, { computeFault: { code: 414, message: 'Request-URI Too Long' } });
  });
});
