// The notifier: where each notification goes for each [notifications]
// setting, its envelope, and that emitting never fails or holds an action up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { loadConfig } from '../../../src/config/config.js';
import { LocalBus } from '../../../src/rpc/local.js';
import type { Bus, Subscription } from '../../../src/rpc/bus.js';
import { ManualClock } from '../../../src/compute/clock.js';
import { Notifier } from '../../../src/notifications/notifier.js';
import { versionedObject } from '../../../src/notifications/envelope.js';

const log = pino({ level: 'silent' });
const payload = versionedObject('InstanceActionPayload', '1.9', { uuid: 'u1' });

/** A bus whose notifications are recorded (or refused, or never taken). */
function recordingBus(behaviour: 'take' | 'refuse' | 'hang' = 'take'): { bus: Bus; sent: Array<[string, string, string]> } {
  const sent: Array<[string, string, string]> = [];
  const local = new LocalBus();
  const bus = Object.assign(Object.create(local) as LocalBus, {
    publishNotification: async (exchange: string, key: string, body: string) => {
      if (behaviour === 'refuse') throw new Error('broker says no');
      if (behaviour === 'hang') return new Promise<void>(() => undefined);
      sent.push([exchange, key, body]);
    },
    listenNotifications: async (): Promise<Subscription> => ({ close: async () => undefined }),
  });
  return { bus, sent };
}

const conf = (...overrides: string[]) => loadConfig({ env: {}, overrides });

test('unversioned (the default) sends only to the internal topic the event stream hears', async () => {
  const { bus, sent } = recordingBus();
  await Notifier.fromConfig(conf(), bus, new ManualClock(), log).emit('INFO', 'instance.pause.start', 'nova-compute:h1', payload);
  assert.deepEqual(sent.map(([x, k]) => [x, k]), [['magnetar', 'magnetar_events.info']]);
});

test('versioned sends to each topic on the control exchange, with the priority in the routing key', async () => {
  const { bus, sent } = recordingBus();
  const n = Notifier.fromConfig(conf('notifications.notification_format=both', 'notifications.versioned_notifications_topics=a,b', 'DEFAULT.control_exchange=nova'), bus, new ManualClock(Date.UTC(2026, 0, 2, 3, 4, 5, 678)), log);
  await n.emit('ERROR', 'instance.create.error', 'nova-compute:h1', payload, { requestId: 'req-1', userId: 'u', projectId: 'p' });
  assert.deepEqual(sent.map(([x, k]) => [x, k]), [['nova', 'a.error'], ['nova', 'b.error']]);
  const body = JSON.parse(sent[0]![2]);
  assert.deepEqual(Object.keys(body).sort(), ['oslo.message', 'oslo.version']);
  assert.equal(body['oslo.version'], '2.0');
  const msg = JSON.parse(body['oslo.message']);
  assert.equal(msg.event_type, 'instance.create.error');
  assert.equal(msg.priority, 'ERROR');
  assert.equal(msg.publisher_id, 'nova-compute:h1');
  assert.equal(msg.timestamp, '2026-01-02 03:04:05.678000');
  assert.equal(msg._context_request_id, 'req-1');
  assert.equal(msg._context_project_id, 'p');
  assert.deepEqual(msg.payload, payload);
});

test('a broker that refuses or never takes a notification neither fails the emit nor holds it up past a second', async () => {
  const refused = recordingBus('refuse');
  await Notifier.fromConfig(conf(), refused.bus, new ManualClock(), log).emit('INFO', 'instance.pause.start', 'nova-compute:h1', payload);
  const hung = recordingBus('hang');
  const started = Date.now();
  // The notifier's own timer does not keep a process alive; this test's does.
  const alive = setTimeout(() => undefined, 5000);
  await Notifier.fromConfig(conf(), hung.bus, new ManualClock(), log).emit('INFO', 'instance.pause.start', 'nova-compute:h1', payload);
  clearTimeout(alive);
  assert.ok(Date.now() - started < 1500);
});
