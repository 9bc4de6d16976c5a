// The compute side's client of the network service: it authenticates as its
// `[neutron]` user, finds the network endpoint in the catalog (or takes
// endpoint_override), acts as a user when given their token, and returns
// Neutron's faults typed.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { startCloud, type Cloud } from '../support/cloud.js';
import { freePort } from '../support/ports.js';
import { NeutronClient, NeutronRequestError, NetworkServiceUnavailable } from '../../src/compute/neutron/client.js';

describe('compute side: network service client', () => {
  let cloud: Cloud;
  before(async () => {
    cloud = await startCloud();
  });
  after(async () => cloud?.stop());

  it('lists every network as the service user, and only the visible ones as a user', async () => {
    const client = new NeutronClient(cloud.aio.base.conf);
    const all = (await client.list('networks')).map((n) => n['name']).sort();
    assert.deepEqual(all, ['private', 'public']);
    const demo = await client.list('networks', {}, await cloud.token('alt_demo'));
    assert.deepEqual(demo.map((n) => n['name']), ['public']);
    const filtered = await client.list('networks', { 'router:external': true });
    assert.deepEqual(filtered.map((n) => n['name']), ['public']);
  });

  it('returns Neutron faults typed, and a missing resource as undefined', async () => {
    const client = new NeutronClient(cloud.aio.base.conf);
    assert.equal(await client.show('networks', 'network', '00000000-0000-0000-0000-000000000000'), undefined);
    await assert.rejects(client.call('POST', '/ports', { port: { network_id: '00000000-0000-0000-0000-000000000000' } }), (err: unknown) => {
      assert.ok(err instanceof NeutronRequestError);
      assert.equal(err.status, 404);
      assert.equal(err.type, 'NetworkNotFound');
      return true;
    });
  });

  it('reports an unreachable service as such, and wrong credentials too', async () => {
    cloud.aio.base.conf.set('neutron', 'endpoint_override', 'http://127.0.0.1:9');
    cloud.aio.base.conf.set('neutron', 'http_retries', '0');
    try {
      await assert.rejects(new NeutronClient(cloud.aio.base.conf).list('networks'), NetworkServiceUnavailable);
    } finally {
      cloud.aio.base.conf.set('neutron', 'endpoint_override', '');
      cloud.aio.base.conf.set('neutron', 'http_retries', '3');
    }
    cloud.aio.base.conf.set('neutron', 'password', 'wrong');
    try {
      await assert.rejects(new NeutronClient(cloud.aio.base.conf).list('networks'), /Authentication .* failed \(HTTP 401\)/);
    } finally {
      cloud.aio.base.conf.set('neutron', 'password', '');
    }
  });

  it('tries a request whose connection could not be made again, as long as [neutron] http_retries allows', async () => {
    // A stand-in network endpoint that starts listening only after the first tries were refused.
    const port = await freePort();
    let served = 0;
    const server = createServer((_req, res) => {
      served++;
      res.setHeader('content-type', 'application/json');
      res.end('{"networks": [{"name": "late"}]}');
    });
    const listening = new Promise<void>((resolve) => setTimeout(() => server.listen(port, '127.0.0.1', resolve), 700));
    cloud.aio.base.conf.set('neutron', 'endpoint_override', `http://127.0.0.1:${port}`);
    try {
      cloud.aio.base.conf.set('neutron', 'http_retries', '0');
      await assert.rejects(new NeutronClient(cloud.aio.base.conf).list('networks', {}, 'a-token'), NetworkServiceUnavailable, 'no retry: refused at once');
      cloud.aio.base.conf.set('neutron', 'http_retries', '3');
      const t0 = Date.now();
      const nets = await new NeutronClient(cloud.aio.base.conf).list('networks', {}, 'a-token');
      assert.deepEqual(nets.map((n) => n['name']), ['late']);
      assert.equal(served, 1, 'one request reached the service');
      assert.ok(Date.now() - t0 >= 500, 'it waited before trying again');
    } finally {
      await listening;
      server.close();
      cloud.aio.base.conf.set('neutron', 'endpoint_override', '');
    }
  });
});
