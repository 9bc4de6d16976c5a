// What only the RabbitMQ bus has: brokers that can be down or go away.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { promisify } from 'node:util';
import amqp from 'amqplib';
import { AmqpBus } from '../../../src/rpc/amqp.js';
import { MessagingTimeout } from '../../../src/rpc/bus.js';
import { BusClosed, MessagingUnavailable } from '../../../src/rpc/bus-errors.js';
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
  it('a notification exchange the broker refuses fails only that notification: calls and other notifications go on', async () => {
    const clash = `magnetar-test-clash-${randomUUID()}`;
    const conn = await amqp.connect(RABBIT_URL.replace(/^rabbit:/, 'amqp:'));
    const ch = await conn.createChannel();
    // Declared durable by someone else; the bus declares its exchanges non-durable.
    await ch.assertExchange(clash, 'topic', { durable: true });
    const errors: string[] = [];
    const logger: BusLogger = { warn: () => undefined, error: (_o, msg) => errors.push(msg ?? '') };
    const bus = await AmqpBus.connect(RABBIT_URL, { ...testOpts(), logger });
    try {
      await bus.serve('ping', { ping: () => 'pong' });
      await assert.rejects(bus.publishNotification(clash, 'versioned_notifications.info', '{}'));
      await new Promise((res) => setTimeout(res, 100));
      assert.deepEqual(errors, [], 'the connection was not lost');
      assert.equal(await bus.call('ping', 'ping', {}, { timeoutMs: 3000 }), 'pong');
      await bus.publishNotification(`magnetar-test-ok-${randomUUID()}`, 'versioned_notifications.info', '{}');
      await ch.deleteExchange(clash);
    } finally {
      await bus.close();
      await conn.close();
    }
  });

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

  it('when the broker drops the connection, waiting calls fail at once, then the bus reconnects and serves again', async () => {
    const serverName = `magnetar-test-${randomUUID()}`;
    const clientName = `magnetar-test-${randomUUID()}`;
    const opts = testOpts();
    const server = recordingLogger();
    const client = recordingLogger();
    const serverBus = await AmqpBus.connect(RABBIT_URL, { ...opts, connectionName: serverName, logger: server.logger });
    const clientBus = await AmqpBus.connect(RABBIT_URL, { ...opts, connectionName: clientName, logger: client.logger });
    const casts: string[] = [];
    try {
      await serverBus.serve('echo', { echo: (args) => args.text ?? null, note: (args) => void casts.push(String(args.text)) });
      const waiting = clientBus.call('nobody', 'x', {}, { timeoutMs: 30_000 }).then(
        () => assert.fail('the call should have failed'),
        (err: unknown) => err,
      );
      await sleep(100);
      const started = Date.now();
      await brokerClosesConnection(clientName);
      assert.ok((await waiting) instanceof MessagingUnavailable);
      assert.ok(Date.now() - started < 10_000, 'the waiting call was not failed promptly');

      // The caller's side reconnects: calls and casts made right after the loss wait for it.
      assert.equal(await clientBus.call('echo', 'echo', { text: 'after client loss' }, { timeoutMs: 10_000 }), 'after client loss');
      await clientBus.cast('echo', 'note', { text: 'cast after client loss' });
      await waitFor('the cast', () => casts.includes('cast after client loss'));
      assert.ok(client.errors.some((e) => e.msg.includes('lost the connection')), 'the loss was not logged');
      await waitFor('the recovery log', () => client.infos.some((e) => e.msg.includes('reconnected')));

      // The serving side reconnects: its topic queue gets a consumer again.
      await brokerClosesConnection(serverName);
      assert.equal(await clientBus.call('echo', 'echo', { text: 'after server loss' }, { timeoutMs: 10_000 }), 'after server loss');
      await clientBus.cast('echo', 'note', { text: 'cast after server loss' });
      await waitFor('the cast', () => casts.includes('cast after server loss'));
      assert.equal(await serverBus.call('echo', 'echo', { text: 'to itself' }, { timeoutMs: 10_000 }), 'to itself');
      await waitFor('the recovery log', () => server.infos.some((e) => e.msg.includes('reconnected')));
    } finally {
      await Promise.all([serverBus.close(), clientBus.close()]);
      await clientBus.close();
    }
  });

  it('while no broker can be reached, calls and casts wait for one within their limits, and close() stops reconnecting', async () => {
    const proxy = await startProxy();
    const log = recordingLogger();
    const opts = { ...testOpts(), reconnectMaxDelayMs: 200 };
    // The first broker of the URL is never up: each round tries it, then the proxy.
    const bus = await AmqpBus.connect(`rabbit://guest:guest@127.0.0.1:1,127.0.0.1:${proxy.port}/`, {
      ...opts,
      defaultTimeoutMs: 2000,
      logger: log.logger,
    });
    const serverBus = await AmqpBus.connect(RABBIT_URL, opts);
    const casts: string[] = [];
    try {
      await serverBus.serve('echo', { echo: (args) => args.text ?? null, note: (args) => void casts.push(String(args.text)) });
      await proxy.stop();
      await waitFor('the loss to be noticed', () => log.errors.some((e) => e.msg.includes('lost the connection')));

      // Beyond their limits they fail: a call as timed out, a cast as undeliverable.
      await assert.rejects(bus.call('echo', 'echo', { text: 'x' }, { timeoutMs: 300 }), MessagingTimeout);
      await assert.rejects(bus.cast('echo', 'note', { text: 'lost' }), MessagingUnavailable);
      await waitFor('a failed reconnection attempt', () => log.warns.some((e) => e.msg.includes('cannot reconnect')));

      const call = bus.call('echo', 'echo', { text: 'waited' }, { timeoutMs: 10_000 });
      const cast = bus.cast('echo', 'note', { text: 'waited' });
      await sleep(300);
      await proxy.start();
      assert.equal(await call, 'waited');
      await cast;
      await waitFor('the cast', () => casts.includes('waited'));

      // close() while reconnecting: waiting calls end with BusClosed and no connection is tried afterwards.
      const lossesBefore = log.errors.filter((e) => e.msg.includes('lost the connection')).length;
      await proxy.stop();
      await waitFor('the loss to be noticed', () => log.errors.filter((e) => e.msg.includes('lost the connection')).length > lossesBefore);
      // Its rejection is taken at once: close() may reject it before the test awaits it.
      const waiting = bus.call('echo', 'echo', { text: 'never' }, { timeoutMs: 10_000 }).then(
        () => undefined,
        (err: unknown) => err,
      );
      await sleep(300);
      const closing = Date.now();
      await bus.close();
      assert.ok(Date.now() - closing < 2000, 'close() waited for the reconnection');
      assert.ok((await waiting) instanceof BusClosed, 'the waiting call did not end with BusClosed');
      await assert.rejects(bus.call('echo', 'echo', {}, { timeoutMs: 100 }), BusClosed);
      const connectionsBefore = proxy.connections();
      await proxy.start();
      await sleep(700);
      assert.equal(proxy.connections(), connectionsBefore, 'the closed bus reconnected');
      assert.ok(!casts.includes('lost'));
    } finally {
      await bus.close();
      await serverBus.close();
      await proxy.stop();
    }
  });
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, done: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

interface LogEntry {
  readonly obj: object;
  readonly msg: string;
}

function recordingLogger(): { logger: BusLogger; infos: LogEntry[]; warns: LogEntry[]; errors: LogEntry[] } {
  const infos: LogEntry[] = [];
  const warns: LogEntry[] = [];
  const errors: LogEntry[] = [];
  const logger: BusLogger = {
    info: (obj, msg = '') => void infos.push({ obj, msg }),
    warn: (obj, msg = '') => void warns.push({ obj, msg }),
    error: (obj, msg = '') => void errors.push({ obj, msg }),
  };
  return { logger, infos, warns, errors };
}

/** A TCP forwarder to the broker that the test can take down and bring back, as a network outage would. */
async function startProxy(): Promise<{ port: number; start(): Promise<void>; stop(): Promise<void>; connections(): number }> {
  const [host, port] = RABBIT_HOST.replace(/^.*@/, '').split(':');
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  let listener: net.Server | undefined;
  let proxyPort = 0;
  const start = async () => {
    const srv = net.createServer((client) => {
      accepted++;
      const upstream = net.connect(Number(port ?? 5672), host ?? '127.0.0.1');
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => srv.listen(proxyPort, '127.0.0.1', resolve));
    proxyPort = (srv.address() as net.AddressInfo).port;
    listener = srv;
  };
  const stop = async () => {
    const srv = listener;
    listener = undefined;
    for (const s of sockets) s.destroy();
    if (srv !== undefined) await new Promise<void>((resolve) => srv.close(() => resolve()));
  };
  await start();
  return { port: proxyPort, start, stop, connections: () => accepted };
}
