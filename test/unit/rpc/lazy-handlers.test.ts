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

it('keeps each table apart though the tables share their traps', async () => {
  const made: string[] = [];
  const a = lazyHandlers(() => {
    made.push('a');
    return { who: async () => 'a' };
  });
  const b = lazyHandlers(() => {
    made.push('b');
    return { who: async () => 'b', only_b: async () => true };
  });
  assert.deepEqual(await dispatch('t', b, { method: 'who', args: {} }), { ok: true, result: 'b' });
  assert.deepEqual(made, ['b'], 'asking b makes b alone');
  assert.deepEqual(await dispatch('t', a, { method: 'who', args: {} }), { ok: true, result: 'a' });
  assert.equal((await dispatch('t', a, { method: 'only_b', args: {} })).ok, false);
  assert.deepEqual(Object.keys(b), ['who', 'only_b']);
  assert.deepEqual(made, ['b', 'a']);
});
