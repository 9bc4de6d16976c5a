// Cold migration and resize between hosts: the source powers the guest off
// and serves its disk over NBD (qemu-nbd), the destination copies it with
// qemu-img convert; confirm drops the source's copy, revert the
// destination's and starts the source's again. A resize to the same host,
// or a move to a host sharing the instances path, leaves the disk where it
// is instead (in-place-move.ts).
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { VirtDriverError, type GuestSpec, type LiveMigrateData } from '../driver.js';
import { prepareDisk } from './boot-disk.js';
import { diskExportFrom, exportPid, nbdUri, startExport, stopExport, type DiskExport } from './disk-export.js';
import type { GuestRecord } from './guest-files.js';
import { GIB, type QemuHost } from './host.js';
import { arrivesInPlace, bootInPlace, confirmInPlace, dropKept, movesInPlace, powerOffAndKeep, restoreKept, revertInPlace } from './in-place-move.js';
import { destroy } from './lifecycle.js';
import { onFreePorts } from './ports.js';
import { livePid } from './process.js';
import { convertFrom, imageInfo, resizeDisk } from './qemu-img.js';

/**
 * Source of a cold migration or resize: the guest is powered off (ACPI,
 * then hard after the shutdown timeout) and its disk served read-only over
 * NBD by qemu-nbd for the destination to copy. Repeatable: an export that
 * runs already is answered again.
 */
export function migrateDiskAndPowerOff(h: QemuHost, uuid: string, destHost: string): Promise<LiveMigrateData | void> {
  const step = 'migrate_disk_and_power_off';
  return h.locked(step, uuid, async () => {
    const { files, record } = h.require(step, uuid);
    if (movesInPlace(h, destHost)) return powerOffAndKeep(h, files, record, destHost);
    const running = exportPid(files.dir, files.disk) !== null ? diskExportFrom(record.diskExport) : null;
    if (running && record.migratingTo === destHost) return running as unknown as LiveMigrateData;
    await h.powerDownForMove(files, record, uuid);
    rmSync(files.savedState, { force: true });
    await stopExport(files.dir, files.disk);
    const addr = h.opts.liveMigration.inboundAddr;
    const { confirmedInPlace: _earlier, ...rest } = record;
    const served = await onFreePorts(addr, h.opts.liveMigration, 1, h.portsInUse(), async ([port]) => {
      const served: DiskExport = { host: addr, port: port!, exportName: `disk-${uuid}` };
      h.save(files, { ...rest, power: 'shutdown', startedAt: null, migratingTo: destHost, diskExport: served });
      await startExport(files.dir, files.disk, served);
      return served;
    });
    return served as unknown as LiveMigrateData;
  });
}

/**
 * Destination: the disk copied from the source's export with qemu-img
 * convert (grown for a resize), kernel and ramdisk from the image, then
 * started unless it was off. Repeatable: a disk already copied is kept.
 */
export function finishMigration(h: QemuHost, spec: GuestSpec, powerOn: boolean, migrateData?: LiveMigrateData): Promise<void> {
  const step = 'finish_migration';
  return h.locked(step, spec.uuid, async () => {
    const files = h.files(spec.uuid);
    let record = files.read();
    if (record && arrivesInPlace(h, record)) return bootInPlace(h, step, files, record, spec, powerOn);
    if (!record) {
      const from = diskExportFrom(migrateData);
      if (!from) throw new VirtDriverError(step, `guest ${spec.uuid}: the source gave no disk to copy`);
      rmSync(files.dir, { recursive: true, force: true });
      mkdirSync(files.dir, { recursive: true });
      // The kernel, ramdisk and boot settings come from the image, as at spawn; the disk from the source.
      const fresh = await prepareDisk(h, step, spec, files);
      const tmp = `${files.disk}.copy`;
      await convertFrom(nbdUri(from), tmp).catch((e: unknown) => {
        throw new VirtDriverError(step, (e as Error).message);
      });
      const wanted = spec.rootGb * GIB;
      if (wanted > (await imageInfo(tmp)).virtualSize) await resizeDisk(tmp, wanted);
      renameSync(tmp, files.disk);
      record = { ...fresh, power: 'shutdown' };
      h.save(files, record);
    }
    record = { ...record, spec };
    h.save(files, record);
    if (powerOn && livePid(files, spec.uuid) === null) await h.start(step, files, record);
  });
}

/** Source side of confirm: the export ends and the old guest's files go. Repeatable. */
export function confirmMigration(h: QemuHost, uuid: string): Promise<void> {
  return h.locked('confirm_migration', uuid, async () => {
    const files = h.files(uuid);
    const record = files.read();
    if (confirmInPlace(h, files, record)) return;
    if (!record) return;
    if (!record.migratingTo) throw new VirtDriverError('confirm_migration', `guest ${uuid} on host ${h.host} is not being migrated`);
    await stopExport(files.dir, files.disk);
    await h.stopQemu(files, uuid);
    dropKept(files);
    rmSync(files.dir, { recursive: true, force: true });
  });
}

/** Destination side of revert: the copy goes (a disk left in place gets its kept copy back instead). Repeatable. */
export async function revertMigrationAtDestination(h: QemuHost, uuid: string): Promise<void> {
  const inPlace = await h.locked('revert_migration', uuid, () => revertInPlace(h, uuid));
  if (!inPlace) await destroy(h, uuid);
}

/** Source side of revert (or of a failed move): the export ends and the old guest, untouched (its kept disk put back), starts again unless it was off. Repeatable. */
export function finishRevertMigration(h: QemuHost, spec: GuestSpec, powerOn: boolean): Promise<void> {
  const step = 'finish_revert_migration';
  return h.locked(step, spec.uuid, async () => {
    const { files, record } = h.require(step, spec.uuid);
    await stopExport(files.dir, files.disk);
    await restoreKept(h, files, spec.uuid);
    const { diskExport: _gone, ...rest } = record;
    const back: GuestRecord = { ...rest, spec, migratingTo: null };
    h.save(files, back);
    dropKept(files);
    if (powerOn && livePid(files, spec.uuid) === null) await h.start(step, files, back);
  });
}
