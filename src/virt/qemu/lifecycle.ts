// A guest's life on its host: created, destroyed, powered off and on,
// rebooted, paused, suspended to a file and resumed, rebuilt, rescued.
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { PowerState, VirtDriverError, type GuestSpec } from '../driver.js';
import { prepareDisk } from './boot-disk.js';
import { stopExport } from './disk-export.js';
import { GuestFiles, otherSlot, type GuestRecord } from './guest-files.js';
import { POWER_NAMES, type QemuHost } from './host.js';
import { dropKept } from './in-place-move.js';
import { livePid } from './process.js';

export function spawn(h: QemuHost, spec: GuestSpec): Promise<void> {
  return h.locked('spawn', spec.uuid, async () => {
    const files = h.files(spec.uuid);
    if (files.read()) throw new VirtDriverError('spawn', `guest ${spec.uuid} already exists on host ${h.host}`);
    rmSync(files.dir, { recursive: true, force: true });
    mkdirSync(files.dir, { recursive: true });
    const record = await prepareDisk(h, 'spawn', spec, files);
    h.save(files, record);
    await h.start('spawn', files, record);
  });
}

/** Idempotent, as on a real hypervisor: destroying a guest that is already gone succeeds. */
export function destroy(h: QemuHost, uuid: string): Promise<void> {
  return h.locked('destroy', uuid, async () => {
    const shared = h.files(uuid);
    const record = shared.read();
    if (record && record.host !== h.host) {
      // Another host's guest in a shared instances path: only this host's QEMU
      // of it goes (the one waiting for it, or the one it left), in the other set of files.
      const mine = new GuestFiles(shared.dir, otherSlot(shared.slot));
      await h.stopQemu(mine, uuid);
      rmSync(mine.incomingFile, { force: true });
      return;
    }
    const files = shared;
    await h.stopQemu(files, uuid);
    // A QEMU of it in the other set of files (one a live migration over a shared path left) goes with the directory.
    await h.stopQemu(new GuestFiles(files.dir, otherSlot(files.slot)), uuid);
    await stopExport(files.dir, files.disk);
    const socket = files.qmpSocket;
    dropKept(files);
    rmSync(files.dir, { recursive: true, force: true });
    rmSync(socket, { force: true });
  });
}

/** ACPI power-down, then a hard stop after the shutdown timeout (Nova's clean shutdown). */
export function powerOff(h: QemuHost, uuid: string): Promise<void> {
  return h.locked('power_off', uuid, async () => {
    const { files, record } = h.require('power_off', uuid);
    const state = h.powerOf(files, record);
    if (state === PowerState.RUNNING) {
      const gone = await h.acpiPowerdown(files, uuid, h.opts.shutdownTimeout);
      if (!gone) await h.stopQemu(files, uuid);
    } else {
      await h.stopQemu(files, uuid);
    }
    rmSync(files.savedState, { force: true });
    h.save(files, { ...record, power: 'shutdown', startedAt: null });
  });
}

export function powerOn(h: QemuHost, uuid: string): Promise<void> {
  return h.locked('power_on', uuid, async () => {
    const { files, record } = h.require('power_on', uuid);
    if (livePid(files, uuid) !== null) {
      await h.qmp(files, 'power_on', (c) => c.execute('cont'));
      h.save(files, { ...record, power: 'running' });
      return;
    }
    rmSync(files.savedState, { force: true });
    await h.start('power_on', files, record);
  });
}

/**
 * Soft: the guest is asked to power off (ACPI) and started again; one that
 * does not within the soft-reboot timeout is reset, as Nova falls back to a
 * hard reboot. Hard: a reset of the running machine, or a fresh start.
 */
export function reboot(h: QemuHost, uuid: string, hard: boolean): Promise<void> {
  return h.locked('reboot', uuid, async () => {
    const { files, record } = h.require('reboot', uuid);
    const state = h.powerOf(files, record);
    if (!hard && state !== PowerState.RUNNING) {
      throw new VirtDriverError('reboot', `cannot soft reboot guest ${uuid} in power state ${POWER_NAMES[state] ?? state} on host ${h.host}`);
    }
    if (!hard && (await h.acpiPowerdown(files, uuid, h.opts.softRebootTimeout))) {
      await h.start('reboot', files, record);
      return;
    }
    if (livePid(files, uuid) !== null && state !== PowerState.SUSPENDED) {
      await h.qmp(files, 'reboot', async (c) => {
        await c.execute('system_reset');
        await c.execute('cont');
      });
      h.save(files, { ...record, power: 'running', startedAt: Date.now() });
      return;
    }
    await h.stopQemu(files, uuid);
    rmSync(files.savedState, { force: true });
    await h.start('reboot', files, record);
  });
}

export function pause(h: QemuHost, uuid: string): Promise<void> {
  return h.locked('pause', uuid, async () => {
    const { files, record } = h.requireState('pause', uuid, [PowerState.RUNNING]);
    await h.qmp(files, 'pause', (c) => c.execute('stop'));
    h.save(files, { ...record, power: 'paused' });
  });
}

export function unpause(h: QemuHost, uuid: string): Promise<void> {
  return h.locked('unpause', uuid, async () => {
    const { files, record } = h.requireState('unpause', uuid, [PowerState.PAUSED]);
    await h.qmp(files, 'unpause', (c) => c.execute('cont'));
    h.save(files, { ...record, power: 'running' });
  });
}

/** The guest's memory is saved to a file (a migration into it) and its QEMU ends; resume starts from it. */
export function suspend(h: QemuHost, uuid: string): Promise<void> {
  return h.locked('suspend', uuid, async () => {
    const { files, record } = h.requireState('suspend', uuid, [PowerState.RUNNING, PowerState.PAUSED]);
    const tmp = `${files.savedState}.tmp`;
    rmSync(tmp, { force: true });
    await h.qmp(files, 'suspend', async (c) => {
      await c.execute('migrate', { uri: `exec:cat > '${tmp.replace(/'/g, `'\\''`)}'` });
      for (;;) {
        const m = (await c.execute('query-migrate')) as { status?: string; 'error-desc'?: string };
        if (m.status === 'completed') break;
        if (m.status === 'failed' || m.status === 'cancelled') throw new Error(`saving the guest's state failed: ${m['error-desc'] ?? m.status}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    });
    renameSync(tmp, files.savedState);
    h.save(files, { ...record, power: 'suspended' });
    await h.stopQemu(files, uuid);
  });
}

export function resume(h: QemuHost, uuid: string): Promise<void> {
  return h.locked('resume', uuid, async () => {
    const { files, record } = h.requireState('resume', uuid, [PowerState.SUSPENDED]);
    await h.start('resume', files, record, files.savedState);
    rmSync(files.savedState, { force: true });
  });
}

/** A new disk from the image, same guest; a stopped guest stays stopped, as Nova keeps it. */
export function rebuild(h: QemuHost, spec: GuestSpec): Promise<void> {
  return h.locked('rebuild', spec.uuid, async () => {
    const { files, record } = h.require('rebuild', spec.uuid);
    const wasOff = h.powerOf(files, record) === PowerState.SHUTDOWN;
    await h.stopQemu(files, spec.uuid);
    for (const f of [files.disk, files.kernel, files.ramdisk, files.savedState]) rmSync(f, { force: true });
    const fresh = await prepareDisk(h, 'rebuild', spec, files);
    const next: GuestRecord = { ...fresh, networkInfo: record.networkInfo, networkInjections: record.networkInjections, power: 'shutdown' };
    h.save(files, next);
    if (!wasOff) await h.start('rebuild', files, next);
  });
}

/**
 * Boots the guest from a fresh disk of the rescue image (its own image
 * when none is given), its own disk attached second, as Nova's libvirt
 * driver does. Repeatable: a guest rescued already is left so.
 */
export function rescue(h: QemuHost, uuid: string, rescueImageRef: string | null): Promise<void> {
  const step = 'rescue';
  return h.locked(step, uuid, async () => {
    const { files, record } = h.require(step, uuid);
    if (record.rescue && livePid(files, uuid) !== null) return;
    const imageRef = rescueImageRef ?? record.spec.imageRef;
    await h.stopQemu(files, uuid);
    const rf = files.rescueFiles;
    for (const f of [rf.disk, rf.kernel, rf.ramdisk, files.savedState]) rmSync(f, { force: true });
    const boot = await prepareDisk(h, step, record.spec, files, imageRef, rf);
    const rescued: GuestRecord = {
      ...record,
      rescue: { imageRef: imageRef ?? '', commandLine: boot.commandLine, hasKernel: boot.hasKernel, hasRamdisk: boot.hasRamdisk },
    };
    h.save(files, rescued);
    await h.start(step, files, rescued);
  });
}

/** Boots the guest from its own disk again; the rescue disk goes. Repeatable. */
export function unrescue(h: QemuHost, uuid: string): Promise<void> {
  const step = 'unrescue';
  return h.locked(step, uuid, async () => {
    const { files, record } = h.require(step, uuid);
    if (!record.rescue && livePid(files, uuid) !== null) return;
    await h.stopQemu(files, uuid);
    const rf = files.rescueFiles;
    for (const f of [rf.disk, rf.kernel, rf.ramdisk]) rmSync(f, { force: true });
    const back: GuestRecord = { ...record, rescue: null };
    h.save(files, back);
    await h.start(step, files, back);
  });
}
