// Sets of prefixes as subnet pools use them: overlapping and adjacent
// prefixes compact into the fewest CIDRs, and differences come back as
// aligned blocks.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cidrText, networkOf } from '../../../src/network/ip.js';
import { cidrsOf, difference, intersects, isSubset, prefixSet } from '../../../src/network/prefix-sets.js';

const v4 = (...cidrs: string[]) => prefixSet(4, cidrs.map((c) => networkOf(c)!));
const v6 = (...cidrs: string[]) => prefixSet(6, cidrs.map((c) => networkOf(c)!));
const text = (s: ReturnType<typeof v4>) => cidrsOf(s).map(cidrText);

describe('prefix sets', () => {
  it('compacts overlapping and adjacent prefixes', () => {
    assert.deepEqual(text(v4('10.0.1.0/24', '10.0.0.0/24', '10.0.0.128/25')), ['10.0.0.0/23']);
    assert.deepEqual(text(v4('10.0.1.0/24', '10.0.2.0/24')), ['10.0.1.0/24', '10.0.2.0/24']);
    assert.deepEqual(text(v4('0.0.0.0/0')), ['0.0.0.0/0']);
    assert.deepEqual(text(v6('2001:db8::/33', '2001:db8:8000::/33')), ['2001:db8::/32']);
  });

  it('takes differences as aligned blocks', () => {
    assert.deepEqual(text(difference(v4('10.0.0.0/24'), v4('10.0.0.0/26'))), ['10.0.0.64/26', '10.0.0.128/25']);
    assert.deepEqual(text(difference(v4('10.0.0.0/24'), v4('10.0.0.64/26'))), ['10.0.0.0/26', '10.0.0.128/25']);
    assert.deepEqual(text(difference(v4('10.0.0.0/24'), v4('10.0.0.0/24'))), []);
    assert.deepEqual(text(difference(v4('10.0.0.0/30'), v4('10.0.0.1/32'))), ['10.0.0.0/32', '10.0.0.2/31']);
  });

  it('tells overlap and containment', () => {
    assert.equal(intersects(v4('10.0.0.0/16'), v4('10.0.200.0/24')), true);
    assert.equal(intersects(v4('10.0.0.0/16'), v4('10.1.0.0/16')), false);
    assert.equal(isSubset(v4('10.0.0.0/24'), v4('10.0.0.0/23')), true);
    assert.equal(isSubset(v4('10.0.0.0/23'), v4('10.0.0.0/24')), false);
  });
});
