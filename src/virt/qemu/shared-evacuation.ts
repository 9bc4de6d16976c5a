// Evacuation over a shared instances path: the failed host's guest directory
// is this host's too, so the guest starts here from its own disk instead of
// a fresh one from the image. Its QEMU uses the other set of process files,
// so that what the failed host left (or a QEMU it still runs: its lock on
// the disk then makes the start fail) is not taken for this host's.
import { accessSync, constants, rmSync } from 'node:fs';
import { VirtDriverError, type GuestSpec } from '../driver.js';
import { GuestFiles, otherSlot, type GuestRecord } from './guest-files.js';
import type { QemuHost } from './host.js';

/** Whether the guest's files, written by a host sharing this instances path, are here and writable (Nova's instance_on_disk). */
export function instanceOnDisk(h: QemuHost, uuid: string): boolean {
  const files = h.files(uuid);
  const record = files.read();
  if (!record || record.host === h.host || !h.sharesPathWith(record.host)) return false;
  try {
    accessSync(files.dir, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The guest boots here from its disk as it was left, and only once its QEMU
 * runs does its record become this host's: a failure (or a crash) before
 * leaves the record the failed host's, so a failed evacuation's clean-up
 * finds no guest of this host to destroy with the shared files, and a retry
 * starts over (ending a QEMU an earlier try left).
 */
export function spawnFromSharedDisk(h: QemuHost, spec: GuestSpec): Promise<void> {
  const step = 'spawn';
  return h.locked(step, spec.uuid, async () => {
    if (!instanceOnDisk(h, spec.uuid)) throw new VirtDriverError(step, `guest ${spec.uuid} has no files in the shared instances path of host ${h.host}`);
    const left = h.files(spec.uuid);
    const record = left.read()!;
    const files = new GuestFiles(left.dir, otherSlot(record.slot ?? 'a'));
    rmSync(files.savedState, { force: true });
    rmSync(files.incomingFile, { force: true });
    const { incoming: _i, diskExport: _d, ...kept } = record;
    const mine: GuestRecord = { ...kept, host: h.host, slot: files.slot, spec, power: 'shutdown', startedAt: null, rescue: null, migratingTo: null };
    await h.stopQemu(files, spec.uuid);
    await h.start(step, files, mine);
  });
}
