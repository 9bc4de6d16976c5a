// Versioned notifications on RabbitMQ, as a consumer of Nova's sees them: a
// queue bound to the control exchange with `versioned_notifications.info`
// receives the events of a live migration across separate processes, in
// order, in oslo.messaging's envelope with Nova's payloads. The API process
// hears the same events from the bus for its event stream, and the logs
// follow the move from the request to the hosts.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import amqp, { type ChannelModel, type ConsumeMessage } from 'amqplib';
import { DistributedCloud } from './support/distributed-cloud.js';
import { openEventStream, type EventReader } from '../support/event-stream.js';

const LIVE_MIGRATION_EVENTS = [
  'instance.live_migration_pre.start',
  'instance.live_migration_pre.end',
  'instance.live_migration_post.start',
  'instance.live_migration_post_dest.start',
  'instance.live_migration_post_dest.end',
  'instance.live_migration_post.end',
];

interface Received {
  readonly routingKey: string;
  readonly contentType: unknown;
  readonly body: any;
  readonly message: any;
}

describe('versioned notifications on RabbitMQ', () => {
  const d = new DistributedCloud();
  let conn: ChannelModel;
  const received: Received[] = [];
  let stream: EventReader;
  const level = process.env['MAGNETAR_LOG_LEVEL'];

  before(async () => {
    // The roles log at Nova's default level, INFO, for the log checks below.
    delete process.env['MAGNETAR_LOG_LEVEL'];
    // The consumer is there first, as Nova's are: it declares the exchange and binds its queue.
    conn = await amqp.connect('amqp://guest:guest@127.0.0.1:5672/');
    const ch = await conn.createChannel();
    await ch.assertExchange(d.dbName, 'topic', { durable: false, autoDelete: false });
    const { queue } = await ch.assertQueue('', { exclusive: true, autoDelete: true });
    await ch.bindQueue(queue, d.dbName, 'versioned_notifications.info');
    await ch.consume(
      queue,
      (m: ConsumeMessage | null) => {
        if (m === null) return;
        const body = JSON.parse(m.content.toString('utf8'));
        received.push({ routingKey: m.fields.routingKey, contentType: m.properties.contentType, body, message: JSON.parse(body['oslo.message']) });
      },
      { noAck: true },
    );
    await d.start(['api', 'scheduler', 'conductor', 'compute:node-a', 'compute:node-b'], [
      'notifications.notification_format=versioned',
      'magnetar.clock_control=true',
      'DEFAULT.resize_confirm_window=3600',
      'DEFAULT.periodic_interval=600',
      'fake.migrate_delay=0.05',
      'DEFAULT.report_interval=1',
      'fake.spawn_delay=0.05',
      'fake.live_migration_delay=0.1',
    ]);
  });
  after(async () => {
    stream?.close();
    await d.stop();
    await conn?.close();
    if (level === undefined) delete process.env['MAGNETAR_LOG_LEVEL'];
    else process.env['MAGNETAR_LOG_LEVEL'] = level;
  });

  it('delivers the events of a live migration in order, with Nova\'s envelope and payloads', async () => {
    const server = await d.boot('n1');
    const src = server['OS-EXT-SRV-ATTR:host'];
    const dest = src === 'node-a' ? 'node-b' : 'node-a';
    const token = await d.adminToken();
    stream = await openEventStream(`${d.computeUrl}/v2.1/magnetar/events?server_id=${server.id}&event_type=instance.live_migration`, token);
    assert.equal(stream.status, 200);

    const r = await fetch(`${d.computeUrl}/v2.1/servers/${server.id}/action`, {
      method: 'POST',
      headers: { 'X-Auth-Token': token, 'Content-Type': 'application/json', 'OpenStack-API-Version': 'compute 2.30' },
      body: JSON.stringify({ 'os-migrateLive': { host: dest, block_migration: 'auto' } }),
    });
    assert.equal(r.status, 202, await r.text());
    const requestId = r.headers.get('x-openstack-request-id')!;
    await d.waitFor(`/servers/${server.id}`, (b) => b.body?.server?.status === 'ACTIVE' && b.body.server['OS-EXT-SRV-ATTR:host'] === dest);

    const ofServer = () => received.filter((x) => x.message.payload['nova_object.data'].uuid === server.id);
    const deadline = Date.now() + 10_000;
    while (!ofServer().some((x) => x.message.event_type === 'instance.live_migration_post.end') && Date.now() < deadline) await new Promise((res) => setTimeout(res, 50));

    const migration = ofServer().filter((x) => x.message.event_type.startsWith('instance.live_migration'));
    assert.deepEqual(migration.map((x) => x.message.event_type), LIVE_MIGRATION_EVENTS);
    assert.deepEqual(ofServer().slice(0, 2).map((x) => x.message.event_type), ['instance.create.start', 'instance.create.end']);
    const publishers = Object.fromEntries(migration.map((x) => [x.message.event_type, x.message.publisher_id]));
    assert.equal(publishers['instance.live_migration_pre.start'], `nova-compute:${dest}`);
    assert.equal(publishers['instance.live_migration_post.start'], `nova-compute:${src}`);
    assert.equal(publishers['instance.live_migration_post_dest.end'], `nova-compute:${dest}`);

    const pre = migration[0]!;
    assert.equal(pre.routingKey, 'versioned_notifications.info');
    assert.equal(pre.contentType, 'application/json');
    assert.equal(pre.body['oslo.version'], '2.0');
    assert.equal(typeof pre.body['oslo.message'], 'string');
    assert.equal(pre.message.priority, 'INFO');
    assert.match(pre.message.message_id, /^[0-9a-f-]{36}$/);
    assert.match(pre.message.timestamp, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/);
    assert.equal(pre.message._context_request_id, requestId);
    assert.equal(pre.message.payload['nova_object.name'], 'InstanceActionPayload');
    assert.equal(pre.message.payload['nova_object.namespace'], 'nova');
    assert.equal(pre.message.payload['nova_object.version'], '1.9');
    const data = pre.message.payload['nova_object.data'];
    assert.equal(data.task_state, 'migrating');
    assert.equal(data.host, src, 'before the move the server is still on its source');
    assert.equal(data.state, 'active');
    assert.equal(data.request_id, requestId);
    assert.equal(data.flavor['nova_object.name'], 'FlavorPayload');
    const end = migration[migration.length - 1]!.message.payload['nova_object.data'];
    assert.equal(end.host, dest);
    assert.equal(end.task_state, null);

    // The API process heard the same events from the bus, in the same order, for its event stream.
    const seen = await stream.until((e) => e.length >= LIVE_MIGRATION_EVENTS.length);
    assert.deepEqual(seen.map((e) => e.event), LIVE_MIGRATION_EVENTS);
    assert.deepEqual(seen.map((e) => e.id), migration.map((x) => x.message.message_id));

    // The logs follow the move: the request at the API, its steps on each host, with the same request id.
    const lines = (role: string) => d.log(role).split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
    const req = lines('api').find((l) => l.requestId === requestId && l.method === 'POST');
    assert.ok(req, 'the API logged the request');
    assert.equal(req.level, 30);
    assert.match(req.msg, new RegExp(`"POST /v2.1/servers/${server.id}/action" status: 202 len: 0 microversion: 2.30 time: \\d+\\.\\d{6}$`));
    const steps = (role: string) => lines(role).filter((l) => l.requestId === requestId && l.instance === server.id).map((l) => l.msg);
    assert.ok(steps(`compute:${dest}`).includes('compute_pre_live_migration done'), steps(`compute:${dest}`).join(', '));
    assert.ok(steps(`compute:${src}`).includes('compute_live_migration started'), steps(`compute:${src}`).join(', '));
    assert.ok(steps('conductor').length > 0, 'the conductor logged its steps');
  });

  it('moves every process\'s clock: a resize is auto-confirmed across processes once resize_confirm_window has passed', async () => {
    const server = await d.boot('n2');
    const resize = await d.api('POST', `/servers/${server.id}/action`, { resize: { flavorRef: '2' } });
    assert.equal(resize.status, 202, JSON.stringify(resize.body));
    await d.waitFor(`/servers/${server.id}`, (b) => b.body?.server?.status === 'VERIFY_RESIZE');
    const moved = await d.api('POST', '/magnetar/clock', { advance: 3601 });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.equal(moved.body.clock.offset, 3601);
    // periodic_interval is 10 minutes: only the clock's move can confirm it this soon.
    await d.waitFor(`/servers/${server.id}`, (b) => b.body?.server?.status === 'ACTIVE', 10_000);
    const migs = await d.api('GET', `/os-migrations?instance_uuid=${server.id}`, undefined, '2.59');
    assert.equal(migs.body.migrations[0].status, 'confirmed');
    // The hosts' clocks moved too: they still count as up, and their heartbeats say so.
    const services = await d.api('GET', '/os-services?binary=nova-compute');
    assert.deepEqual(services.body.services.map((s: any) => s.state), ['up', 'up']);
    const confirmed = () => received.find((x) => x.message.event_type === 'instance.resize_confirm.end' && x.message.payload['nova_object.data'].uuid === server.id);
    for (const end = Date.now() + 5000; !confirmed() && Date.now() < end; ) await new Promise((res) => setTimeout(res, 50));
    const confirmEnd = confirmed();
    assert.ok(confirmEnd, 'the confirm was notified');
    assert.ok(Date.parse(confirmEnd.message.timestamp.replace(' ', 'T') + 'Z') - Date.now() > 3500_000, 'by a host whose clock moved');
  });
});
