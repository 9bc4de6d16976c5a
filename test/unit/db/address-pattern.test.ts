// An ip filter's expression narrowed to what an index can use: never a
// bound that would drop an address the expression matches.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { addressBounds } from '../../../src/db/address-pattern.js';

it('takes the literal start and a LIKE pattern from an ip filter, and nothing that is not certain', () => {
  assert.deepEqual(addressBounds('10.0.0.5'), { literal: '10', like: '10_0_0_5%' });
  assert.deepEqual(addressBounds('10\\.0\\.0\\.5'), { literal: '10.0.0.5', like: '10.0.0.5%' });
  assert.deepEqual(addressBounds('192.168.1.1?'), { literal: '192', like: '192_168_1_%' }, 'an optional last character is not certain');
  assert.deepEqual(addressBounds('10.0.0.[12]'), { literal: '10', like: '10_0_0_%' });
  assert.deepEqual(addressBounds('10.0.0.1|192'), { literal: '', like: '%' }, 'an alternative may begin anywhere');
  assert.deepEqual(addressBounds('fe80::\\d'), { literal: 'fe80::', like: 'fe80::%' });
  assert.deepEqual(addressBounds('.*'), { literal: '', like: '%' });
  assert.deepEqual(addressBounds('1_0%'), { literal: '1_0%', like: '1!_0!%%' }, 'LIKE wildcards in the expression are escaped');
});

it('every address an expression matches fits its bounds', () => {
  const addresses = ['10.0.0.5', '10.0.0.50', '10.1.0.5', '100.0.0.5', '192.168.1.1', '192.168.1.10', 'fe80::1', 'fd00::5'];
  const likeToRegExp = (like: string): RegExp =>
    new RegExp(`^${like.replace(/!(.)|(_)|(%)|([.*+?^${}()|[\]\\])/g, (_m, esc, u, p, meta) => (esc ? esc.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : u ? '.' : p ? '.*' : `\\${meta}`))}$`, 'i');
  for (const expr of ['10.0.0.5', '10\\.0', '192.168.1.1?', '1', '10.0.0.[5]', 'fe80', 'f[de]', '10.0.0.5$']) {
    const { literal, like } = addressBounds(expr);
    const re = new RegExp(`^(?:${expr})`);
    for (const a of addresses.filter((x) => re.test(x))) {
      assert.ok(a.startsWith(literal), `${a} starts with ${literal} (${expr})`);
      assert.ok(likeToRegExp(like).test(a), `${a} is LIKE ${like} (${expr})`);
    }
  }
});
