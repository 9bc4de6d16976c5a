import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidDelaySpec, parseDelay, sampleSeconds, waitDelay } from '../../../src/virt/fake/delay.js';

describe('fake delay specs', () => {
  it('parses a fixed number of seconds', () => {
    assert.deepEqual(parseDelay('0.5'), { min: 0.5, max: 0.5 });
    assert.deepEqual(parseDelay(' 2 '), { min: 2, max: 2 });
    assert.equal(sampleSeconds(parseDelay('0.5')), 0.5);
  });

  it('parses a min,max range', () => {
    assert.deepEqual(parseDelay('0.2,1.5'), { min: 0.2, max: 1.5 });
    assert.deepEqual(parseDelay('0.2, 1.5'), { min: 0.2, max: 1.5 });
  });

  it('rejects malformed specs', () => {
    for (const bad of ['', 'abc', '-1', '1,0.5', '1,2,3', ',1', 'NaN', 'Infinity']) {
      assert.throws(() => parseDelay(bad), InvalidDelaySpec, bad);
    }
  });

  it('samples a range from a triangular distribution peaking in the middle', () => {
    const d = parseDelay('1,3');
    assert.equal(sampleSeconds(d, () => 0), 1);
    assert.equal(sampleSeconds(d, () => 0.5), 2);
    assert.ok(Math.abs(sampleSeconds(d, () => 0.999999) - 3) < 0.01);
    // Quartiles of the symmetric triangular distribution on [1,3]: 1 + sqrt(0.5) and 3 - sqrt(0.5).
    assert.ok(Math.abs(sampleSeconds(d, () => 0.25) - (1 + Math.sqrt(0.5))) < 1e-9);
    assert.ok(Math.abs(sampleSeconds(d, () => 0.75) - (3 - Math.sqrt(0.5))) < 1e-9);
    let inMiddleHalf = 0;
    for (let i = 0; i < 2000; i++) {
      const s = sampleSeconds(d);
      assert.ok(s >= 1 && s <= 3);
      if (s >= 1.5 && s <= 2.5) inMiddleHalf++;
    }
    // 75% of a triangular distribution lies in its middle half (50% for a uniform one).
    assert.ok(inMiddleHalf > 0.68 * 2000, `middle half got ${inMiddleHalf}/2000`);
  });

  it('a zero delay does not wait for a timer', async () => {
    const order: string[] = [];
    setTimeout(() => order.push('timer'), 0);
    await waitDelay(parseDelay('0'));
    order.push('delay');
    await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(order, ['delay', 'timer']);
  });

  it('waits the fixed time', async () => {
    const t0 = performance.now();
    await waitDelay(parseDelay('0.03'));
    assert.ok(performance.now() - t0 >= 29);
  });
});
