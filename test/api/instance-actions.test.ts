// /servers/{id}/os-instance-actions: list and show per microversion (deleted
// servers from 2.21, events for non-admins from 2.51, paging and
// changes-since from 2.58, hostId/host from 2.62, changes-before from 2.66,
// details from 2.84) — as a client sees them.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startCloud, type Cloud } from '../support/cloud.js';

const ACTION_KEYS = ['action', 'instance_uuid', 'message', 'project_id', 'request_id', 'start_time', 'user_id'];
const ACTION_KEYS_258 = [...ACTION_KEYS, 'updated_at'].sort();
const EVENT_KEYS = ['event', 'finish_time', 'result', 'start_time'];
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/;
const keys = (o: object) => Object.keys(o).sort();
const sorted = (a: string[]) => [...a].sort();

describe('os-instance-actions', () => {
  let c: Cloud;
  let server: any;
  let host: string;
  let demoProject: string;
  let stopRequestId: string;
  let startRequestId: string;

  /** Runs a server action and waits until the server's task is done. */
  const act = async (body: unknown, done: (s: any) => boolean): Promise<string> => {
    const r = await c.req('demo', 'POST', `/servers/${server.id}/action`, { body });
    assert.equal(r.status, 202, r.text);
    await c.waitServer(server.id, (s) => s['OS-EXT-STS:task_state'] === null && done(s));
    return r.headers.get('x-openstack-request-id')!;
  };

  before(async () => {
    c = await startCloud({ overrides: ['identity.extra_users=observer:observer:demo:observer'] });
    demoProject = await c.projectId('demo');
    server = await c.bootServer('demo');
    host = server['OS-EXT-SRV-ATTR:host'];
    stopRequestId = await act({ 'os-stop': null }, (s) => s.status === 'SHUTOFF');
    // The start fails on the host: its event ends in Error and the action's message becomes Error.
    c.aio.faults.add({ step: 'power_on', server: server.id, count: 1, message: 'simulated power-on failure' });
    startRequestId = await act({ 'os-start': null }, () => true);
    const end = Date.now() + 5000;
    while (Date.now() < end) {
      const r = await c.req('admin', 'GET', `/servers/${server.id}/os-instance-actions/${startRequestId}`);
      if (r.body?.instanceAction?.events?.[0]?.result) break;
      await new Promise((res) => setTimeout(res, 20));
    }
  });
  after(async () => {
    await c.stop();
  });

  const list = (query = '', version = '2.1', user = 'demo', id = server.id) =>
    c.req(user, 'GET', `/servers/${id}/os-instance-actions${query}`, { version });
  const show = (requestId: string, version = '2.1', user = 'demo') =>
    c.req(user, 'GET', `/servers/${server.id}/os-instance-actions/${requestId}`, { version });

  describe('list', () => {
    it('lists the actions newest first with the keys of each version', async () => {
      let r = await list();
      assert.equal(r.status, 200);
      assert.deepEqual(keys(r.body), ['instanceActions']);
      const actions = r.body.instanceActions;
      assert.deepEqual(actions.map((a: any) => a.action), ['start', 'stop', 'create']);
      for (const a of actions) {
        assert.deepEqual(keys(a), ACTION_KEYS);
        assert.equal(a.instance_uuid, server.id);
        assert.equal(a.project_id, demoProject);
        assert.match(a.start_time, TIME);
      }
      assert.equal(actions[1].request_id, stopRequestId, 'the request id of the request that recorded it');
      assert.equal(actions[1].message, null);
      assert.equal(actions[0].message, 'Error');

      r = await list('', '2.58');
      for (const a of r.body.instanceActions) {
        assert.deepEqual(keys(a), ACTION_KEYS_258);
        assert.match(a.updated_at, TIME);
      }
    });

    it('is for readers of the server project; other projects get 404', async () => {
      let r = await list('', '2.1', 'demo_reader');
      assert.equal(r.status, 200);
      r = await list('', '2.1', 'admin');
      assert.equal(r.status, 200);
      r = await list('', '2.1', 'alt_demo');
      assert.equal(r.status, 404);
      assert.equal(r.body.itemNotFound.message, `Instance ${server.id} could not be found.`);
      r = await list('', '2.1', 'observer');
      assert.equal(r.status, 403);
      assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:os-instance-actions:list to be performed.");
      r = await list('', '2.1', 'demo', 'no-such-server');
      assert.equal(r.status, 404);
      assert.equal(r.body.itemNotFound.message, 'Instance no-such-server could not be found.');
    });

    it('ignores paging parameters before 2.58', async () => {
      const r = await list('?limit=1&colour=red', '2.57');
      assert.equal(r.status, 200);
      assert.equal(r.body.instanceActions.length, 3);
      assert.equal(r.body.links, undefined);
    });

    it('pages from 2.58 with limit, marker and links', async () => {
      let r = await list('?limit=2', '2.58');
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.instanceActions.map((a: any) => a.action), ['start', 'stop']);
      assert.equal(r.body.links.length, 1);
      assert.equal(r.body.links[0].rel, 'next');
      const next = new URL(r.body.links[0].href);
      assert.equal(next.pathname, `/v2.1/servers/${server.id}/os-instance-actions`);
      assert.equal(next.searchParams.get('marker'), stopRequestId);
      r = await list(next.search, '2.58');
      assert.deepEqual(r.body.instanceActions.map((a: any) => a.action), ['create']);
      assert.equal(r.body.links, undefined);
      r = await list('?limit=0', '2.58');
      assert.deepEqual(r.body.instanceActions, []);
      r = await list('?marker=req-nope', '2.58');
      assert.equal(r.status, 400);
      assert.equal(r.body.badRequest.message, 'Marker req-nope could not be found.');
      r = await list('?limit=-1', '2.58');
      assert.equal(r.status, 400);
      r = await list('?colour=red', '2.58');
      assert.equal(r.status, 400);
      assert.match(r.body.badRequest.message, /colour/);
    });

    it('filters by changes-since from 2.58 and changes-before from 2.66', async () => {
      const all = (await list('', '2.58')).body.instanceActions;
      const stop = all.find((a: any) => a.action === 'stop');
      let r = await list(`?changes-since=${encodeURIComponent(stop.updated_at)}`, '2.58');
      assert.equal(r.status, 200);
      assert.ok(r.body.instanceActions.every((a: any) => a.updated_at >= stop.updated_at));
      assert.ok(r.body.instanceActions.some((a: any) => a.action === 'stop'));
      assert.ok(!r.body.instanceActions.some((a: any) => a.action === 'create'));
      r = await list('?changes-since=2999-01-01T00:00:00Z', '2.58');
      assert.deepEqual(r.body.instanceActions, []);
      r = await list('?changes-since=yesterday', '2.58');
      assert.equal(r.status, 400);
      r = await list('?changes-before=2999-01-01T00:00:00Z', '2.58');
      assert.equal(r.status, 400, 'changes-before is unknown before 2.66');

      r = await list(`?changes-before=${encodeURIComponent(stop.updated_at)}`, '2.66');
      assert.equal(r.status, 200);
      assert.ok(r.body.instanceActions.some((a: any) => a.action === 'create'));
      assert.ok(!r.body.instanceActions.some((a: any) => a.action === 'start'));
      r = await list('?changes-since=2020-01-02T00:00:00Z&changes-before=2020-01-01T00:00:00Z', '2.66');
      assert.equal(r.status, 400);
      assert.equal(r.body.badRequest.message, 'The value of changes-since must be less than or equal to changes-before.');
    });
  });

  describe('show', () => {
    it('answers 404 for an unknown request id', async () => {
      const r = await show('req-00000000-0000-0000-0000-000000000000');
      assert.equal(r.status, 404);
      assert.equal(r.body.itemNotFound.message, 'Action req-00000000-0000-0000-0000-000000000000 not found');
    });

    it('shows events to admins at every version, with tracebacks', async () => {
      const r = await show(stopRequestId, '2.1', 'admin');
      assert.equal(r.status, 200);
      const a = r.body.instanceAction;
      assert.deepEqual(keys(a), sorted([...ACTION_KEYS, 'events']));
      assert.equal(a.action, 'stop');
      assert.equal(a.events.length, 1);
      const e = a.events[0];
      assert.deepEqual(keys(e), sorted([...EVENT_KEYS, 'traceback']));
      assert.equal(e.event, 'compute_stop_instance');
      assert.equal(e.result, 'Success');
      assert.equal(e.traceback, null);
      assert.match(e.start_time, TIME);
      assert.match(e.finish_time, TIME);
    });

    it('shows no events to non-admins before 2.51, and events without tracebacks from 2.51', async () => {
      let r = await show(stopRequestId, '2.50');
      assert.equal(r.status, 200);
      assert.deepEqual(keys(r.body.instanceAction), ACTION_KEYS);
      r = await show(stopRequestId, '2.51');
      assert.deepEqual(keys(r.body.instanceAction.events[0]), EVENT_KEYS);
      r = await show(stopRequestId, '2.58');
      assert.deepEqual(keys(r.body.instanceAction), sorted([...ACTION_KEYS_258, 'events']));
    });

    it('adds hostId for everyone and host for admins from 2.62', async () => {
      const expected = createHash('sha224').update(demoProject + host).digest('hex');
      let r = await show(stopRequestId, '2.62');
      let e = r.body.instanceAction.events[0];
      assert.deepEqual(keys(e), sorted([...EVENT_KEYS, 'hostId']));
      assert.equal(e.hostId, expected);
      r = await show(stopRequestId, '2.62', 'admin');
      e = r.body.instanceAction.events[0];
      assert.deepEqual(keys(e), sorted([...EVENT_KEYS, 'hostId', 'host', 'traceback']));
      assert.equal(e.host, host);
      assert.equal(e.hostId, expected);
    });

    it('records the conductor\'s host on its events, as on the hosts\' events', async () => {
      const services = await c.req('admin', 'GET', '/os-services?binary=nova-conductor');
      const conductorHost = services.body.services[0].host;
      assert.ok(conductorHost);
      const create = (await list()).body.instanceActions.find((a: any) => a.action === 'create');
      let r = await show(create.request_id, '2.62', 'admin');
      const events = r.body.instanceAction.events;
      const ofConductor = events.find((e: any) => e.event === 'conductor_schedule_and_build_instances');
      assert.equal(ofConductor.host, conductorHost);
      assert.equal(ofConductor.hostId, createHash('sha224').update(demoProject + conductorHost).digest('hex'));
      assert.equal(events.find((e: any) => e.event === 'compute_build_and_run_instance').host, host);
      r = await show(create.request_id, '2.62');
      const forOwner = r.body.instanceAction.events.find((e: any) => e.event === 'conductor_schedule_and_build_instances');
      assert.equal(forOwner.hostId, ofConductor.hostId);
      assert.equal(forOwner.host, undefined);
    });

    it('adds details for admins from 2.84, and reports failures', async () => {
      let r = await show(startRequestId, '2.84', 'admin');
      const a = r.body.instanceAction;
      assert.equal(a.action, 'start');
      assert.equal(a.message, 'Error');
      const e = a.events[0];
      assert.deepEqual(keys(e), sorted([...EVENT_KEYS, 'hostId', 'host', 'traceback', 'details']));
      assert.equal(e.event, 'compute_start_instance');
      assert.equal(e.result, 'Error');
      assert.equal(typeof e.traceback, 'string');
      assert.match(e.details, /simulated power-on failure/);
      r = await show(startRequestId, '2.83', 'admin');
      assert.equal(r.body.instanceAction.events[0].details, undefined);
      r = await show(startRequestId, '2.84');
      assert.deepEqual(keys(r.body.instanceAction.events[0]), sorted([...EVENT_KEYS, 'hostId']));
    });

    it('is for readers of the server project', async () => {
      let r = await show(stopRequestId, '2.1', 'demo_reader');
      assert.equal(r.status, 200);
      r = await show(stopRequestId, '2.1', 'alt_demo');
      assert.equal(r.status, 404);
      r = await show(stopRequestId, '2.1', 'observer');
      assert.equal(r.status, 403);
      assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:os-instance-actions:show to be performed.");
    });

    it('refuses unknown query parameters from 2.102', async () => {
      let r = await c.req('demo', 'GET', `/servers/${server.id}/os-instance-actions/${stopRequestId}?colour=red`, { version: '2.101' });
      assert.equal(r.status, 200);
      r = await c.req('demo', 'GET', `/servers/${server.id}/os-instance-actions/${stopRequestId}?colour=red`, { version: '2.102' });
      assert.equal(r.status, 400);
    });
  });

  describe('deleted servers', () => {
    it('are readable from 2.21 only, with the delete action', async () => {
      const s = await c.bootServer('demo');
      const del = await c.req('demo', 'DELETE', `/servers/${s.id}`);
      assert.equal(del.status, 204);
      await c.waitServer(s.id, (x) => x.gone === true);
      let r = await list('', '2.20', 'demo', s.id);
      assert.equal(r.status, 404);
      assert.equal(r.body.itemNotFound.message, `Instance ${s.id} could not be found.`);
      r = await list('', '2.21', 'demo', s.id);
      assert.equal(r.status, 200);
      assert.deepEqual(r.body.instanceActions.map((a: any) => a.action), ['delete', 'create']);
      const delId = r.body.instanceActions[0].request_id;
      assert.equal(delId, del.headers.get('x-openstack-request-id'));
      r = await c.req('demo', 'GET', `/servers/${s.id}/os-instance-actions/${delId}`, { version: '2.21' });
      assert.equal(r.status, 200);
      r = await c.req('demo', 'GET', `/servers/${s.id}/os-instance-actions/${delId}`, { version: '2.20' });
      assert.equal(r.status, 404);
      r = await list('', '2.21', 'alt_demo', s.id);
      assert.equal(r.status, 404, 'still project-scoped');
    });
  });
});
