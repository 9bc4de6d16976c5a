import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createBus } from '../../../src/rpc/create.js';
import { LocalBus } from '../../../src/rpc/local.js';
import { AmqpBus } from '../../../src/rpc/amqp.js';
import { InvalidTransportUrl } from '../../../src/rpc/transport-url.js';

const RABBIT_URL = process.env.MAGNETAR_TEST_TRANSPORT_URL ?? 'rabbit://guest:guest@127.0.0.1:5672/';

describe('createBus', () => {
  it('makes the in-process bus for local:// and fake://', async () => {
    for (const url of ['local://', 'fake://']) {
      const bus = await createBus(url, { defaultTimeoutMs: 100 });
      assert.ok(bus instanceof LocalBus, url);
      await bus.close();
    }
  });

  it('makes a RabbitMQ bus for rabbit:// that works', async () => {
    const bus = await createBus(RABBIT_URL, { queuePrefix: `magnetar-test-create-${process.pid}`, queueExpiresMs: 10_000 });
    try {
      assert.ok(bus instanceof AmqpBus);
      const sub = await bus.serve('echo', { echo: (args) => args.text ?? null });
      assert.equal(await bus.call('echo', 'echo', { text: 'hi' }, { timeoutMs: 3000 }), 'hi');
      await sub.close();
    } finally {
      await bus.close();
    }
  });

  it('refuses a driver it does not have', async () => {
    await assert.rejects(createBus('kafka://h:9092/'), InvalidTransportUrl);
  });
});
