// Network quotas (on alt_demo, which the seed gives nothing): Neutron's defaults, a project's own limits set and
// cleared by admins, usage in the details, and OverQuota when a create
// would pass a limit.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud, type Reply, type RequestOptions } from '../support/cloud.js';

const DEFAULTS = { network: 100, subnet: 100, subnetpool: -1, port: 500, router: 10, floatingip: 50, security_group: 10, security_group_rule: 100, rbac_policy: 10 };

describe('network API: quotas', () => {
  let cloud: Cloud;
  let net: (user: string, method: string, path: string, opts?: RequestOptions) => Promise<Reply>;
  let demo: string;
  before(async () => {
    cloud = await startCloud();
    net = (user, method, path, opts) => cloud.req(user, method, `${cloud.networkUrl}${path}`, opts);
    demo = await cloud.projectId('alt_demo');
  });
  after(async () => cloud?.stop());

  it('shows the defaults, sets and enforces a limit, details the usage, and clears it', async () => {
    assert.deepEqual((await net('alt_demo', 'GET', `/v2.0/quotas/${demo}`)).body, { quota: DEFAULTS });
    assert.deepEqual((await net('alt_demo', 'GET', `/v2.0/quotas/${demo}/default`)).body, { quota: DEFAULTS });
    assert.equal((await net('demo', 'GET', `/v2.0/quotas/${demo}`)).status, 403);
    assert.equal((await net('alt_demo', 'PUT', `/v2.0/quotas/${demo}`, { body: { quota: { network: 1 } } })).status, 403);

    const set = await net('admin', 'PUT', `/v2.0/quotas/${demo}`, { body: { quota: { network: 1 } } });
    assert.equal(set.status, 200);
    assert.equal(set.body.quota.network, 1);
    assert.equal((await net('alt_demo', 'POST', '/v2.0/networks', { body: { network: { name: 'one' } } })).status, 201);
    const over = await net('alt_demo', 'POST', '/v2.0/networks', { body: { network: { name: 'two' } } });
    assert.equal(over.status, 409);
    assert.deepEqual(over.body.NeutronError, { type: 'OverQuota', message: "Quota exceeded for resources: ['network'].", detail: '' });
    const details = (await net('alt_demo', 'GET', `/v2.0/quotas/${demo}/details`)).body.quota;
    assert.deepEqual(details.network, { limit: 1, used: 1, reserved: 0 });
    assert.deepEqual(details.router, { limit: 10, used: 0, reserved: 0 });
    const listed = (await net('admin', 'GET', '/v2.0/quotas')).body.quotas;
    assert.ok(listed.some((q: { project_id: string; network: number }) => q.project_id === demo && q.network === 1));

    const bad = await net('admin', 'PUT', `/v2.0/quotas/${demo}`, { body: { quota: { network: -2 } } });
    assert.equal(bad.status, 400);
    assert.equal((await net('admin', 'PUT', `/v2.0/quotas/${demo}`, { body: { quota: { widgets: 2 } } })).status, 400);
    const below = await net('admin', 'PUT', `/v2.0/quotas/${demo}`, { body: { quota: { network: 0 } } });
    assert.equal(below.status, 400);

    assert.equal((await net('admin', 'DELETE', `/v2.0/quotas/${demo}`)).status, 204);
    assert.deepEqual((await net('alt_demo', 'GET', `/v2.0/quotas/${demo}`)).body, { quota: DEFAULTS });
    assert.equal((await net('alt_demo', 'POST', '/v2.0/networks', { body: { network: { name: 'two' } } })).status, 201);
  });

  it('limits routers and floating IPs too', async () => {
    await net('admin', 'PUT', `/v2.0/quotas/${demo}`, { body: { quota: { router: 0, floatingip: 0 } } });
    const r = await net('alt_demo', 'POST', '/v2.0/routers', { body: { router: { name: 'r' } } });
    assert.equal(r.status, 409);
    assert.equal(r.body.NeutronError.message, "Quota exceeded for resources: ['router'].");
  });
});
