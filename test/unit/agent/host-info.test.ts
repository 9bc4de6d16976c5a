// What a host reports about itself: the uptime text (the shape of the
// `uptime` command) and the guests its hypervisor holds.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { hostInfoHandlers, uptimeText, type ListedGuest } from '../../../src/agent/host-info.js';
import type { AgentContext } from '../../../src/agent/context.js';
import { FakeDriver } from '../../../src/virt/fake/driver.js';
import { FaultRules } from '../../../src/virt/fake/faults.js';

describe('uptimeText', () => {
  const now = new Date('2026-01-02T08:32:11Z');
  const tail = ',  1 user,  load average: 0.00, 0.00, 0.00';

  it('shows minutes under an hour', () => {
    assert.equal(uptimeText(now, 59), ` 08:32:11 up 0 min${tail}`);
    assert.equal(uptimeText(now, 5 * 60 + 30), ` 08:32:11 up 5 min${tail}`);
  });

  it('shows hours:minutes under a day', () => {
    assert.equal(uptimeText(now, 3600 + 2 * 60), ` 08:32:11 up 1:02${tail}`);
  });

  it('shows days, then hours:minutes or minutes', () => {
    assert.equal(uptimeText(now, 86400 + 18 * 3600 + 25 * 60), ` 08:32:11 up 1 day, 18:25${tail}`);
    assert.equal(uptimeText(now, 93 * 86400 + 7 * 60), ` 08:32:11 up 93 days, 7 min${tail}`);
  });
});

describe('list_guests', () => {
  it('reports each guest with its power state and the destination of a cold migration it is the source of', async () => {
    const driver = new FakeDriver({
      inventory: { vcpus: 8, memoryMb: 8192, localGb: 100 },
      delays: { spawn: '0', destroy: '0', power: '0', migrate: '0', liveMigration: '0', precheck: '0' },
      liveMigrationHold: false,
      faults: new FaultRules(),
    });
    await driver.init('h1');
    const spec = (uuid: string) => ({ uuid, name: uuid, vcpus: 1, memoryMb: 512, rootGb: 1, imageRef: null });
    await driver.spawn(spec('a'));
    await driver.spawn(spec('b'));
    await driver.pause('a');
    await driver.migrateDiskAndPowerOff('b', 'h2');
    const ctx = { driver, clock: { now: () => new Date() } } as unknown as AgentContext;
    const listed = (await hostInfoHandlers(ctx)['list_guests']!({}, {})) as unknown as ListedGuest[];
    assert.deepEqual(
      [...listed].sort((x, y) => x.uuid.localeCompare(y.uuid)),
      [
        { uuid: 'a', power_state: 3, migrating_to: null },
        { uuid: 'b', power_state: 4, migrating_to: 'h2' },
      ],
    );
  });
});
