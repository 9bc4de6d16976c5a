// os-getConsoleOutput: the body, lookup, policy, host checks, and the
// console log itself — a boot naming the server and its image, lifecycle
// lines after reboots and stops, and the tail by `length` as Nova cuts it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startCloud, type Cloud, PAST_SERVICE_DOWN_TIME_MS } from '../support/cloud.js';
import { setInstanceColumns } from '../support/db.js';

const NO_SERVER = '3b7c1b8e-0d2a-4c59-9a7e-3b5d2f0e8a11';

describe('os-getConsoleOutput', () => {
  let c: Cloud;
  let server: any;
  before(async () => {
    c = await startCloud();
    server = await c.bootServer('demo');
  });
  after(async () => {
    await c.stop();
  });

  const consoleOf = (user: string, id: string, body: unknown = { 'os-getConsoleOutput': {} }) => c.req(user, 'POST', `/servers/${id}/action`, { body, version: '2.1' });
  const output = async (id: string, length?: unknown): Promise<string> => {
    const r = await consoleOf('demo', id, { 'os-getConsoleOutput': length === undefined ? {} : { length } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(Object.keys(r.body), ['output']);
    return r.body.output;
  };

  it('shows a boot of the server: its id, hostname, image and host, ending at the login prompt', async () => {
    const out = await output(server.id);
    const lines = out.split('\n');
    assert.ok(lines.length > 3, out);
    assert.match(out, new RegExp(`instance-id: ${server.id}, image: cirros`));
    assert.match(out, new RegExp(`Hypervisor detected: Magnetar fake \\(host ${server['OS-EXT-SRV-ATTR:host']}\\)`));
    assert.match(out, /Memory: 512MB available, 1 vCPU/);
    assert.equal(lines[lines.length - 1], `${server['OS-EXT-SRV-ATTR:hostname']} login: `);
    assert.ok(!/[\x00-\x08\x0b-\x1f]/.test(out));
  });

  it('returns the last `length` lines (integer or string); 0 is nothing, null everything, -1 all but the first line', async () => {
    const all = (await output(server.id)).split('\n');
    assert.deepEqual((await output(server.id, 3)).split('\n'), all.slice(-3));
    assert.deepEqual((await output(server.id, '2')).split('\n'), all.slice(-2));
    assert.equal(await output(server.id, 0), '');
    assert.equal(await output(server.id, '0'), '');
    assert.deepEqual((await output(server.id, null)).split('\n'), all);
    assert.deepEqual((await output(server.id, 100000)).split('\n'), all);
    assert.deepEqual((await output(server.id, -1)).split('\n'), all.slice(1));
    assert.deepEqual((await output(server.id, '-3')).split('\n'), all.slice(3));
  });

  it('adds a restart and a new boot after a reboot, and a power-down after a stop; a stopped server still answers', async () => {
    const s = await c.bootServer('demo');
    assert.equal((await c.req('demo', 'POST', `/servers/${s.id}/action`, { body: { reboot: { type: 'HARD' } } })).status, 202);
    await c.waitServer(s.id, (x) => x.status === 'ACTIVE' && x['OS-EXT-STS:task_state'] === null);
    let out = await output(s.id);
    assert.equal(out.match(/reboot: Restarting system/g)?.length, 1);
    assert.equal(out.match(/Linux version/g)?.length, 2);
    assert.equal((await c.req('demo', 'POST', `/servers/${s.id}/action`, { body: { 'os-stop': null } })).status, 202);
    await c.waitServer(s.id, (x) => x.status === 'SHUTOFF');
    out = await output(s.id, 3);
    assert.equal(out.split('\n').length, 3);
    assert.match(out.split('\n')[2]!, /^\[ *\d+\.\d{6}\] reboot: Power down$/);
  });

  it('checks the body as Nova does', async () => {
    const bad: Array<[unknown, RegExp]> = [
      [{ 'os-getConsoleOutput': { length: 'ten' } }, /^Invalid input for field\/attribute length\. Value: ten\. 'ten' does not match '\^-\?\[0-9\]\+\$'$/],
      [{ 'os-getConsoleOutput': { length: -2 } }, /^Invalid input for field\/attribute length\. Value: -2\. -2 is less than the minimum of -1$/],
      [{ 'os-getConsoleOutput': { length: 1.5 } }, /length\. Value: 1\.5\. 1\.5 is not of type 'integer', 'string', 'null'$/],
      [{ 'os-getConsoleOutput': { length: 3, lines: 1 } }, /Additional properties are not allowed \('lines' was unexpected\)$/],
      [{ 'os-getConsoleOutput': null }, /None is not of type 'object'$/],
    ];
    for (const [body, msg] of bad) {
      const r = await consoleOf('demo', server.id, body);
      assert.equal(r.status, 400, JSON.stringify(body));
      assert.match(r.body.badRequest.message, msg);
    }
  });

  it('is 404 for an unknown server or another project\'s, and 403 for readers', async () => {
    let r = await consoleOf('demo', NO_SERVER, { 'os-getConsoleOutput': { length: 10 } });
    assert.equal(r.status, 404);
    assert.equal(r.body.itemNotFound.message, `Instance ${NO_SERVER} could not be found.`);
    r = await consoleOf('alt_demo', server.id);
    assert.equal(r.status, 404);
    r = await consoleOf('demo_reader', server.id);
    assert.equal(r.status, 403);
    assert.equal(r.body.forbidden.message, "Policy doesn't allow os_compute_api:os-console-output to be performed.");
    r = await consoleOf('admin', server.id);
    assert.equal(r.status, 200);
  });

  it('is 409 for a server without a host, or whose host is down', async () => {
    const s = await c.bootServer('demo');
    const host = s['OS-EXT-SRV-ATTR:host'];
    await setInstanceColumns(c, s.id, { host: null });
    let r = await consoleOf('demo', s.id);
    assert.equal(r.status, 409);
    assert.equal(r.body.conflictingRequest.message, `Instance ${s.id} is not ready`);
    await setInstanceColumns(c, s.id, { host });

    await c.aio.stopHost(host);
    try {
      await new Promise((res) => setTimeout(res, PAST_SERVICE_DOWN_TIME_MS)); // past service_down_time
      r = await consoleOf('demo', s.id);
      assert.equal(r.status, 409);
      assert.equal(r.body.conflictingRequest.message, 'Service is unavailable at this time.');
    } finally {
      await c.aio.startHost(host);
    }
  });

  it('is 404 when the host has no such guest', async () => {
    const s = await c.bootServer('demo');
    const other = [...c.aio.agents.keys()].find((h) => h !== s['OS-EXT-SRV-ATTR:host'])!;
    await setInstanceColumns(c, s.id, { host: other });
    const r = await consoleOf('demo', s.id);
    assert.equal(r.status, 404);
    assert.equal(r.body.itemNotFound.message, `Instance ${s.id} could not be found.`);
  });
});
