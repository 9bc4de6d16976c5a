// The real hypervisor: every guest is a QEMU process of its own, started
// detached from the agent and driven over QMP. A host keeps its guests
// under its instances path, one directory each (a qcow2 overlay on a cached
// base image, kernel and ramdisk for direct kernel boot, the serial console
// log, the QMP socket, the pid file and a record of the guest), so an agent
// that restarts finds them running and attaches to them again.
import { copyFileSync, existsSync, mkdirSync, openSync, readSync, closeSync, fstatSync, renameSync, rmSync, statfsSync, readFileSync } from 'node:fs';
import { cpus, totalmem, uptime as osUptime } from 'node:os';
import { join } from 'node:path';
import {
  PowerState,
  VirtDriverError,
  type GuestDiagnostics,
  type GuestInfo,
  type GuestSpec,
  type HostInventory,
  type LiveMigrateData,
  type LiveMigrationOptions,
  type LiveMigrationOutcome,
  type PowerStateValue,
  type VirtDriver,
} from '../driver.js';
import type { GuestImage, GuestImageSource } from '../image-source.js';
import { GuestFiles, guestDirs, type GuestRecord, type IntendedPower } from './guest-files.js';
import { convertFrom, createOverlay, flattenTo, imageInfo, resizeDisk } from './qemu-img.js';
import { diskExportFrom, exportPid, nbdUri, startExport, stopExport, type DiskExport } from './disk-export.js';
import { killHard, launch, livePid, qemuVersion, ROOT_DRIVE, waitExit, type VirtType } from './process.js';
import { freePorts } from './ports.js';
import { incomingGuest, transferGuest, type IncomingGuest, type TransferControl } from './live-migration.js';
import { QmpClient } from './qmp.js';
import { processFigures } from './proc-stats.js';

export interface QemuDriverOptions {
  /** The host's instances directory (its guests' directories and the `_base` image cache). */
  readonly instancesDir: string;
  readonly images: GuestImageSource;
  readonly virtType: VirtType;
  /** The QEMU system emulator to run. */
  readonly binary: string;
  /** Host inventory; 0 = what this machine has. */
  readonly inventory: { readonly vcpus: number; readonly memoryMb: number; readonly localGb: number };
  /** Seconds a guest is given to power off on ACPI before it is stopped hard (Nova's shutdown_timeout). */
  readonly shutdownTimeout: number;
  /** Seconds a soft reboot waits for the guest to power off before it is reset instead. */
  readonly softRebootTimeout: number;
  readonly hostIp?: string;
  /** Where an incoming live migration listens: address and port range. */
  readonly liveMigration: { readonly inboundAddr: string; readonly portMin: number; readonly portMax: number };
  /** Whether `host` keeps its guests in this host's instances path too (shared storage). */
  readonly sharesInstancesPathWith?: (host: string) => boolean;
}

const GIB = 1024 ** 3;
/** Nova's libvirt driver returns at most this much of the end of the console log. */
const MAX_CONSOLE_BYTES = 100 * 1024;
/** Nova's default command line for direct kernel boot without os_command_line. */
const DEFAULT_COMMAND_LINE = 'root=/dev/vda console=tty0 console=ttyS0';
/** Formats a root disk can be booted from. */
const DISK_FORMATS: Readonly<Record<string, string>> = { qcow2: 'qcow2', raw: 'raw', ami: 'raw' };
/** How long QEMU gets to answer `quit` before it is killed. */
const QUIT_GRACE_MS = 3000;

const POWER: Readonly<Record<IntendedPower, PowerStateValue>> = {
  running: PowerState.RUNNING,
  paused: PowerState.PAUSED,
  shutdown: PowerState.SHUTDOWN,
  suspended: PowerState.SUSPENDED,
};

/** A live migration from this host: its control once the transfer runs, or what was asked of it before. */
interface PendingTransfer {
  control?: TransferControl;
  requested: 'abort' | 'force_complete' | null;
}

const POWER_NAMES: Readonly<Record<number, string>> = { 1: 'RUNNING', 3: 'PAUSED', 4: 'SHUTDOWN', 6: 'CRASHED', 7: 'SUSPENDED' };

export class QemuDriver implements VirtDriver {
  readonly type = 'qemu';
  private host = '';
  private halted = false;
  private version = 0;
  /** Live migrations this host is the source of, by guest. */
  private readonly transfers = new Map<string, PendingTransfer>();
  private readonly lastTransfer = new Map<string, { totalTimeMs: number | null; downtimeMs: number | null }>();
  /** One step at a time per guest. */
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(private readonly opts: QemuDriverOptions) {}

  // ---- host

  async init(host: string): Promise<readonly GuestInfo[]> {
    this.host = host;
    mkdirSync(this.opts.instancesDir, { recursive: true });
    this.version = await qemuVersion(this.opts.binary);
    // Attach to the guests an earlier life left: a live QEMU reports its own state.
    for (const dir of guestDirs(this.opts.instancesDir)) {
      const files = new GuestFiles(dir);
      const r = files.read();
      if (!r) continue;
      if (r.host !== host) throw new VirtDriverError('init', `${dir} belongs to host ${r.host}, not ${host}`);
      if (livePid(files, r.spec.uuid) === null) continue;
      // A live migration an earlier life started ends here: the agent rolls it back, and the guest runs on.
      await this.cancelOrphanTransfer(files).catch(() => undefined);
      const status = await this.queryStatus(files).catch(() => null);
      if (status === 'running' && r.power !== 'running') this.save(files, { ...r, power: 'running' });
      else if (status === 'paused' && r.power !== 'paused') this.save(files, { ...r, power: 'paused' });
    }
    return this.listGuests();
  }

  inventory(): HostInventory {
    const inv = this.opts.inventory;
    const vcpus = inv.vcpus > 0 ? inv.vcpus : cpus().length;
    const memoryMb = inv.memoryMb > 0 ? inv.memoryMb : Math.floor(totalmem() / (1024 * 1024));
    let localGb = inv.localGb;
    if (localGb <= 0) {
      try {
        const s = statfsSync(existsSync(this.opts.instancesDir) ? this.opts.instancesDir : '/');
        localGb = Math.floor((s.blocks * s.bsize) / GIB);
      } catch {
        localGb = 0;
      }
    }
    return {
      vcpus,
      memoryMb,
      localGb,
      hypervisorType: 'QEMU',
      hypervisorVersion: this.version,
      hostIp: this.opts.hostIp ?? '127.0.0.1',
      cpuInfo: { arch: 'x86_64', model: this.opts.virtType === 'kvm' ? 'host' : 'qemu64', vendor: this.opts.virtType === 'kvm' ? 'host' : 'QEMU', topology: { cores: vcpus, threads: 1, sockets: 1 }, features: [] },
    };
  }

  uptime(): number {
    return osUptime();
  }

  listGuests(): readonly GuestInfo[] {
    const out: GuestInfo[] = [];
    for (const dir of guestDirs(this.opts.instancesDir)) {
      const files = new GuestFiles(dir);
      const r = files.read();
      if (r) out.push(this.info(files, r));
    }
    return out;
  }

  getGuest(uuid: string): GuestInfo | undefined {
    const files = this.files(uuid);
    const r = files.read();
    return r && this.info(files, r);
  }

  halt(): void {
    this.halted = true;
  }

  /** The host loses power: every QEMU of this host dies; the guests stay defined, off. */
  async losePower(): Promise<void> {
    for (const dir of guestDirs(this.opts.instancesDir)) {
      const files = new GuestFiles(dir);
      const r = files.read();
      if (r) killHard(files, r.spec.uuid);
    }
  }

  // ---- guest lifecycle

  spawn(spec: GuestSpec): Promise<void> {
    return this.locked('spawn', spec.uuid, async () => {
      const files = this.files(spec.uuid);
      if (files.read()) throw new VirtDriverError('spawn', `guest ${spec.uuid} already exists on host ${this.host}`);
      rmSync(files.dir, { recursive: true, force: true });
      mkdirSync(files.dir, { recursive: true });
      const record = await this.prepareDisk('spawn', spec, files);
      this.save(files, record);
      await this.start('spawn', files, record);
    });
  }

  /** Idempotent, as on a real hypervisor: destroying a guest that is already gone succeeds. */
  destroy(uuid: string): Promise<void> {
    return this.locked('destroy', uuid, async () => {
      const files = this.files(uuid);
      await this.stopQemu(files, uuid);
      await stopExport(files.dir, files.disk);
      const socket = files.qmpSocket;
      rmSync(files.dir, { recursive: true, force: true });
      rmSync(socket, { force: true });
    });
  }

  /** ACPI power-down, then a hard stop after the shutdown timeout (Nova's clean shutdown). */
  powerOff(uuid: string): Promise<void> {
    return this.locked('power_off', uuid, async () => {
      const { files, record } = this.require('power_off', uuid);
      const state = this.powerOf(files, record);
      if (state === PowerState.RUNNING) {
        const gone = await this.acpiPowerdown(files, uuid, this.opts.shutdownTimeout);
        if (!gone) await this.stopQemu(files, uuid);
      } else {
        await this.stopQemu(files, uuid);
      }
      rmSync(files.savedState, { force: true });
      this.save(files, { ...record, power: 'shutdown', startedAt: null });
    });
  }

  powerOn(uuid: string): Promise<void> {
    return this.locked('power_on', uuid, async () => {
      const { files, record } = this.require('power_on', uuid);
      if (livePid(files, uuid) !== null) {
        await this.qmp(files, 'power_on', (c) => c.execute('cont'));
        this.save(files, { ...record, power: 'running' });
        return;
      }
      rmSync(files.savedState, { force: true });
      await this.start('power_on', files, record);
    });
  }

  /**
   * Soft: the guest is asked to power off (ACPI) and started again; one that
   * does not within the soft-reboot timeout is reset, as Nova falls back to a
   * hard reboot. Hard: a reset of the running machine, or a fresh start.
   */
  reboot(uuid: string, hard: boolean): Promise<void> {
    return this.locked('reboot', uuid, async () => {
      const { files, record } = this.require('reboot', uuid);
      const state = this.powerOf(files, record);
      if (!hard && state !== PowerState.RUNNING) {
        throw new VirtDriverError('reboot', `cannot soft reboot guest ${uuid} in power state ${POWER_NAMES[state] ?? state} on host ${this.host}`);
      }
      if (!hard && (await this.acpiPowerdown(files, uuid, this.opts.softRebootTimeout))) {
        await this.start('reboot', files, record);
        return;
      }
      if (livePid(files, uuid) !== null && state !== PowerState.SUSPENDED) {
        await this.qmp(files, 'reboot', async (c) => {
          await c.execute('system_reset');
          await c.execute('cont');
        });
        this.save(files, { ...record, power: 'running', startedAt: Date.now() });
        return;
      }
      await this.stopQemu(files, uuid);
      rmSync(files.savedState, { force: true });
      await this.start('reboot', files, record);
    });
  }

  pause(uuid: string): Promise<void> {
    return this.locked('pause', uuid, async () => {
      const { files, record } = this.requireState('pause', uuid, [PowerState.RUNNING]);
      await this.qmp(files, 'pause', (c) => c.execute('stop'));
      this.save(files, { ...record, power: 'paused' });
    });
  }

  unpause(uuid: string): Promise<void> {
    return this.locked('unpause', uuid, async () => {
      const { files, record } = this.requireState('unpause', uuid, [PowerState.PAUSED]);
      await this.qmp(files, 'unpause', (c) => c.execute('cont'));
      this.save(files, { ...record, power: 'running' });
    });
  }

  /** The guest's memory is saved to a file (a migration into it) and its QEMU ends; resume starts from it. */
  suspend(uuid: string): Promise<void> {
    return this.locked('suspend', uuid, async () => {
      const { files, record } = this.requireState('suspend', uuid, [PowerState.RUNNING, PowerState.PAUSED]);
      const tmp = `${files.savedState}.tmp`;
      rmSync(tmp, { force: true });
      await this.qmp(files, 'suspend', async (c) => {
        await c.execute('migrate', { uri: `exec:cat > '${tmp.replace(/'/g, `'\\''`)}'` });
        for (;;) {
          const m = (await c.execute('query-migrate')) as { status?: string; 'error-desc'?: string };
          if (m.status === 'completed') break;
          if (m.status === 'failed' || m.status === 'cancelled') throw new Error(`saving the guest's state failed: ${m['error-desc'] ?? m.status}`);
          await new Promise((r) => setTimeout(r, 50));
        }
      });
      renameSync(tmp, files.savedState);
      this.save(files, { ...record, power: 'suspended' });
      await this.stopQemu(files, uuid);
    });
  }

  resume(uuid: string): Promise<void> {
    return this.locked('resume', uuid, async () => {
      const { files, record } = this.requireState('resume', uuid, [PowerState.SUSPENDED]);
      await this.start('resume', files, record, files.savedState);
      rmSync(files.savedState, { force: true });
    });
  }

  /** A new disk from the image, same guest; a stopped guest stays stopped, as Nova keeps it. */
  rebuild(spec: GuestSpec): Promise<void> {
    return this.locked('rebuild', spec.uuid, async () => {
      const { files, record } = this.require('rebuild', spec.uuid);
      const wasOff = this.powerOf(files, record) === PowerState.SHUTDOWN;
      await this.stopQemu(files, spec.uuid);
      for (const f of [files.disk, files.kernel, files.ramdisk, files.savedState]) rmSync(f, { force: true });
      const fresh = await this.prepareDisk('rebuild', spec, files);
      const next: GuestRecord = { ...fresh, networkInfo: record.networkInfo, networkInjections: record.networkInjections, power: 'shutdown' };
      this.save(files, next);
      if (!wasOff) await this.start('rebuild', files, next);
    });
  }

  /**
   * Boots the guest from a fresh disk of the rescue image (its own image
   * when none is given), its own disk attached second, as Nova's libvirt
   * driver does. Repeatable: a guest rescued already is left so.
   */
  rescue(uuid: string, rescueImageRef: string | null): Promise<void> {
    const step = 'rescue';
    return this.locked(step, uuid, async () => {
      const { files, record } = this.require(step, uuid);
      if (record.rescue && livePid(files, uuid) !== null) return;
      const imageRef = rescueImageRef ?? record.spec.imageRef;
      await this.stopQemu(files, uuid);
      const rf = files.rescueFiles;
      for (const f of [rf.disk, rf.kernel, rf.ramdisk, files.savedState]) rmSync(f, { force: true });
      const boot = await this.prepareDisk(step, record.spec, files, imageRef, rf);
      const rescued: GuestRecord = {
        ...record,
        rescue: { imageRef: imageRef ?? '', commandLine: boot.commandLine, hasKernel: boot.hasKernel, hasRamdisk: boot.hasRamdisk },
      };
      this.save(files, rescued);
      await this.start(step, files, rescued);
    });
  }

  /** Boots the guest from its own disk again; the rescue disk goes. Repeatable. */
  unrescue(uuid: string): Promise<void> {
    const step = 'unrescue';
    return this.locked(step, uuid, async () => {
      const { files, record } = this.require(step, uuid);
      if (!record.rescue && livePid(files, uuid) !== null) return;
      await this.stopQemu(files, uuid);
      const rf = files.rescueFiles;
      for (const f of [rf.disk, rf.kernel, rf.ramdisk]) rmSync(f, { force: true });
      const back: GuestRecord = { ...record, rescue: null };
      this.save(files, back);
      await this.start(step, files, back);
    });
  }

  /** The guest's disk flattened into a standalone qcow2 (read while the guest runs). */
  snapshot(uuid: string): Promise<Buffer> {
    return this.locked('snapshot', uuid, async () => {
      const { files } = this.require('snapshot', uuid);
      const tmp = join(files.dir, `snapshot-${process.pid}-${Date.now()}.qcow2`);
      try {
        await flattenTo(files.disk, tmp).catch((e: unknown) => {
          throw new VirtDriverError('snapshot', (e as Error).message);
        });
        return readFileSync(tmp);
      } finally {
        rmSync(tmp, { force: true });
      }
    });
  }

  /** Nothing to change inside a guest without an agent in it; recorded, as Nova's libvirt driver only records it. */
  injectNetworkInfo(uuid: string, networkInfo: unknown): Promise<void> {
    return this.locked('inject_network_info', uuid, async () => {
      const { files, record } = this.require('inject_network_info', uuid);
      const copy = networkInfo === undefined ? null : (JSON.parse(JSON.stringify(networkInfo)) as unknown);
      this.save(files, { ...record, networkInfo: copy, networkInjections: record.networkInjections + 1 });
    });
  }

  triggerCrashDump(uuid: string): Promise<void> {
    return this.locked('trigger_crash_dump', uuid, async () => {
      const { files } = this.requireState('trigger_crash_dump', uuid, [PowerState.RUNNING, PowerState.PAUSED]);
      await this.qmp(files, 'trigger_crash_dump', (c) => c.execute('inject-nmi'));
    });
  }

  /**
   * The figures of the guest's QEMU process as the host sees it: CPU time,
   * resident memory, bytes it read and wrote, time since it started.
   */
  diagnostics(uuid: string): GuestDiagnostics | undefined {
    const files = this.files(uuid);
    const r = files.read();
    if (!r) return undefined;
    const powerState = this.powerOf(files, r);
    const pid = livePid(files, uuid);
    const p = pid === null ? null : processFigures(pid);
    const running = powerState === PowerState.RUNNING;
    return {
      powerState,
      hypervisor: this.opts.virtType,
      hypervisorOs: 'linux',
      uptime: running && p ? p.uptime : null,
      cpus: Array.from({ length: r.spec.vcpus }, (_, id) => ({ id, timeNs: p ? Math.round(p.cpuTimeNs / r.spec.vcpus) : 0, utilisation: 0 })),
      memory: { maximumMb: r.spec.memoryMb, usedMb: p ? Math.min(r.spec.memoryMb, p.rssMb) : 0 },
      disks: [
        {
          name: 'vda',
          readBytes: p?.readBytes ?? 0,
          readRequests: p?.readOps ?? 0,
          writeBytes: p?.writeBytes ?? 0,
          writeRequests: p?.writeOps ?? 0,
          errors: 0,
        },
      ],
    };
  }

  /** The end of the guest's real serial console log. */
  async consoleOutput(uuid: string): Promise<string | null> {
    const { files } = this.require('get_console_output', uuid);
    if (!existsSync(files.console)) return '';
    const fd = openSync(files.console, 'r');
    try {
      const size = fstatSync(fd).size;
      const length = Math.min(size, MAX_CONSOLE_BYTES);
      const buf = Buffer.alloc(length);
      readSync(fd, buf, 0, length, size - length);
      return buf.toString('utf8');
    } finally {
      closeSync(fd);
    }
  }

  // ---- moves: not yet on this driver

  /**
   * Source of a cold migration or resize: the guest is powered off (ACPI,
   * then hard after the shutdown timeout) and its disk served read-only over
   * NBD by qemu-nbd for the destination to copy. Repeatable: an export that
   * runs already is answered again.
   */
  migrateDiskAndPowerOff(uuid: string, destHost: string): Promise<LiveMigrateData> {
    const step = 'migrate_disk_and_power_off';
    return this.locked(step, uuid, async () => {
      const { files, record } = this.require(step, uuid);
      if (destHost === this.host) throw this.unsupported(step, 'a resize to the same host', uuid);
      const running = exportPid(files.dir, files.disk) !== null ? diskExportFrom(record.diskExport) : null;
      if (running && record.migratingTo === destHost) return running as unknown as LiveMigrateData;
      if (livePid(files, uuid) !== null) {
        const gone = this.powerOf(files, record) === PowerState.RUNNING && (await this.acpiPowerdown(files, uuid, this.opts.shutdownTimeout));
        if (!gone) await this.stopQemu(files, uuid);
      }
      rmSync(files.savedState, { force: true });
      await stopExport(files.dir, files.disk);
      const addr = this.opts.liveMigration.inboundAddr;
      const [port] = await freePorts(addr, this.opts.liveMigration.portMin, this.opts.liveMigration.portMax, 1, this.portsInUse());
      const served: DiskExport = { host: addr, port: port!, exportName: `disk-${uuid}` };
      this.save(files, { ...record, power: 'shutdown', startedAt: null, migratingTo: destHost, diskExport: served });
      await startExport(files.dir, files.disk, served);
      return served as unknown as LiveMigrateData;
    });
  }

  /**
   * Destination: the disk copied from the source's export with qemu-img
   * convert (grown for a resize), kernel and ramdisk from the image, then
   * started unless it was off. Repeatable: a disk already copied is kept.
   */
  finishMigration(spec: GuestSpec, powerOn: boolean, migrateData?: LiveMigrateData): Promise<void> {
    const step = 'finish_migration';
    return this.locked(step, spec.uuid, async () => {
      const files = this.files(spec.uuid);
      let record = files.read();
      if (!record) {
        const from = diskExportFrom(migrateData);
        if (!from) throw new VirtDriverError(step, `guest ${spec.uuid}: the source gave no disk to copy`);
        rmSync(files.dir, { recursive: true, force: true });
        mkdirSync(files.dir, { recursive: true });
        // The kernel, ramdisk and boot settings come from the image, as at spawn; the disk from the source.
        const fresh = await this.prepareDisk(step, spec, files);
        const tmp = `${files.disk}.copy`;
        await convertFrom(nbdUri(from), tmp).catch((e: unknown) => {
          throw new VirtDriverError(step, (e as Error).message);
        });
        const wanted = spec.rootGb * GIB;
        if (wanted > (await imageInfo(tmp)).virtualSize) await resizeDisk(tmp, wanted);
        renameSync(tmp, files.disk);
        record = { ...fresh, power: 'shutdown' };
        this.save(files, record);
      }
      record = { ...record, spec };
      this.save(files, record);
      if (powerOn && livePid(files, spec.uuid) === null) await this.start(step, files, record);
    });
  }

  /** Source side of confirm: the export ends and the old guest's files go. Repeatable. */
  confirmMigration(uuid: string): Promise<void> {
    return this.locked('confirm_migration', uuid, async () => {
      const files = this.files(uuid);
      const record = files.read();
      if (!record) return;
      if (!record.migratingTo) throw new VirtDriverError('confirm_migration', `guest ${uuid} on host ${this.host} is not being migrated`);
      await stopExport(files.dir, files.disk);
      await this.stopQemu(files, uuid);
      rmSync(files.dir, { recursive: true, force: true });
    });
  }

  /** Destination side of revert: the copy goes. Repeatable. */
  async revertMigrationAtDestination(uuid: string): Promise<void> {
    await this.destroy(uuid);
  }

  /** Source side of revert (or of a failed move): the export ends and the old guest, untouched, starts again unless it was off. Repeatable. */
  finishRevertMigration(spec: GuestSpec, powerOn: boolean): Promise<void> {
    const step = 'finish_revert_migration';
    return this.locked(step, spec.uuid, async () => {
      const { files, record } = this.require(step, spec.uuid);
      await stopExport(files.dir, files.disk);
      const { diskExport: _gone, ...rest } = record;
      const back: GuestRecord = { ...rest, spec, migratingTo: null };
      this.save(files, back);
      if (powerOn && livePid(files, spec.uuid) === null) await this.start(step, files, back);
    });
  }

  /**
   * Here the guest's disk must be copied (block migration) unless the
   * instances path is shared with the source; `auto` (null) decides so, as
   * Nova's libvirt driver does.
   */
  async checkCanLiveMigrateDestination(spec: GuestSpec, sourceHost: string, blockMigration: boolean | null): Promise<boolean> {
    const step = 'check_can_live_migrate_destination';
    this.alive(step);
    if (sourceHost === this.host) throw new VirtDriverError(step, `cannot live-migrate ${spec.uuid} to its own host ${this.host}`);
    if (this.files(spec.uuid).read()) throw new VirtDriverError(step, `guest ${spec.uuid} already exists on host ${this.host}`);
    const shared = this.opts.sharesInstancesPathWith?.(sourceHost) ?? false;
    const block = blockMigration ?? !shared;
    if (block && shared) throw new VirtDriverError(step, 'Block migration can not be used with shared storage.');
    if (!block) {
      if (!shared)
        throw new VirtDriverError(step, `${this.host} is not on shared storage: Shared storage live-migration requires either shared storage or boot-from-volume with no local disks.`);
      throw this.unsupported(step, 'live migration over a shared instances path', spec.uuid);
    }
    return block;
  }

  async checkCanLiveMigrateSource(uuid: string, destHost: string): Promise<void> {
    const step = 'check_can_live_migrate_source';
    if (destHost === this.host) throw new VirtDriverError(step, `cannot live-migrate ${uuid} to its own host ${this.host}`);
    this.requireState(step, uuid, [PowerState.RUNNING, PowerState.PAUSED]);
  }

  /**
   * A QEMU waiting for the guest: the disk made from the same image, the
   * process started paused with `-incoming tcp:` on a free port of the
   * range, and for block migration the disk exported over NBD for the
   * source's mirror. Repeatable: a second call starts over.
   */
  preLiveMigration(spec: GuestSpec, _sourceHost: string, blockMigration: boolean): Promise<LiveMigrateData> {
    const step = 'pre_live_migration';
    return this.locked(step, spec.uuid, async () => {
      const files = this.files(spec.uuid);
      await this.stopQemu(files, spec.uuid);
      rmSync(files.dir, { recursive: true, force: true });
      mkdirSync(files.dir, { recursive: true });
      const record: GuestRecord = { ...(await this.prepareDisk(step, spec, files)), power: 'paused' };
      this.save(files, record);
      const addr = this.opts.liveMigration.inboundAddr;
      const [port, nbdPort] = await freePorts(addr, this.opts.liveMigration.portMin, this.opts.liveMigration.portMax, blockMigration ? 2 : 1, this.portsInUse());
      const uri = `tcp:${addr.includes(':') ? `[${addr}]` : addr}:${port}`;
      await this.launchQemu(step, files, record, { incomingUri: uri });
      let nbd: IncomingGuest['nbd'] = null;
      if (blockMigration) {
        nbd = { host: addr, port: nbdPort!, exportName: ROOT_DRIVE };
        await this.qmp(files, step, async (c) => {
          await c.execute('nbd-server-start', { addr: { type: 'inet', data: { host: addr, port: String(nbdPort) } } });
          await c.execute('nbd-server-add', { device: ROOT_DRIVE, writable: true });
        }).catch(async (e: unknown) => {
          killHard(files, spec.uuid);
          throw e;
        });
      }
      const data: IncomingGuest = { uri, nbd };
      this.save(files, { ...record, incoming: data });
      return data as unknown as LiveMigrateData;
    });
  }

  /** Runs on the source: see transferGuest. The guest's QMP session is held for the whole transfer. */
  async liveMigration(uuid: string, opts: LiveMigrationOptions): Promise<LiveMigrationOutcome> {
    const step = 'live_migration';
    const { files } = this.requireState(step, uuid, [PowerState.RUNNING, PowerState.PAUSED]);
    if (this.transfers.has(uuid)) throw new VirtDriverError(step, `guest ${uuid} is already live-migrating`);
    const incoming = incomingGuest(opts.migrateData);
    if (!incoming) throw new VirtDriverError(step, `the destination ${opts.destHost} gave no address to migrate guest ${uuid} to`);
    const pending: PendingTransfer = { requested: null };
    this.transfers.set(uuid, pending);
    try {
      const result = await this.qmp(files, step, (c) =>
        transferGuest(c, incoming, opts, (control) => {
          pending.control = control;
          // Asked for before the transfer could take it (its QMP session was opening).
          if (pending.requested === 'abort') void control.abort().catch(() => undefined);
          else if (pending.requested === 'force_complete') void control.forceComplete().catch(() => undefined);
        }, () => !this.halted),
      );
      if (result.outcome === 'completed') this.lastTransfer.set(uuid, result);
      return result.outcome;
    } catch (e) {
      if (e instanceof VirtDriverError) throw e;
      throw new VirtDriverError(step, e instanceof Error ? e.message : String(e));
    } finally {
      this.transfers.delete(uuid);
    }
  }

  /** Pauses the guest on the source so its memory stops changing and the transfer converges. */
  async liveMigrationForceComplete(uuid: string): Promise<void> {
    await this.transferControl('live_migration_force_complete', uuid).forceComplete();
  }

  /** `migrate_cancel`: the guest goes on running here; the destination's QEMU is dropped by its rollback. */
  async liveMigrationAbort(uuid: string): Promise<void> {
    await this.transferControl('live_migration_abort', uuid).abort();
  }

  /** The guest arrived: the NBD export closes and the guest runs (unless it was paused before). Repeatable. */
  postLiveMigrationAtDestination(spec: GuestSpec, powerState: PowerStateValue): Promise<void> {
    const step = 'post_live_migration_at_destination';
    return this.locked(step, spec.uuid, async () => {
      const { files, record } = this.require(step, spec.uuid);
      if (livePid(files, spec.uuid) === null) throw new VirtDriverError(step, `guest ${spec.uuid} has no QEMU on host ${this.host}: it did not arrive`);
      const running = powerState !== PowerState.PAUSED;
      await this.qmp(files, step, async (c) => {
        for (let i = 0; ; i++) {
          const s = (await c.execute('query-status')) as { status?: string };
          if (s.status !== 'inmigrate') break;
          if (i > 600) throw new Error('the incoming migration did not finish');
          await new Promise((r) => setTimeout(r, 50));
        }
        await c.execute('nbd-server-stop').catch(() => undefined);
        if (running) await c.execute('cont');
      });
      const { incoming: _done, ...rest } = record;
      this.save(files, { ...rest, spec, power: running ? 'running' : 'paused', startedAt: record.startedAt ?? Date.now() });
    });
  }

  /** Drops the waiting (or arrived) QEMU and its files. Repeatable. */
  rollbackLiveMigrationAtDestination(uuid: string): Promise<void> {
    return this.destroy(uuid);
  }

  /** The guest lives on the destination now: this host's QEMU quits and its files go. Repeatable. */
  cleanupAfterLiveMigration(uuid: string): Promise<void> {
    return this.destroy(uuid);
  }

  /** QEMU's own figures of the guest's last completed live migration from this host (total time and downtime). */
  lastLiveMigration(uuid: string): { totalTimeMs: number | null; downtimeMs: number | null } | undefined {
    return this.lastTransfer.get(uuid);
  }

  // ---- helpers

  private files(uuid: string): GuestFiles {
    if (!/^[0-9a-fA-F-]{36}$/.test(uuid)) throw new VirtDriverError('lookup', `invalid guest id ${uuid}`);
    return new GuestFiles(join(this.opts.instancesDir, uuid));
  }

  private info(files: GuestFiles, r: GuestRecord): GuestInfo {
    return Object.freeze({
      uuid: r.spec.uuid,
      powerState: this.powerOf(files, r),
      spec: r.spec,
      networkInfo: r.networkInfo,
      networkInjections: r.networkInjections,
      rescueImageRef: r.rescue ? r.rescue.imageRef : null,
      migratingTo: r.migratingTo ?? null,
    });
  }

  /** What the guest is now: the state it was put in, unless its QEMU has died (then it is off, as libvirt reports it). */
  private powerOf(files: GuestFiles, r: GuestRecord): PowerStateValue {
    if ((r.power === 'running' || r.power === 'paused') && livePid(files, r.spec.uuid) === null) return PowerState.SHUTDOWN;
    if (r.power === 'suspended' && !existsSync(files.savedState)) return PowerState.SHUTDOWN;
    return POWER[r.power];
  }

  private require(step: string, uuid: string): { files: GuestFiles; record: GuestRecord } {
    this.alive(step);
    const files = this.files(uuid);
    const record = files.read();
    if (!record) throw new VirtDriverError(step, `guest ${uuid} not found on host ${this.host}`);
    return { files, record };
  }

  private requireState(step: string, uuid: string, allowed: readonly PowerStateValue[]): { files: GuestFiles; record: GuestRecord } {
    const g = this.require(step, uuid);
    const state = this.powerOf(g.files, g.record);
    if (!allowed.includes(state)) {
      throw new VirtDriverError(step, `cannot ${step} guest ${uuid} in power state ${POWER_NAMES[state] ?? state} on host ${this.host}`);
    }
    return g;
  }

  private alive(step: string): void {
    if (this.halted) throw new VirtDriverError(step, `the agent of host ${this.host} has stopped`);
  }

  private save(files: GuestFiles, r: GuestRecord): void {
    this.alive('write');
    files.write(r);
  }

  private transferControl(step: string, uuid: string): TransferControl {
    this.alive(step);
    const pending = this.transfers.get(uuid);
    if (!pending) throw new VirtDriverError(step, `guest ${uuid} is not live-migrating from host ${this.host}`);
    if (pending.control) return pending.control;
    // The transfer is starting: it takes the request as soon as it can.
    return {
      abort: async () => {
        pending.requested = 'abort';
      },
      forceComplete: async () => {
        pending.requested ??= 'force_complete';
      },
    };
  }

  /** Ports the guests waiting here for a live migration were given. */
  private portsInUse(): Set<number> {
    const out = new Set<number>();
    for (const dir of guestDirs(this.opts.instancesDir)) {
      const r = new GuestFiles(dir).read();
      const served = diskExportFrom(r?.diskExport);
      if (served) out.add(served.port);
      const inc = incomingGuest(r?.incoming);
      if (!inc) continue;
      const m = /:(\d+)$/.exec(inc.uri);
      if (m) out.add(Number(m[1]));
      if (inc.nbd) out.add(inc.nbd.port);
    }
    return out;
  }

  private unsupported(step: string, what: string, uuid?: string): VirtDriverError {
    return new VirtDriverError(step, `The qemu driver does not support ${what} yet${uuid ? ` (guest ${uuid} on host ${this.host})` : ''}.`);
  }

  private async locked<T>(step: string, uuid: string, fn: () => Promise<T>): Promise<T> {
    this.alive(step);
    const prev = this.locks.get(uuid) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(uuid, tail);
    try {
      return await run;
    } catch (e) {
      if (e instanceof VirtDriverError) throw e;
      throw new VirtDriverError(step, e instanceof Error ? e.message : String(e));
    } finally {
      if (this.locks.get(uuid) === tail) this.locks.delete(uuid);
    }
  }

  /** Fetches the image, caches its data under `_base`, and makes the guest's overlay, kernel and ramdisk (at `to`, the guest's own by default). */
  private async prepareDisk(
    step: string,
    spec: GuestSpec,
    files: GuestFiles,
    imageRef: string | null = spec.imageRef,
    to: { disk: string; kernel: string; ramdisk: string } = files,
  ): Promise<GuestRecord> {
    if (!imageRef) throw new VirtDriverError(step, `guest ${spec.uuid}: the qemu driver boots guests from images only (no volume-backed servers yet)`);
    const image = await this.image(step, imageRef);
    const format = DISK_FORMATS[image.diskFormat ?? ''];
    if (!format) throw new VirtDriverError(step, `image ${image.id} has disk_format ${String(image.diskFormat)}: a root disk must be qcow2, raw or ami`);
    const base = this.cached(image);
    const info = await imageInfo(base);
    const wanted = spec.rootGb * GIB;
    await createOverlay(to.disk, base, info.format === 'qcow2' ? 'qcow2' : format, wanted > info.virtualSize ? wanted : undefined);
    const kernelId = image.properties['kernel_id'];
    const ramdiskId = image.properties['ramdisk_id'];
    if (kernelId) copyFileSync(this.cached(await this.image(step, kernelId)), to.kernel);
    if (kernelId && ramdiskId) copyFileSync(this.cached(await this.image(step, ramdiskId)), to.ramdisk);
    return {
      version: 1,
      host: this.host,
      spec,
      power: 'shutdown',
      commandLine: kernelId ? (image.properties['os_command_line'] ?? DEFAULT_COMMAND_LINE) : null,
      hasKernel: Boolean(kernelId),
      hasRamdisk: Boolean(kernelId && ramdiskId),
      networkInfo: null,
      networkInjections: 0,
      startedAt: null,
    };
  }

  private async image(step: string, id: string): Promise<GuestImage & { path: string }> {
    const image = await this.opts.images.get(id);
    if (!image) throw new VirtDriverError(step, `image ${id} could not be found`);
    if (image.status !== 'active') throw new VirtDriverError(step, `image ${id} is ${image.status}, not active`);
    if (image.path === null) throw new VirtDriverError(step, `image ${id} (${image.name}) has no data to boot from`);
    return { ...image, path: image.path };
  }

  /** The image's data in this host's `_base` cache (copied once). */
  private cached(image: GuestImage & { path: string }): string {
    const dir = join(this.opts.instancesDir, '_base');
    mkdirSync(dir, { recursive: true });
    const dest = join(dir, image.id);
    if (!existsSync(dest)) {
      const tmp = `${dest}.${process.pid}.tmp`;
      copyFileSync(image.path, tmp);
      renameSync(tmp, dest);
    }
    return dest;
  }

  /** Starts the guest's QEMU (from a saved state when given) and records it running. */
  private async start(step: string, files: GuestFiles, record: GuestRecord, incomingFrom?: string): Promise<void> {
    await this.launchQemu(step, files, record, incomingFrom ? { incomingFrom } : {});
    if (incomingFrom) {
      await this.qmp(files, step, async (c) => {
        for (;;) {
          const s = (await c.execute('query-status')) as { status?: string };
          if (s.status !== 'inmigrate') break;
          await new Promise((r) => setTimeout(r, 50));
        }
        await c.execute('cont');
      }).catch((e: unknown) => {
        killHard(files, record.spec.uuid);
        throw e;
      });
    }
    this.save(files, { ...record, power: 'running', startedAt: Date.now() });
  }

  /** Launches the guest's QEMU; nothing is left running when it fails. */
  private async launchQemu(step: string, files: GuestFiles, record: GuestRecord, incoming: { incomingFrom?: string; incomingUri?: string }): Promise<void> {
    this.alive(step);
    rmSync(files.pidFile, { force: true });
    rmSync(files.qmpSocket, { force: true });
    try {
      await launch({
        binary: this.opts.binary,
        virtType: this.opts.virtType,
        uuid: record.spec.uuid,
        name: record.spec.name || record.spec.uuid,
        vcpus: record.spec.vcpus,
        memoryMb: record.spec.memoryMb,
        files,
        kernel: record.hasKernel,
        ramdisk: record.hasRamdisk,
        commandLine: record.commandLine,
        ...(record.rescue
          ? {
              rescue: {
                disk: files.rescueFiles.disk,
                kernel: record.rescue.hasKernel ? files.rescueFiles.kernel : null,
                ramdisk: record.rescue.hasRamdisk ? files.rescueFiles.ramdisk : null,
                commandLine: record.rescue.commandLine,
              },
            }
          : {}),
        ...incoming,
      });
    } catch (e) {
      killHard(files, record.spec.uuid);
      throw new VirtDriverError(step, e instanceof Error ? e.message : String(e));
    }
  }

  /** Presses the power button; true when the guest's QEMU ended within `seconds`. */
  private async acpiPowerdown(files: GuestFiles, uuid: string, seconds: number): Promise<boolean> {
    try {
      await this.qmp(files, 'power_off', (c) => c.execute('system_powerdown'));
    } catch {
      return livePid(files, uuid) === null;
    }
    return waitExit(files, uuid, seconds * 1000);
  }

  /** Ends the guest's QEMU: `quit`, then SIGKILL when it does not go. */
  private async stopQemu(files: GuestFiles, uuid: string): Promise<void> {
    if (livePid(files, uuid) === null) return;
    await this.qmp(files, 'stop', (c) => c.execute('quit')).catch(() => undefined);
    if (!(await waitExit(files, uuid, QUIT_GRACE_MS))) {
      killHard(files, uuid);
      await waitExit(files, uuid, QUIT_GRACE_MS);
    }
  }

  /** Cancels a live migration (and its disk mirror) still under way from a guest whose agent died. */
  private async cancelOrphanTransfer(files: GuestFiles): Promise<void> {
    await this.qmp(files, 'init', async (c) => {
      const m = (await c.execute('query-migrate')) as { status?: string };
      if (['setup', 'active', 'pre-switchover', 'device'].includes(m.status ?? '')) await c.execute('migrate_cancel');
      const jobs = (await c.execute('query-block-jobs')) as unknown as Array<{ device: string }>;
      for (const j of jobs) await c.execute('block-job-cancel', { device: j.device, force: true });
    });
  }

  private async queryStatus(files: GuestFiles): Promise<string | null> {
    const s = (await this.qmp(files, 'init', (c) => c.execute('query-status'))) as { status?: string };
    return s.status ?? null;
  }

  /** One QMP session for one step: connect, run, close. */
  private async qmp<T>(files: GuestFiles, step: string, fn: (c: QmpClient) => Promise<T>): Promise<T> {
    let client: QmpClient;
    try {
      client = await QmpClient.connect(files.qmpSocket);
    } catch (e) {
      throw new VirtDriverError(step, `cannot reach QEMU's monitor of ${files.dir}: ${(e as Error).message}`);
    }
    try {
      return await fn(client);
    } finally {
      client.close();
    }
  }
}

