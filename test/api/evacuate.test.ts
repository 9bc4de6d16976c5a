// evacuate: request schemas per microversion, the check order and messages,
// policy, the rebuild on another host (end state per version), failures, and
// the failed host cleaning up when its agent starts again.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud, PAST_SERVICE_DOWN_TIME_MS } from '../support/cloud.js';
import { actionOf } from '../support/actions.js';
import { allocationHosts, setForcedDown, setInstanceColumns } from '../support/db.js';
import { listMigrations } from '../support/migrations.js';
import { until } from '../support/wait.js';

let c: Cloud;

before(async () => {
  c = await startCloud();
});
after(async () => {
  await c.stop();
});

const HOST = 'OS-EXT-SRV-ATTR:host';
const PASSWORD_RX = /^[2-9A-HJ-NP-Za-km-z]{12}$/;

const db = () => c.aio.base.db.kysely;
const evacuate = (id: string, body: unknown, version: string, user = 'admin') =>
  c.req(user, 'POST', `/servers/${id}/action`, { version, body: { evacuate: body } });

async function setDisabled(host: string, disabled: boolean): Promise<void> {
  await db().updateTable('services').set({ disabled: disabled ? 1 : 0 }).where('host', '=', host).where('binary', '=', 'nova-compute').execute();
}
/** The failed host comes back: not forced down, its agent restarted (start-up clean-up runs). */
async function recover(host: string): Promise<void> {
  await setForcedDown(c, host, false);
  await c.aio.stopHost(host);
  await c.aio.startHost(host);
}
const isEvacuation = (m: any): boolean => m.migration_type === 'evacuation';
/** The server's newest evacuation record once `pred` holds for it. */
async function waitMigration(id: string, pred: (m: any) => boolean, ms = 5000): Promise<any> {
  const list = await until(
    `evacuation record of ${id}`,
    () => listMigrations(c, id),
    (l) => {
      const m = l.find(isEvacuation);
      return m !== undefined && pred(m);
    },
    ms,
  );
  return list.find(isEvacuation);
}
const guestOn = (host: string, id: string) => c.aio.agents.get(host)?.ctx.driver.getGuest(id);
/** A server of demo, and its host forced down. */
async function serverOnDownHost(): Promise<{ s: any; host: string }> {
  const s = await c.bootServer('demo');
  assert.equal(s.status, 'ACTIVE');
  await setForcedDown(c, s[HOST], true);
  return { s, host: s[HOST] };
}
function otherHost(host: string): string {
  return [...c.aio.agents.keys()].find((h) => h !== host)!;
}

describe('evacuate: request schemas', () => {
  let id: string;
  before(async () => {
    id = (await c.bootServer('demo')).id;
  });

  const bad = async (version: string, body: unknown, message: RegExp) => {
    const r = await evacuate(id, body, version);
    assert.equal(r.status, 400, `${version} ${JSON.stringify(body)}: ${r.text}`);
    assert.match(r.body.badRequest.message, message);
  };

  it('2.1–2.13: onSharedStorage is required; host must be a hostname string; no force', async () => {
    await bad('2.1', {}, /'onSharedStorage' is a required property/);
    await bad('2.13', { host: 'compute2' }, /'onSharedStorage' is a required property/);
    await bad('2.1', { onSharedStorage: 'maybe' }, /Invalid input for field\/attribute onSharedStorage/);
    await bad('2.1', { onSharedStorage: 1 }, /onSharedStorage/);
    await bad('2.1', { onSharedStorage: false, host: null }, /Invalid input for field\/attribute host. Value: None. None is not of type 'string'/);
    await bad('2.1', { onSharedStorage: false, host: 'bad host' }, /does not match/);
    await bad('2.1', { onSharedStorage: false, force: true }, /Additional properties are not allowed \('force' was unexpected\)/);
    await bad('2.1', { onSharedStorage: false, adminPass: 5 }, /adminPass/);
  });

  it('the evacuate value must be an object', async () => {
    await bad('2.14', null, /Invalid input for field\/attribute evacuate. Value: None. None is not of type 'object'/);
    await bad('2.14', 'x', /is not of type 'object'/);
  });

  it('2.14–2.28: onSharedStorage and force are gone', async () => {
    await bad('2.14', { onSharedStorage: false }, /\('onSharedStorage' was unexpected\)/);
    await bad('2.28', { force: true }, /\('force' was unexpected\)/);
  });

  it('2.29–2.67: force is bool-ish; force without host is refused', async () => {
    await bad('2.29', { host: 'compute2', force: 1 }, /Invalid input for field\/attribute force/);
    await bad('2.29', { force: true }, /^Can't force to a non-provided destination$/);
    await bad('2.67', { force: 'yes' }, /^Can't force to a non-provided destination$/);
  });

  it('2.68 and later: force is gone again', async () => {
    await bad('2.68', { host: 'compute2', force: false }, /\('force' was unexpected\)/);
    await bad('2.95', { force: false }, /\('force' was unexpected\)/);
  });

  it('below 2.14, adminPass with a true onSharedStorage is refused', async () => {
    await bad('2.1', { onSharedStorage: 'True', adminPass: 'secret' }, /^admin password can't be changed on existing disk$/);
  });
});

describe('evacuate: lookup, policy and checks in order', () => {
  let s: any;
  before(async () => {
    s = await c.bootServer('demo');
  });

  it('unknown server → 404; another project\'s server → 404 for a non-admin', async () => {
    const r = await evacuate('00000000-0000-4000-8000-000000000000', {}, '2.14');
    assert.equal(r.status, 404);
    assert.equal(r.body.itemNotFound.message, 'Instance 00000000-0000-4000-8000-000000000000 could not be found.');
    const other = await evacuate(s.id, {}, '2.14', 'alt_demo');
    assert.equal(other.status, 404);
    assert.equal(other.body.itemNotFound.message, `Instance ${s.id} could not be found.`);
  });

  it('is admin-only: the owner, a manager and a reader get 403', async () => {
    for (const user of ['demo', 'demo_manager', 'demo_reader']) {
      const r = await evacuate(s.id, {}, '2.14', user);
      assert.equal(r.status, 403, user);
      assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:os-evacuate to be performed.");
    }
  });

  it('an unknown target host → 404 (before the source-in-use check)', async () => {
    const r = await evacuate(s.id, { host: 'nohost' }, '2.14');
    assert.equal(r.status, 404);
    assert.equal(r.body.itemNotFound.message, 'Compute host nohost not found.');
  });

  it('the current host as target → 400', async () => {
    const r = await evacuate(s.id, { host: s[HOST] }, '2.14');
    assert.equal(r.status, 400);
    assert.equal(r.body.badRequest.message, "The target host can't be the same one.");
  });

  it('the state guard comes before the source check: 409 naming the state', async () => {
    await setInstanceColumns(c, s.id, { vm_state: 'paused' });
    try {
      const r = await evacuate(s.id, {}, '2.14');
      assert.equal(r.status, 409);
      assert.equal(r.body.conflictingRequest.message, `Cannot 'evacuate' instance ${s.id} while it is in vm_state paused`);
    } finally {
      await setInstanceColumns(c, s.id, { vm_state: 'active' });
    }
    await setInstanceColumns(c, s.id, { task_state: 'migrating' });
    try {
      const r = await evacuate(s.id, {}, '2.14');
      assert.equal(r.status, 409);
      assert.equal(r.body.conflictingRequest.message, `Cannot 'evacuate' instance ${s.id} while it is in task_state migrating`);
    } finally {
      await setInstanceColumns(c, s.id, { task_state: null });
    }
  });

  it('a source host that is up → 400 still in use, and nothing is recorded', async () => {
    const r = await evacuate(s.id, {}, '2.14');
    assert.equal(r.status, 400);
    assert.equal(r.body.badRequest.message, `Compute service of ${s[HOST]} is still in use.`);
    // A disabled (but up) source counts as in use too.
    await setDisabled(s[HOST], true);
    try {
      const r2 = await evacuate(s.id, { host: otherHost(s[HOST]) }, '2.29');
      assert.equal(r2.status, 400);
      assert.equal(r2.body.badRequest.message, `Compute service of ${s[HOST]} is still in use.`);
    } finally {
      await setDisabled(s[HOST], false);
    }
    const after = await c.waitServer(s.id, () => true);
    assert.equal(after.status, 'ACTIVE');
    assert.equal(after['OS-EXT-STS:task_state'], null);
    assert.deepEqual(await listMigrations(c, s.id), []);
    const actions = await c.req('admin', 'GET', `/servers/${s.id}/os-instance-actions`, { version: '2.84' });
    assert.ok(!actions.body.instanceActions.some((a: any) => a.action === 'evacuate'));
  });

  it('2.95 needs every compute at service version 62', async () => {
    const host = otherHost(s[HOST]);
    await db().updateTable('services').set({ version: 61 }).where('host', '=', host).execute();
    try {
      const r = await evacuate(s.id, {}, '2.95');
      assert.equal(r.status, 400);
      assert.match(r.body.badRequest.message, /^Starting with microversion 2.95, evacuate API will stop instance on destination/);
      // Older microversions are still fine (here: the next check answers).
      const old = await evacuate(s.id, {}, '2.94');
      assert.equal(old.body.badRequest.message, `Compute service of ${s[HOST]} is still in use.`);
    } finally {
      await db().updateTable('services').set({ version: 66 }).where('host', '=', host).execute();
    }
  });
});

describe('evacuate: the server is rebuilt on another host', () => {
  it('2.1: 200 with a generated password; the stopped host cleans up when it comes back', async () => {
    const s = await c.bootServer('demo');
    const source = s[HOST];
    await c.aio.stopHost(source);
    // Until service_down_time has passed the host still counts as up.
    const early = await evacuate(s.id, { onSharedStorage: false }, '2.1');
    assert.equal(early.status, 400);
    assert.equal(early.body.badRequest.message, `Compute service of ${source} is still in use.`);
    await new Promise((r) => setTimeout(r, PAST_SERVICE_DOWN_TIME_MS));

    const r = await evacuate(s.id, { onSharedStorage: false }, '2.1');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.body), ['adminPass']);
    const pass: string = r.body.adminPass;
    assert.match(pass, PASSWORD_RX);
    assert.match(pass, /[2-9]/);
    assert.match(pass, /[A-Z]/);
    assert.match(pass, /[a-z]/);
    const requestId = r.headers.get('x-openstack-request-id')!;

    const moved = await c.waitServer(s.id, (x) => x.status === 'ACTIVE' && x[HOST] !== source);
    assert.equal(moved['OS-EXT-STS:task_state'], null);
    assert.equal(moved['OS-EXT-STS:power_state'], 1);
    assert.equal(moved['OS-EXT-SRV-ATTR:hypervisor_hostname'], moved[HOST]);
    const dest = moved[HOST];
    assert.ok(guestOn(dest, s.id), 'the new guest runs on the destination');

    const m = await waitMigration(s.id, (x) => x.status === 'done');
    assert.equal(m.source_compute, source);
    assert.equal(m.source_node, source);
    assert.equal(m.dest_compute, dest);
    assert.equal(m.dest_node, dest);
    assert.equal(m.dest_host, '127.0.0.1');
    assert.equal(m.old_instance_type_id, null);
    assert.equal(m.new_instance_type_id, null);
    const owner = await db().selectFrom('instances').select('user_id').where('uuid', '=', s.id).executeTakeFirstOrThrow();
    assert.ok(m.user_id);
    assert.notEqual(m.user_id, owner.user_id, 'the requester, not the owner');
    assert.equal(m.project_id, await c.projectId('admin'), 'the requester, not the owner');
    // The old host's share stays held under the migration until that host cleans up.
    assert.deepEqual(await allocationHosts(c, m.uuid), [source]);
    assert.deepEqual(await allocationHosts(c, s.id), [dest]);

    const action = await actionOf(c, s.id, requestId);
    assert.equal(action.action, 'evacuate');
    assert.equal(action.message, null);
    assert.equal(action.project_id, await c.projectId('admin'));
    const events = Object.fromEntries(action.events.map((e: any) => [e.event, e]));
    assert.deepEqual(Object.keys(events).sort(), ['compute_rebuild_instance', 'rebuild_server']);
    assert.equal(events['rebuild_server'].result, 'Success');
    assert.equal(events['compute_rebuild_instance'].result, 'Success');
    assert.equal(events['compute_rebuild_instance'].host, dest);

    // The failed host still has the old guest in its state file; when its agent starts it destroys it.
    await c.aio.startHost(source);
    assert.equal(guestOn(source, s.id), undefined);
    const done = await waitMigration(s.id, () => true);
    assert.equal(done.status, 'completed');
    assert.deepEqual(await allocationHosts(c, m.uuid), []);
    assert.ok(guestOn(dest, s.id), 'the evacuated server is untouched');
    const still = await c.waitServer(s.id, () => true);
    assert.equal(still.status, 'ACTIVE');
    assert.equal(still[HOST], dest);
  });

  it('2.1 with onSharedStorage: adminPass null, or the given one', async () => {
    const { s, host } = await serverOnDownHost();
    const r = await evacuate(s.id, { onSharedStorage: 'true' }, '2.13');
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body, { adminPass: null });
    await c.waitServer(s.id, (x) => x.status === 'ACTIVE' && x[HOST] !== host);
    await recover(host);

    const second = await serverOnDownHost();
    const r2 = await evacuate(second.s.id, { onSharedStorage: false, adminPass: 'MySecretPass' }, '2.1');
    assert.equal(r2.status, 200);
    assert.deepEqual(r2.body, { adminPass: 'MySecretPass' });
    await c.waitServer(second.s.id, (x) => x.status === 'ACTIVE' && x[HOST] !== second.host);
    await recover(second.host);
  });

  it('below 2.14 with [api] enable_instance_password off: empty body', async () => {
    const conf = c.aio.base.conf;
    conf.set('api', 'enable_instance_password', 'false');
    const { s, host } = await serverOnDownHost();
    try {
      const r = await evacuate(s.id, { onSharedStorage: false }, '2.1');
      assert.equal(r.status, 200);
      assert.equal(r.text, '');
    } finally {
      conf.set('api', 'enable_instance_password', 'true');
    }
    await c.waitServer(s.id, (x) => x.status === 'ACTIVE' && x[HOST] !== host);
    await recover(host);
  });

  it('2.14: empty body; while it runs the server shows REBUILD; a stopped server stays stopped', async () => {
    const { s, host } = await serverOnDownHost();
    // Stop it first (on the host it lives on), then fence that host.
    await setForcedDown(c, host, false);
    const stop = await c.req('demo', 'POST', `/servers/${s.id}/action`, { body: { 'os-stop': null } });
    assert.equal(stop.status, 202, stop.text);
    await c.waitServer(s.id, (x) => x.status === 'SHUTOFF');
    await setForcedDown(c, host, true);

    const r = await evacuate(s.id, { adminPass: 'MySecretPass' }, '2.14');
    assert.equal(r.status, 200);
    assert.equal(r.text, '');
    const seen = await c.waitServer(s.id, () => true);
    assert.ok(['REBUILD', 'SHUTOFF'].includes(seen.status), seen.status);
    const end = await c.waitServer(s.id, (x) => x.status === 'SHUTOFF' && x[HOST] !== host && x['OS-EXT-STS:task_state'] === null);
    assert.equal(end['OS-EXT-STS:power_state'], 4);
    assert.equal(guestOn(end[HOST], s.id)?.powerState, 4);
    const m = await waitMigration(s.id, (x) => x.status === 'done');
    assert.equal(m.dest_compute, end[HOST]);
    const action = await actionOf(c, s.id, r.headers.get('x-openstack-request-id')!);
    assert.deepEqual(action.events.map((e: any) => e.event).sort(), ['compute_rebuild_instance', 'compute_stop_instance', 'rebuild_server']);
    await recover(host);
  });

  it('2.95: an active server ends stopped on the destination', async () => {
    const { s, host } = await serverOnDownHost();
    const r = await evacuate(s.id, {}, '2.95');
    assert.equal(r.status, 200);
    assert.equal(r.text, '');
    const end = await c.waitServer(s.id, (x) => x.status === 'SHUTOFF' && x['OS-EXT-STS:task_state'] === null);
    assert.notEqual(end[HOST], host);
    assert.equal(end['OS-EXT-STS:power_state'], 4);
    const action = await actionOf(c, s.id, r.headers.get('x-openstack-request-id')!);
    const stop = action.events.find((e: any) => e.event === 'compute_stop_instance');
    assert.equal(stop.result, 'Success');
    assert.equal(stop.host, end[HOST]);
    await recover(host);
  });

  it('2.95: a server in error ends active; below 2.95 an errored server ends active too', async () => {
    for (const version of ['2.95', '2.68']) {
      const { s, host } = await serverOnDownHost();
      await setInstanceColumns(c, s.id, { vm_state: 'error' });
      const r = await evacuate(s.id, {}, version);
      assert.equal(r.status, 200, r.text);
      const end = await c.waitServer(s.id, (x) => x[HOST] !== host && x.status !== 'REBUILD' && x['OS-EXT-STS:task_state'] === null);
      assert.equal(end.status, 'ACTIVE', version);
      await recover(host);
    }
  });

  it('2.29 force: the given host is used without the scheduler (even disabled)', async () => {
    const { s, host } = await serverOnDownHost();
    const target = otherHost(host);
    await setDisabled(target, true);
    try {
      const r = await evacuate(s.id, { host: target, force: true }, '2.29');
      assert.equal(r.status, 200, r.text);
      const end = await c.waitServer(s.id, (x) => x.status === 'ACTIVE' && x[HOST] === target);
      assert.equal(end[HOST], target);
      const m = await waitMigration(s.id, (x) => x.status === 'done');
      assert.equal(m.dest_compute, target);
    } finally {
      await setDisabled(target, false);
    }
    await recover(host);
  });

  it('below 2.29 a given host is forced too', async () => {
    const { s, host } = await serverOnDownHost();
    const target = otherHost(host);
    await setDisabled(target, true);
    try {
      const r = await evacuate(s.id, { host: target }, '2.14');
      assert.equal(r.status, 200, r.text);
      await c.waitServer(s.id, (x) => x.status === 'ACTIVE' && x[HOST] === target);
    } finally {
      await setDisabled(target, false);
    }
    await recover(host);
  });

  it('2.68: a given host is a scheduler requirement (lands there)', async () => {
    const { s, host } = await serverOnDownHost();
    const hosts = [...c.aio.agents.keys()].filter((h) => h !== host);
    const target = hosts[hosts.length - 1]!;
    const r = await evacuate(s.id, { host: target }, '2.68');
    assert.equal(r.status, 200, r.text);
    const accepted = (await listMigrations(c, s.id)).find((m) => m.migration_type === 'evacuation');
    assert.ok(accepted, 'the migration exists as soon as the request is accepted');
    const end = await c.waitServer(s.id, (x) => x.status === 'ACTIVE' && x[HOST] !== host);
    assert.equal(end[HOST], target);
    await recover(host);
  });
});

describe('evacuate: a forced destination that is down', () => {
  it('the rebuild waits for that host (server stays REBUILD) and goes on when it starts', async () => {
    const { s, host } = await serverOnDownHost();
    const target = otherHost(host);
    await c.aio.stopHost(target);
    try {
      const r = await evacuate(s.id, { host: target, force: true }, '2.29');
      assert.equal(r.status, 200, r.text);
      await new Promise((res) => setTimeout(res, 150));
      const waiting = await c.waitServer(s.id, () => true);
      assert.equal(waiting.status, 'REBUILD');
      assert.equal(waiting[HOST], host);
      assert.equal((await waitMigration(s.id, () => true)).status, 'accepted');
    } finally {
      await c.aio.startHost(target);
    }
    await c.waitServer(s.id, (x) => x.status === 'ACTIVE' && x[HOST] === target);
    assert.equal((await waitMigration(s.id, () => true)).status, 'done');
    await recover(host);
  });

  it('a server reset while the rebuild waits is left alone when the host starts; its claims go back', async () => {
    const { s, host } = await serverOnDownHost();
    const target = otherHost(host);
    await c.aio.stopHost(target);
    try {
      const r = await evacuate(s.id, { host: target, force: true }, '2.29');
      assert.equal(r.status, 200, r.text);
      await new Promise((res) => setTimeout(res, 150));
      const reset = await c.req('admin', 'POST', `/servers/${s.id}/action`, { body: { 'os-resetState': { state: 'active' } } });
      assert.equal(reset.status, 202, reset.text);
    } finally {
      await c.aio.startHost(target);
    }
    const m = await waitMigration(s.id, (x) => x.status === 'failed');
    const end = await c.waitServer(s.id, () => true);
    assert.equal(end.status, 'ACTIVE');
    assert.equal(end[HOST], host);
    assert.equal(guestOn(target, s.id), undefined);
    assert.deepEqual(await allocationHosts(c, s.id), [host]);
    assert.deepEqual(await allocationHosts(c, m.uuid), []);
    // The old host coming back keeps its guest: the server still lives there.
    await recover(host);
    assert.ok(guestOn(host, s.id));
  });
});

describe('evacuate: failures', () => {
  it('scheduler rejects the requested host (disabled): migration error, server ERROR with a fault, still on its host', async () => {
    const { s, host } = await serverOnDownHost();
    const target = otherHost(host);
    await setDisabled(target, true);
    try {
      const r = await evacuate(s.id, { host: target, force: false }, '2.29');
      assert.equal(r.status, 200, r.text);
      const end = await c.waitServer(s.id, (x) => x.status === 'ERROR');
      assert.equal(end['OS-EXT-STS:task_state'], null);
      assert.equal(end[HOST], host);
      assert.match(end.fault.message, /^No valid host was found/);
      const m = await waitMigration(s.id, (x) => x.status === 'error');
      assert.equal(m.dest_compute, target);
      // Nothing moved: the server still holds its old host, under its own uuid.
      assert.deepEqual(await allocationHosts(c, s.id), [host]);
      assert.deepEqual(await allocationHosts(c, m.uuid), []);
      const action = await actionOf(c, s.id, r.headers.get('x-openstack-request-id')!);
      assert.equal(action.message, 'Error');
      assert.equal(action.events.find((e: any) => e.event === 'rebuild_server').result, 'Error');
      // The host coming back does not touch a failed evacuation's server.
      await recover(host);
      assert.ok(guestOn(host, s.id), 'the guest on the old host is kept');
      assert.equal((await waitMigration(s.id, () => true)).status, 'error');
    } finally {
      await setDisabled(target, false);
    }
  });

  it('no host left at all: migration error, server ERROR', async () => {
    const { s, host } = await serverOnDownHost();
    const others = [...c.aio.agents.keys()].filter((h) => h !== host);
    for (const h of others) await setDisabled(h, true);
    try {
      const r = await evacuate(s.id, {}, '2.68');
      assert.equal(r.status, 200);
      const end = await c.waitServer(s.id, (x) => x.status === 'ERROR');
      assert.equal(end[HOST], host);
      assert.match(end.fault.message, /No valid host was found/);
      assert.equal((await waitMigration(s.id, (x) => x.status === 'error')).status, 'error');
    } finally {
      for (const h of others) await setDisabled(h, false);
    }
    await recover(host);
  });

  it('spawn fails on the destination: migration failed, server ERROR, the destination claim is released', async () => {
    const { s, host } = await serverOnDownHost();
    const target = otherHost(host);
    c.aio.faults.add({ step: 'spawn', host: target, server: s.id, count: 1, message: 'disk on fire' });
    const r = await evacuate(s.id, { host: target, force: true }, '2.29');
    assert.equal(r.status, 200);
    const end = await c.waitServer(s.id, (x) => x.status === 'ERROR');
    assert.equal(end[HOST], host);
    assert.equal(end['OS-EXT-STS:task_state'], null);
    assert.equal(end.fault.message, 'disk on fire');
    const m = await waitMigration(s.id, (x) => x.status === 'failed');
    assert.equal(m.dest_compute, target);
    assert.equal(guestOn(target, s.id), undefined);
    assert.deepEqual(await allocationHosts(c, s.id), [host]);
    assert.deepEqual(await allocationHosts(c, m.uuid), []);
    const action = await actionOf(c, s.id, r.headers.get('x-openstack-request-id')!);
    assert.equal(action.message, 'Error');
    const rebuild = action.events.find((e: any) => e.event === 'compute_rebuild_instance');
    assert.equal(rebuild.result, 'Error');
    // An errored server can be evacuated again, and this time it works.
    const again = await evacuate(s.id, { host: target, force: true }, '2.29');
    assert.equal(again.status, 200, again.text);
    await c.waitServer(s.id, (x) => x.status === 'ACTIVE' && x[HOST] === target);
    await recover(host);
    assert.equal(guestOn(host, s.id), undefined);
  });

  it('a second evacuate while one runs → 409 (task_state rebuilding)', async () => {
    const { s, host } = await serverOnDownHost();
    await setInstanceColumns(c, s.id, { task_state: 'rebuilding' });
    try {
      const r = await evacuate(s.id, {}, '2.68');
      assert.equal(r.status, 409);
      assert.equal(r.body.conflictingRequest.message, `Cannot 'evacuate' instance ${s.id} while it is in task_state rebuilding`);
    } finally {
      await setInstanceColumns(c, s.id, { task_state: null });
    }
    await setForcedDown(c, host, false);
  });
});
