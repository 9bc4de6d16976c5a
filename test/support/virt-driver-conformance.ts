// The contract every virt driver keeps, written once and run against each
// implementation (test/unit/virt/driver-conformance.test.ts runs the fake and
// the qemu driver with real guests).
// The cases hold for a simulated host and a real hypervisor alike: no timing
// the fake alone keeps, guests small enough to boot under TCG.
import { afterEach, after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PowerState, VirtDriverError, type GuestSpec, type LiveMigrationProgress, type VirtDriver } from '../../src/virt/driver.js';

export interface DriverFactory {
  readonly name: string;
  /** Two hosts of one deployment, named host-a and host-b, initialised, ready for migrations between them. */
  hosts(): Promise<readonly [VirtDriver, VirtDriver]>;
  /** Ends what a case left behind (a real hypervisor's guests); called after each case. */
  cleanup?(): Promise<void>;
  /** Removes what the factory made; called once after the suite. */
  dispose?(): Promise<void>;
}

const MIB = 1024 * 1024;

let n = 0;
const spec = (over: Partial<GuestSpec> = {}): GuestSpec => ({
  uuid: `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
  name: `guest-${n}`,
  vcpus: 1,
  memoryMb: 96,
  rootGb: 1,
  imageRef: 'cirros',
  ...over,
});

const rejectsWithStep = (p: Promise<unknown>, step: string): Promise<void> =>
  assert.rejects(p, (e: unknown) => e instanceof VirtDriverError && e.step === step);

/** The conformance suite against one driver; `skip` (a reason) skips it. */
export function driverConformance(f: DriverFactory, opts: { skip?: string | false; timeout?: number } = {}): void {
  describe(`virt driver conformance: ${f.name}`, { skip: opts.skip ?? false, ...(opts.timeout !== undefined && { timeout: opts.timeout }) }, () => {
    afterEach(async () => {
      await f.cleanup?.();
    });
    after(async () => {
      await f.dispose?.();
    });

    it('starts with no guests and reports a usable inventory', async () => {
      const [a] = await f.hosts();
      assert.deepEqual(a.listGuests(), []);
      const inv = a.inventory();
      assert.ok(inv.vcpus > 0 && inv.memoryMb > 0 && inv.localGb > 0);
      assert.equal(typeof inv.hypervisorType, 'string');
      assert.ok(Number.isInteger(inv.hypervisorVersion));
      assert.match(inv.hostIp, /^\d+\.\d+\.\d+\.\d+$/);
      assert.equal(typeof inv.cpuInfo, 'object');
      assert.ok(a.uptime() >= 0);
    });

    it('spawn creates a running guest, destroy removes it', async () => {
      const [a] = await f.hosts();
      const s = spec();
      await a.spawn(s);
      const g = a.getGuest(s.uuid);
      assert.equal(g?.powerState, PowerState.RUNNING);
      assert.deepEqual(g?.spec, s);
      assert.equal(g?.networkInjections, 0);
      assert.deepEqual(a.listGuests().map((x) => x.uuid), [s.uuid]);
      await a.destroy(s.uuid);
      assert.equal(a.getGuest(s.uuid), undefined);
      assert.deepEqual(a.listGuests(), []);
    });

    it('refuses to spawn a guest that already exists', async () => {
      const [a] = await f.hosts();
      const s = spec();
      await a.spawn(s);
      await rejectsWithStep(a.spawn(s), 'spawn');
    });

    it('destroying a guest that is gone succeeds', async () => {
      const [a] = await f.hosts();
      await a.destroy(spec().uuid);
    });

    it('operations on an unknown guest fail with VirtDriverError', async () => {
      const [a] = await f.hosts();
      const s = spec();
      await rejectsWithStep(a.powerOff(s.uuid), 'power_off');
      await rejectsWithStep(a.powerOn(s.uuid), 'power_on');
      await rejectsWithStep(a.reboot(s.uuid, true), 'reboot');
      await rejectsWithStep(a.pause(s.uuid), 'pause');
      await rejectsWithStep(a.unpause(s.uuid), 'unpause');
      await rejectsWithStep(a.suspend(s.uuid), 'suspend');
      await rejectsWithStep(a.resume(s.uuid), 'resume');
      await rejectsWithStep(a.rebuild(s), 'rebuild');
      await rejectsWithStep(a.injectNetworkInfo(s.uuid, []), 'inject_network_info');
      await rejectsWithStep(a.migrateDiskAndPowerOff(s.uuid, 'host-b'), 'migrate_disk_and_power_off');
      await rejectsWithStep(a.finishRevertMigration(s, true), 'finish_revert_migration');
      await rejectsWithStep(a.checkCanLiveMigrateSource(s.uuid, 'host-b'), 'check_can_live_migrate_source');
      await rejectsWithStep(
        a.liveMigration(s.uuid, { destHost: 'host-b', blockMigration: false, completionTimeout: 0, timeoutAction: 'abort' }),
        'live_migration',
      );
    });

    it('power operations move the guest between power states', async () => {
      const [a] = await f.hosts();
      const s = spec();
      await a.spawn(s);
      const power = (): number | undefined => a.getGuest(s.uuid)?.powerState;
      await a.pause(s.uuid);
      assert.equal(power(), PowerState.PAUSED);
      await a.unpause(s.uuid);
      assert.equal(power(), PowerState.RUNNING);
      await a.suspend(s.uuid);
      assert.equal(power(), PowerState.SUSPENDED);
      await a.resume(s.uuid);
      assert.equal(power(), PowerState.RUNNING);
      await a.powerOff(s.uuid);
      assert.equal(power(), PowerState.SHUTDOWN);
      await a.powerOn(s.uuid);
      assert.equal(power(), PowerState.RUNNING);
      await a.reboot(s.uuid, false);
      assert.equal(power(), PowerState.RUNNING);
    });

    it('refuses power operations the guest state does not allow', async () => {
      const [a] = await f.hosts();
      const s = spec();
      await a.spawn(s);
      await rejectsWithStep(a.unpause(s.uuid), 'unpause');
      await rejectsWithStep(a.resume(s.uuid), 'resume');
      await a.powerOff(s.uuid);
      await rejectsWithStep(a.pause(s.uuid), 'pause');
      await rejectsWithStep(a.reboot(s.uuid, false), 'reboot');
      assert.equal(a.getGuest(s.uuid)?.powerState, PowerState.SHUTDOWN);
      await a.reboot(s.uuid, true);
      assert.equal(a.getGuest(s.uuid)?.powerState, PowerState.RUNNING);
    });

    it('rebuild replaces the spec and keeps a stopped guest stopped', async () => {
      const [a] = await f.hosts();
      const s = spec();
      await a.spawn(s);
      await a.rebuild({ ...s, imageRef: 'fedora' });
      assert.equal(a.getGuest(s.uuid)?.spec.imageRef, 'fedora');
      assert.equal(a.getGuest(s.uuid)?.powerState, PowerState.RUNNING);
      await a.powerOff(s.uuid);
      await a.rebuild({ ...s, imageRef: 'ubuntu' });
      assert.equal(a.getGuest(s.uuid)?.spec.imageRef, 'ubuntu');
      assert.equal(a.getGuest(s.uuid)?.powerState, PowerState.SHUTDOWN);
    });

    it('records injected network info', async () => {
      const [a] = await f.hosts();
      const s = spec();
      await a.spawn(s);
      const nw = [{ id: 'port-1', address: 'fa:16:3e:00:00:01' }];
      await a.injectNetworkInfo(s.uuid, nw);
      await a.injectNetworkInfo(s.uuid, nw);
      assert.equal(a.getGuest(s.uuid)?.networkInjections, 2);
      assert.deepEqual(a.getGuest(s.uuid)?.networkInfo, nw);
    });

    it('diagnostics follow the guest: its size, running or not, none for an unknown guest', async () => {
      const [a] = await f.hosts();
      const s = spec({ vcpus: 2, memoryMb: 128 });
      assert.equal(a.diagnostics(s.uuid), undefined);
      await a.spawn(s);
      const d = a.diagnostics(s.uuid)!;
      assert.equal(d.powerState, PowerState.RUNNING);
      assert.equal(d.cpus.length, 2);
      assert.equal(d.memory.maximumMb, 128);
      assert.ok(d.memory.usedMb > 0 && d.memory.usedMb <= 128);
      assert.ok(d.uptime !== null && d.uptime >= 0);
      assert.ok(d.disks.length >= 1);
      await a.powerOff(s.uuid);
      const off = a.diagnostics(s.uuid)!;
      assert.equal(off.powerState, PowerState.SHUTDOWN);
      assert.equal(off.uptime, null);
    });

    it('a crash dump reaches a running guest and is refused for a stopped or unknown one', async () => {
      const [a] = await f.hosts();
      const s = spec();
      await a.spawn(s);
      await a.triggerCrashDump(s.uuid);
      assert.equal(a.getGuest(s.uuid)?.powerState, PowerState.RUNNING);
      await a.powerOff(s.uuid);
      await assert.rejects(a.triggerCrashDump(s.uuid), VirtDriverError);
      await assert.rejects(a.triggerCrashDump(spec().uuid), VirtDriverError);
    });

    it('a snapshot is a qcow2 image of the guest in any power state, the same when taken again of a stopped guest; refused for an unknown guest', async () => {
      const [a] = await f.hosts();
      const s = spec();
      await a.spawn(s);
      const isQcow2 = (img: Buffer): void => {
        assert.equal(img.subarray(0, 4).toString('latin1'), 'QFI\xfb');
        assert.equal(img.readUInt32BE(4), 3, 'qcow2 version 3');
      };
      isQcow2(await a.snapshot(s.uuid));
      // A running guest may write to its disk between two snapshots; a stopped one cannot.
      await a.powerOff(s.uuid);
      const first = await a.snapshot(s.uuid);
      isQcow2(first);
      assert.ok((await a.snapshot(s.uuid)).equals(first));
      assert.equal(a.getGuest(s.uuid)?.powerState, PowerState.SHUTDOWN, 'a snapshot leaves the power state alone');
      await assert.rejects(a.snapshot(spec().uuid), VirtDriverError);
    });

    it('cold migration then confirm leaves the guest only on the destination', async () => {
      const [a, b] = await f.hosts();
      const s = spec();
      await a.spawn(s);
      const data = await a.migrateDiskAndPowerOff(s.uuid, 'host-b');
      assert.equal(a.getGuest(s.uuid)?.powerState, PowerState.SHUTDOWN, 'source keeps its guest, powered off');
      const resized = { ...s, vcpus: 2, memoryMb: 128 };
      await b.finishMigration(resized, true, data ?? undefined);
      assert.equal(b.getGuest(s.uuid)?.powerState, PowerState.RUNNING);
      assert.deepEqual(b.getGuest(s.uuid)?.spec, resized);
      await a.confirmMigration(s.uuid);
      assert.equal(a.getGuest(s.uuid), undefined);
      assert.equal(b.getGuest(s.uuid)?.powerState, PowerState.RUNNING);
    });

    it('finishMigration honours powerOn=false', async () => {
      const [a, b] = await f.hosts();
      const s = spec();
      await a.spawn(s);
      const data = await a.migrateDiskAndPowerOff(s.uuid, 'host-b');
      await b.finishMigration(s, false, data ?? undefined);
      assert.equal(b.getGuest(s.uuid)?.powerState, PowerState.SHUTDOWN);
    });

    it('cold migration then revert brings the source guest back', async () => {
      const [a, b] = await f.hosts();
      const s = spec();
      await a.spawn(s);
      const data = await a.migrateDiskAndPowerOff(s.uuid, 'host-b');
      await b.finishMigration({ ...s, vcpus: 4 }, true, data ?? undefined);
      await b.revertMigrationAtDestination(s.uuid);
      assert.equal(b.getGuest(s.uuid), undefined);
      await a.finishRevertMigration(s, true);
      assert.equal(a.getGuest(s.uuid)?.powerState, PowerState.RUNNING);
      assert.deepEqual(a.getGuest(s.uuid)?.spec, s);
    });

    it('resize to the same host keeps one guest through confirm and revert; each step may be repeated', async () => {
      const [a] = await f.hosts();
      const s = spec();
      await a.spawn(s);
      await a.migrateDiskAndPowerOff(s.uuid, 'host-a');
      await a.migrateDiskAndPowerOff(s.uuid, 'host-a');
      assert.equal(a.getGuest(s.uuid)?.powerState, PowerState.SHUTDOWN, 'powered off for the move');
      await a.finishMigration({ ...s, vcpus: 2 }, true);
      await a.finishMigration({ ...s, vcpus: 2 }, true);
      assert.equal(a.getGuest(s.uuid)?.spec.vcpus, 2);
      assert.equal(a.getGuest(s.uuid)?.powerState, PowerState.RUNNING);
      await a.revertMigrationAtDestination(s.uuid);
      await a.revertMigrationAtDestination(s.uuid);
      assert.deepEqual(a.getGuest(s.uuid)?.spec, s, 'the old guest is back');
      await a.finishRevertMigration(s, true);
      await a.finishRevertMigration(s, true);
      assert.deepEqual(a.getGuest(s.uuid)?.spec, s);
      assert.equal(a.getGuest(s.uuid)?.powerState, PowerState.RUNNING);
      assert.equal(a.getGuest(s.uuid)?.migratingTo, null);

      await a.migrateDiskAndPowerOff(s.uuid, 'host-a');
      await a.finishMigration({ ...s, vcpus: 4 }, true);
      await a.confirmMigration(s.uuid);
      await a.confirmMigration(s.uuid);
      assert.equal(a.getGuest(s.uuid)?.spec.vcpus, 4);
      assert.equal(a.getGuest(s.uuid)?.powerState, PowerState.RUNNING);
      assert.equal(a.getGuest(s.uuid)?.migratingTo, null);
      assert.equal(a.listGuests().length, 1);
    });

    it('a live migration cannot land on a host that already has the guest', async () => {
      const [a, b] = await f.hosts();
      const s = spec();
      await a.spawn(s);
      await b.spawn(s);
      await rejectsWithStep(b.checkCanLiveMigrateDestination(s, 'host-a', false), 'check_can_live_migrate_destination');
      await rejectsWithStep(b.preLiveMigration(s, 'host-a', false), 'pre_live_migration');
      await rejectsWithStep(b.preLiveMigration(s, 'host-a', true), 'pre_live_migration');
      assert.equal(b.getGuest(s.uuid)?.powerState, PowerState.RUNNING, 'the guest already there is left as it was');
    });

    it('cold migration steps can be repeated: a step cut short by a crash is run again and finds its work done', async () => {
      const [a, b] = await f.hosts();
      const s = spec();
      await a.spawn(s);
      await a.migrateDiskAndPowerOff(s.uuid, 'host-b');
      const data = (await a.migrateDiskAndPowerOff(s.uuid, 'host-b')) ?? undefined;
      await b.finishMigration({ ...s, memoryMb: 128 }, true, data);
      await b.finishMigration({ ...s, memoryMb: 128 }, true, data);
      assert.equal(b.getGuest(s.uuid)?.spec.memoryMb, 128);
      assert.equal(b.getGuest(s.uuid)?.powerState, PowerState.RUNNING);
      await a.confirmMigration(s.uuid);
      await a.confirmMigration(s.uuid);
      assert.equal(a.getGuest(s.uuid), undefined);
    });

    it('confirm refuses a guest that is not being migrated', async () => {
      const [a] = await f.hosts();
      const s = spec();
      await a.spawn(s);
      await rejectsWithStep(a.confirmMigration(s.uuid), 'confirm_migration');
      assert.ok(a.getGuest(s.uuid));
    });

    it('live migration moves the guest and reports progress', async () => {
      const [a, b] = await f.hosts();
      const s = spec({ memoryMb: 128 });
      await a.spawn(s);
      // `auto`: the driver decides whether the disk moves too (two hosts without shared storage copy it).
      const block = (await b.checkCanLiveMigrateDestination(s, 'host-a', null)) ?? false;
      await a.checkCanLiveMigrateSource(s.uuid, 'host-b');
      // Repeatable: a destination whose first answer was lost prepares again.
      await b.preLiveMigration(s, 'host-a', block);
      const data = (await b.preLiveMigration(s, 'host-a', block)) ?? undefined;
      const seen: LiveMigrationProgress[] = [];
      const outcome = await a.liveMigration(s.uuid, {
        destHost: 'host-b',
        blockMigration: block,
        ...(data !== undefined && { migrateData: data }),
        completionTimeout: 0,
        timeoutAction: 'abort',
        onProgress: (p) => seen.push(p),
      });
      assert.equal(outcome, 'completed');
      const last = seen.at(-1);
      // A real hypervisor counts the guest's ROMs and video memory too.
      assert.ok((last?.memoryTotalBytes ?? 0) >= 128 * MIB, `memory total ${String(last?.memoryTotalBytes)}`);
      assert.equal(last?.memoryRemainingBytes, 0);
      await b.postLiveMigrationAtDestination(s, PowerState.RUNNING);
      await a.cleanupAfterLiveMigration(s.uuid);
      assert.equal(a.getGuest(s.uuid), undefined);
      assert.equal(b.getGuest(s.uuid)?.powerState, PowerState.RUNNING);
    });

    it('rollback at the destination removes the guest prepared there, leaves the source alone, and tolerates a guest that is not there', async () => {
      const [a, b] = await f.hosts();
      const s = spec();
      await b.rollbackLiveMigrationAtDestination(s.uuid);
      await a.spawn(s);
      const block = (await b.checkCanLiveMigrateDestination(s, 'host-a', null)) ?? false;
      await b.preLiveMigration(s, 'host-a', block);
      await b.rollbackLiveMigrationAtDestination(s.uuid);
      assert.equal(b.getGuest(s.uuid), undefined);
      assert.equal(a.getGuest(s.uuid)?.powerState, PowerState.RUNNING);
      await b.rollbackLiveMigrationAtDestination(s.uuid);
    });

    it('live-migration checks refuse the own host and a stopped guest', async () => {
      const [a] = await f.hosts();
      const s = spec();
      await a.spawn(s);
      await rejectsWithStep(a.checkCanLiveMigrateSource(s.uuid, 'host-a'), 'check_can_live_migrate_source');
      await rejectsWithStep(a.checkCanLiveMigrateDestination(spec(), 'host-a', false), 'check_can_live_migrate_destination');
      await a.powerOff(s.uuid);
      await rejectsWithStep(a.checkCanLiveMigrateSource(s.uuid, 'host-b'), 'check_can_live_migrate_source');
    });

    it('force-complete and abort need a running live migration', async () => {
      const [a] = await f.hosts();
      const s = spec();
      await a.spawn(s);
      await assert.rejects(a.liveMigrationForceComplete(s.uuid), VirtDriverError);
      await assert.rejects(a.liveMigrationAbort(s.uuid), VirtDriverError);
    });
  });
}
