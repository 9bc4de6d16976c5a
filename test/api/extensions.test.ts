// GET /extensions and /extensions/{alias}: Nova's fixed list for any caller,
// one more entry under the legacy /v2 path, 404 for an alias not listed,
// unknown query parameters refused from 2.102.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud } from '../support/cloud.js';

const KEYS = ['alias', 'description', 'links', 'name', 'namespace', 'updated'];

describe('extensions', () => {
  let c: Cloud;
  before(async () => {
    c = await startCloud();
  });
  after(async () => {
    await c.stop();
  });

  it('lists the 99 extensions sorted by alias, each with all fields, for any caller', async () => {
    for (const user of ['demo', 'demo_reader', 'admin']) {
      const r = await c.req(user, 'GET', '/extensions');
      assert.equal(r.status, 200, `${user}: ${r.text}`);
      const list = r.body.extensions;
      assert.equal(list.length, 99);
      const aliases = list.map((e: any) => e.alias);
      assert.deepEqual(aliases, [...aliases].sort());
      for (const e of list) {
        assert.deepEqual(Object.keys(e).sort(), KEYS);
        assert.equal(e.namespace, 'http://docs.openstack.org/compute/ext/fake_xml');
        assert.equal(e.updated, '2014-12-03T00:00:00Z');
        assert.deepEqual(e.links, []);
        assert.ok(e.description.length > 0);
      }
      assert.deepEqual(aliases.slice(0, 3), ['NMN', 'OS-DCF', 'OS-EXT-AZ']);
      assert.equal(aliases.at(-1), 'os-volumes');
      assert.equal(list.find((e: any) => e.alias === 'os-keypairs').name, 'Keypairs');
      assert.equal(list.find((e: any) => e.alias === 'os-instance_usage_audit_log').name, 'OSInstanceUsageAuditLog');
      assert.ok(!aliases.includes('OS-EXT-VIF-NET'));
    }
    assert.equal((await c.req('demo', 'GET', '/extensions', { token: null })).status, 401);
  });

  it('shows one extension by alias; an alias not listed is 404', async () => {
    const r = await c.req('demo', 'GET', '/extensions/OS-DCF');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.body), ['extension']);
    assert.equal(r.body.extension.alias, 'OS-DCF');
    assert.equal(r.body.extension.name, 'DiskConfig');
    for (const alias of ['os-dcf', 'OS-EXT-VIF-NET', 'nope']) {
      const missing = await c.req('demo', 'GET', `/extensions/${alias}`);
      assert.equal(missing.status, 404, alias);
      assert.equal(missing.body.itemNotFound.message, 'The resource could not be found.');
    }
  });

  it('lists OS-EXT-VIF-NET too under the legacy /v2 path', async () => {
    const project = await c.projectId('demo');
    const r = await c.req('demo', 'GET', `/v2/${project}/extensions`);
    assert.equal(r.status, 200, r.text);
    const aliases = r.body.extensions.map((e: any) => e.alias);
    assert.equal(aliases.length, 100);
    assert.deepEqual(aliases, [...aliases].sort());
    const show = await c.req('demo', 'GET', `/v2/${project}/extensions/OS-EXT-VIF-NET`);
    assert.equal(show.status, 200, show.text);
    assert.equal(show.body.extension.name, 'ExtendedVIFNet');
  });

  it('ignores unknown query parameters before 2.102 and refuses them from then on', async () => {
    assert.equal((await c.req('demo', 'GET', '/extensions?foo=1', { version: '2.101' })).status, 200);
    assert.equal((await c.req('demo', 'GET', '/extensions/OS-DCF?foo=1', { version: '2.101' })).status, 200);
    for (const path of ['/extensions?foo=1', '/extensions/OS-DCF?foo=1']) {
      const r = await c.req('demo', 'GET', path, { version: '2.102' });
      assert.equal(r.status, 400, path);
      assert.match(r.body.badRequest.message, /foo/);
    }
  });
});
