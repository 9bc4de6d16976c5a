// Behaviour particular to the simulated hypervisor: timings, injected faults,
// held live migrations, the guest table on disk.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PowerState, VirtDriverError, type GuestSpec, type LiveMigrationOptions, type LiveMigrationProgress } from '../../../src/virt/driver.js';
import { FakeDriver, type FakeDriverDelays, type FakeDriverOptions } from '../../../src/virt/fake/driver.js';
import { FaultRules } from '../../../src/virt/fake/faults.js';
import { readGuestTable } from '../../../src/virt/fake/state-file.js';

const ZERO: FakeDriverDelays = { spawn: '0', destroy: '0', power: '0', migrate: '0', liveMigration: '0', precheck: '0' };

async function driver(host: string, over: Partial<FakeDriverOptions> = {}): Promise<FakeDriver> {
  const d = new FakeDriver({
    inventory: { vcpus: 16, memoryMb: 32768, localGb: 500 },
    delays: ZERO,
    liveMigrationHold: false,
    faults: new FaultRules(),
    ...over,
  });
  await d.init(host);
  return d;
}

let n = 0;
const spec = (): GuestSpec => {
  n += 1;
  return { uuid: `11111111-0000-4000-8000-${String(n).padStart(12, '0')}`, name: `vm${n}`, vcpus: 2, memoryMb: 2048, rootGb: 10, imageRef: 'img' };
};

const lm = (over: Partial<LiveMigrationOptions> = {}): LiveMigrationOptions => ({
  destHost: 'dest',
  blockMigration: false,
  completionTimeout: 0,
  timeoutAction: 'abort',
  ...over,
});

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('fake driver: inventory and uptime', () => {
  it('reports the configured inventory as a fake hypervisor', async () => {
    const d = await driver('h1', { hostIp: '10.0.0.7' });
    const inv = d.inventory();
    assert.equal(inv.vcpus, 16);
    assert.equal(inv.memoryMb, 32768);
    assert.equal(inv.localGb, 500);
    assert.equal(inv.hypervisorType, 'fake');
    assert.equal(inv.hypervisorVersion, 1000);
    assert.equal(inv.hostIp, '10.0.0.7');
    assert.deepEqual(inv.cpuInfo, {
      arch: 'x86_64',
      model: 'Nehalem',
      vendor: 'Intel',
      topology: { cores: 8, threads: 2, sockets: 1 },
      features: [],
    });
    assert.equal((await driver('h2')).inventory().hostIp, '127.0.0.1');
  });

  it('counts uptime from construction', async () => {
    let now = 1_000_000;
    const d = await driver('h1', { now: () => now });
    assert.equal(d.uptime(), 0);
    now += 90_500;
    assert.equal(d.uptime(), 90.5);
  });
});

describe('fake driver: delays', () => {
  it('a 50 ms spawn takes at least 50 ms', async () => {
    const d = await driver('h1', { delays: { ...ZERO, spawn: '0.05' } });
    const s = spec();
    const t0 = performance.now();
    const p = d.spawn(s);
    assert.equal(d.getGuest(s.uuid), undefined, 'no guest before the spawn finishes');
    await p;
    assert.ok(performance.now() - t0 >= 49);
    assert.equal(d.getGuest(s.uuid)?.powerState, PowerState.RUNNING);
  });

  it('a second spawn of a uuid still building fails at once', async () => {
    const d = await driver('h1', { delays: { ...ZERO, spawn: '0.05' } });
    const s = spec();
    const first = d.spawn(s);
    await assert.rejects(d.spawn(s), (e: unknown) => e instanceof VirtDriverError && e.step === 'spawn');
    await first;
  });

  it('power and live-migration delays are honoured', async () => {
    const d = await driver('h1', { delays: { ...ZERO, power: '0.04', liveMigration: '0.05' } });
    const s = spec();
    await d.spawn(s);
    let t0 = performance.now();
    await d.powerOff(s.uuid);
    assert.ok(performance.now() - t0 >= 39);
    await d.powerOn(s.uuid);
    t0 = performance.now();
    assert.equal(await d.liveMigration(s.uuid, lm()), 'completed');
    assert.ok(performance.now() - t0 >= 49);
  });
});

describe('fake driver: faults', () => {
  it('a fault fails the step after its delay, with the default message, and changes nothing', async () => {
    const faults = new FaultRules();
    faults.add({ step: 'power_off' });
    const d = await driver('compute1', { faults, delays: { ...ZERO, power: '0.03' } });
    const s = spec();
    await d.spawn(s);
    const t0 = performance.now();
    await assert.rejects(d.powerOff(s.uuid), (e: unknown) => {
      assert.ok(e instanceof VirtDriverError);
      assert.equal(e.step, 'power_off');
      assert.equal(e.message, 'Simulated failure of power_off on compute1');
      return true;
    });
    assert.ok(performance.now() - t0 >= 29);
    assert.equal(d.getGuest(s.uuid)?.powerState, PowerState.RUNNING);
  });

  it('targets a host: one shared store, only the named host fails', async () => {
    const faults = new FaultRules();
    faults.add({ step: 'spawn', host: 'compute2', message: 'disk full' });
    const c1 = await driver('compute1', { faults });
    const c2 = await driver('compute2', { faults });
    await c1.spawn(spec());
    await assert.rejects(c2.spawn(spec()), { name: 'VirtDriverError', message: 'disk full' });
    assert.deepEqual(c2.listGuests(), []);
  });

  it('targets a server and stops after count', async () => {
    const faults = new FaultRules();
    const victim = spec();
    const other = spec();
    faults.add({ step: 'reboot', server: victim.uuid, count: 1 });
    const d = await driver('h1', { faults });
    await d.spawn(victim);
    await d.spawn(other);
    await d.reboot(other.uuid, true);
    await assert.rejects(d.reboot(victim.uuid, true), VirtDriverError);
    await d.reboot(victim.uuid, true);
    assert.deepEqual(faults.list(), []);
  });

  it('every failable step can be failed', async () => {
    const faults = new FaultRules();
    const src = await driver('src', { faults });
    const dst = await driver('dest', { faults });
    const s = spec();
    await src.spawn(s);
    const cases: Array<[string, () => Promise<unknown>]> = [
      ['inject_network_info', () => src.injectNetworkInfo(s.uuid, [])],
      ['rebuild', () => src.rebuild(s)],
      ['pause', () => src.pause(s.uuid)],
      ['suspend', () => src.suspend(s.uuid)],
      ['check_can_live_migrate_destination', () => dst.checkCanLiveMigrateDestination(s, 'src', false)],
      ['check_can_live_migrate_source', () => src.checkCanLiveMigrateSource(s.uuid, 'dest')],
      ['pre_live_migration', () => dst.preLiveMigration(s, 'src')],
      ['live_migration', () => src.liveMigration(s.uuid, lm())],
      ['post_live_migration_at_destination', () => dst.postLiveMigrationAtDestination(s, PowerState.RUNNING)],
      ['migrate_disk_and_power_off', () => src.migrateDiskAndPowerOff(s.uuid, 'dest')],
      ['finish_migration', () => dst.finishMigration(s, true)],
      ['destroy', () => src.destroy(s.uuid)],
    ];
    for (const [step, run] of cases) {
      faults.add({ step, count: 1 });
      await assert.rejects(run(), (e: unknown) => e instanceof VirtDriverError && e.step === step, step);
    }
    assert.equal(src.getGuest(s.uuid)?.powerState, PowerState.RUNNING, 'failed steps left the guest as it was');
    assert.equal(dst.getGuest(s.uuid), undefined);
  });

  it('confirm and finish-revert can be failed', async () => {
    const faults = new FaultRules();
    const src = await driver('src', { faults });
    const s = spec();
    await src.spawn(s);
    await src.migrateDiskAndPowerOff(s.uuid, 'dest');
    faults.add({ step: 'confirm_migration', count: 1 });
    await assert.rejects(src.confirmMigration(s.uuid), VirtDriverError);
    assert.ok(src.getGuest(s.uuid));
    faults.add({ step: 'finish_revert_migration', count: 1 });
    await assert.rejects(src.finishRevertMigration(s, true), VirtDriverError);
    assert.equal(src.getGuest(s.uuid)?.powerState, PowerState.SHUTDOWN);
  });
});

describe('fake driver: live migration', () => {
  it('reports memory counters that decrease to zero', async () => {
    const d = await driver('src', { delays: { ...ZERO, liveMigration: '0.1' } });
    const s = spec();
    await d.spawn(s);
    const seen: LiveMigrationProgress[] = [];
    assert.equal(await d.liveMigration(s.uuid, lm({ blockMigration: true, onProgress: (p) => seen.push(p) })), 'completed');
    assert.ok(seen.length >= 3, `only ${seen.length} progress reports`);
    for (let i = 1; i < seen.length; i++) {
      assert.ok((seen[i]?.memoryRemainingBytes ?? 0) <= (seen[i - 1]?.memoryRemainingBytes ?? 0));
    }
    const last = seen.at(-1);
    assert.equal(last?.memoryTotalBytes, 2048 * 1024 * 1024);
    assert.equal(last?.memoryRemainingBytes, 0);
    assert.equal(last?.memoryProcessedBytes, 2048 * 1024 * 1024);
    assert.equal(last?.diskTotalBytes, 10 * 1024 ** 3);
    assert.equal(last?.diskRemainingBytes, 0);
    assert.ok((seen[0]?.memoryRemainingBytes ?? 0) > 0);
  });

  it('a held migration runs until force-completed', async () => {
    const d = await driver('src', { liveMigrationHold: true });
    const s = spec();
    await d.spawn(s);
    const seen: LiveMigrationProgress[] = [];
    let outcome: string | undefined;
    const p = d.liveMigration(s.uuid, lm({ onProgress: (x) => seen.push(x) })).then((o) => (outcome = o));
    await tick(250);
    assert.equal(outcome, undefined, 'still running');
    assert.ok(seen.length >= 1 && (seen.at(-1)?.memoryRemainingBytes ?? 0) > 0);
    await assert.rejects(d.liveMigration(s.uuid, lm()), VirtDriverError, 'one live migration per guest');
    await d.liveMigrationForceComplete(s.uuid);
    assert.equal(await p, 'completed');
    assert.equal(seen.at(-1)?.memoryRemainingBytes, 0);
  });

  it('an aborted migration is cancelled and the guest stays on the source', async () => {
    const d = await driver('src', { liveMigrationHold: true });
    const s = spec();
    await d.spawn(s);
    const p = d.liveMigration(s.uuid, lm());
    await tick(10);
    await d.liveMigrationAbort(s.uuid);
    assert.equal(await p, 'cancelled');
    assert.equal(d.getGuest(s.uuid)?.powerState, PowerState.RUNNING);
    await assert.rejects(d.liveMigrationAbort(s.uuid), VirtDriverError, 'nothing left to abort');
  });

  it('a non-held migration can be force-completed before its time', async () => {
    const d = await driver('src', { delays: { ...ZERO, liveMigration: '5' } });
    const s = spec();
    await d.spawn(s);
    const t0 = performance.now();
    const p = d.liveMigration(s.uuid, lm());
    await tick(10);
    await d.liveMigrationForceComplete(s.uuid);
    assert.equal(await p, 'completed');
    assert.ok(performance.now() - t0 < 1000);
  });

  it('the completion timeout aborts by default', async () => {
    const d = await driver('src', { liveMigrationHold: true });
    const s = spec();
    await d.spawn(s);
    const t0 = performance.now();
    assert.equal(await d.liveMigration(s.uuid, lm({ completionTimeout: 0.05, timeoutAction: 'abort' })), 'cancelled');
    assert.ok(performance.now() - t0 >= 49);
    assert.ok(d.getGuest(s.uuid));
  });

  it('the completion timeout can force completion instead', async () => {
    const d = await driver('src', { delays: { ...ZERO, liveMigration: '10' } });
    const s = spec();
    await d.spawn(s);
    assert.equal(await d.liveMigration(s.uuid, lm({ completionTimeout: 0.05, timeoutAction: 'force_complete' })), 'completed');
  });

  it('destroying a migrating guest cancels its migration', async () => {
    const d = await driver('src', { liveMigrationHold: true });
    const s = spec();
    await d.spawn(s);
    const p = d.liveMigration(s.uuid, lm());
    await d.destroy(s.uuid);
    assert.equal(await p, 'cancelled');
  });
});

describe('fake driver: guest table on disk', () => {
  it('a new driver on the same state file finds the guests again', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'magnetar-fake-'));
    const stateFile = join(dir, 'sub', 'h1.json');
    const d1 = await driver('h1', { stateFile });
    const a = spec();
    const b = spec();
    await d1.spawn(a);
    await d1.spawn(b);
    await d1.pause(b.uuid);
    await d1.injectNetworkInfo(a.uuid, [{ id: 'port' }]);
    await d1.migrateDiskAndPowerOff(a.uuid, 'h2');
    // Before the first fold the journal alone holds them (and names the host): no table, no temporary file.
    assert.deepEqual((await readdir(join(dir, 'sub'))).sort(), ['h1.json.journal']);

    const d2 = new FakeDriver({
      inventory: { vcpus: 1, memoryMb: 1, localGb: 1 },
      delays: ZERO,
      liveMigrationHold: false,
      faults: new FaultRules(),
      stateFile,
    });
    const found = await d2.init('h1');
    assert.deepEqual(found.map((g) => g.uuid).sort(), [a.uuid, b.uuid].sort());
    assert.equal(d2.getGuest(b.uuid)?.powerState, PowerState.PAUSED);
    assert.equal(d2.getGuest(a.uuid)?.networkInjections, 1);
    assert.deepEqual(d2.getGuest(a.uuid)?.spec, a);
    // The unfinished cold migration survived too: confirm still knows to drop it.
    await d2.confirmMigration(a.uuid);
    await d2.destroy(b.uuid);
    // Every change is on disk as soon as the step returns, with nothing flushed by hand.
    assert.deepEqual((await readGuestTable(stateFile, 'h1'))?.guests, []);
  });

  it('a journal line cut short by a crash is ignored; the changes before it are kept', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'magnetar-fake-'));
    const stateFile = join(dir, 'h1.json');
    const d1 = await driver('h1', { stateFile });
    const a = spec();
    const b = spec();
    await d1.spawn(a);
    await d1.spawn(b);
    await appendFile(`${stateFile}.journal`, '{"del":"' + a.uuid.slice(0, 10));
    const d2 = await driver('h1', { stateFile });
    assert.deepEqual(d2.listGuests().map((g) => g.uuid).sort(), [a.uuid, b.uuid].sort());
  });

  it('the journal is folded into the table as it grows, and a power loss leaves every guest defined but off', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'magnetar-fake-'));
    const stateFile = join(dir, 'h1.json');
    const d1 = await driver('h1', { stateFile });
    const a = spec();
    await d1.spawn(a);
    for (let i = 0; i < 600; i++) await d1.pause(a.uuid).then(() => d1.unpause(a.uuid));
    const journal = await readFile(`${stateFile}.journal`, 'utf8');
    assert.ok(journal.split('\n').length < 600, 'folded at least once');
    d1.halt();
    await d1.losePower();
    const d2 = await driver('h1', { stateFile });
    assert.equal(d2.getGuest(a.uuid)?.powerState, PowerState.SHUTDOWN);
    await assert.rejects(d1.spawn(spec()), (e: unknown) => e instanceof VirtDriverError, 'a halted driver does nothing more');
  });

  it('starts empty when the state file does not exist yet', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'magnetar-fake-'));
    const d = await driver('h1', { stateFile: join(dir, 'none.json') });
    assert.deepEqual(d.listGuests(), []);
  });

  it('refuses a state file that belongs to another host or is not one, before and after its first fold', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'magnetar-fake-'));
    const stateFile = join(dir, 'h.json');
    const d1 = await driver('h1', { stateFile });
    await d1.spawn(spec());
    await d1.flush();
    await assert.rejects(driver('h2', { stateFile }), (e: unknown) => e instanceof VirtDriverError && e.step === 'init');
    // Started again, h1 folds its journal into the table, which names it from then on.
    await driver('h1', { stateFile });
    assert.match(await readFile(stateFile, 'utf8'), /"host":"h1"/);
    await assert.rejects(driver('h2', { stateFile }), (e: unknown) => e instanceof VirtDriverError && e.step === 'init');
    await writeFile(stateFile, 'not json');
    await assert.rejects(driver('h1', { stateFile }), (e: unknown) => e instanceof VirtDriverError && e.step === 'init');
  });
});
