// Magnetar's audit extension: GET /v2.1/magnetar/audit. A cloud whose servers
// sit in every stable state passes it, even strict; each way of breaking the
// records or the hypervisors behind the cloud's back is reported with its kind.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startCloud, type Cloud } from '../support/cloud.js';
import { act } from '../support/actions.js';
import { insertMigration, setInstanceColumns } from '../support/db.js';
import { until } from '../support/wait.js';
import { dbTime } from '../../src/db/time.js';

let c: Cloud;
before(async () => {
  c = await startCloud();
});
after(async () => {
  await c.stop();
});

const HOSTS = ['compute1', 'compute2', 'compute3'];
const hostOf = (s: any): string => s['OS-EXT-SRV-ATTR:host'];
const otherThan = (h: string): string => HOSTS.find((x) => x !== h)!;
const audit = (query = '', user = 'admin') => c.req(user, 'GET', `/magnetar/audit${query}`);
const settled = (status: string) => (s: any) => s.status === 'ERROR' || (s.status === status && s['OS-EXT-STS:task_state'] === null);
const driverOf = (host: string) => c.aio.agents.get(host)!.ctx.driver;

/** `kind server host` of each finding, for messages. */
const brief = (findings: any[]): string[] => findings.map((f) => `${f.kind} ${f.severity} ${f.server ?? '-'} ${f.host ?? '-'}: ${f.message}`);

async function boot(): Promise<any> {
  const s = await c.bootServer('demo');
  assert.equal(s.status, 'ACTIVE', JSON.stringify(s));
  return c.waitServer(s.id, () => true);
}

async function actAndWait(id: string, body: unknown, status: string, version = '2.1'): Promise<any> {
  const r = await act(c, 'admin', id, body, version);
  assert.ok(r.status === 202 || r.status === 204, r.text);
  const s = await c.waitServer(id, settled(status));
  assert.equal(s.status, status, JSON.stringify(s));
  return s;
}

describe('GET /magnetar/audit', () => {
  it('passes, even strict, a cloud with servers active, stopped, paused, suspended, resized awaiting confirm, reverted, and after a cold and a live migration', async () => {
    const ids: Record<string, string> = {};
    const [active, stopped, paused, suspended, resized, reverted, cold, live] = await Promise.all(Array.from({ length: 8 }, boot));
    ids['active'] = active!.id;
    await actAndWait((ids['stopped'] = stopped!.id), { 'os-stop': null }, 'SHUTOFF');
    await actAndWait((ids['paused'] = paused!.id), { pause: null }, 'PAUSED');
    await actAndWait((ids['suspended'] = suspended!.id), { suspend: null }, 'SUSPENDED');
    await actAndWait((ids['resized'] = resized!.id), { resize: { flavorRef: '2' } }, 'VERIFY_RESIZE');
    await actAndWait((ids['reverted'] = reverted!.id), { resize: { flavorRef: '2' } }, 'VERIFY_RESIZE');
    await actAndWait(ids['reverted'], { revertResize: null }, 'ACTIVE');
    await actAndWait((ids['cold'] = cold!.id), { migrate: null }, 'VERIFY_RESIZE');
    const confirmed = await actAndWait(ids['cold'], { confirmResize: null }, 'ACTIVE');
    assert.notEqual(hostOf(confirmed), hostOf(cold));
    const moved = await actAndWait((ids['live'] = live!.id), { 'os-migrateLive': { host: null, block_migration: 'auto' } }, 'ACTIVE', '2.25');
    assert.notEqual(hostOf(moved), hostOf(live));

    // The hosts finish their last clean-up (a source drops its copy) just after the server settles.
    const r = await until('a clean strict audit', () => audit('?strict=true'), (x) => x.status !== 200 || x.body.audit.findings.length === 0, 5000).catch(
      async () => audit('?strict=true'),
    );
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(brief(r.body.audit.findings), []);
    const a = r.body.audit;
    assert.equal(a.strict, true);
    assert.ok(Math.abs(Date.parse(a.checked_at) - Date.now()) < 60_000, a.checked_at);
    assert.match(a.checked_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual(
      a.hosts.map((h: any) => `${h.host}:${h.reachable}`),
      HOSTS.map((h) => `${h}:true`),
    );
    assert.equal(a.counts.servers, 8);
    // One guest per server, plus the resized server's source copy.
    assert.equal(a.counts.guests, 9);
    assert.equal(a.hosts.reduce((n: number, h: any) => n + h.guests, 0), 9);
    // One allocation per server, plus the source held by the resize awaiting confirm.
    assert.equal(a.counts.allocations, 9);
    // The resize awaiting confirm, and the three moves that ended within the last minute.
    assert.equal(a.counts.migrations, 4);
    assert.deepEqual(Object.keys(a).sort(), ['checked_at', 'counts', 'findings', 'hosts', 'strict']);
  });

  describe('reports what was broken behind the cloud\'s back', () => {
    const s: Record<string, any> = {};
    let stray = '';
    let orphan = '';
    let running = '';
    let findings: any[] = [];
    const find = (kind: string, server: string | null) => findings.filter((f) => f.kind === kind && f.server === server);

    before(async () => {
      const names = ['repointed', 'unallocated', 'migrating', 'guestless', 'powered', 'errored'];
      const booted = await Promise.all(names.map(() => boot()));
      names.forEach((n, i) => (s[n] = booted[i]));
      const db = c.aio.base.db.kysely;
      // Each breakage is old news: records that changed a moment ago may still be settling.
      const tenMinutesAgo = new Date(Date.now() - 600_000);
      for (const n of names) await setInstanceColumns(c, s[n].id, { updated_at: dbTime(tenMinutesAgo) });

      // A server pointed at another host.
      await setInstanceColumns(c, s['repointed'].id, { host: otherThan(hostOf(s['repointed'])), node: otherThan(hostOf(s['repointed'])) });
      // A server's allocation deleted.
      await db.deleteFrom('allocations').where('consumer_uuid', '=', s['unallocated'].id).execute();
      // An allocation no one owns.
      stray = randomUUID();
      const node = await db.selectFrom('compute_nodes').select('uuid').where('host', '=', 'compute1').executeTakeFirstOrThrow();
      await db.insertInto('allocations').values({ consumer_uuid: stray, node_uuid: node.uuid, vcpus: 1, memory_mb: 64, disk_gb: 1, created_at: dbTime(new Date()) }).execute();
      // A live migration left `running` ten minutes ago, its server unchanged since.
      const src = hostOf(s['migrating']);
      running = await insertMigration(c, {
        instanceUuid: s['migrating'].id,
        migrationType: 'live-migration',
        status: 'running',
        sourceCompute: src,
        destCompute: otherThan(src),
        destNode: otherThan(src),
        now: tenMinutesAgo,
      });
      // A guest gone from its hypervisor, with no fault and no record of it.
      await driverOf(hostOf(s['guestless'])).destroy(s['guestless'].id);
      // A guest no server owns.
      orphan = randomUUID();
      await driverOf('compute2').spawn({ uuid: orphan, name: 'stray', vcpus: 1, memoryMb: 64, rootGb: 1, imageRef: null });
      // Records that disagree with the guest: stopped while it runs; in ERROR with no fault.
      await setInstanceColumns(c, s['powered'].id, { vm_state: 'stopped' });
      await setInstanceColumns(c, s['errored'].id, { vm_state: 'error' });

      const r = await audit();
      assert.equal(r.status, 200, r.text);
      findings = r.body.audit.findings;
    });

    it('a server recorded on another host: duplicate-guest where the guest is, missing-guest where the record says', () => {
      const id = s['repointed'].id;
      const was = hostOf(s['repointed']);
      assert.deepEqual(find('duplicate-guest', id).map((f) => `${f.severity} ${f.host}`), [`violation ${was}`], brief(findings).join('\n'));
      assert.deepEqual(find('missing-guest', id).map((f) => `${f.severity} ${f.host}`), [`violation ${otherThan(was)}`]);
      assert.deepEqual(find('allocation-mismatch', id).map((f) => `${f.severity} ${f.host}`), [`violation ${was}`]);
    });

    it('a deleted allocation: allocation-missing', () => {
      const f = find('allocation-missing', s['unallocated'].id);
      assert.deepEqual(f.map((x) => `${x.severity} ${x.host}`), [`violation ${hostOf(s['unallocated'])}`], brief(findings).join('\n'));
      assert.match(f[0].message, /holds no allocation for 1 vCPU, 512 MB RAM, 1 GB disk/);
    });

    it('a stray allocation: allocation-leak', () => {
      const f = findings.filter((x) => x.kind === 'allocation-leak' && x.message.includes(stray));
      assert.deepEqual(f.map((x) => `${x.severity} ${x.server} ${x.host}`), ['violation null compute1'], brief(findings).join('\n'));
    });

    it('a migration left running: stuck, and the destination claim it lacks, as a warning', () => {
      const id = s['migrating'].id;
      const stuck = find('stuck', id);
      assert.deepEqual(stuck.map((x) => `${x.severity} ${x.migration}`), [`warning ${running}`], brief(findings).join('\n'));
      assert.match(stuck[0].message, /live-migration .* \(running\) is under way/);
      assert.deepEqual(find('allocation-missing', id).map((x) => `${x.severity} ${x.migration}`), [`warning ${running}`]);
    });

    it('a guest gone from its host: missing-guest', () => {
      assert.deepEqual(find('missing-guest', s['guestless'].id).map((f) => `${f.severity} ${f.host}`), [`violation ${hostOf(s['guestless'])}`]);
    });

    it('a guest without a server: orphan-guest', () => {
      assert.deepEqual(find('orphan-guest', orphan).map((f) => `${f.severity} ${f.host}`), ['violation compute2']);
    });

    it('a stopped server whose guest runs: power-mismatch; ERROR without a fault: error-without-fault', () => {
      assert.deepEqual(find('power-mismatch', s['powered'].id).map((f) => f.severity), ['violation']);
      assert.deepEqual(find('error-without-fault', s['errored'].id).map((f) => f.severity), ['violation']);
    });

    it('reports nothing else about the servers it did not break', async () => {
      const broken = new Set([...Object.values(s).map((x) => x.id), orphan]);
      const others = findings.filter((f) => !broken.has(f.server) && !f.message.includes(stray));
      assert.deepEqual(brief(others), []);
    });

    it('strict mode makes the warnings violations; stuck_after moves the line between in-progress and stuck', async () => {
      const strict = (await audit('?strict=true')).body.audit.findings;
      assert.ok(strict.length === findings.length && strict.every((f: any) => f.severity === 'violation'), brief(strict).join('\n'));
      const patient = (await audit('?stuck_after=3600')).body.audit.findings;
      assert.deepEqual(
        patient.filter((f: any) => f.server === s['migrating'].id).map((f: any) => `${f.kind} ${f.severity}`),
        ['allocation-missing in-progress', 'in-progress in-progress'],
      );
    });

    it('a host that does not answer is unreachable, a warning, and its guests are not checked', async () => {
      await c.aio.stopHost('compute3');
      try {
        const r = await audit();
        assert.equal(r.status, 200);
        const a = r.body.audit;
        assert.deepEqual(a.hosts.find((h: any) => h.host === 'compute3'), { host: 'compute3', reachable: false, guests: 0 });
        const f = a.findings.filter((x: any) => x.kind === 'unreachable-host');
        assert.deepEqual(f.map((x: any) => `${x.severity} ${x.host} ${x.server}`), ['warning compute3 null']);
        assert.ok(!a.findings.some((x: any) => ['missing-guest', 'orphan-guest', 'power-mismatch'].includes(x.kind) && x.host === 'compute3'));
      } finally {
        await c.aio.startHost('compute3');
      }
    });
  });

  it('is admin only (rule magnetar:audit)', async () => {
    for (const user of ['demo', 'demo_manager', 'demo_reader', 'alt_demo']) {
      const r = await audit('', user);
      assert.equal(r.status, 403, user);
      assert.equal(r.body.forbidden.message, "Policy doesn't allow magnetar:audit to be performed.");
    }
  });

  it('refuses a bad query with 400', async () => {
    for (const q of ['?strict=maybe', '?stuck_after=-1', '?stuck_after=soon', '?verbose=1']) {
      const r = await audit(q);
      assert.equal(r.status, 400, q);
      assert.match(r.body.badRequest.message, /^Invalid input for query parameters /, q);
    }
  });
});
