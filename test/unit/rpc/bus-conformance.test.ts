// One suite, run against every bus implementation: whatever a role can observe
// of the bus must be the same in-process and over RabbitMQ.

import { after, afterEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import type { Bus, Json, MessageArgs, MessageContext } from '../../../src/rpc/bus.js';
import { MessagingTimeout, RemoteError } from '../../../src/rpc/bus.js';
import { BusClosed } from '../../../src/rpc/bus-errors.js';
import type { BusLogger, BusOptions } from '../../../src/rpc/bus-options.js';
import { LocalBus } from '../../../src/rpc/local.js';
import { AmqpBus } from '../../../src/rpc/amqp.js';
import { notificationTransportOf } from '../../../src/rpc/notification-transport.js';

const RABBIT_URL = process.env.MAGNETAR_TEST_TRANSPORT_URL ?? 'rabbit://guest:guest@127.0.0.1:5672/';

/** Three handles on one bus: in-process they are one object, over RabbitMQ three connections. */
interface Buses {
  readonly client: Bus;
  readonly server: Bus;
  readonly peer: Bus;
}

interface Implementation {
  readonly name: string;
  start(opts?: BusOptions): Promise<Buses>;
  /** Removes whatever the run left on a broker. */
  cleanup(): Promise<void>;
}

const local: Implementation = {
  name: 'LocalBus',
  async start(opts) {
    const bus = new LocalBus(opts);
    return { client: bus, server: bus, peer: bus };
  },
  async cleanup() {},
};

function rabbit(): Implementation {
  // A prefix of our own per run: runs never see each other's queues.
  const queuePrefix = `magnetar-test-${randomUUID()}`;
  const amqpOpts = { queuePrefix, queueExpiresMs: 120_000 };
  return {
    name: 'AmqpBus',
    async start(opts) {
      const [client, server, peer] = await Promise.all([
        AmqpBus.connect(RABBIT_URL, { ...opts, ...amqpOpts }),
        AmqpBus.connect(RABBIT_URL, { ...opts, ...amqpOpts }),
        AmqpBus.connect(RABBIT_URL, { ...opts, ...amqpOpts }),
      ]);
      return { client, server, peer };
    },
    async cleanup() {
      const conn = await amqp.connect(RABBIT_URL.replace(/^rabbit:/, 'amqp:'));
      try {
        const ch = await conn.createChannel();
        for (const topic of usedTopics) await ch.deleteQueue(`${queuePrefix}.${topic}`);
        await ch.close();
      } finally {
        await conn.close();
      }
    },
  };
}

const usedTopics = new Set<string>();
/** A topic no other test uses. */
function topicFor(name: string): string {
  const topic = `${name}.${usedTopics.size}`;
  usedTopics.add(topic);
  return topic;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, done: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

class InstanceNotFound extends Error {
  readonly code = 404;
  readonly details = { tried: ['host1', 'host2'], retry: false };
  // Not JSON: must not travel.
  readonly seenAt = new Date();
  readonly describe = () => 'not a field';
  constructor(readonly instanceUuid: string) {
    super(`Instance ${instanceUuid} could not be found.`);
    this.name = 'InstanceNotFound';
  }
}

function capturingLogger(): BusLogger & { errors: object[] } {
  const errors: object[] = [];
  return { errors, warn: () => undefined, error: (obj) => void errors.push(obj) };
}

for (const impl of [local, rabbit()]) {
  describe(`bus conformance: ${impl.name}`, () => {
    const opened: Bus[] = [];
    async function start(opts?: BusOptions): Promise<Buses> {
      const buses = await impl.start(opts);
      opened.push(buses.client, buses.server, buses.peer);
      return buses;
    }
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((bus) => bus.close()));
    });
    after(() => impl.cleanup());

    it('call returns the handler reply and passes args and request id', async () => {
      const { client, server } = await start();
      const topic = topicFor('conductor');
      let seen: { args: MessageArgs; ctx: MessageContext } | undefined;
      await server.serve(topic, {
        add: (args, ctx) => {
          seen = { args, ctx };
          return { sum: (args.a as number) + (args.b as number) };
        },
      });
      const reply = await client.call(topic, 'add', { a: 2, b: 3 }, { timeoutMs: 3000, requestId: 'req-123' });
      assert.deepEqual(reply, { sum: 5 });
      assert.deepEqual(seen, { args: { a: 2, b: 3 }, ctx: { requestId: 'req-123' } });
    });

    it('notifications reach every listener bound to their exchange and routing key, in order', async () => {
      const { client, server, peer } = await start();
      const exchange = `notif-${randomUUID()}`;
      const heard = (bus: Bus, keys: string[]) => {
        const got: string[] = [];
        return { got, sub: notificationTransportOf(bus)!.listenNotifications(exchange, keys, (key, body) => got.push(`${key} ${body}`)) };
      };
      const info = heard(server, ['versioned_notifications.info']);
      const any = heard(peer, ['versioned_notifications.*']);
      const other = heard(peer, ['other.*']);
      await Promise.all([info.sub, any.sub, other.sub]);
      const publisher = notificationTransportOf(client)!;
      for (const [key, body] of [['versioned_notifications.info', '1'], ['versioned_notifications.error', '2'], ['versioned_notifications.info', '3']] as const)
        await publisher.publishNotification(exchange, key, body);
      const deadline = Date.now() + 3000;
      while ((info.got.length < 2 || any.got.length < 3) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(info.got, ['versioned_notifications.info 1', 'versioned_notifications.info 3']);
      assert.deepEqual(any.got, ['versioned_notifications.info 1', 'versioned_notifications.error 2', 'versioned_notifications.info 3']);
      assert.deepEqual(other.got, []);
      for (const s of [info, any, other]) await (await s.sub).close();
    });

    it('a logger with debug hears each message a server takes ([DEFAULT] debug = true)', async () => {
      const seen: object[] = [];
      const logger: BusLogger = { warn: () => undefined, error: () => undefined, debug: (obj) => seen.push(obj) };
      const { client, server } = await start({ logger });
      const topic = topicFor('conductor');
      await server.serve(topic, { add: (args) => (args.a as number) + 1 });
      assert.equal(await client.call(topic, 'add', { a: 1 }, { timeoutMs: 3000, requestId: 'req-dbg' }), 2);
      assert.ok(
        seen.some((o) => JSON.stringify(o) === JSON.stringify({ topic, method: 'add', requestId: 'req-dbg', args: { a: 1 }, call: true })),
        JSON.stringify(seen),
      );
    });

    it('call to a handler returning nothing resolves to undefined', async () => {
      const { client, server } = await start();
      const topic = topicFor('conductor');
      await server.serve(topic, { noop: () => undefined });
      assert.equal(await client.call<void>(topic, 'noop', {}, { timeoutMs: 3000 }), undefined);
    });

    it('a thrown error comes back as RemoteError with name, message and its JSON fields', async () => {
      const { client, server } = await start();
      const topic = topicFor('conductor');
      await server.serve(topic, {
        find: (args) => {
          throw new InstanceNotFound(args.uuid as string);
        },
      });
      const err = await client.call(topic, 'find', { uuid: 'abc' }, { timeoutMs: 3000 }).then(
        () => assert.fail('call should have failed'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof RemoteError);
      assert.equal(err.remoteName, 'InstanceNotFound');
      assert.equal(err.message, 'Instance abc could not be found.');
      assert.deepEqual(err.fields, { code: 404, details: { tried: ['host1', 'host2'], retry: false }, instanceUuid: 'abc' });
    });

    it('an error passed on from a further hop keeps its original name and fields', async () => {
      const { client, server, peer } = await start();
      const conductor = topicFor('conductor');
      const scheduler = topicFor('scheduler');
      await peer.serve(scheduler, {
        select: () => {
          throw Object.assign(new Error('No valid host was found.'), { name: 'NoValidHost', reason: 'ram' });
        },
      });
      // The conductor lets the scheduler's error go through unchanged.
      await server.serve(conductor, { migrate: () => server.call(scheduler, 'select', {}, { timeoutMs: 3000 }) });
      await assert.rejects(client.call(conductor, 'migrate', {}, { timeoutMs: 3000 }), (err: unknown) => {
        assert.ok(err instanceof RemoteError);
        assert.equal(err.remoteName, 'NoValidHost');
        assert.equal(err.message, 'No valid host was found.');
        assert.deepEqual(err.fields, { reason: 'ram' });
        return true;
      });
    });

    it('an error class that sets no name is known by its class; a thrown non-Error by its text', async () => {
      const { client, server } = await start();
      const topic = topicFor('conductor');
      class ComputeHostNotFound extends Error {}
      await server.serve(topic, {
        unnamed: () => {
          throw new ComputeHostNotFound('host1');
        },
        text: () => {
          throw 'plain text';
        },
      });
      await assert.rejects(client.call(topic, 'unnamed', {}, { timeoutMs: 3000 }), { remoteName: 'ComputeHostNotFound', message: 'host1' });
      await assert.rejects(client.call(topic, 'text', {}, { timeoutMs: 3000 }), { remoteName: 'Error', message: 'plain text' });
    });

    it('the error factory of the options rebuilds the caller its own error class', async () => {
      const { client, server } = await start({
        rebuildError: (name, message, fields) =>
          name === 'InstanceNotFound' ? new InstanceNotFound(fields.instanceUuid as string) : new Error(`${name}: ${message}`),
      });
      const topic = topicFor('conductor');
      await server.serve(topic, {
        find: (args) => Promise.reject(new InstanceNotFound(args.uuid as string)),
      });
      await assert.rejects(client.call(topic, 'find', { uuid: 'xyz' }, { timeoutMs: 3000 }), (err: unknown) => {
        assert.ok(err instanceof InstanceNotFound);
        assert.equal(err.instanceUuid, 'xyz');
        return true;
      });
    });

    it('a call to a method the server does not have fails with NoSuchMethod', async () => {
      const { client, server } = await start();
      const topic = topicFor('conductor');
      await server.serve(topic, { known: () => 1 });
      await assert.rejects(client.call(topic, 'toString', {}, { timeoutMs: 3000 }), (err: unknown) => {
        assert.ok(err instanceof RemoteError);
        assert.equal(err.remoteName, 'NoSuchMethod');
        assert.deepEqual(err.fields, { topic, method: 'toString' });
        return true;
      });
    });

    it('cast never runs the handler before returning, and delivers exactly once', async () => {
      const { client, server } = await start();
      const topic = topicFor('compute');
      const received: Json[] = [];
      await server.serve(topic, { build: (args) => void received.push(args.uuid ?? null) });
      const sent = client.cast(topic, 'build', { uuid: 'i-1' });
      assert.deepEqual(received, [], 'handler ran inside cast');
      await sent;
      await waitFor('the cast', () => received.length > 0);
      await sleep(100);
      assert.deepEqual(received, ['i-1']);
    });

    it('a cast to a topic nobody serves yet waits for its first server', async () => {
      const { client, server } = await start();
      const topic = topicFor('compute.latehost');
      await client.cast(topic, 'build', { uuid: 'i-early' }, { requestId: 'req-early' });
      await sleep(100);
      const received: Array<[Json | undefined, string | undefined]> = [];
      await server.serve(topic, { build: (args, ctx) => void received.push([args.uuid, ctx.requestId]) });
      await waitFor('the early cast', () => received.length > 0);
      assert.deepEqual(received, [['i-early', 'req-early']]);
    });

    it('an error thrown by a cast handler is logged and the server keeps serving', async () => {
      const logger = capturingLogger();
      const { client, server } = await start({ logger });
      const topic = topicFor('compute');
      let served = 0;
      await server.serve(topic, {
        fail: () => {
          throw new InstanceNotFound('gone');
        },
        ok: () => void served++,
      });
      await client.cast(topic, 'fail', {});
      await waitFor('the error log', () => logger.errors.length > 0);
      assert.match(JSON.stringify(logger.errors[0]), /InstanceNotFound/);
      await client.cast(topic, 'ok', {});
      await waitFor('the next cast', () => served === 1);
    });

    it('a call nobody answers fails with MessagingTimeout after its timeout', async () => {
      const { client } = await start();
      const topic = topicFor('scheduler.nobody');
      const started = Date.now();
      await assert.rejects(client.call(topic, 'select', {}, { timeoutMs: 200 }), MessagingTimeout);
      assert.ok(Date.now() - started >= 190, 'gave up before the timeout');
    });

    it('a slow reply after the timeout is dropped, and the bus stays usable', async () => {
      const { client, server } = await start();
      const topic = topicFor('scheduler');
      await server.serve(topic, {
        slow: async () => {
          await sleep(300);
          return 'late';
        },
        fast: () => 'fast',
      });
      await assert.rejects(client.call(topic, 'slow', {}, { timeoutMs: 100 }), MessagingTimeout);
      await sleep(300);
      assert.equal(await client.call(topic, 'fast', {}, { timeoutMs: 3000 }), 'fast');
    });

    it('a call whose caller gave up is not served by a server that starts later', async () => {
      const { client, server } = await start();
      const topic = topicFor('scheduler.stale');
      await assert.rejects(client.call(topic, 'select', {}, { timeoutMs: 100 }), MessagingTimeout);
      await sleep(50);
      let served = 0;
      await server.serve(topic, { select: () => void served++ });
      await sleep(200);
      assert.equal(served, 0);
    });

    it('the default timeout of the options applies when a call gives none', async () => {
      const { client } = await start({ defaultTimeoutMs: 150 });
      await assert.rejects(client.call(topicFor('nobody'), 'x', {}), MessagingTimeout);
    });

    it('two servers of one topic share its messages, each delivered once', async () => {
      const { client, server, peer } = await start();
      const topic = topicFor('conductor');
      const byServer: Record<'server' | 'peer', number[]> = { server: [], peer: [] };
      const handlersOf = (who: 'server' | 'peer') => ({
        work: async (args: MessageArgs) => {
          byServer[who].push(args.n as number);
          await sleep(5);
          return who;
        },
      });
      await server.serve(topic, handlersOf('server'));
      await peer.serve(topic, handlersOf('peer'));
      const n = 40;
      await Promise.all(Array.from({ length: n / 2 }, (_, i) => client.cast(topic, 'work', { n: i })));
      const replies = await Promise.all(
        Array.from({ length: n / 2 }, (_, i) => client.call(topic, 'work', { n: n / 2 + i }, { timeoutMs: 5000 })),
      );
      await waitFor('all messages', () => byServer.server.length + byServer.peer.length === n);
      await sleep(100);
      const all = [...byServer.server, ...byServer.peer].sort((a, b) => a - b);
      assert.deepEqual(all, Array.from({ length: n }, (_, i) => i), 'a message was lost or delivered twice');
      assert.ok(byServer.server.length > 0 && byServer.peer.length > 0, `unfair split ${JSON.stringify(byServer)}`);
      assert.ok(replies.includes('server') && replies.includes('peer'));
    });

    it('after one server of a topic stops, the other gets everything', async () => {
      const { client, server, peer } = await start();
      const topic = topicFor('conductor');
      const stopped = await server.serve(topic, { who: () => 'server' });
      await peer.serve(topic, { who: () => 'peer' });
      await stopped.close();
      await stopped.close();
      const replies = await Promise.all(Array.from({ length: 6 }, () => client.call(topic, 'who', {}, { timeoutMs: 3000 })));
      assert.deepEqual(replies, Array(6).fill('peer'));
    });

    it('handlers of one server run concurrently', async () => {
      const { client, server } = await start();
      const topic = topicFor('compute');
      const parallel = 10;
      let arrived = 0;
      // Every handler waits for all of them to have started: serial handling would never finish.
      await server.serve(topic, {
        rendezvous: async (args) => {
          arrived++;
          await waitFor('all handlers to start', () => arrived === parallel, 2000);
          return args.i ?? null;
        },
      });
      const replies = await Promise.all(
        Array.from({ length: parallel }, (_, i) => client.call(topic, 'rendezvous', { i }, { timeoutMs: 3000 })),
      );
      assert.deepEqual(replies, Array.from({ length: parallel }, (_, i) => i));
    });

    it('many parallel calls each get their own reply', async () => {
      const { client, server } = await start();
      const topic = topicFor('scheduler');
      await server.serve(topic, { double: async (args) => (args.n as number) * 2 });
      const n = 300;
      const replies = await Promise.all(
        Array.from({ length: n }, (_, i) => client.call(topic, 'double', { n: i }, { timeoutMs: 10_000 })),
      );
      assert.deepEqual(replies, Array.from({ length: n }, (_, i) => i * 2));
    });

    it('messages and replies are copies: neither side sees the other mutate them', async () => {
      const { client, server } = await start();
      const topic = topicFor('conductor');
      const kept = { flavor: { vcpus: 1 } };
      let receivedSpec: { [k: string]: Json } | undefined;
      await server.serve(topic, {
        spec: (args) => {
          receivedSpec = args.spec as { [k: string]: Json };
          receivedSpec.mutatedByServer = true;
          return kept;
        },
      });
      const spec: { [k: string]: Json } = { image: 'cirros', when: new Date(0).toISOString() };
      const reply = (await client.call(topic, 'spec', { spec, dropped: undefined }, { timeoutMs: 3000 })) as {
        flavor: { vcpus: number };
      };
      assert.deepEqual(spec, { image: 'cirros', when: '1970-01-01T00:00:00.000Z' });
      assert.notEqual(receivedSpec, spec);
      reply.flavor.vcpus = 64;
      assert.deepEqual(kept, { flavor: { vcpus: 1 } });
    });

    it('close is idempotent, fails waiting calls, and refuses new messages', async () => {
      const { client } = await start();
      const waiting = assert.rejects(client.call(topicFor('nobody'), 'x', {}, { timeoutMs: 10_000 }), BusClosed);
      // Let the call leave before closing, as it would in real use.
      await sleep(50);
      await Promise.all([client.close(), client.close()]);
      await client.close();
      await waiting;
      await assert.rejects(client.call(topicFor('nobody'), 'x', {}, { timeoutMs: 100 }), BusClosed);
      await assert.rejects(client.cast(topicFor('nobody'), 'x', {}), BusClosed);
      await assert.rejects(client.serve(topicFor('nobody'), {}), BusClosed);
    });
  });
}
