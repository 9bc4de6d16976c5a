// GET /limits (absolute limits and usage per microversion, tenant_id for
// admins, no rate limits) and /os-quota-class-sets (keys per microversion,
// the `default` class as every project's defaults, admin only).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { NOVA_QUOTA_DEFAULTS, startCloud, type Cloud } from '../support/cloud.js';

const keys = (o: object) => Object.keys(o).sort();
const ABSOLUTE_21 = [
  'maxImageMeta', 'maxPersonality', 'maxPersonalitySize', 'maxSecurityGroupRules', 'maxSecurityGroups', 'maxServerGroupMembers',
  'maxServerGroups', 'maxServerMeta', 'maxTotalCores', 'maxTotalFloatingIps', 'maxTotalInstances', 'maxTotalKeypairs', 'maxTotalRAMSize',
  'totalCoresUsed', 'totalFloatingIpsUsed', 'totalInstancesUsed', 'totalRAMUsed', 'totalSecurityGroupsUsed', 'totalServerGroupsUsed',
].sort();
const NETWORK_LIMITS = ['maxSecurityGroupRules', 'maxSecurityGroups', 'maxTotalFloatingIps', 'totalFloatingIpsUsed', 'totalSecurityGroupsUsed'];
const ABSOLUTE_236 = ABSOLUTE_21.filter((k) => !NETWORK_LIMITS.includes(k));
const ABSOLUTE_239 = ABSOLUTE_236.filter((k) => k !== 'maxImageMeta');
const ABSOLUTE_257 = ABSOLUTE_239.filter((k) => k !== 'maxPersonality' && k !== 'maxPersonalitySize');

const CLASS_ALL = [
  'cores', 'fixed_ips', 'floating_ips', 'injected_file_content_bytes', 'injected_file_path_bytes', 'injected_files',
  'instances', 'key_pairs', 'metadata_items', 'ram', 'security_group_rules', 'security_groups',
];
const CLASS_250 = ['cores', 'injected_file_content_bytes', 'injected_file_path_bytes', 'injected_files', 'instances', 'key_pairs', 'metadata_items', 'ram', 'server_group_members', 'server_groups'];
const CLASS_257 = ['cores', 'instances', 'key_pairs', 'metadata_items', 'ram', 'server_group_members', 'server_groups'];

describe('limits and quota class sets', () => {
  let c: Cloud;
  let alt: string;
  before(async () => {
    c = await startCloud({ overrides: NOVA_QUOTA_DEFAULTS });
    alt = await c.projectId('alt_demo');
  });
  after(async () => {
    await c.stop();
  });

  it('shows absolute limits and usage with the keys of each microversion, and no rate limits', async () => {
    for (const [version, expected] of [['2.1', ABSOLUTE_21], ['2.35', ABSOLUTE_21], ['2.36', ABSOLUTE_236], ['2.38', ABSOLUTE_236], ['2.39', ABSOLUTE_239], ['2.56', ABSOLUTE_239], ['2.57', ABSOLUTE_257], ['latest', ABSOLUTE_257]] as const) {
      const r = await c.req('demo', 'GET', '/limits', { version });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.body.limits.rate, []);
      assert.deepEqual(keys(r.body.limits.absolute), expected, version);
    }
    const before = (await c.req('demo', 'GET', '/limits')).body.limits.absolute;
    assert.deepEqual(
      [before.maxTotalInstances, before.maxTotalCores, before.maxTotalRAMSize, before.maxTotalKeypairs, before.maxServerMeta, before.maxImageMeta, before.maxPersonality, before.maxPersonalitySize, before.maxServerGroups, before.maxServerGroupMembers, before.maxTotalFloatingIps],
      [10, 20, 51200, 100, 128, 128, 5, 10240, 10, 10, -1],
    );
    await c.bootServer('demo', { flavorRef: '3' });
    const after1 = (await c.req('demo', 'GET', '/limits')).body.limits.absolute;
    assert.equal(after1.totalInstancesUsed, before.totalInstancesUsed + 1);
    assert.equal(after1.totalCoresUsed, before.totalCoresUsed + 2);
    assert.equal(after1.totalRAMUsed, before.totalRAMUsed + 4096);
    assert.equal(after1.totalServerGroupsUsed, 0);
  });

  it("shows a project's own limits; tenant_id is for admins; unknown parameters are refused from 2.75", async () => {
    assert.equal((await c.req('admin', 'PUT', `/os-quota-sets/${alt}`, { body: { quota_set: { instances: 4 } } })).status, 200);
    assert.equal((await c.req('alt_demo', 'GET', '/limits')).body.limits.absolute.maxTotalInstances, 4);
    assert.equal((await c.req('demo', 'GET', '/limits')).body.limits.absolute.maxTotalInstances, 10);
    let r = await c.req('admin', 'GET', `/limits?tenant_id=${alt}`);
    assert.equal(r.status, 200);
    assert.equal(r.body.limits.absolute.maxTotalInstances, 4);
    r = await c.req('demo', 'GET', `/limits?tenant_id=${alt}`);
    assert.equal(r.status, 403);
    assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:limits:other_project to be performed.");
    assert.equal((await c.req('demo', 'GET', '/limits?foo=1', { version: '2.74' })).status, 200);
    r = await c.req('demo', 'GET', '/limits?foo=1', { version: '2.75' });
    assert.equal(r.status, 400);
    assert.match(r.body.badRequest.message, /'foo' was unexpected/);
    assert.equal((await c.req('admin', 'DELETE', `/os-quota-sets/${alt}`)).status, 202);
  });

  it('shows a quota class with the keys of each microversion, admin only', async () => {
    for (const [version, expected] of [['2.1', CLASS_ALL], ['2.49', CLASS_ALL], ['2.50', CLASS_250], ['2.56', CLASS_250], ['2.57', CLASS_257], ['latest', CLASS_257]] as const) {
      const r = await c.req('admin', 'GET', '/os-quota-class-sets/default', { version });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(keys(r.body.quota_class_set), [...expected, 'id'].sort(), version);
      assert.equal(r.body.quota_class_set.id, 'default');
    }
    const q = (await c.req('admin', 'GET', '/os-quota-class-sets/default', { version: '2.50' })).body.quota_class_set;
    assert.deepEqual([q.instances, q.cores, q.ram, q.server_groups, q.injected_file_path_bytes], [10, 20, 51200, 10, 255]);
    let r = await c.req('demo', 'GET', '/os-quota-class-sets/default');
    assert.equal(r.status, 403);
    assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:os-quota-class-sets:show to be performed.");
    r = await c.req('demo', 'PUT', '/os-quota-class-sets/default', { body: { quota_class_set: { instances: 1 } } });
    assert.equal(r.status, 403);
    assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:os-quota-class-sets:update to be performed.");
    assert.equal((await c.req('admin', 'GET', '/os-quota-class-sets/default?foo=1', { version: '2.101' })).status, 200);
    assert.equal((await c.req('admin', 'GET', '/os-quota-class-sets/default?foo=1', { version: '2.102' })).status, 400);
  });

  it("updates a class; the default class changes every project's defaults, other classes apply to nobody", async () => {
    let r = await c.req('admin', 'PUT', '/os-quota-class-sets/default', { body: { quota_class_set: { instances: 7, ram: '1024' } }, version: '2.57' });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(keys(r.body.quota_class_set), CLASS_257, 'no id in an update answer');
    assert.equal(r.body.quota_class_set.instances, 7);
    assert.equal(r.body.quota_class_set.ram, 1024);
    assert.equal((await c.req('alt_demo', 'GET', `/os-quota-sets/${alt}/defaults`)).body.quota_set.instances, 7);
    assert.equal((await c.req('alt_demo', 'GET', `/os-quota-sets/${alt}`)).body.quota_set.ram, 1024);
    assert.equal((await c.req('alt_demo', 'GET', '/limits')).body.limits.absolute.maxTotalInstances, 7);
    // A project's own limit still wins over the class.
    assert.equal((await c.req('admin', 'PUT', `/os-quota-sets/${alt}`, { body: { quota_set: { instances: 9 } } })).status, 200);
    assert.equal((await c.req('alt_demo', 'GET', `/os-quota-sets/${alt}`)).body.quota_set.instances, 9);
    assert.equal((await c.req('admin', 'DELETE', `/os-quota-sets/${alt}`)).status, 202);

    r = await c.req('admin', 'PUT', '/os-quota-class-sets/gold', { body: { quota_class_set: { cores: 99 } } });
    assert.equal(r.status, 200);
    assert.equal(r.body.quota_class_set.cores, 99);
    assert.equal(r.body.quota_class_set.instances, 10, 'what a class does not set comes from [quota]');
    assert.equal((await c.req('admin', 'GET', '/os-quota-class-sets/gold')).body.quota_class_set.cores, 99);
    assert.equal((await c.req('alt_demo', 'GET', `/os-quota-sets/${alt}`)).body.quota_set.cores, 20);

    const bad: Array<[unknown, string, RegExp]> = [
      [{ quota_class_set: { instances: -2 } }, '2.1', /-2 is less than the minimum of -1$/],
      [{ quota_class_set: { floating_ips: 1 } }, '2.50', /'floating_ips' was unexpected/],
      [{ quota_class_set: { injected_files: 1 } }, '2.57', /'injected_files' was unexpected/],
      [{ quota_class_set: { force: true } }, '2.1', /'force' was unexpected/],
      [{ quota_set: {} }, '2.1', /'quota_class_set' is a required property/],
    ];
    for (const [body, version, msg] of bad) {
      r = await c.req('admin', 'PUT', '/os-quota-class-sets/default', { body, version });
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.match(r.body.badRequest.message, msg);
    }
    r = await c.req('admin', 'PUT', `/os-quota-class-sets/${'x'.repeat(256)}`, { body: { quota_class_set: { cores: 1 } } });
    assert.equal(r.status, 400);
    assert.equal(r.body.badRequest.message, 'quota_class_name has 256 characters, more than 255.');
    assert.equal((await c.req('admin', 'PUT', '/os-quota-class-sets/default', { body: { quota_class_set: { instances: 10, ram: 51200 } } })).status, 200);
  });
});
