// Magnetar's simulated-host lifecycle extension: GET /v2.1/magnetar/hosts and
// POST /v2.1/magnetar/hosts/{host}/action, reaching the process that runs a
// host over `hostctl.<host>`.
//
// These tests check only the route: its status codes and body shapes against
// the bus contract. The hosts here (sim1, sim2, sim3) are compute service
// records with no agent; sim1 and sim2 are answered by a TEST DOUBLE of
// `hostctl.<host>` served in this test process (a three-state machine), sim3
// by nothing. What stopping, crashing and starting really do to a host is
// tested end to end with the real handlers elsewhere.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud } from '../support/cloud.js';
import { registerService } from '../../src/db/services.js';
import type { Handlers, Subscription } from '../../src/rpc/bus.js';

let c: Cloud;
const doubles: Subscription[] = [];

/** The test double: running → stop → stopped, running → crash → crashed, stopped|crashed → start → running. */
function hostctlDouble(host: string): Handlers {
  let state = 'running';
  const to = (from: readonly string[], next: string) => () => {
    if (!from.includes(state)) throw new Error(`host ${host} is ${state}`);
    state = next;
    return { host, state };
  };
  return {
    host_state: () => ({ host, state }),
    host_stop: to(['running'], 'stopped'),
    host_crash: to(['running'], 'crashed'),
    host_start: to(['stopped', 'crashed'], 'running'),
  };
}

before(async () => {
  c = await startCloud();
  for (const h of ['sim1', 'sim2', 'sim3']) await registerService(c.aio.base.db.kysely, h, 'nova-compute', 'compute', new Date());
  for (const h of ['sim1', 'sim2']) doubles.push(await c.aio.base.bus.serve(`hostctl.${h}`, hostctlDouble(h)));
});
after(async () => {
  for (const d of doubles) await d.close();
  await c.stop();
});

const hostAction = (host: string, body: unknown, user = 'admin') => c.req(user, 'POST', `/magnetar/hosts/${host}/action`, { body });

describe('magnetar hosts', () => {
  it('lists the compute hosts whose process answers, with their state', async () => {
    const r = await c.req('admin', 'GET', '/magnetar/hosts');
    assert.equal(r.status, 200, r.text);
    const sims = r.body.hosts.filter((h: any) => h.host.startsWith('sim'));
    assert.deepEqual(sims, [
      { host: 'sim1', state: 'running' },
      { host: 'sim2', state: 'running' },
    ]);
  });

  it('stops, starts and crashes a host, answering with its new state', async () => {
    for (const [action, state] of [
      ['stop', 'stopped'],
      ['start', 'running'],
      ['crash', 'crashed'],
      ['start', 'running'],
    ] as const) {
      const r = await hostAction('sim1', { [action]: null });
      assert.equal(r.status, 200, `${action}: ${r.text}`);
      assert.deepEqual(r.body, { host: { host: 'sim1', state } });
    }
    await hostAction('sim2', { stop: null });
    const listed = (await c.req('admin', 'GET', '/magnetar/hosts')).body.hosts.filter((h: any) => h.host.startsWith('sim'));
    assert.deepEqual(listed, [
      { host: 'sim1', state: 'running' },
      { host: 'sim2', state: 'stopped' },
    ]);
  });

  it('409 when the host refuses the transition', async () => {
    const r = await hostAction('sim1', { start: null });
    assert.equal(r.status, 409);
    assert.equal(r.body.conflictingRequest.message, 'Cannot change the state of compute host sim1: host sim1 is running');
  });

  it('409 when the process of the host does not answer', async () => {
    const r = await hostAction('sim3', { stop: null });
    assert.equal(r.status, 409);
    assert.equal(
      r.body.conflictingRequest.message,
      'The process that runs compute host sim3 did not answer; it is not running or does not control hosts.',
    );
  });

  it('404 for a host that is not a compute host', async () => {
    const r = await hostAction('nohost', { stop: null });
    assert.equal(r.status, 404);
    assert.equal(r.body.itemNotFound.message, 'Compute host nohost could not be found.');
  });

  it('400 for an unknown action or a malformed body', async () => {
    const unknown = await hostAction('sim1', { reboot: null });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.badRequest.message, 'There is no such action: reboot');
    const withValue = await hostAction('sim1', { stop: { now: true } });
    assert.equal(withValue.status, 400);
    const two = await hostAction('sim1', { stop: null, start: null });
    assert.equal(two.status, 400);
  });

  it('is admin only (rule magnetar:hosts)', async () => {
    for (const user of ['demo', 'demo_manager', 'demo_reader']) {
      const list = await c.req(user, 'GET', '/magnetar/hosts');
      assert.equal(list.status, 403, user);
      assert.equal(list.body.forbidden.message, "Policy doesn't allow magnetar:hosts to be performed.");
      const act = await hostAction('sim1', { stop: null }, user);
      assert.equal(act.status, 403, user);
    }
    const still = await c.req('admin', 'GET', '/magnetar/hosts');
    assert.ok(still.body.hosts.some((h: any) => h.host === 'sim1' && h.state === 'running'));
  });
});
