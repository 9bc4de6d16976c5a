// The bus handlers behind /magnetar/faults: `fault_list` tells which store
// answers, so the API can group agents that share one.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { faultControlHandlers } from '../../../src/agent/fault-control.js';
import { FaultRules } from '../../../src/virt/fake/faults.js';

const mctx = { requestId: 'req-test' };

describe('fault control handlers', () => {
  it('fault_list answers the store id with its rules; agents of one store answer the same id', async () => {
    const shared = new FaultRules();
    const other = new FaultRules();
    assert.notEqual(shared.storeId, other.storeId);
    const a = faultControlHandlers(shared);
    const b = faultControlHandlers(shared);
    const added: any = await a['fault_add']!({ rule: { step: 'spawn', count: 1 } }, mctx);
    const fromA: any = await a['fault_list']!({}, mctx);
    const fromB: any = await b['fault_list']!({}, mctx);
    assert.deepEqual(fromA, { storeId: shared.storeId, rules: [{ id: added.id, step: 'spawn', count: 1 }] });
    assert.deepEqual(fromB, fromA);
    assert.deepEqual(await faultControlHandlers(other)['fault_list']!({}, mctx), { storeId: other.storeId, rules: [] });
  });
});
