// Magnetar's extensions for watching and for testing automation: the event
// stream of versioned notifications (GET /magnetar/events) and clock control
// (GET/POST /magnetar/clock): what a client sees, their policy, their faults.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { startCloud, type Cloud } from '../support/cloud.js';
import { act } from '../support/actions.js';
import { openEventStream, type EventReader, type StreamEvent } from '../support/event-stream.js';

const UUID_RX = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const hostOf = (s: any): string => s['OS-EXT-SRV-ATTR:host'];
const typesOf = (events: StreamEvent[], uuid: string): string[] =>
  events.filter((e) => e.data.payload['nova_object.data'].uuid === uuid).map((e) => e.event);

describe('event stream and clock control', () => {
  let c: Cloud;
  let stream: EventReader;
  before(async () => {
    c = await startCloud({ overrides: ['magnetar.clock_control=true', 'DEFAULT.resize_confirm_window=3600', 'DEFAULT.periodic_interval=600', 'fake.live_migration_hold=true'] });
    stream = await openEventStream(`${c.computeUrl}/v2.1/magnetar/events?event_type=instance.`, await c.token('admin'));
  });
  after(async () => {
    stream.close();
    await c.stop();
  });

  it('streams the notifications of a build and a stop, in order, in Nova\'s payload format', async () => {
    assert.equal(stream.status, 200);
    assert.match(stream.contentType ?? '', /^text\/event-stream/);
    const key = await c.req('demo', 'POST', '/os-keypairs', { body: { keypair: { name: 'ev-key' } }, version: '2.2' });
    assert.equal(key.status, 201, key.text);
    const s = await c.bootServer('demo', { key_name: 'ev-key' });
    const stop = await act(c, 'demo', s.id, { 'os-stop': null });
    assert.equal(stop.status, 202);
    const rid = stop.headers.get('x-openstack-request-id');
    const events = await stream.until((e) => typesOf(e, s.id).includes('instance.power_off.end'));
    assert.deepEqual(typesOf(events, s.id), ['instance.create.start', 'instance.create.end', 'instance.power_off.start', 'instance.power_off.end']);

    const created = events.find((e) => e.event === 'instance.create.end' && e.data.payload['nova_object.data'].uuid === s.id)!;
    assert.equal(created.data.event_type, 'instance.create.end');
    assert.equal(created.data.priority, 'INFO');
    assert.equal(created.data.publisher_id, `nova-compute:${hostOf(s)}`);
    assert.equal(created.id, created.data.message_id);
    assert.match(created.data.message_id, UUID_RX);
    assert.match(created.data.timestamp, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
    assert.equal(created.data.payload['nova_object.name'], 'InstanceCreatePayload');
    assert.equal(created.data.payload['nova_object.namespace'], 'nova');
    assert.equal(created.data.payload['nova_object.version'], '1.13');
    const cd = created.data.payload['nova_object.data'];
    assert.equal(cd.state, 'active');
    assert.equal(cd.power_state, 'running');
    assert.equal(cd.host, hostOf(s));
    assert.equal(cd.tenant_id, await c.projectId('demo'));
    assert.equal(cd.flavor['nova_object.name'], 'FlavorPayload');
    assert.equal(cd.flavor['nova_object.data'].flavorid, '1');
    assert.match(cd.launched_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(cd.key_name, 'ev-key');
    assert.equal(cd.keypairs.length, 1);
    assert.equal(cd.keypairs[0]['nova_object.name'], 'KeypairPayload');
    assert.equal(cd.keypairs[0]['nova_object.data'].name, 'ev-key');
    assert.equal(cd.keypairs[0]['nova_object.data'].fingerprint, key.body.keypair.fingerprint);
    assert.equal(cd.keypairs[0]['nova_object.data'].type, 'ssh');
    assert.match(cd.instance_name, /^instance-[0-9a-f]{8}$/);

    const off = events.find((e) => e.event === 'instance.power_off.end' && e.data.payload['nova_object.data'].uuid === s.id)!;
    assert.equal(off.data.payload['nova_object.name'], 'InstanceActionPayload');
    assert.equal(off.data.payload['nova_object.version'], '1.9');
    const od = off.data.payload['nova_object.data'];
    assert.equal(od.state, 'stopped');
    assert.equal(od.power_state, 'shutdown');
    assert.equal(od.task_state, null);
    assert.equal(od.request_id, rid, 'the request that asked for it');
    assert.equal(od.action_initiator_project, await c.projectId('demo'));
    assert.equal(od.fault, null);
  });

  it('streams a live migration force-completed, and one aborted, as Nova notifies them', async () => {
    const running = async (id: string): Promise<number> => {
      const end = Date.now() + 10_000;
      for (;;) {
        const m = (await c.req('admin', 'GET', `/servers/${id}/migrations`, { version: '2.24' })).body.migrations[0];
        if (m?.status === 'running') return m.id;
        if (Date.now() > end) throw new Error(`live migration of ${id} not running: ${JSON.stringify(m)}`);
        await new Promise((res) => setTimeout(res, 20));
      }
    };
    const forced = await c.bootServer('demo');
    assert.equal((await act(c, 'admin', forced.id, { 'os-migrateLive': { host: null, block_migration: 'auto' } }, '2.25')).status, 202);
    const fid = await running(forced.id);
    assert.equal((await c.req('admin', 'POST', `/servers/${forced.id}/migrations/${fid}/action`, { version: '2.22', body: { force_complete: null } })).status, 202);
    await stream.until((e) => typesOf(e, forced.id).includes('instance.live_migration_post.end'));
    const forcedTypes = typesOf(stream.events, forced.id).filter((t) => t.startsWith('instance.live_migration'));
    // As in Nova, the switch-over the force-complete starts may overtake its own .end.
    assert.ok(forcedTypes.indexOf('instance.live_migration_force_complete.end') > forcedTypes.indexOf('instance.live_migration_force_complete.start'));
    assert.deepEqual(forcedTypes.filter((t) => t !== 'instance.live_migration_force_complete.end'), [
      'instance.live_migration_pre.start',
      'instance.live_migration_pre.end',
      'instance.live_migration_force_complete.start',
      'instance.live_migration_post.start',
      'instance.live_migration_post_dest.start',
      'instance.live_migration_post_dest.end',
      'instance.live_migration_post.end',
    ]);

    const aborted = await c.bootServer('demo');
    assert.equal((await act(c, 'admin', aborted.id, { 'os-migrateLive': { host: null, block_migration: 'auto' } }, '2.25')).status, 202);
    const aid = await running(aborted.id);
    assert.equal((await c.req('admin', 'DELETE', `/servers/${aborted.id}/migrations/${aid}`, { version: '2.24' })).status, 202);
    await stream.until((e) => typesOf(e, aborted.id).includes('instance.live_migration_rollback.end'));
    const abortedTypes = typesOf(stream.events, aborted.id).filter((t) => t.startsWith('instance.live_migration'));
    assert.ok(abortedTypes.indexOf('instance.live_migration_abort.end') > abortedTypes.indexOf('instance.live_migration_abort.start'));
    assert.deepEqual(abortedTypes.filter((t) => t !== 'instance.live_migration_abort.end'), [
      'instance.live_migration_pre.start',
      'instance.live_migration_pre.end',
      'instance.live_migration_abort.start',
      'instance.live_migration_rollback.start',
      'instance.live_migration_rollback_dest.start',
      'instance.live_migration_rollback_dest.end',
      'instance.live_migration_rollback.end',
    ]);
    const back = stream.events.filter((e) => e.event === 'instance.live_migration_rollback.end' && e.data.payload['nova_object.data'].uuid === aborted.id)[0]!;
    assert.equal(back.data.payload['nova_object.data'].host, hostOf(aborted), 'the server stays on its source');
    assert.equal(back.data.payload['nova_object.data'].task_state, null);
  });

  it('filters by server and sends service.update when a service is forced down', async () => {
    const admin = await c.token('admin');
    const all = await openEventStream(`${c.computeUrl}/v2.1/magnetar/events`, admin);
    try {
      const svc = (await c.req('admin', 'GET', '/os-services?binary=nova-compute', { version: '2.53' })).body.services[0];
      const r = await c.req('admin', 'PUT', `/os-services/${svc.id}`, { version: '2.53', body: { forced_down: true } });
      assert.equal(r.status, 200);
      const [ev] = (await all.until((e) => e.some((x) => x.event === 'service.update'))).filter((x) => x.event === 'service.update');
      assert.equal(ev!.data.publisher_id, `nova-compute:${svc.host}`);
      assert.equal(ev!.data.payload['nova_object.name'], 'ServiceStatusPayload');
      assert.equal(ev!.data.payload['nova_object.version'], '1.1');
      assert.equal(ev!.data.payload['nova_object.data'].forced_down, true);
      assert.equal(ev!.data.payload['nova_object.data'].uuid, svc.id);
      await c.req('admin', 'PUT', `/os-services/${svc.id}`, { version: '2.53', body: { forced_down: false } });
    } finally {
      all.close();
    }
    assert.ok(!stream.events.some((e) => e.event === 'service.update'), 'the event_type filter holds service events back');
  });

  it('is admin only and answers bad parameters with a 400', async () => {
    const demo = await openEventStream(`${c.computeUrl}/v2.1/magnetar/events`, await c.token('demo'));
    assert.equal(demo.status, 403);
    const notUuid = await c.req('admin', 'GET', '/magnetar/events?server_id=nope');
    assert.equal(notUuid.status, 400);
    assert.ok(notUuid.body.badRequest.message);
    const unknown = await c.req('admin', 'GET', '/magnetar/events?colour=red');
    assert.equal(unknown.status, 400);
  });

  it('answers HEAD with the stream\'s headers, and the connection ends', async () => {
    // On a raw socket: an HTTP client ends a HEAD answer at its headers, whether or not the server goes on.
    const { hostname: host, port } = new URL(c.computeUrl);
    const token = await c.token('admin');
    const answer = await new Promise<string>((resolve, reject) => {
      const sock = connect(Number(port), host, () => sock.write(`HEAD /v2.1/magnetar/events HTTP/1.1\r\nHost: ${host}\r\nX-Auth-Token: ${token}\r\n\r\n`));
      let text = '';
      sock.on('data', (b: Buffer) => (text += b.toString()));
      sock.on('close', () => resolve(text));
      sock.on('error', reject);
      setTimeout(() => (sock.destroy(), reject(new Error(`still open after 5 s: ${text}`))), 5000).unref();
    });
    assert.match(answer, /^HTTP\/1\.1 200 /);
    assert.match(answer, /content-type: text\/event-stream/i);
    const demo = await fetch(`${c.computeUrl}/v2.1/magnetar/events`, { method: 'HEAD', headers: { 'X-Auth-Token': await c.token('demo') }, signal: AbortSignal.timeout(5000) });
    assert.equal(demo.status, 403);
  });

  it('moves the clock forward: a resize left unconfirmed is auto-confirmed once resize_confirm_window has passed', async () => {
    const s = await c.bootServer('demo');
    assert.equal((await act(c, 'demo', s.id, { resize: { flavorRef: '2' } })).status, 202);
    await c.waitServer(s.id, (x) => x.status === 'VERIFY_RESIZE');
    const before = (await c.req('admin', 'GET', '/magnetar/clock')).body.clock;
    assert.equal(before.offset, 0);

    const r = await c.req('admin', 'POST', '/magnetar/clock', { body: { advance: 3601 } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.clock.offset, 3601);
    assert.ok(Date.parse(r.body.clock.now) - Date.now() > 3600_000);
    // periodic_interval is 10 minutes here: only the clock's nudge can confirm it this soon.
    const done = await c.waitServer(s.id, (x) => x.status === 'ACTIVE', 5000);
    assert.equal(done.flavor.original_name, 'm1.small');
    const migs = (await c.req('admin', 'GET', `/os-migrations?instance_uuid=${s.id}`, { version: '2.59' })).body.migrations;
    assert.equal(migs[0].status, 'confirmed');
    await stream.until((e) => typesOf(e, s.id).includes('instance.resize_confirm.end'));
    const resizeTypes = typesOf(stream.events, s.id).filter((t) => t.startsWith('instance.resize'));
    const prep = stream.events.find((e) => e.event === 'instance.resize_prep.start' && e.data.payload['nova_object.data'].uuid === s.id)!;
    assert.equal(prep.data.payload['nova_object.name'], 'InstanceActionResizePrepPayload');
    assert.equal(prep.data.payload['nova_object.version'], '1.4');
    assert.equal(prep.data.payload['nova_object.data'].new_flavor['nova_object.data'].flavorid, '2');
    assert.equal(prep.data.payload['nova_object.data'].flavor['nova_object.data'].flavorid, '1');
    // As in Nova, the destination's resize_prep.end may come after the source has started the move it asked for.
    assert.ok(resizeTypes.indexOf('instance.resize_prep.end') > resizeTypes.indexOf('instance.resize_prep.start'));
    assert.deepEqual(
      resizeTypes.filter((t) => t !== 'instance.resize_prep.end'),
      ['instance.resize_prep.start', 'instance.resize.start', 'instance.resize.end', 'instance.resize_finish.start', 'instance.resize_finish.end', 'instance.resize_confirm.start', 'instance.resize_confirm.end'],
    );
  });

  it('moves the clock past live_migration_completion_timeout: a held live migration is aborted', async () => {
    const s = await c.bootServer('demo');
    assert.equal((await act(c, 'admin', s.id, { 'os-migrateLive': { host: null, block_migration: 'auto' } }, '2.25')).status, 202);
    const end = Date.now() + 10_000;
    while ((await c.req('admin', 'GET', `/servers/${s.id}/migrations`, { version: '2.24' })).body.migrations[0]?.status !== 'running') {
      if (Date.now() > end) throw new Error('the live migration did not start');
      await new Promise((res) => setTimeout(res, 20));
    }
    assert.equal((await c.req('admin', 'POST', '/magnetar/clock', { body: { advance: 801 } })).status, 200);
    const after = await c.waitServer(s.id, (x) => x.status === 'ACTIVE', 5000);
    assert.equal(hostOf(after), hostOf(s), 'the timed-out migration was rolled back');
    const migs = (await c.req('admin', 'GET', `/os-migrations?instance_uuid=${s.id}`, { version: '2.59' })).body.migrations;
    assert.equal(migs[0].status, 'cancelled');
    await stream.until((e) => typesOf(e, s.id).includes('instance.live_migration_rollback.end'));
  });

  it('streams instance.evacuate from the API, and a delete done by the API while the host is down', async () => {
    const s = await c.bootServer('demo');
    const failed = hostOf(s);
    const t = await c.bootServer('admin', { availability_zone: `nova:${failed}` });
    assert.equal(hostOf(t), failed);
    const svc = (await c.req('admin', 'GET', `/os-services?host=${failed}&binary=nova-compute`, { version: '2.53' })).body.services[0];
    assert.equal((await c.req('admin', 'POST', `/magnetar/hosts/${failed}/action`, { body: { crash: null } })).status, 200);
    assert.equal((await c.req('admin', 'PUT', `/os-services/${svc.id}`, { version: '2.53', body: { forced_down: true } })).status, 200);
    try {
      const ev = await act(c, 'admin', s.id, { evacuate: {} }, '2.68');
      assert.equal(ev.status, 200);
      await stream.until((e) => typesOf(e, s.id).includes('instance.evacuate'));
      const evac = stream.events.find((e) => e.event === 'instance.evacuate' && e.data.payload['nova_object.data'].uuid === s.id)!;
      assert.equal(evac.data.publisher_id, 'nova-api:magnetar');
      assert.equal(evac.data.payload['nova_object.data'].task_state, 'rebuilding');
      assert.equal(evac.data.payload['nova_object.data'].request_id, ev.headers.get('x-openstack-request-id'));
      assert.equal(evac.data.payload['nova_object.data'].action_initiator_project, await c.projectId('admin'));
      await c.waitServer(s.id, (x) => x.status === 'ACTIVE' && hostOf(x) !== failed);
      assert.equal((await c.req('admin', 'DELETE', `/servers/${t.id}`)).status, 204);
      await stream.until((e) => typesOf(e, t.id).includes('instance.delete.end'));
      const del = stream.events.filter((e) => e.data.payload['nova_object.data'].uuid === t.id && e.event.startsWith('instance.delete'));
      assert.deepEqual(del.map((e) => [e.event, e.data.publisher_id]), [
        ['instance.delete.start', 'nova-api:magnetar'],
        ['instance.delete.end', 'nova-api:magnetar'],
      ]);
      assert.equal(del[1]!.data.payload['nova_object.data'].state, 'deleted');
      assert.match(del[1]!.data.payload['nova_object.data'].deleted_at, /Z$/);
    } finally {
      assert.equal((await c.req('admin', 'POST', `/magnetar/hosts/${failed}/action`, { body: { start: null } })).status, 200);
    }
  });

  it('is admin only and refuses bad bodies without moving the clock', async () => {
    const offset = (await c.req('admin', 'GET', '/magnetar/clock')).body.clock.offset;
    assert.equal((await c.req('demo', 'POST', '/magnetar/clock', { body: { advance: 10 } })).status, 403);
    assert.equal((await c.req('demo', 'GET', '/magnetar/clock')).status, 403);
    for (const body of [{ advance: -1 }, { advance: '10' }, {}, { advance: 1, extra: 1 }, { advance: 1e12 }]) {
      const r = await c.req('admin', 'POST', '/magnetar/clock', { body });
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.ok(r.body.badRequest.message);
    }
    assert.equal((await c.req('admin', 'POST', '/magnetar/clock', { raw: '{"advance":' })).status, 400);
    assert.equal((await c.req('admin', 'GET', '/magnetar/clock')).body.clock.offset, offset);
  });
});

describe('clock control off (the default)', () => {
  let c: Cloud;
  before(async () => {
    c = await startCloud();
  });
  after(async () => {
    await c.stop();
  });

  it('serves no clock: 404 even for an admin', async () => {
    const r = await c.req('admin', 'POST', '/magnetar/clock', { body: { advance: 10 } });
    assert.equal(r.status, 404);
    assert.equal(r.body.itemNotFound.code, 404);
    assert.equal((await c.req('admin', 'GET', '/magnetar/clock')).status, 404);
  });
});
