// A valid body for each endpoint that takes one, built on the fixture's real
// ids, for the fuzzer to send as is or to mutate.
import type { Endpoint } from './routes.js';
import type { Json } from './values.js';
import type { Random } from './random.js';
import type { FuzzFixture } from './fixture.js';

export function validBody(r: Random, ep: Endpoint, f: FuzzFixture, pathKey: string | undefined): Json | undefined {
  if (ep.action !== undefined) return { [ep.action]: actionValue(r, ep.action, f) };
  switch (`${ep.method} ${ep.path}`) {
    case 'POST /servers':
      return {
        server: {
          name: r.pick(['fz', 'fuzz-vm', 'é-vm']),
          flavorRef: r.pick(f.flavors),
          imageRef: f.imageId,
          networks: 'none',
          ...(r.chance(0.3) ? { availability_zone: r.pick(['nova', `nova:${r.pick(f.hosts)}`]) } : {}),
          ...(r.chance(0.3) ? { metadata: { k: 'v' } } : {}),
          ...(r.chance(0.2) ? { min_count: 1, max_count: r.int(1, 3) } : {}),
          ...(r.chance(0.2) ? { key_name: r.pick(f.keypairs) } : {}),
        },
        ...(r.chance(0.2) ? { 'os:scheduler_hints': { same_host: r.pick(f.servers) } } : {}),
      };
    case 'PUT /servers/:server_id':
      return { server: r.pick<Json>([{ name: 'renamed' }, { description: 'd' }, { name: 'n', description: null }]) };
    case 'POST /flavors':
      return {
        flavor: {
          name: `fz-${r.int(0, 1e6)}`,
          ram: r.pick<Json>([64, '128', 2147483647]),
          vcpus: r.pick<Json>([1, '2']),
          disk: r.pick<Json>([0, 1, '10']),
          ...(r.chance(0.5) ? { id: r.pick<Json>([null, `fz-${r.int(0, 1e6)}`, r.int(1000, 9999)]) } : {}),
          ...(r.chance(0.3) ? { 'os-flavor-access:is_public': r.pick<Json>([true, false, 'false']) } : {}),
          ...(r.chance(0.3) ? { rxtx_factor: r.pick<Json>([1.0, '2.5']), swap: r.pick<Json>([0, 512, '']) } : {}),
        },
      };
    case 'PUT /flavors/:flavor_id':
      return { flavor: { description: r.pick<Json>(['new description', null, '']) } };
    case 'POST /flavors/:flavor_id/os-extra_specs':
      return { extra_specs: { [r.pick(['hw:cpu_policy', 'fz:key', 'k'])]: r.pick(['dedicated', 'v', '1']) } };
    case 'PUT /flavors/:flavor_id/os-extra_specs/:key':
      return { [pathKey ?? 'k']: r.pick(['v', 'dedicated', '']) };
    case 'PUT /os-services/:service_id':
      return r.pick<Json>([
        { status: 'disabled', disabled_reason: 'fuzz' },
        { status: 'enabled' },
        { forced_down: r.pick<Json>([true, false, 'false']) },
        { host: r.pick(f.hosts), binary: 'nova-compute' },
        { host: r.pick(f.hosts), binary: 'nova-compute', disabled_reason: 'fuzz' },
        { host: r.pick(f.hosts), binary: 'nova-compute', forced_down: false },
      ]);
    case 'POST /os-aggregates':
      return { aggregate: { name: `fz-${r.int(0, 1e6)}`, ...(r.chance(0.3) ? { availability_zone: r.pick<Json>(['fz-zone', null]) } : {}) } };
    case 'PUT /os-aggregates/:aggregate_id':
      return { aggregate: r.pick<Json>([{ name: `fz-${r.int(0, 1e6)}` }, { availability_zone: 'fz-zone' }, { name: 'fz', availability_zone: null }]) };
    case 'POST /os-aggregates/:aggregate_id/images':
      return { cache: [{ id: f.imageId }] };
    case 'POST /magnetar/faults':
      return { fault: { step: r.pick(['spawn', 'live_migration', 'bogus']), ...(r.chance(0.5) ? { host: r.pick(f.hosts), count: 1 } : {}) } };
    case 'POST /os-keypairs':
      return { keypair: { name: `fz-${r.int(0, 1e6)}`, ...(r.chance(0.3) ? { type: r.pick(['ssh', 'x509']) } : {}), ...(r.chance(0.2) ? { user_id: r.pick(f.users) } : {}) } };
    case 'PUT /os-quota-sets/:id':
      return { quota_set: { [r.pick(['instances', 'cores', 'ram', 'key_pairs'])]: r.pick<Json>([10, -1, '5']), ...(r.chance(0.2) ? { force: true } : {}) } };
    case 'PUT /os-quota-class-sets/:id':
      return { quota_class_set: { [r.pick(['instances', 'cores', 'ram', 'metadata_items'])]: r.pick<Json>([100, -1, '50']) } };
    default:
      return undefined;
  }
}

function actionValue(r: Random, name: string, f: FuzzFixture): Json {
  const host = (): Json => r.pick<Json>([...f.hosts, null]);
  switch (name) {
    case 'lock':
      return r.pick<Json>([null, { locked_reason: 'fuzz' }, {}]);
    case 'os-migrateLive':
      return r.pick<Json>([
        { host: host(), block_migration: 'auto' },
        { host: host(), block_migration: false, disk_over_commit: false },
        { host: host(), block_migration: 'auto', force: r.pick([true, false]) },
      ]);
    case 'reboot':
      return { type: r.pick(['SOFT', 'HARD']) };
    case 'rebuild':
      return { imageRef: f.imageId, ...(r.chance(0.3) ? { name: 'rebuilt' } : {}) };
    case 'addTenantAccess':
    case 'removeTenantAccess':
      return { tenant: r.pick(f.projects) };
    case 'os-resetState':
      return { state: r.pick(['active', 'error']) };
    case 'migrate':
      return r.pick<Json>([null, { host: host() }]);
    case 'resize':
      return { flavorRef: r.pick(f.flavors), ...(r.chance(0.3) ? { 'OS-DCF:diskConfig': 'AUTO' } : {}) };
    case 'evacuate':
      return r.pick<Json>([{}, { host: host() }, { host: host(), onSharedStorage: false }, { targetState: 'stopped' }]);
    case 'add_host':
    case 'remove_host':
      return { host: r.pick(f.hosts) };
    case 'set_metadata':
      return { metadata: { [r.pick(['ssd', 'availability_zone', 'filter_tenant_id'])]: r.pick<Json>(['true', 'fz-zone', null]) } };
    case 'os-getConsoleOutput':
      return r.pick<Json>([{}, { length: r.pick<Json>([10, '5', -1, null]) }]);
    default:
      return null;
  }
}
