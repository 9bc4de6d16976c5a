// DELETE /servers/{id}, lock/unlock, and builds that fail, as a client sees them.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud, PAST_SERVICE_DOWN_TIME_MS } from '../support/cloud.js';
import { insertMigration, setInstanceColumns } from '../support/db.js';
import { sleep, until } from '../support/wait.js';

let c: Cloud;

before(async () => {
  c = await startCloud();
});
after(async () => {
  await c.stop();
});

const actions = (uuid: string) =>
  c.aio.base.db.kysely.selectFrom('instance_actions').selectAll().where('instance_uuid', '=', uuid).orderBy('id').execute();
const events = async (uuid: string, action: string) => {
  const a = (await actions(uuid)).filter((x) => x.action === action).pop()!;
  return c.aio.base.db.kysely.selectFrom('instance_actions_events').selectAll().where('action_id', '=', a.id).execute();
};

describe('DELETE /servers/{id}', () => {
  it('answers 204, then the server is gone (404), DELETED for admins, with a delete action', async () => {
    const s = await c.bootServer('demo');
    const r = await c.req('demo', 'DELETE', `/servers/${s.id}`);
    assert.equal(r.status, 204);
    assert.equal(r.text, '');
    await c.waitServer(s.id, (x) => x.gone === true);
    const get = await c.req('demo', 'GET', `/servers/${s.id}`);
    assert.equal(get.status, 404);
    assert.equal(get.body.itemNotFound.message, `Instance ${s.id} could not be found.`);
    assert.deepEqual((await actions(s.id)).map((a) => a.action), ['create', 'delete']);
    const d = await c.req('admin', 'GET', '/servers/detail?all_tenants=1&deleted=true');
    const item = d.body.servers.find((x: any) => x.id === s.id);
    assert.equal(item.status, 'DELETED');
    assert.match(item['OS-SRV-USG:terminated_at'], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$/);
    assert.equal((await c.req('demo', 'DELETE', `/servers/${s.id}`)).status, 404);
  });

  it('a second delete while the first is under way is 204 too, and records nothing more', async () => {
    const s = await c.bootServer('demo');
    const [r1, r2] = await Promise.all([c.req('demo', 'DELETE', `/servers/${s.id}`), c.req('demo', 'DELETE', `/servers/${s.id}`)]);
    assert.equal(r1.status, 204);
    assert.ok([204, 404].includes(r2.status));
    await c.waitServer(s.id, (x) => x.gone === true);
    assert.equal((await actions(s.id)).filter((a) => a.action === 'delete').length, 1);
  });

  it('a delete at any moment of a build is accepted (204), whichever step the build has reached', async () => {
    const images = await fetch(`${c.imageUrl}/v2/images?name=cirros`, { headers: { 'X-Auth-Token': await c.token('admin') } });
    const imageRef = ((await images.json()) as { images: Array<{ id: string }> }).images[0]!.id;
    for (let i = 0; i < 12; i++) {
      const r = await c.req('demo', 'POST', '/servers', { body: { server: { name: `early-${i}`, imageRef, flavorRef: '1', networks: 'none' } }, version: '2.37' });
      assert.equal(r.status, 202, r.text);
      await sleep(i * 4);
      const del = await c.req('demo', 'DELETE', `/servers/${r.body.server.id}`);
      assert.equal(del.status, 204, `after ${i * 4} ms: ${del.text}`);
      await c.waitServer(r.body.server.id, (x) => x.gone === true);
    }
  });

  it('is 404 for another project and 403 for a reader', async () => {
    const s = await c.bootServer('demo');
    assert.equal((await c.req('alt_demo', 'DELETE', `/servers/${s.id}`)).status, 404);
    const r = await c.req('demo_reader', 'DELETE', `/servers/${s.id}`);
    assert.equal(r.status, 403);
    assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:servers:delete to be performed.");
  });

  it('deletes at once a server whose host is down', async () => {
    const s = await c.bootServer('demo');
    const host = (await c.req('admin', 'GET', `/servers/${s.id}`)).body.server['OS-EXT-SRV-ATTR:host'];
    await c.aio.stopHost(host);
    try {
      await sleep(PAST_SERVICE_DOWN_TIME_MS);
      assert.equal((await c.req('demo', 'DELETE', `/servers/${s.id}`)).status, 204);
      assert.equal((await c.req('demo', 'GET', `/servers/${s.id}`)).status, 404);
      assert.deepEqual((await actions(s.id)).map((a) => a.action), ['create', 'delete']);
    } finally {
      await c.aio.startHost(host);
    }
  });

  it('confirms a resize waiting for confirmation: the source room is given back and the migration is confirmed', async () => {
    const s = await c.bootServer('demo');
    const db = c.aio.base.db.kysely;
    const inst = await db.selectFrom('instances').selectAll().where('uuid', '=', s.id).executeTakeFirstOrThrow();
    const node = await db.selectFrom('compute_nodes').selectAll().where('host', '!=', inst.host!).executeTakeFirstOrThrow();
    const t = '2026-01-01 00:00:00.000000';
    const migUuid = await insertMigration(c, {
      instanceUuid: s.id,
      migrationType: 'resize',
      status: 'finished',
      sourceCompute: node.host,
      sourceNode: node.hypervisor_hostname,
      destCompute: inst.host,
      destNode: inst.node,
    });
    await db.insertInto('allocations').values({ consumer_uuid: migUuid, node_uuid: node.uuid, vcpus: 1, memory_mb: 512, disk_gb: 1, created_at: t }).execute();
    await setInstanceColumns(c, s.id, { vm_state: 'resized' });
    assert.equal((await c.req('demo', 'GET', `/servers/${s.id}`)).body.server.status, 'VERIFY_RESIZE');
    assert.equal((await c.req('demo', 'DELETE', `/servers/${s.id}`)).status, 204);
    // As Nova does, the source host confirms it (and drops the old guest there).
    await until('the migration to be confirmed', async () => (await db.selectFrom('migrations').select('status').where('uuid', '=', migUuid).executeTakeFirstOrThrow()).status, (st) => st === 'confirmed');
    assert.equal((await db.selectFrom('allocations').select('id').where('consumer_uuid', '=', migUuid).execute()).length, 0);
    await c.waitServer(s.id, (x) => x.gone === true);
    assert.equal((await db.selectFrom('allocations').select('id').where('consumer_uuid', '=', s.id).execute()).length, 0);
  });
});

describe('lock / unlock', () => {
  it('lock sets locked (2.9), guards delete for members, records lock with api_lock; unlock clears it', async () => {
    const s = await c.bootServer('demo');
    const r = await c.req('demo', 'POST', `/servers/${s.id}/action`, { body: { lock: null } });
    assert.equal(r.status, 202, r.text);
    assert.equal(r.text, '');
    const show = await c.req('demo', 'GET', `/servers/${s.id}`, { version: '2.73' });
    assert.equal(show.body.server.locked, true);
    assert.equal(show.body.server.locked_reason, null);
    assert.deepEqual((await events(s.id, 'lock')).map((e) => [e.event, e.result]), [['api_lock', 'Success']]);
    const del = await c.req('demo', 'DELETE', `/servers/${s.id}`);
    assert.equal(del.status, 409);
    assert.equal(del.body.conflictingRequest.message, `Instance ${s.id} is locked`);
    // The owner locking again changes and records nothing.
    assert.equal((await c.req('demo', 'POST', `/servers/${s.id}/action`, { body: { lock: null } })).status, 202);
    assert.equal((await actions(s.id)).filter((a) => a.action === 'lock').length, 1);
    assert.equal((await c.req('demo', 'POST', `/servers/${s.id}/action`, { body: { unlock: null } })).status, 202);
    assert.equal((await c.req('demo', 'GET', `/servers/${s.id}`, { version: '2.9' })).body.server.locked, false);
    assert.deepEqual((await events(s.id, 'unlock')).map((e) => e.event), ['api_unlock']);
    assert.equal((await c.req('demo', 'DELETE', `/servers/${s.id}`)).status, 204);
  });

  it('keeps a locked_reason from 2.73; below 2.73 the lock body is not looked at', async () => {
    const s = await c.bootServer('demo');
    const early = await c.req('demo', 'POST', `/servers/${s.id}/action`, { version: '2.72', body: { lock: { locked_reason: 'x' } } });
    assert.equal(early.status, 202); // below 2.73 the body of lock is not looked at
    assert.equal((await c.req('demo', 'GET', `/servers/${s.id}`, { version: '2.73' })).body.server.locked_reason, null);
    await c.req('demo', 'POST', `/servers/${s.id}/action`, { body: { unlock: null } });
    const bad = await c.req('demo', 'POST', `/servers/${s.id}/action`, { version: '2.73', body: { lock: { locked_reason: '' } } });
    assert.equal(bad.status, 400);
    const extra = await c.req('demo', 'POST', `/servers/${s.id}/action`, { version: '2.73', body: { lock: { reason: 'x' } } });
    assert.equal(extra.status, 400);
    const ok = await c.req('demo', 'POST', `/servers/${s.id}/action`, { version: '2.73', body: { lock: { locked_reason: 'maintenance' } } });
    assert.equal(ok.status, 202, ok.text);
    assert.equal((await c.req('demo', 'GET', `/servers/${s.id}`, { version: '2.73' })).body.server.locked_reason, 'maintenance');
    await c.req('demo', 'POST', `/servers/${s.id}/action`, { body: { unlock: null } });
    assert.equal((await c.req('demo', 'GET', `/servers/${s.id}`, { version: '2.73' })).body.server.locked_reason, null);
  });

  it("a lock taken by an admin needs the override to be unlocked by the owner; admins may delete locked servers", async () => {
    const s = await c.bootServer('demo');
    assert.equal((await c.req('admin', 'POST', `/servers/${s.id}/action`, { body: { lock: null } })).status, 202);
    const r = await c.req('demo', 'POST', `/servers/${s.id}/action`, { body: { unlock: null } });
    assert.equal(r.status, 403);
    assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:os-lock-server:unlock:unlock_override to be performed.");
    // An owner lock on top of an admin lock is a no-op, the admin's lock stands.
    assert.equal((await c.req('demo', 'POST', `/servers/${s.id}/action`, { body: { lock: null } })).status, 202);
    assert.equal((await c.req('demo', 'POST', `/servers/${s.id}/action`, { body: { unlock: null } })).status, 403);
    assert.equal((await c.req('admin', 'DELETE', `/servers/${s.id}`)).status, 204);
  });

  it('is 403 for readers, 404 for other projects', async () => {
    const s = await c.bootServer('demo');
    assert.equal((await c.req('demo_reader', 'POST', `/servers/${s.id}/action`, { body: { lock: null } })).status, 403);
    assert.equal((await c.req('alt_demo', 'POST', `/servers/${s.id}/action`, { body: { lock: null } })).status, 404);
    assert.equal((await c.req('demo_reader', 'POST', `/servers/${s.id}/action`, { body: { unlock: null } })).status, 403);
  });
});

describe('builds that fail', () => {
  it('a spawn failure leaves the server in ERROR with a fault (details only for admins)', async () => {
    c.aio.faults.add({ step: 'spawn', count: 1, message: 'disk on fire' });
    const s = await c.bootServer('demo');
    assert.equal(s.status, 'ERROR');
    const member = (await c.req('demo', 'GET', `/servers/${s.id}`)).body.server;
    assert.equal(member.fault.code, 500);
    assert.equal(member.fault.message, 'disk on fire');
    assert.match(member.fault.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal('details' in member.fault, false);
    assert.equal('progress' in member, false);
    assert.equal(member['OS-EXT-STS:vm_state'], 'error');
    // The room it had is given back and it can be deleted.
    assert.equal((await c.aio.base.db.kysely.selectFrom('allocations').select('id').where('consumer_uuid', '=', s.id).execute()).length, 0);
    assert.equal((await c.req('demo', 'DELETE', `/servers/${s.id}`)).status, 204);
    await c.waitServer(s.id, (x) => x.gone === true);
  });

  it('no valid host: ERROR with a fault, no host, deletable at once', async () => {
    const r = await c.req('admin', 'POST', '/servers', {
      body: { server: { name: 'nowhere', flavorRef: '1', imageRef: (await c.bootServer('demo')).image.id, availability_zone: 'nova:nohost' } },
    });
    assert.equal(r.status, 202, r.text);
    const s = await c.waitServer(r.body.server.id, (x) => x.status !== 'BUILD');
    assert.equal(s.status, 'ERROR');
    assert.match(s.fault.message, /^No valid host was found/);
    assert.equal(s['OS-EXT-SRV-ATTR:host'], null);
    assert.equal(s.hostId, '');
    assert.equal((await c.req('admin', 'DELETE', `/servers/${s.id}`)).status, 204);
    assert.equal((await c.req('admin', 'GET', `/servers/${s.id}`)).status, 404);
  });
});
