// os-instance_usage_audit_log: with [DEFAULT] instance_usage_audit each compute
// host records its usage audit of the last completed period in the task log;
// the API reports how far the hosts are, for the last period or the one
// before a given moment. Admin-only. Off by default, as in Nova.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud } from '../support/cloud.js';
import { setInstanceColumns } from '../support/db.js';
import { until } from '../support/wait.js';

const HOUR = 3600_000;
const pyStr = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
const dbStr = (ms: number) => `${new Date(ms).toISOString().slice(0, 23).replace('T', ' ')}000`;

describe('os-instance_usage_audit_log with the usage audit on', () => {
  let c: Cloud;
  before(async () => {
    c = await startCloud({ overrides: ['DEFAULT.instance_usage_audit=true', 'DEFAULT.instance_usage_audit_period=hour'] });
  });
  after(async () => {
    await c.stop();
  });

  const index = async () => {
    const r = await c.req('admin', 'GET', '/os-instance_usage_audit_log');
    assert.equal(r.status, 200, r.text);
    return r.body.instance_usage_audit_logs;
  };

  it('reports every compute host done with the last completed period', async () => {
    const log = await until('every host done', index, (l) => l.num_hosts_done === 3);
    const end = Math.floor(Date.now() / HOUR) * HOUR;
    assert.equal(log.period_beginning, pyStr(end - HOUR));
    assert.equal(log.period_ending, pyStr(end));
    assert.deepEqual(
      { ...log, log: undefined },
      {
        period_beginning: log.period_beginning,
        period_ending: log.period_ending,
        num_hosts: 3,
        num_hosts_done: 3,
        num_hosts_running: 0,
        num_hosts_not_run: 0,
        hosts_not_run: [],
        total_instances: 0,
        total_errors: 0,
        overall_status: 'ALL hosts done. 0 errors.',
        log: undefined,
      },
    );
    assert.deepEqual(Object.keys(log.log).sort(), ['compute1', 'compute2', 'compute3']);
    const one = log.log.compute1;
    assert.deepEqual(Object.keys(one).sort(), ['errors', 'instances', 'message', 'state']);
    assert.equal(one.state, 'DONE');
    assert.equal(one.errors, 0);
    assert.match(one.message, /^Instance usage audit ran for host compute1, 0 instances in [0-9.e-]+ seconds\.$/);
  });

  it('counts the servers that ran on the host during the period, deleted ones too; once per period', async () => {
    const a = await c.bootServer('admin', { availability_zone: 'nova:compute1' });
    const b = await c.bootServer('admin', { availability_zone: 'nova:compute1' });
    const end = Math.floor(Date.now() / HOUR) * HOUR;
    await setInstanceColumns(c, a.id, { launched_at: dbStr(end - 3 * HOUR) });
    await setInstanceColumns(c, b.id, { launched_at: dbStr(end - 3 * HOUR), terminated_at: dbStr(end - HOUR / 2), deleted: 99 });
    // The host ran its audit before these servers were backdated: nothing changes until its record goes.
    await new Promise((res) => setTimeout(res, 500));
    assert.equal((await index()).log.compute1.instances, 0);
    await c.aio.base.db.kysely.deleteFrom('task_log').where('host', '=', 'compute1').execute();
    const log = await until('compute1 audited again', index, (l) => l.log.compute1 !== undefined);
    assert.equal(log.log.compute1.instances, 2);
    assert.equal(log.total_instances, 2);
    assert.match(log.log.compute1.message, /compute1, 2 instances in/);
  });

  it('shows the period completed before a given time; hosts without a record have not run', async () => {
    for (const id of ['2012-03-05 08:12:23', '2012-03-05 08:12:23.5', '2012-3-5 8:12:23']) {
      const r = await c.req('admin', 'GET', `/os-instance_usage_audit_log/${encodeURIComponent(id)}`);
      assert.equal(r.status, 200, `${id}: ${r.text}`);
      assert.deepEqual(r.body.instance_usage_audit_log, {
        period_beginning: '2012-03-05 07:00:00',
        period_ending: '2012-03-05 08:00:00',
        num_hosts: 3,
        num_hosts_done: 0,
        num_hosts_running: 0,
        num_hosts_not_run: 3,
        hosts_not_run: ['compute1', 'compute2', 'compute3'],
        total_instances: 0,
        total_errors: 0,
        overall_status: '0 of 3 hosts done. 0 errors.',
        log: {},
      });
    }
  });

  it('refuses a timestamp in another form', async () => {
    for (const id of ['2012-03-05T08:12:23', 'yesterday', '2012-03-05 08:12', '2012-02-30 00:00:00', '2012-03-05 08:12:23.']) {
      const r = await c.req('admin', 'GET', `/os-instance_usage_audit_log/${encodeURIComponent(id)}`);
      assert.equal(r.status, 400, id);
      assert.equal(r.body.badRequest.message, `Invalid timestamp for date ${id}`);
    }
  });

  it('is admin-only', async () => {
    let r = await c.req('demo', 'GET', '/os-instance_usage_audit_log');
    assert.equal(r.status, 403);
    assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:os-instance-usage-audit-log:list to be performed.");
    r = await c.req('demo', 'GET', '/os-instance_usage_audit_log/2012-03-05%2008:12:23');
    assert.equal(r.status, 403);
    assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:os-instance-usage-audit-log:show to be performed.");
  });

  it('drops unknown query parameters until 2.101 and refuses them from 2.102', async () => {
    assert.equal((await c.req('admin', 'GET', '/os-instance_usage_audit_log?x=1', { version: '2.101' })).status, 200);
    assert.equal((await c.req('admin', 'GET', '/os-instance_usage_audit_log?x=1', { version: '2.102' })).status, 400);
    assert.equal((await c.req('admin', 'GET', '/os-instance_usage_audit_log/2012-03-05%2008:12:23?x=1', { version: '2.102' })).status, 400);
  });
});

describe('os-instance_usage_audit_log with the usage audit off (the default)', () => {
  let c: Cloud;
  before(async () => {
    c = await startCloud();
  });
  after(async () => {
    await c.stop();
  });

  it('has no host run the audit', async () => {
    await new Promise((res) => setTimeout(res, 600)); // several periodic rounds
    const r = await c.req('admin', 'GET', '/os-instance_usage_audit_log');
    assert.equal(r.body.instance_usage_audit_logs.num_hosts_done, 0);
    assert.equal(r.body.instance_usage_audit_logs.num_hosts_not_run, 3);
    assert.equal(r.body.instance_usage_audit_logs.overall_status, '0 of 3 hosts done. 0 errors.');
  });
});
