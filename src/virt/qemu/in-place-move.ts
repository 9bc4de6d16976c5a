// Cold migration and resize that leave the disk where it is: a resize to the
// same host (`allow_resize_to_same_host`), or a move to a host sharing this
// instances path. As Nova's libvirt driver keeps the source's files in
// `<instance dir>_resize`, the stopped guest's disk (its qcow2 overlay) and
// record are copied there before anything changes; the guest then boots from
// its own directory with the new flavor, its disk grown in place — over a
// shared path on the destination, which takes the record over. Confirm drops
// the kept copy; revert puts its disk and record back, and the source boots
// the guest as it was.
//
// Every step may be cut short and run again: the kept copy is written under
// a temporary name and renamed when whole, the disk comes back by a rename,
// and records are written whole, so a repeated step finds what was done.
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { GuestSpec } from '../driver.js';
import { GuestFiles, type GuestRecord } from './guest-files.js';
import { GIB, type QemuHost } from './host.js';
import { livePid } from './process.js';
import { imageInfo, resizeDisk } from './qemu-img.js';

/** The kept copy of a guest's disk and record (the source's, as it was when powered off). */
export const keptCopy = (files: GuestFiles): GuestFiles => new GuestFiles(files.keptDir);

const keptTemp = (files: GuestFiles): string => `${files.keptDir}.tmp`;

/** Whether a move from this host to `destHost` leaves the disk in place. */
export const movesInPlace = (h: QemuHost, destHost: string): boolean => destHost === h.host || h.sharesPathWith(destHost);

/**
 * Source: the guest is powered off, its record names the destination, and
 * its disk and record are kept for a revert. Repeatable: a copy already
 * kept for this destination is left as it is.
 */
export async function powerOffAndKeep(h: QemuHost, files: GuestFiles, record: GuestRecord, destHost: string): Promise<void> {
  const uuid = record.spec.uuid;
  const kept = keptCopy(files);
  if (record.migratingTo === destHost && kept.read() !== undefined && existsSync(kept.disk)) return;
  await h.powerDownForMove(files, record, uuid);
  rmSync(files.savedState, { force: true });
  const { confirmedInPlace: _earlier, ...rest } = record;
  const off: GuestRecord = { ...rest, power: 'shutdown', startedAt: null, migratingTo: destHost };
  h.save(files, off);
  const tmp = keptTemp(files);
  rmSync(tmp, { recursive: true, force: true });
  rmSync(kept.dir, { recursive: true, force: true });
  mkdirSync(tmp);
  copyFileSync(files.disk, join(tmp, 'disk'));
  new GuestFiles(tmp).write(off);
  renameSync(tmp, kept.dir);
}

/** Whether `record` (the guest directory's) is a move to this host that leaves the disk in place, not yet booted here. */
export function arrivesInPlace(h: QemuHost, record: GuestRecord): boolean {
  return record.migratingTo === h.host && (record.host === h.host || h.sharesPathWith(record.host));
}

/**
 * Destination (this host, or one sharing the path): the disk grows to the
 * new flavor, the record becomes this host's with the new spec, and the
 * guest boots unless it was off. Repeatable.
 */
export async function bootInPlace(h: QemuHost, step: string, files: GuestFiles, record: GuestRecord, spec: GuestSpec, powerOn: boolean): Promise<void> {
  const wanted = spec.rootGb * GIB;
  if (livePid(files, spec.uuid) === null && wanted > (await imageInfo(files.disk)).virtualSize) await resizeDisk(files.disk, wanted);
  // On the same host the record keeps naming the move until confirm or revert, as the source's copy does on another host.
  const mine: GuestRecord = { ...record, host: h.host, spec, migratingTo: record.host === h.host ? record.migratingTo : null };
  h.save(files, mine);
  if (powerOn && livePid(files, spec.uuid) === null) await h.start(step, files, mine);
}

/**
 * Destination side of revert: the guest booted here stops, and the kept
 * disk and record are put back (the record the source's again, still naming
 * the move), for the source's finishRevertMigration. False when the guest
 * did not move in place (the caller then drops its copy). Repeatable.
 */
export async function revertInPlace(h: QemuHost, uuid: string): Promise<boolean> {
  const files = h.files(uuid);
  const record = files.read();
  const kept = keptCopy(files);
  const was = kept.read();
  if (!record || !was || was.migratingTo !== h.host) return false;
  if (record.host === h.host) await h.stopQemu(files, uuid);
  if (existsSync(kept.disk)) renameSync(kept.disk, files.disk);
  h.save(files, { ...was, power: 'shutdown', startedAt: null });
  return true;
}

/**
 * Source side of revert (or of a move that failed): a kept disk still
 * there replaces the one in the directory, which the destination may have
 * grown or booted; then the kept copy goes. Repeatable.
 */
export async function restoreKept(h: QemuHost, files: GuestFiles, uuid: string): Promise<void> {
  const kept = keptCopy(files);
  if (existsSync(kept.disk)) {
    await h.stopQemu(files, uuid);
    renameSync(kept.disk, files.disk);
  }
}

/** Drops the kept copy (and a copy cut short). */
export function dropKept(files: GuestFiles): void {
  rmSync(keptTemp(files), { recursive: true, force: true });
  rmSync(files.keptDir, { recursive: true, force: true });
}

/**
 * Source side of confirm for a move that left the disk in place: the kept
 * copy goes; the guest runs on from its directory (this host's on a resize
 * to the same host, the destination's over a shared path). False when
 * the guest did not move in place. Repeatable.
 */
export function confirmInPlace(h: QemuHost, files: GuestFiles, record: GuestRecord | undefined): boolean {
  if (!record) return false;
  const sharedAway = record.host !== h.host && h.sharesPathWith(record.host);
  const sameHost = record.host === h.host && (record.migratingTo === h.host || (!record.migratingTo && record.confirmedInPlace === true));
  if (!sharedAway && !sameHost) return false;
  if (sameHost && record.migratingTo === h.host) h.save(files, { ...record, migratingTo: null, confirmedInPlace: true });
  dropKept(files);
  return true;
}
