// The last completed audit period before a moment, for every unit and offset
// form, against Nova's own cases (2012-03-05 08:12:23 UTC) and the turn of a year.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lastCompletedAuditPeriod } from '../../../src/compute/audit-period.js';
import { isoOfMicros } from '../../../src/compute/usage-time.js';

const NOW = Date.UTC(2012, 2, 5, 8, 12, 23) * 1000;
const period = (unit: string, at = NOW) => {
  const p = lastCompletedAuditPeriod(unit, at);
  return [isoOfMicros(p.begin), isoOfMicros(p.end)];
};

describe('lastCompletedAuditPeriod', () => {
  const cases: Array<[string, string, string]> = [
    ['hour', '2012-03-05T07:00:00', '2012-03-05T08:00:00'],
    ['hour@10', '2012-03-05T07:10:00', '2012-03-05T08:10:00'],
    ['hour@30', '2012-03-05T06:30:00', '2012-03-05T07:30:00'],
    ['day', '2012-03-04T00:00:00', '2012-03-05T00:00:00'],
    ['day@6', '2012-03-04T06:00:00', '2012-03-05T06:00:00'],
    ['day@10', '2012-03-03T10:00:00', '2012-03-04T10:00:00'],
    ['month', '2012-02-01T00:00:00', '2012-03-01T00:00:00'],
    ['month@2', '2012-02-02T00:00:00', '2012-03-02T00:00:00'],
    ['month@15', '2012-01-15T00:00:00', '2012-02-15T00:00:00'],
    ['year', '2011-01-01T00:00:00', '2012-01-01T00:00:00'],
    ['year@2', '2011-02-01T00:00:00', '2012-02-01T00:00:00'],
    ['year@6', '2010-06-01T00:00:00', '2011-06-01T00:00:00'],
    ['fortnight', '2012-03-05T07:00:00', '2012-03-05T08:00:00'],
  ];
  for (const [unit, begin, end] of cases) it(unit, () => assert.deepEqual(period(unit), [begin, end]));

  it('crosses into the previous year in January', () => {
    assert.deepEqual(period('month', Date.UTC(2013, 0, 1, 0, 0, 0) * 1000), ['2012-11-01T00:00:00', '2012-12-01T00:00:00']);
    assert.deepEqual(period('month@15', Date.UTC(2013, 0, 10) * 1000), ['2012-11-15T00:00:00', '2012-12-15T00:00:00']);
  });

  it('counts a period ending exactly now as not completed', () => {
    assert.deepEqual(period('hour', Date.UTC(2012, 2, 5, 8) * 1000), ['2012-03-05T06:00:00', '2012-03-05T07:00:00']);
  });
});
