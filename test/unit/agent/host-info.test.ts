// The uptime text a host reports: the shape of the `uptime` command.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { uptimeText } from '../../../src/agent/host-info.js';

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
