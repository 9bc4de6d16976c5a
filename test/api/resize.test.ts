// resize (admin-actions.md §5) with its confirm and revert: body schema,
// lookup/policy/guards in Nova's order, the flavor checks, the new flavor on
// the server and in the allocations, and [DEFAULT] allow_resize_to_same_host.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud } from '../support/cloud.js';
import { act } from '../support/actions.js';
import { allocations, migrationRows } from '../support/db.js';
import { until, waitServiceDown } from '../support/wait.js';

const NO_SERVER = '6f1c4b8e-0d2a-4c59-9a7e-3b5d2f0e8a11';

const flavorRowId = async (c: Cloud, flavorid: string): Promise<number> =>
  (await c.aio.base.db.kysely.selectFrom('flavors').select('id').where('flavorid', '=', flavorid).executeTakeFirstOrThrow()).id;

const hostOf = (s: any): string => s['OS-EXT-SRV-ATTR:host'];
const settled = (c: Cloud, id: string) => c.waitServer(id, (s) => !['RESIZE', 'REVERT_RESIZE'].includes(s.status));

async function createFlavor(c: Cloud, body: Record<string, unknown>): Promise<string> {
  const r = await c.req('admin', 'POST', '/flavors', { body: { flavor: { vcpus: 1, disk: 1, ...body } }, version: '2.55' });
  assert.equal(r.status, 200, r.text);
  return r.body.flavor.id;
}

describe('resize', () => {
  let c: Cloud;
  before(async () => {
    c = await startCloud();
  });
  after(async () => {
    await c.stop();
  });

  it('resizes to another flavor on another host; confirm keeps the new flavor', async () => {
    const s = await c.bootServer('demo');
    const source = hostOf(s);
    const r = await act(c, 'demo', s.id, { resize: { flavorRef: '2', 'OS-DCF:diskConfig': 'AUTO' } });
    assert.equal(r.status, 202, r.text);
    assert.equal(r.text, '');
    const rid = r.headers.get('x-openstack-request-id')!;
    const moved = await settled(c, s.id);
    assert.equal(moved.status, 'VERIFY_RESIZE');
    assert.notEqual(hostOf(moved), source, 'the source is excluded');
    assert.equal(moved.flavor.original_name, 'm1.small');
    assert.equal((await c.req('demo', 'GET', `/servers/${s.id}`)).body.server.flavor.id, '2');
    const [m] = await migrationRows(c, s.id);
    assert.equal(m!.migration_type, 'resize');
    assert.equal(m!.old_instance_type_id, await flavorRowId(c, '1'));
    assert.equal(m!.new_instance_type_id, await flavorRowId(c, '2'));
    assert.equal(m!.user_id !== null && m!.project_id, await c.projectId('demo'));
    assert.deepEqual(await allocations(c, s.id), [`${hostOf(moved)}:2048`]);
    assert.deepEqual(await allocations(c, m!.uuid), [`${source}:512`]);
    assert.equal(c.aio.agents.get(hostOf(moved))!.ctx.driver.getGuest(s.id)?.spec.memoryMb, 2048);

    const show = await until(
      'the resize events',
      async () => (await c.req('admin', 'GET', `/servers/${s.id}/os-instance-actions/${rid}`, { version: '2.62' })).body.instanceAction,
      (a) => a.events.length === 5 && a.events.every((e: any) => e.result !== null),
    );
    assert.equal(show.action, 'resize');
    assert.deepEqual(
      [...show.events].reverse().map((e: any) => `${e.event}:${e.result}`),
      ['conductor_migrate_server:Success', 'cold_migrate:Success', 'compute_prep_resize:Success', 'compute_resize_instance:Success', 'compute_finish_resize:Success'],
    );

    assert.equal((await act(c, 'demo', s.id, { confirmResize: null })).status, 204);
    const done = await c.waitServer(s.id, (x) => x.status === 'ACTIVE');
    assert.equal(done.flavor.original_name, 'm1.small');
    assert.deepEqual(await allocations(c, s.id), [`${hostOf(moved)}:2048`]);
    assert.deepEqual(await allocations(c, m!.uuid), []);
  });

  it('takes an integer flavorRef; revert brings back the old flavor, host and allocation', async () => {
    const s = await c.bootServer('demo');
    const source = hostOf(s);
    const r = await act(c, 'demo', s.id, { resize: { flavorRef: 3, 'OS-DCF:diskConfig': 'MANUAL' } }, 'latest');
    assert.equal(r.status, 202, r.text);
    const moved = await settled(c, s.id);
    assert.equal(moved.flavor.original_name, 'm1.medium');
    const [m] = await migrationRows(c, s.id);
    assert.deepEqual(await allocations(c, s.id), [`${hostOf(moved)}:4096`]);
    assert.equal((await act(c, 'demo', s.id, { revertResize: null })).status, 202);
    const back = await settled(c, s.id);
    assert.equal(back.status, 'ACTIVE');
    assert.equal(hostOf(back), source);
    assert.equal(back.flavor.original_name, 'm1.tiny');
    assert.equal((await migrationRows(c, s.id))[0]!.status, 'reverted');
    assert.deepEqual(await allocations(c, s.id), [`${source}:512`]);
    assert.deepEqual(await allocations(c, m!.uuid), []);
    assert.equal(c.aio.agents.get(source)!.ctx.driver.getGuest(s.id)?.spec.memoryMb, 512);
    // The server can be resized again afterwards.
    assert.equal((await act(c, 'demo', s.id, { resize: { flavorRef: '2' } })).status, 202);
    assert.equal((await settled(c, s.id)).status, 'VERIFY_RESIZE');
  });

  it('a stopped server is resized without being started', async () => {
    const s = await c.bootServer('demo');
    assert.equal((await act(c, 'demo', s.id, { 'os-stop': null })).status, 202);
    await c.waitServer(s.id, (x) => x.status === 'SHUTOFF');
    assert.equal((await act(c, 'demo', s.id, { resize: { flavorRef: '2' } })).status, 202);
    const moved = await settled(c, s.id);
    assert.equal(moved.status, 'VERIFY_RESIZE');
    assert.equal(moved['OS-EXT-STS:power_state'], 4);
    assert.equal((await act(c, 'demo', s.id, { confirmResize: null })).status, 204);
    assert.equal((await c.waitServer(s.id, (x) => x.status !== 'VERIFY_RESIZE')).status, 'SHUTOFF');
  });

  it('rejects a bad body with 400, even for a missing server or a caller without permission', async () => {
    const s = await c.bootServer('demo');
    const bad = [
      { resize: {} },
      { resize: { flavorRef: '' } },
      { resize: { flavorRef: null } },
      { resize: { flavorRef: true } },
      { resize: { flavorRef: '2', 'OS-DCF:diskConfig': 'auto' } },
      { resize: { flavorRef: '2', name: 'x' } },
      { resize: null },
      { resize: '2' },
    ];
    for (const body of bad) {
      for (const [user, id] of [
        ['demo', s.id],
        ['demo_reader', s.id],
        ['admin', NO_SERVER],
      ] as const) {
        const r = await act(c, user, id, body);
        assert.equal(r.status, 400, `${user} ${JSON.stringify(body)}: ${r.text}`);
        assert.ok(r.body.badRequest, r.text);
      }
    }
    assert.deepEqual(await migrationRows(c, s.id), []);
  });

  it('policy: members resize, readers may not, other projects see 404', async () => {
    const s = await c.bootServer('demo');
    let r = await act(c, 'demo_reader', s.id, { resize: { flavorRef: '2' } });
    assert.equal(r.status, 403);
    assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:servers:resize to be performed.");
    r = await act(c, 'alt_demo', s.id, { resize: { flavorRef: '2' } });
    assert.equal(r.status, 404);
    assert.equal(r.body.itemNotFound.message, `Instance ${s.id} could not be found.`);
    assert.equal((await act(c, 'admin', NO_SERVER, { resize: { flavorRef: '2' } })).status, 404);
    r = await act(c, 'demo', s.id, { resize: { flavorRef: '2' } });
    assert.equal(r.status, 202);
    assert.equal((await settled(c, s.id)).status, 'VERIFY_RESIZE');
  });

  it('flavor checks: unknown, same, zero disk, accelerators, disabled, private — all 400 after the guards', async () => {
    const s = await c.bootServer('demo');
    const expect400 = async (flavorRef: unknown, message: string, user = 'demo') => {
      const r = await act(c, user, s.id, { resize: { flavorRef } });
      assert.equal(r.status, 400, `${String(flavorRef)}: ${r.text}`);
      assert.equal(r.body.badRequest.message, message);
    };
    await expect400('999', 'Flavor 999 could not be found.');
    await expect400('m1.small', 'Flavor m1.small could not be found.');
    await expect400('http://localhost/flavors/2', 'Flavor http://localhost/flavors/2 could not be found.');
    await expect400('1', 'When resizing, instances must change flavor!');
    await expect400(1, 'When resizing, instances must change flavor!');
    const zero = await createFlavor(c, { name: 'zero-disk', ram: 512, disk: 0 });
    await expect400(zero, 'Server disk was unable to be resized because: Resize to zero disk flavor is not allowed.');
    const accel = await createFlavor(c, { name: 'accel', ram: 512 });
    const spec = await c.req('admin', 'POST', `/flavors/${accel}/os-extra_specs`, { body: { extra_specs: { 'accel:device_profile': 'gpu' } } });
    assert.equal(spec.status, 200, spec.text);
    await expect400(accel, 'Feature not supported with instances that have accelerators.');
    const disabled = await createFlavor(c, { name: 'disabled', ram: 1024 });
    await c.aio.base.db.kysely.updateTable('flavors').set({ disabled: 1 }).where('flavorid', '=', disabled).execute();
    await expect400(disabled, `Flavor ${disabled} could not be found.`);
    const priv = await createFlavor(c, { name: 'private', ram: 1024, 'os-flavor-access:is_public': false });
    await expect400(priv, `Flavor ${priv} could not be found.`);
    const share = await c.req('admin', 'POST', `/flavors/${priv}/action`, { body: { addTenantAccess: { tenant: await c.projectId('demo') } } });
    assert.equal(share.status, 200, share.text);

    // The guards come first: a locked server is a conflict whatever the flavor.
    assert.equal((await act(c, 'demo', s.id, { lock: null })).status, 202);
    let r = await act(c, 'demo', s.id, { resize: { flavorRef: '999' } });
    assert.equal(r.status, 409);
    assert.equal(r.body.conflictingRequest.message, `Instance ${s.id} is locked`);
    assert.equal((await act(c, 'demo', s.id, { unlock: null })).status, 202);
    assert.deepEqual(await migrationRows(c, s.id), []);

    // Shared with the project now: it resizes.
    r = await act(c, 'demo', s.id, { resize: { flavorRef: priv } });
    assert.equal(r.status, 202, r.text);
    const moved = await settled(c, s.id);
    assert.equal(moved.status, 'VERIFY_RESIZE');
    assert.equal(moved.flavor.original_name, 'private');
    r = await act(c, 'demo', s.id, { resize: { flavorRef: '999' } });
    assert.equal(r.status, 409);
    assert.equal(r.body.conflictingRequest.message, `Cannot 'resize' instance ${s.id} while it is in vm_state resized`);
  });

  it('source compute down: 409 Service is unavailable at this time.', async () => {
    const s = await c.bootServer('demo');
    const source = hostOf(s);
    await c.aio.stopHost(source);
    try {
      await waitServiceDown(c, source);
      const r = await act(c, 'demo', s.id, { resize: { flavorRef: '2' } });
      assert.equal(r.status, 409);
      assert.equal(r.body.conflictingRequest.message, 'Service is unavailable at this time.');
    } finally {
      await c.aio.startHost(source);
    }
  });

  it('no valid host for a resize too big for every host: back to ACTIVE with the old flavor', async () => {
    const s = await c.bootServer('demo');
    const huge = await createFlavor(c, { name: 'huge', ram: 65536 });
    const r = await act(c, 'admin', s.id, { resize: { flavorRef: huge } });
    assert.equal(r.status, 202, r.text);
    const [m] = await until('migration error', () => migrationRows(c, s.id), (x) => x[0]?.status === 'error');
    const back = await settled(c, s.id);
    assert.equal(back.status, 'ACTIVE');
    assert.equal(back.flavor.original_name, 'm1.tiny');
    assert.deepEqual(await allocations(c, s.id), [`${hostOf(s)}:512`]);
    assert.deepEqual(await allocations(c, m!.uuid), []);
    const a = await until(
      'events',
      async () =>
        (await c.req('admin', 'GET', `/servers/${s.id}/os-instance-actions/${r.headers.get('x-openstack-request-id')}`, { version: '2.84' })).body
          .instanceAction,
      (x) => x.events.length === 2 && x.events.every((e: any) => e.result !== null),
    );
    assert.equal(a.message, 'Error');
    assert.match(a.events.find((e: any) => e.event === 'cold_migrate').details, /No valid host found for resize/);
  });
});

describe('resize with allow_resize_to_same_host on a single host', () => {
  let c: Cloud;
  before(async () => {
    c = await startCloud({ overrides: ['magnetar.compute_hosts=compute1', 'DEFAULT.allow_resize_to_same_host=true'] });
  });
  after(async () => {
    await c.stop();
  });

  it('resizes on the same host, confirms and reverts there; migrate still excludes the source', async () => {
    const s = await c.bootServer('demo');
    assert.equal(hostOf(s), 'compute1');
    assert.equal((await act(c, 'demo', s.id, { resize: { flavorRef: '2' } })).status, 202);
    let moved = await settled(c, s.id);
    assert.equal(moved.status, 'VERIFY_RESIZE');
    assert.equal(hostOf(moved), 'compute1');
    let [m] = await migrationRows(c, s.id);
    assert.equal(m!.source_compute, 'compute1');
    assert.equal(m!.dest_compute, 'compute1');
    assert.deepEqual(await allocations(c, s.id), ['compute1:2048']);
    assert.deepEqual(await allocations(c, m!.uuid), ['compute1:512']);
    assert.equal((await act(c, 'demo', s.id, { confirmResize: null })).status, 204);
    const done = await c.waitServer(s.id, (x) => x.status !== 'VERIFY_RESIZE');
    assert.equal(done.status, 'ACTIVE');
    assert.equal(c.aio.agents.get('compute1')!.ctx.driver.getGuest(s.id)?.spec.memoryMb, 2048);
    assert.deepEqual(await allocations(c, m!.uuid), []);

    assert.equal((await act(c, 'demo', s.id, { resize: { flavorRef: '3' } })).status, 202);
    moved = await settled(c, s.id);
    assert.equal(moved.status, 'VERIFY_RESIZE');
    [, m] = await migrationRows(c, s.id);
    assert.equal((await act(c, 'demo', s.id, { revertResize: null })).status, 202);
    const back = await settled(c, s.id);
    assert.equal(back.status, 'ACTIVE');
    assert.equal(back.flavor.original_name, 'm1.small');
    assert.equal(c.aio.agents.get('compute1')!.ctx.driver.getGuest(s.id)?.spec.memoryMb, 2048);
    assert.equal(c.aio.agents.get('compute1')!.ctx.driver.getGuest(s.id)?.powerState, 1);
    assert.deepEqual(await allocations(c, s.id), ['compute1:2048']);
    assert.deepEqual(await allocations(c, m!.uuid), []);

    // A plain migration never stays on its host: with one host there is nowhere to go.
    assert.equal((await act(c, 'admin', s.id, { migrate: null })).status, 202);
    await until('migration error', () => migrationRows(c, s.id), (x) => x[2]?.status === 'error');
    assert.equal((await settled(c, s.id)).status, 'ACTIVE');
    assert.deepEqual(await allocations(c, s.id), ['compute1:2048']);
  });

  it('stores OS-DCF:diskConfig from the resize body, and MANUAL when the body has none', async () => {
    const dc = async (id: string) => (await c.req('demo', 'GET', `/servers/${id}`)).body.server['OS-DCF:diskConfig'];
    const s = await c.bootServer('demo', { 'OS-DCF:diskConfig': 'MANUAL' });
    let r = await act(c, 'demo', s.id, { resize: { flavorRef: '2', 'OS-DCF:diskConfig': 'AUTO' } });
    assert.equal(r.status, 202, r.text);
    assert.equal(await dc(s.id), 'AUTO');
    assert.equal((await settled(c, s.id)).status, 'VERIFY_RESIZE');
    assert.equal((await act(c, 'demo', s.id, { confirmResize: null })).status, 204);
    await c.waitServer(s.id, (x) => x.status === 'ACTIVE');
    assert.equal(await dc(s.id), 'AUTO');
    r = await act(c, 'demo', s.id, { resize: { flavorRef: '3' } });
    assert.equal(r.status, 202, r.text);
    assert.equal(await dc(s.id), 'MANUAL');
    await settled(c, s.id);
  });

});
