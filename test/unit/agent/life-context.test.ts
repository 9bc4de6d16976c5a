// A host's logger is made when the host first logs, once, as a child of the
// process's logger bound to the host: a process of ten thousand simulated
// hosts does not hold a logger for each of those that never log.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { LifeContext } from '../../../src/agent/life-context.js';
import { FakeDriver } from '../../../src/virt/fake/driver.js';
import { FaultRules } from '../../../src/virt/fake/faults.js';
import { LocalBus } from '../../../src/rpc/local.js';
import { Config } from '../../../src/config/config.js';
import { ManualClock } from '../../../src/compute/clock.js';
import { NO_CRASH } from '../../../src/crash/switch.js';

it('makes the host’s logger on first use only, bound to the host', () => {
  const lines: string[] = [];
  const out = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const processLog = pino({ level: 'info' }, out);
  let children = 0;
  const counting = Object.create(processLog) as pino.Logger;
  counting.child = (bindings: pino.Bindings) => {
    children++;
    return processLog.child(bindings);
  };
  const ctx = new LifeContext(
    {
      host: 'h1',
      hostIp: '192.0.2.1',
      driver: new FakeDriver({ inventory: { vcpus: 1, memoryMb: 512, localGb: 1 }, delays: { spawn: '0', destroy: '0', power: '0', migrate: '0', liveMigration: '0', precheck: '0' }, faults: new FaultRules(), liveMigrationHold: false }),
      db: { kysely: undefined as never, dialect: 'sqlite', close: async () => undefined },
      bus: new LocalBus(),
      conf: new Config(),
      clock: new ManualClock(0),
      crash: NO_CRASH,
      owner: 'compute.h1/1',
      notifier: undefined,
    },
    counting,
  );
  assert.equal(children, 0, 'no logger before the host logs');
  ctx.log.info('first');
  ctx.log.info('second');
  assert.equal(children, 1, 'one logger for the life');
  assert.equal(lines.length, 2);
  assert.equal(JSON.parse(lines[0]!).host, 'h1');
});
