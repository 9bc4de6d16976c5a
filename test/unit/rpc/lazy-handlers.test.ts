// A host's handler table is made on its first message, once, and answers
// the bus as a plain table would.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { lazyHandlers } from '../../../src/rpc/lazy-handlers.js';
import { dispatch } from '../../../src/rpc/dispatch.js';

it('makes the handlers on the first message only, and dispatches through them', async () => {
  let made = 0;
  const table = lazyHandlers(() => {
    made++;
    return { echo: async (args) => args['x'] };
  });
  assert.equal(made, 0, 'nothing made before a message');
  assert.deepEqual(await dispatch('t', table, { method: 'echo', args: { x: 7 } }), { ok: true, result: 7 });
  assert.deepEqual(await dispatch('t', table, { method: 'echo', args: { x: 8 } }), { ok: true, result: 8 });
  assert.equal(made, 1, 'made once');
  const missing = await dispatch('t', table, { method: 'toString', args: {} });
  assert.equal(missing.ok, false, 'no inherited property passes for a handler');
  assert.deepEqual(Object.keys(table), ['echo']);
});
