// The service catalog built from configuration.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Config } from '../../../src/config/config.js';
import { buildCatalog, identityUrl } from '../../../src/identity/catalog.js';

describe('buildCatalog', () => {
  it('lists compute, image, network and identity with public/internal/admin endpoints', () => {
    const conf = new Config();
    conf.set('magnetar', 'public_host', 'cloud.example');
    conf.set('magnetar', 'compute_port', '18774');
    const catalog = buildCatalog(conf);
    assert.deepEqual(catalog.map((c) => [c.type, c.name]), [['compute', 'nova'], ['image', 'glance'], ['network', 'neutron'], ['identity', 'keystone']]);
    const compute = catalog[0];
    assert.ok(compute);
    assert.deepEqual(compute.endpoints.map((e) => e.interface), ['public', 'internal', 'admin']);
    for (const e of compute.endpoints) {
      assert.deepEqual(Object.keys(e).sort(), ['id', 'interface', 'region', 'region_id', 'url']);
      assert.equal(e.url, 'http://cloud.example:18774/v2.1');
      assert.equal(e.region, 'RegionOne');
      assert.equal(e.region_id, 'RegionOne');
      assert.match(e.id, /^[0-9a-f]{32}$/);
    }
    assert.equal(catalog[1]?.endpoints[0]?.url, 'http://cloud.example:9292');
    assert.equal(catalog[2]?.endpoints[0]?.url, 'http://cloud.example:9696');
    assert.equal(catalog[3]?.endpoints[0]?.url, 'http://cloud.example:5000/v3');
    assert.deepEqual(Object.keys(compute).sort(), ['endpoints', 'id', 'name', 'type']);
  });

  it('uses bind_host when public_host is empty, but not a wildcard address', () => {
    const conf = new Config();
    assert.equal(identityUrl(conf), 'http://127.0.0.1:5000/v3');
    conf.set('magnetar', 'bind_host', '0.0.0.0');
    assert.equal(buildCatalog(conf)[0]?.endpoints[0]?.url, 'http://127.0.0.1:8774/v2.1');
    conf.set('magnetar', 'bind_host', '10.0.0.5');
    conf.set('magnetar', 'region', 'RegionTwo');
    assert.equal(buildCatalog(conf)[0]?.endpoints[0]?.url, 'http://10.0.0.5:8774/v2.1');
    assert.equal(buildCatalog(conf)[0]?.endpoints[0]?.region, 'RegionTwo');
  });
});
