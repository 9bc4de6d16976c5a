// /os-services: the list (compute, scheduler and conductor services), every
// PUT form and its error order, forced_down, and DELETE — as a client sees
// them; and that a disabled compute service gets no new servers.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startCloud, type Cloud } from '../support/cloud.js';
import { insertMigration } from '../support/db.js';
import type { MigrationType } from '../../src/db/migrations-repo.js';

const KEYS_21 = ['binary', 'disabled_reason', 'host', 'id', 'state', 'status', 'updated_at', 'zone'];
const KEYS_211 = [...KEYS_21, 'forced_down'].sort();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const keys = (o: object) => Object.keys(o).sort();

describe('os-services', () => {
  let c: Cloud;
  before(async () => {
    c = await startCloud();
  });
  after(async () => {
    await c.stop();
  });

  const services = async (version = '2.53', query = ''): Promise<any[]> => {
    const r = await c.req('admin', 'GET', `/os-services${query}`, { version });
    assert.equal(r.status, 200, r.text);
    return r.body.services;
  };
  const compute = async (host: string, version = '2.53') => (await services(version)).find((s) => s.host === host && s.binary === 'nova-compute');
  const put = (id: string, body: unknown, version = '2.53', user = 'admin') => c.req(user, 'PUT', `/os-services/${id}`, { version, body });

  /** A migration row as other operations leave them; only the fields these rules read matter. */
  const addMigration = (m: { type: string; status: string; source: string; dest?: string }) =>
    insertMigration(c, {
      instanceUuid: randomUUID(),
      migrationType: m.type as MigrationType,
      status: m.status,
      sourceCompute: m.source,
      sourceNode: m.source,
      destCompute: m.dest ?? null,
      destNode: m.dest ?? null,
    });
  const clearMigrations = () => c.aio.base.db.kysely.deleteFrom('migrations').execute();

  describe('GET', () => {
    it('lists compute services and the scheduler and conductor, with the keys of each version', async () => {
      let list = await services('2.1');
      const byBinary = (b: string) => list.filter((s) => s.binary === b);
      assert.deepEqual(byBinary('nova-compute').map((s) => s.host).sort(), ['compute1', 'compute2', 'compute3']);
      assert.equal(byBinary('nova-scheduler').length, 1);
      assert.equal(byBinary('nova-conductor').length, 1);
      for (const s of list) {
        assert.deepEqual(keys(s), KEYS_21);
        assert.equal(typeof s.id, 'number');
        assert.equal(s.state, 'up');
        assert.equal(s.status, 'enabled');
        assert.equal(s.disabled_reason, null);
        assert.match(s.updated_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/);
        assert.equal(s.zone, s.binary === 'nova-compute' ? 'nova' : 'internal');
      }
      assert.equal(byBinary('nova-scheduler')[0].host, 'magnetar');

      list = await services('2.11');
      for (const s of list) {
        assert.deepEqual(keys(s), KEYS_211);
        assert.equal(s.forced_down, false);
      }
      list = await services('2.53');
      for (const s of list) {
        assert.deepEqual(keys(s), KEYS_211);
        assert.match(s.id, UUID);
      }
    });

    it('filters by host and binary', async () => {
      let list = await services('2.1', '?host=compute2');
      assert.deepEqual(list.map((s) => s.binary), ['nova-compute']);
      list = await services('2.1', '?binary=nova-scheduler');
      assert.deepEqual(list.map((s) => s.host), ['magnetar']);
      list = await services('2.1', '?binary=nova-compute&host=compute1');
      assert.equal(list.length, 1);
      list = await services('2.1', '?host=nowhere');
      assert.deepEqual(list, []);
    });

    it('drops unknown query parameters before 2.75 and refuses them from 2.75', async () => {
      assert.ok((await services('2.74', '?colour=red')).length >= 5);
      const r = await c.req('admin', 'GET', '/os-services?colour=red', { version: '2.75' });
      assert.equal(r.status, 400);
      assert.match(r.body.badRequest.message, /colour/);
    });

    it('is admin-only', async () => {
      for (const user of ['demo', 'demo_manager', 'demo_reader']) {
        const r = await c.req(user, 'GET', '/os-services');
        assert.equal(r.status, 403);
        assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:os-services:list to be performed.");
      }
    });

    it('shows a compute service down once it stops heartbeating', async () => {
      await c.aio.stopHost('compute3');
      try {
        const end = Date.now() + 5000;
        let s = await compute('compute3');
        while (s.state === 'up' && Date.now() < end) {
          await new Promise((r) => setTimeout(r, 100));
          s = await compute('compute3');
        }
        assert.equal(s.state, 'down');
        assert.equal(s.status, 'enabled', 'down is not disabled');
      } finally {
        await c.aio.startHost('compute3');
      }
      assert.equal((await compute('compute3')).state, 'up');
    });
  });

  describe('PUT before 2.53 (action in the path)', () => {
    it('disables, disables with a reason and enables', async () => {
      let r = await put('disable', { host: 'compute1', binary: 'nova-compute' }, '2.1');
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, { service: { host: 'compute1', binary: 'nova-compute', status: 'disabled' } });
      let s = await compute('compute1');
      assert.equal(s.status, 'disabled');
      assert.equal(s.disabled_reason, null);

      r = await put('disable-log-reason', { host: 'compute1', binary: 'nova-compute', disabled_reason: 'maintenance' }, '2.1');
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, { service: { host: 'compute1', binary: 'nova-compute', status: 'disabled', disabled_reason: 'maintenance' } });
      s = await compute('compute1');
      assert.equal(s.disabled_reason, 'maintenance');

      r = await put('enable', { host: 'compute1', binary: 'nova-compute' }, '2.1');
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, { service: { host: 'compute1', binary: 'nova-compute', status: 'enabled' } });
      s = await compute('compute1');
      assert.equal(s.status, 'enabled');
      assert.equal(s.disabled_reason, null);
    });

    it('forces down and up from 2.11', async () => {
      let r = await put('force-down', { host: 'compute2', binary: 'nova-compute', forced_down: true }, '2.11');
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, { service: { host: 'compute2', binary: 'nova-compute', forced_down: true } });
      let s = await compute('compute2', '2.11');
      assert.equal(s.forced_down, true);
      assert.equal(s.state, 'down', 'forced down is down at once');
      r = await put('force-down', { host: 'compute2', binary: 'nova-compute', forced_down: 'false' }, '2.11');
      assert.equal(r.status, 200);
      assert.deepEqual(r.body, { service: { host: 'compute2', binary: 'nova-compute', forced_down: false } });
      s = await compute('compute2', '2.11');
      assert.equal(s.forced_down, false);
      assert.equal(s.state, 'up');
    });

    it('answers the errors in Nova order', async () => {
      const cases: Array<[string, unknown, string, number, string | RegExp]> = [
        ['reboot', { host: 'compute1', binary: 'nova-compute' }, '2.1', 404, 'Unknown action'],
        ['force-down', { host: 'compute1', binary: 'nova-compute' }, '2.10', 404, 'Unknown action'],
        [randomUUID(), { host: 'compute1', binary: 'nova-compute' }, '2.52', 404, 'Unknown action'],
        ['force-down', { host: 'compute1', binary: 'nova-compute', forced_down: true }, '2.10', 400, /forced_down/],
        ['disable', { host: 'compute1' }, '2.1', 400, "'binary' is a required property"],
        ['disable', { host: 'compute 1', binary: 'nova-compute' }, '2.1', 400, /host/],
        ['disable-log-reason', { host: 'compute1', binary: 'nova-compute' }, '2.1', 400, 'Missing disabled reason field'],
        ['force-down', { host: 'compute1', binary: 'nova-compute' }, '2.11', 400, 'Missing forced_down field'],
        ['disable', { host: 'magnetar', binary: 'nova-scheduler' }, '2.1', 400,
          'Updating a nova-scheduler service is not supported. Only nova-compute services can be updated.'],
        ['disable', { host: 'nowhere', binary: 'nova-compute' }, '2.1', 404, 'Could not find binary nova-compute on host nowhere.'],
      ];
      for (const [action, body, version, status, msg] of cases) {
        const r = await put(action, body, version);
        assert.equal(r.status, status, `${action} ${JSON.stringify(body)} @${version}: ${r.text}`);
        const fault = Object.values(r.body as object)[0] as { message: string };
        if (typeof msg === 'string') assert.equal(fault.message, msg);
        else assert.match(fault.message, msg);
      }
      const r = await put('reboot', { host: 'compute1', binary: 'nova-compute' }, '2.1', 'demo');
      assert.equal(r.status, 403, 'policy before the action lookup');
      assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:os-services:update to be performed.");
      assert.equal((await compute('compute1')).status, 'enabled', 'nothing changed');
    });

    it('refuses to force a host up while done evacuations from it remain', async () => {
      await put('force-down', { host: 'compute2', binary: 'nova-compute', forced_down: true }, '2.11');
      await addMigration({ type: 'evacuation', status: 'done', source: 'compute2', dest: 'compute1' });
      try {
        const r = await put('force-down', { host: 'compute2', binary: 'nova-compute', forced_down: false }, '2.11');
        assert.equal(r.status, 400);
        assert.equal(
          r.body.badRequest.message,
          'Unable to force up host compute2 as `done` evacuation migration records remain associated with the host. ' +
            'Ensure the compute service has been restarted, allowing these records to move to `completed` before retrying this request.',
        );
        assert.equal((await compute('compute2', '2.11')).forced_down, true);
      } finally {
        await clearMigrations();
        const r = await put('force-down', { host: 'compute2', binary: 'nova-compute', forced_down: false }, '2.11');
        assert.equal(r.status, 200);
      }
    });
  });

  describe('PUT from 2.53 (service uuid in the path)', () => {
    it('disables with and without a reason, forces down, and enables; the body is the full record', async () => {
      const id = (await compute('compute1')).id;
      let r = await put(id, { status: 'disabled', disabled_reason: 'maintenance' });
      assert.equal(r.status, 200);
      assert.deepEqual(keys(r.body.service), KEYS_211);
      assert.equal(r.body.service.id, id);
      assert.equal(r.body.service.status, 'disabled');
      assert.equal(r.body.service.disabled_reason, 'maintenance');
      assert.equal(r.body.service.zone, 'nova');

      r = await put(id, { status: 'disabled' });
      assert.equal(r.body.service.disabled_reason, null);

      r = await put(id, { forced_down: true });
      assert.equal(r.status, 200);
      assert.equal(r.body.service.forced_down, true);
      assert.equal(r.body.service.state, 'down');
      assert.equal(r.body.service.status, 'disabled');

      r = await put(id, { status: 'enabled', forced_down: false });
      assert.equal(r.status, 200);
      assert.equal(r.body.service.status, 'enabled');
      assert.equal(r.body.service.disabled_reason, null);
      assert.equal(r.body.service.forced_down, false);
      assert.equal(r.body.service.state, 'up');

      r = await put(id, { status: 'enabled' });
      assert.equal(r.status, 200, 're-sending the current value is accepted');
    });

    it('checks the uuid shape before the policy, then policy, existence, binary, body', async () => {
      const computeId = (await compute('compute1')).id;
      const schedulerId = (await services('2.53', '?binary=nova-scheduler'))[0].id;
      const missing = randomUUID();
      const cases: Array<[string, string, unknown, number, string | RegExp]> = [
        ['demo', 'not-a-uuid', { status: 'disabled' }, 400, 'Invalid uuid not-a-uuid'],
        ['admin', 'disable', { host: 'compute1', binary: 'nova-compute' }, 400, /Additional properties/],
        ['demo', missing, { status: 'disabled' }, 403, "Policy doesn't allow os_compute_api:os-services:update to be performed."],
        ['admin', missing, { status: 'disabled' }, 404, `Service ${missing} could not be found.`],
        ['admin', schedulerId, { status: 'disabled' }, 400,
          'Updating a nova-scheduler service is not supported. Only nova-compute services can be updated.'],
        ['admin', computeId, { status: 'enabled', disabled_reason: 'why' }, 400, "Specifying 'disabled_reason' with status 'enabled' is invalid."],
        ['admin', computeId, {}, 400, "No updates were requested. Fields 'status' or 'forced_down' should be specified."],
        ['admin', computeId, { disabled_reason: 'only a reason' }, 400, "No updates were requested. Fields 'status' or 'forced_down' should be specified."],
        ['admin', computeId, { status: 'off' }, 400, /status/],
        ['admin', computeId, { forced_down: 'maybe' }, 400, /forced_down/],
      ];
      for (const [user, id, body, status, msg] of cases) {
        const r = await put(id, body, '2.53', user);
        assert.equal(r.status, status, `${user} ${id} ${JSON.stringify(body)}: ${r.text}`);
        const fault = Object.values(r.body as object)[0] as { message: string };
        if (typeof msg === 'string') assert.equal(fault.message, msg);
        else assert.match(fault.message, msg);
      }
      const s = await compute('compute1');
      assert.equal(s.status, 'enabled');
    });

    it('refuses forced_down false while done evacuations remain', async () => {
      const id = (await compute('compute2')).id;
      await put(id, { forced_down: true });
      await addMigration({ type: 'evacuation', status: 'done', source: 'compute2', dest: 'compute1' });
      await addMigration({ type: 'evacuation', status: 'completed', source: 'compute3', dest: 'compute1' });
      try {
        let r = await put(id, { forced_down: false });
        assert.equal(r.status, 400);
        assert.match(r.body.badRequest.message, /^Unable to force up host compute2 as `done` evacuation/);
        // Another host's finished evacuations do not block it.
        r = await put((await compute('compute3')).id, { forced_down: false });
        assert.equal(r.status, 200);
      } finally {
        await clearMigrations();
      }
      const r = await put(id, { forced_down: false });
      assert.equal(r.status, 200);
      assert.equal(r.body.service.state, 'up');
    });
  });

  describe('scheduling', () => {
    it('a disabled compute service gets no new servers', async () => {
      const ids = Object.fromEntries((await services()).filter((s) => s.binary === 'nova-compute').map((s) => [s.host, s.id]));
      await put(ids['compute1'], { status: 'disabled', disabled_reason: 'test' });
      await put(ids['compute2'], { status: 'disabled' });
      try {
        for (let i = 0; i < 2; i++) {
          const s = await c.bootServer('demo');
          assert.equal(s.status, 'ACTIVE');
          assert.equal(s['OS-EXT-SRV-ATTR:host'], 'compute3');
          await c.req('demo', 'DELETE', `/servers/${s.id}`);
          await c.waitServer(s.id, (x) => x.gone === true);
        }
      } finally {
        await put(ids['compute1'], { status: 'enabled' });
        await put(ids['compute2'], { status: 'enabled' });
      }
    });
  });

  describe('DELETE', () => {
    it('is admin-only and validates the id per version', async () => {
      let r = await c.req('demo', 'DELETE', '/os-services/1');
      assert.equal(r.status, 403);
      assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:os-services:delete to be performed.");
      r = await c.req('admin', 'DELETE', '/os-services/abc', { version: '2.52' });
      assert.equal(r.status, 400);
      assert.equal(r.body.badRequest.message, 'Invalid input received: id must be an integer');
      r = await c.req('admin', 'DELETE', '/os-services/42', { version: '2.53' });
      assert.equal(r.status, 400);
      assert.equal(r.body.badRequest.message, 'Invalid uuid 42');
      r = await c.req('admin', 'DELETE', '/os-services/4242', { version: '2.52' });
      assert.equal(r.status, 404);
      assert.equal(r.body.itemNotFound.message, 'Service 4242 not found.');
      r = await c.req('admin', 'DELETE', '/os-services/99999999999', { version: '2.52' });
      assert.equal(r.status, 404);
      assert.equal(r.body.itemNotFound.message, 'Service 99999999999 not found.');
      const missing = randomUUID();
      r = await c.req('admin', 'DELETE', `/os-services/${missing}`, { version: '2.53' });
      assert.equal(r.status, 404);
      assert.equal(r.body.itemNotFound.message, `Service ${missing} not found.`);
    });

    it('refuses a compute service that hosts servers or has unfinished migrations', async () => {
      const server = await c.bootServer('demo');
      const host = server['OS-EXT-SRV-ATTR:host'];
      const svc = await compute(host);
      let r = await c.req('admin', 'DELETE', `/os-services/${svc.id}`, { version: '2.53' });
      assert.equal(r.status, 409);
      assert.equal(r.body.conflictingRequest.message, 'Unable to delete compute service that is hosting instances. Migrate or delete the instances first.');
      await c.req('demo', 'DELETE', `/servers/${server.id}`);
      await c.waitServer(server.id, (x) => x.gone === true);

      await addMigration({ type: 'resize', status: 'finished', source: 'compute1', dest: host });
      try {
        r = await c.req('admin', 'DELETE', `/os-services/${svc.id}`, { version: '2.53' });
        assert.equal(r.status, 409);
        assert.equal(
          r.body.conflictingRequest.message,
          'Unable to delete compute service that has in-progress migrations. Complete the migrations or delete the instances first.',
        );
      } finally {
        await clearMigrations();
      }
      await addMigration({ type: 'resize', status: 'confirmed', source: 'compute1', dest: host });
      try {
        assert.ok((await services()).some((s) => s.id === svc.id), 'still there');
      } finally {
        await clearMigrations();
      }
    });

    it('deletes a compute service (and its hypervisor) by uuid, and a scheduler by integer id', async () => {
      const svc = await compute('compute3');
      const hypsBefore = await c.req('admin', 'GET', '/os-hypervisors', { version: '2.53' });
      assert.ok(hypsBefore.body.hypervisors.some((h: any) => h.hypervisor_hostname === 'compute3'));
      let r = await c.req('admin', 'DELETE', `/os-services/${svc.id}`, { version: '2.53' });
      assert.equal(r.status, 204);
      assert.equal(r.text, '');
      assert.ok(!(await services()).some((s) => s.id === svc.id));
      const hyps = await c.req('admin', 'GET', '/os-hypervisors', { version: '2.53' });
      assert.ok(!hyps.body.hypervisors.some((h: any) => h.hypervisor_hostname === 'compute3'));
      r = await c.req('admin', 'DELETE', `/os-services/${svc.id}`, { version: '2.53' });
      assert.equal(r.status, 404);

      const sched = (await services('2.1', '?binary=nova-scheduler'))[0];
      r = await c.req('admin', 'DELETE', `/os-services/${sched.id}`, { version: '2.1' });
      assert.equal(r.status, 204);
      assert.deepEqual(await services('2.1', '?binary=nova-scheduler'), []);

      // A restarted agent registers its service and node again.
      await c.aio.stopHost('compute3');
      await c.aio.startHost('compute3');
      const again = await compute('compute3');
      assert.notEqual(again.id, svc.id);
      assert.equal(again.state, 'up');
    });
  });
});
