// What wins when a request is wrong in several ways (Nova's processing
// order), and policy overrides from policy.yaml taking effect on a running API.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCloud, type Cloud } from '../support/cloud.js';

const MISSING = '00000000-0000-4000-8000-000000000000';

describe('request processing order', () => {
  let c: Cloud;
  before(async () => {
    c = await startCloud();
  });
  after(async () => {
    await c.stop();
  });

  it('refuses an unsupported content type with 415', async () => {
    const r = await c.req('admin', 'POST', `/servers/${MISSING}/action`, {
      raw: '{"os-resetState": {"state": "error"}}',
      headers: { 'Content-Type': 'application/xml' },
    });
    assert.equal(r.status, 415);
    assert.deepEqual(r.body, { badMediaType: { code: 415, message: 'Unsupported Content-Type' } });
  });

  it('takes a body without content type or as text/plain as JSON', async () => {
    const s = await c.bootServer('demo');
    for (const ct of ['text/plain', 'application/vnd.openstack.compute+json']) {
      const r = await c.req('admin', 'POST', `/servers/${s.id}/action`, { raw: '{"os-resetState": {"state": "active"}}', headers: { 'Content-Type': ct } });
      assert.equal(r.status, 202, ct);
    }
  });

  it('rejects malformed, empty, multi-key and unknown action bodies with 400 before looking the server up', async () => {
    const cases: Array<[string, string]> = [
      ['{not json', 'Malformed request body'],
      ['', 'Malformed request body'],
      ['[]', 'Malformed request body'],
      ['{"os-stop": null, "os-start": null}', 'Malformed request body'],
      ['{"explode": null}', 'There is no such action: explode'],
    ];
    for (const [raw, message] of cases) {
      const r = await c.req('demo', 'POST', `/servers/${MISSING}/action`, { raw });
      assert.equal(r.status, 400, raw);
      assert.equal(r.body.badRequest.message, message, raw);
    }
  });

  it('answers 400 for a bad body before 404 for a missing server and before 403 for a forbidden caller', async () => {
    let r = await c.req('admin', 'POST', `/servers/${MISSING}/action`, { body: { 'os-resetState': { state: 'bogus' } } });
    assert.equal(r.status, 400);
    assert.match(r.body.badRequest.message, /state/);
    r = await c.req('demo', 'POST', `/servers/${MISSING}/action`, { body: { 'os-resetState': { state: 'bogus' } } });
    assert.equal(r.status, 400);
    r = await c.req('demo', 'POST', `/servers/${MISSING}/action`, { body: { 'os-resetState': { state: 'error' } } });
    assert.equal(r.status, 404);
    assert.equal(r.body.itemNotFound.message, `Instance ${MISSING} could not be found.`);
  });

  it('accepts the project segment of the caller and refuses another project in the URL', async () => {
    const pid = await c.projectId('demo');
    let r = await c.req('demo', 'GET', `/v2.1/${pid}/servers`);
    assert.equal(r.status, 200);
    const other = await c.projectId('alt_demo');
    r = await c.req('demo', 'GET', `/v2.1/${other}/servers`);
    assert.equal(r.status, 400);
    assert.equal(r.body.badRequest.message, `Malformed request URL: URL's project_id '${other}' doesn't match Context's project_id '${pid}'`);
  });

  it('builds links with the project segment only when the request had it', async () => {
    const s = await c.bootServer('demo');
    const pid = await c.projectId('demo');
    const withSeg = await c.req('demo', 'GET', `/v2.1/${pid}/servers/${s.id}`);
    assert.equal(withSeg.body.server.links[0].href, `${c.computeUrl}/v2.1/${pid}/servers/${s.id}`);
    const without = await c.req('demo', 'GET', `/servers/${s.id}`);
    assert.equal(without.body.server.links[0].href, `${c.computeUrl}/v2.1/servers/${s.id}`);
  });

  it('answers 404 for a method outside its microversion range, after parsing the version', async () => {
    const s = await c.bootServer('demo');
    const r = await c.req('admin', 'GET', `/servers/${s.id}/migrations`, { version: '2.22' });
    assert.equal(r.status, 404);
    assert.equal(r.body.itemNotFound.message, 'The resource could not be found.');
    assert.equal(r.headers.get('openstack-api-version'), 'compute 2.22');
  });
});

describe('policy.yaml overrides', () => {
  let c: Cloud;
  const dir = mkdtempSync(join(tmpdir(), 'magnetar-policy-'));
  const file = join(dir, 'policy.yaml');
  before(async () => {
    writeFileSync(file, '"os_compute_api:os-services:list": "role:reader"\n');
    c = await startCloud({ overrides: [`oslo_policy.policy_file=${file}`] });
  });
  after(async () => {
    await c.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lets a reader list services once policy.yaml says so, and follows the file when it changes', async () => {
    let r = await c.req('demo_reader', 'GET', '/os-services');
    assert.equal(r.status, 200);
    r = await c.req('demo_reader', 'GET', '/os-hypervisors');
    assert.equal(r.status, 403, 'rules not in the file keep their defaults');
    writeFileSync(file, '"os_compute_api:os-services:list": "!"\n');
    const end = Date.now() + 5000;
    while (Date.now() < end) {
      r = await c.req('admin', 'GET', '/os-services');
      if (r.status === 403) break;
      await new Promise((res) => setTimeout(res, 100));
    }
    assert.equal(r.status, 403);
    assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:os-services:list to be performed.");
  });
});
