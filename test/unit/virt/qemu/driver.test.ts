// The qemu driver's behaviour that needs no QEMU process: what it refuses
// and why, and how it reads the guests its host's instances path holds
// (a guest whose QEMU is gone is off). Real guests are in test/e2e/qemu-guest.
import { describe, it, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QemuDriver } from '../../../../src/virt/qemu/driver.js';
import { GuestFiles } from '../../../../src/virt/qemu/guest-files.js';
import { PowerState, VirtDriverError } from '../../../../src/virt/driver.js';
import type { GuestImage } from '../../../../src/virt/image-source.js';

const UUID = '11111111-2222-4333-8444-555555555555';
const spec = (imageRef: string | null) => ({ uuid: UUID, name: 'g', vcpus: 1, memoryMb: 64, rootGb: 1, imageRef });

describe('QemuDriver without QEMU', () => {
  let dir: string;
  let images: Map<string, GuestImage>;
  let driver: QemuDriver;
  let options: ConstructorParameters<typeof QemuDriver>[0];

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'qemu-driver-'));
    images = new Map();
    options = {
      instancesDir: join(dir, 'host1'),
      images: { get: async (id) => images.get(id) },
      virtType: 'qemu',
      binary: 'qemu-system-x86_64',
      inventory: { vcpus: 3, memoryMb: 2048, localGb: 0 },
      shutdownTimeout: 1,
      liveMigration: { inboundAddr: '127.0.0.1', portMin: 49152, portMax: 49215 },
      softRebootTimeout: 1,
    };
    driver = new QemuDriver(options);
    await driver.init('host1');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const failsWith = async (p: Promise<unknown>, step: string, message: RegExp): Promise<void> => {
    await assert.rejects(p, (e: unknown) => e instanceof VirtDriverError && e.step === step && message.test(e.message));
  };

  it('reports the configured inventory, and the machine\'s disk when none is set', () => {
    const inv = driver.inventory();
    assert.deepEqual([inv.vcpus, inv.memoryMb, inv.hypervisorType], [3, 2048, 'QEMU']);
    assert.ok(inv.localGb > 0);
  });

  it('refuses to spawn from an image it cannot boot, naming the reason', async () => {
    await failsWith(driver.spawn(spec(null)), 'spawn', /boots guests from images only/);
    await failsWith(driver.spawn(spec('nope')), 'spawn', /image nope could not be found/);
    images.set('empty', { id: 'empty', name: 'cirros', status: 'active', diskFormat: 'qcow2', containerFormat: 'bare', properties: {}, path: null });
    await failsWith(driver.spawn(spec('empty')), 'spawn', /has no data to boot from/);
    images.set('k', { id: 'k', name: 'kernel', status: 'active', diskFormat: 'aki', containerFormat: 'aki', properties: {}, path: join(dir, 'x') });
    await failsWith(driver.spawn(spec('k')), 'spawn', /disk_format aki/);
    images.set('q', { id: 'q', name: 'queued', status: 'queued', diskFormat: 'qcow2', containerFormat: 'bare', properties: {}, path: null });
    await failsWith(driver.spawn(spec('q')), 'spawn', /is queued, not active/);
  });

  it('live migration copies the disk unless the instances path is shared, where only the memory moves; it refuses what it cannot do', async () => {
    assert.equal(await driver.checkCanLiveMigrateDestination(spec('i'), 'host2', null), true, 'auto: block migration on separate paths');
    await failsWith(driver.checkCanLiveMigrateDestination(spec('i'), 'host2', false), 'check_can_live_migrate_destination', /is not on shared storage/);
    await failsWith(driver.checkCanLiveMigrateDestination(spec('i'), 'host1', true), 'check_can_live_migrate_destination', /its own host/);
    const shared = new QemuDriver({ ...options, sharesInstancesPathWith: () => true });
    await shared.init('host1');
    await failsWith(shared.checkCanLiveMigrateDestination(spec('i'), 'host2', true), 'check_can_live_migrate_destination', /can not be used with shared storage/);
    assert.equal(await shared.checkCanLiveMigrateDestination(spec('i'), 'host2', null), false, 'auto: only the memory over a shared path');
    assert.equal(await shared.checkCanLiveMigrateDestination(spec('i'), 'host2', false), false);
    await failsWith(driver.liveMigrationAbort(UUID), 'live_migration_abort', /is not live-migrating/);
  });

  it('a move of a guest that is not here fails clearly; clean-ups of what never arrived succeed', async () => {
    await failsWith(driver.migrateDiskAndPowerOff(UUID, 'host2'), 'migrate_disk_and_power_off', /not found on host host1/);
    await failsWith(driver.finishMigration(spec('i'), true), 'finish_migration', /the source gave no disk to copy/);
    await driver.rollbackLiveMigrationAtDestination(UUID);
    await driver.revertMigrationAtDestination(UUID);
  });

  it('finds the guests of its instances path; one whose QEMU is gone is off; destroy removes its files', async () => {
    const files = new GuestFiles(join(dir, 'host1', UUID));
    mkdirSync(files.dir, { recursive: true });
    files.write({ version: 1, host: 'host1', spec: spec('i'), power: 'running', commandLine: null, hasKernel: false, hasRamdisk: false, networkInfo: null, networkInjections: 0, startedAt: 1 });
    writeFileSync(files.pidFile, '999999999\n');
    const again = new QemuDriver(options);
    const found = await again.init('host1');
    assert.deepEqual(found.map((g) => [g.uuid, g.powerState]), [[UUID, PowerState.SHUTDOWN]]);
    assert.equal(again.diagnostics(UUID)?.powerState, PowerState.SHUTDOWN);
    await failsWith(again.pause(UUID), 'pause', /in power state SHUTDOWN/);
    assert.equal(await again.consoleOutput(UUID), '');
    await again.destroy(UUID);
    assert.equal(again.getGuest(UUID), undefined);
    await again.destroy(UUID);
  });

  it('will not adopt another host\'s guests', async () => {
    const files = new GuestFiles(join(dir, 'host1', UUID));
    mkdirSync(files.dir, { recursive: true });
    files.write({ version: 1, host: 'other', spec: spec('i'), power: 'shutdown', commandLine: null, hasKernel: false, hasRamdisk: false, networkInfo: null, networkInjections: 0, startedAt: null });
    await failsWith(driver.init('host1'), 'init', /belongs to host other/);
  });
});
