// What only the RabbitMQ bus has: brokers that can be down or go away.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { AmqpBus } from '../../../src/rpc/amqp.js';
import { MessagingUnavailable } from '../../../src/rpc/bus-errors.js';
import type { BusLogger } from '../../../src/rpc/bus-options.js';

const run = promisify(execFile);
const RABBIT_URL = process.env.MAGNETAR_TEST_TRANSPORT_URL ?? 'rabbit://guest:guest@127.0.0.1:5672/';
const RABBIT_HOST = RABBIT_URL.replace(/^rabbit:\/\//, '').replace(/\/.*$/, '');
const testOpts = () => ({ queuePrefix: `magnetar-test-${randomUUID()}`, queueExpiresMs: 10_000 });

/** Has the broker drop the connection whose client named itself `name`, as a broker restart would. */
async function brokerClosesConnection(name: string): Promise<void> {
  const { stdout } = await run('rabbitmqctl', ['-q', 'list_connections', 'pid', 'client_properties']);
  const line = stdout.split('\n').find((l) => l.includes(`"${name}"`));
  assert.ok(line, `no connection named ${name} in:\n${stdout}`);
  await run('rabbitmqctl', ['close_connection', line.split('\t')[0] as string, 'test closes it']);
}

describe('AmqpBus and its broker', () => {
  it('fails to connect with MessagingUnavailable naming the broker but not the password', async () => {
    await assert.rejects(AmqpBus.connect('rabbit://guest:topsecret@127.0.0.1:1/'), (err: unknown) => {
      assert.ok(err instanceof MessagingUnavailable);
      assert.match(err.message, /127\.0\.0\.1:1/);
      assert.doesNotMatch(err.message, /topsecret/);
      return true;
    });
  });

  it('connects to the next broker of a clustered URL when the first is down', async () => {
    const bus = await AmqpBus.connect(`rabbit://guest:guest@127.0.0.1:1,${RABBIT_HOST}/`, testOpts());
    try {
      await bus.serve('ping', { ping: () => 'pong' });
      assert.equal(await bus.call('ping', 'ping', {}, { timeoutMs: 3000 }), 'pong');
    } finally {
      await bus.close();
    }
  });

  it('when the broker drops the connection, waiting and later calls fail at once, and close still works', async () => {
    const connectionName = `magnetar-test-${randomUUID()}`;
    const errors: object[] = [];
    const logger: BusLogger = { warn: () => undefined, error: (obj) => void errors.push(obj) };
    const bus = await AmqpBus.connect(RABBIT_URL, { ...testOpts(), connectionName, logger });
    try {
      const waiting = bus.call('nobody', 'x', {}, { timeoutMs: 30_000 }).then(
        () => assert.fail('the call should have failed'),
        (err: unknown) => err,
      );
      await new Promise((resolve) => setTimeout(resolve, 100));
      const started = Date.now();
      await brokerClosesConnection(connectionName);
      assert.ok((await waiting) instanceof MessagingUnavailable);
      assert.ok(Date.now() - started < 10_000, 'the waiting call was not failed promptly');
      await assert.rejects(bus.call('nobody', 'x', {}, { timeoutMs: 30_000 }), MessagingUnavailable);
      await assert.rejects(bus.cast('nobody', 'x', {}), MessagingUnavailable);
      assert.ok(errors.length > 0, 'the loss was not logged');
    } finally {
      await bus.close();
      await bus.close();
    }
  });
});
