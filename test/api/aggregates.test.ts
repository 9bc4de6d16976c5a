// GET /os-aggregates: an empty list for admins, 403 for everyone else.
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud } from '../support/cloud.js';

let c: Cloud;
before(async () => {
  c = await startCloud();
});
after(async () => {
  await c.stop();
});

it('lists no aggregates to admins and refuses others', async () => {
  const r = await c.req('admin', 'GET', '/os-aggregates');
  assert.equal(r.status, 200);
  assert.deepEqual(r.body, { aggregates: [] });
  const d = await c.req('demo', 'GET', '/os-aggregates');
  assert.equal(d.status, 403);
  assert.equal(d.body.forbidden.message, "Policy doesn't allow os_compute_api:os-aggregates:index to be performed.");
});
