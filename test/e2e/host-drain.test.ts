// `magnetar host drain` and `magnetar host evacuate` against a running
// Magnetar, through its public compute API with the `openstack` client's
// credentials: every server's outcome in the table, the exit status, a rerun
// that resumes, and an evacuation round trip with the failed host restarted.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { startCloud, type Cloud } from '../support/cloud.js';
import { act } from '../support/actions.js';
import { until } from '../support/wait.js';
import { assertAuditClean } from '../support/audit.js';
import { hostMovesCommand, type HostMovesOptions } from '../../src/cli/host-moves/command.js';

const HOST = 'OS-EXT-SRV-ATTR:host';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** The table's rows as objects keyed by its header. */
function tableRows(text: string): Array<Record<string, string>> {
  const lines = text.split('\n').filter((l) => l.startsWith('|'));
  if (lines.length === 0) return [];
  const cells = (l: string) => l.slice(1, -1).split('|').map((x) => x.trim());
  const head = cells(lines[0]!);
  return lines.slice(1).map((l) => Object.fromEntries(cells(l).map((v, i) => [head[i]!, v])));
}

describe('magnetar host drain and evacuate', () => {
  let c: Cloud;
  let creds: HostMovesOptions;
  const run = async (verb: 'drain' | 'evacuate', host: string, extra: Partial<HostMovesOptions> = {}) => {
    const out = new Capture();
    const err = new Capture();
    const code = await hostMovesCommand(verb, host, { ...creds, pollInterval: '0.05', ...extra }, out, err);
    return { code, out: out.text, err: err.text, rows: tableRows(out.text) };
  };
  const service = async (host: string) =>
    (await c.req('admin', 'GET', `/os-services?binary=nova-compute&host=${host}`, { version: '2.53' })).body.services[0];
  const bootOn = (host: string, n: number) => Promise.all(Array.from({ length: n }, () => c.bootServer('admin', { availability_zone: `nova:${host}` })));

  before(async () => {
    c = await startCloud({ overrides: ['magnetar.compute_hosts=compute1,compute2,compute3'] });
    creds = { osAuthUrl: `${c.identityUrl}/v3`, osUsername: 'admin', osPassword: 'admin', osProjectName: 'admin', osInterface: 'public' };
  });
  after(async () => c?.stop());

  it('drains a host of 20 servers: each moved, one failed with its reason, one skipped; a rerun resumes', async () => {
    const servers = await bootOn('compute1', 20);
    assert.ok(servers.every((s) => s.status === 'ACTIVE' && s[HOST] === 'compute1'));
    const [failing, stopped, broken, moving] = servers;
    // One live migration fails on the host, one server is off (moved cold), one is in ERROR (skipped),
    // one was already cold-migrated by an earlier run and waits for its confirmation.
    c.aio.faults.add({ step: 'live_migration', server: failing.id, count: 1 });
    assert.equal((await act(c, 'admin', stopped.id, { 'os-stop': null })).status, 202);
    await c.waitServer(stopped.id, (s) => s.status === 'SHUTOFF');
    assert.equal((await act(c, 'admin', broken.id, { 'os-resetState': { state: 'error' } })).status, 202);
    assert.equal((await act(c, 'admin', moving.id, { migrate: null })).status, 202);
    await c.waitServer(moving.id, (s) => s.status === 'VERIFY_RESIZE');

    const r = await run('drain', 'compute1', { concurrency: '4' });
    assert.equal(r.code, 1, r.out + r.err);
    assert.match(r.err, /disabled the compute service on compute1/);
    assert.equal((await service('compute1')).status, 'disabled');
    const byId = new Map(r.rows.map((row) => [row['ID'], row]));
    assert.equal(byId.size, 20);
    assert.equal(byId.get(failing.id)!['Result'], 'failed');
    assert.match(byId.get(failing.id)!['Detail']!, /live_migration|Error/);
    assert.equal(byId.get(broken.id)!['Result'], 'skipped');
    assert.match(byId.get(broken.id)!['Detail']!, /ERROR/);
    assert.equal(byId.get(stopped.id)!['Move'], 'cold');
    assert.equal(byId.get(moving.id)!['Result'], 'moved');
    assert.match(byId.get(moving.id)!['Detail']!, /confirmed/);
    for (const s of servers.filter((x) => x !== failing && x !== broken)) {
      const row = byId.get(s.id)!;
      assert.equal(row['Result'], 'moved', `${s.id}: ${row['Detail']}`);
      const now = (await c.req('admin', 'GET', `/servers/${s.id}`, { version: '2.84' })).body.server;
      assert.equal(now[HOST], row['To']);
      assert.notEqual(now[HOST], 'compute1');
      assert.equal(now.status, s === stopped ? 'SHUTOFF' : 'ACTIVE');
    }
    assert.match(r.out, /18 moved, 1 failed, 1 skipped of 20 server\(s\)/);

    // Fix what stopped the drain, and run it again: only what is left moves.
    assert.equal((await act(c, 'admin', broken.id, { 'os-resetState': { state: 'active' } })).status, 202);
    const again = await run('drain', 'compute1');
    assert.equal(again.code, 0, again.out + again.err);
    assert.deepEqual(again.rows.map((row) => row['ID']).sort(), [failing.id, broken.id].sort());
    assert.ok(again.rows.every((row) => row['Result'] === 'moved'));
    assert.equal((await run('drain', 'compute1')).out, 'no server on compute1\n');
    await assertAuditClean(c);
  });

  it('evacuates a failed host only once it is down, and the host comes back clean', async () => {
    const servers = await bootOn('compute3', 3);
    const refused = await run('evacuate', 'compute3');
    assert.equal(refused.code, 1);
    assert.match(refused.err, /compute service on compute3 is up/);

    assert.equal((await c.req('admin', 'POST', '/magnetar/hosts/compute3/action', { body: { crash: null } })).status, 200);
    const svc = await service('compute3');
    assert.equal((await c.req('admin', 'PUT', `/os-services/${svc.id}`, { version: '2.53', body: { forced_down: true } })).status, 200);
    const r = await run('evacuate', 'compute3', { target: 'compute2' });
    assert.equal(r.code, 0, r.out + r.err);
    // The host also held servers the drain above moved there.
    assert.ok(servers.every((s) => r.rows.some((row) => row['ID'] === s.id)));
    assert.ok(r.rows.every((row) => row['Result'] === 'moved' && row['Move'] === 'evacuate' && row['To'] === 'compute2'), r.out);

    assert.equal((await c.req('admin', 'POST', '/magnetar/hosts/compute3/action', { body: { start: null } })).status, 200);
    await until('the failed host to clean up', async () => (await c.req('admin', 'PUT', `/os-services/${svc.id}`, { version: '2.53', body: { forced_down: false } })).status, (st) => st === 200);
    await assertAuditClean(c);
  });

  it('refuses what cannot work, and says so', async () => {
    const unknown = await run('drain', 'no-such-host');
    assert.equal(unknown.code, 1);
    assert.match(unknown.err, /no compute service runs on host no-such-host/);
    const bad = await run('drain', 'compute2', { concurrency: '0' });
    assert.equal(bad.code, 1);
    assert.match(bad.err, /--concurrency must be a positive number/);
    const unreachable = await run('drain', 'compute2', { osAuthUrl: 'http://127.0.0.1:9/v3' });
    assert.equal(unreachable.code, 2);
    assert.match(unreachable.err, /Cannot reach/);
  });
});
