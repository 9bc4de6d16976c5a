// The real hypervisor: every guest is a QEMU process of its own, started
// detached from the agent and driven over QMP. A host keeps its guests
// under its instances path, one directory each (a qcow2 overlay on a cached
// base image, kernel and ramdisk for direct kernel boot, the serial console
// log, the QMP socket, the pid file and a record of the guest), so an agent
// that restarts finds them running and attaches to them again.
//
// This file is the host as the agent sees it (start-up, inventory, the
// guest list); each group of steps lives in a file of its own: lifecycle.ts,
// inspection.ts, cold-migration.ts, live-migration-steps.ts,
// shared-evacuation.ts.
import { existsSync, mkdirSync, statfsSync } from 'node:fs';
import { cpus, totalmem, uptime as osUptime } from 'node:os';
import {
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
import * as cold from './cold-migration.js';
import { GuestFiles, guestDirs } from './guest-files.js';
import { GIB, QemuHost, type QemuDriverOptions } from './host.js';
import * as inspect from './inspection.js';
import * as life from './lifecycle.js';
import { LiveMigrations, type TransferFigures } from './live-migration-steps.js';
import { killHard, livePid, qemuVersion } from './process.js';
import * as shared from './shared-evacuation.js';

export type { QemuDriverOptions } from './host.js';

export class QemuDriver implements VirtDriver {
  readonly type = 'qemu';
  private version = 0;
  private readonly h: QemuHost;
  private readonly live: LiveMigrations;

  constructor(opts: QemuDriverOptions) {
    this.h = new QemuHost(opts);
    this.live = new LiveMigrations(this.h);
  }

  // ---- host

  async init(host: string): Promise<readonly GuestInfo[]> {
    const h = this.h;
    h.host = host;
    mkdirSync(h.opts.instancesDir, { recursive: true });
    this.version = await qemuVersion(h.opts.binary);
    // Attach to the guests an earlier life left: a live QEMU reports its own state.
    for (const dir of guestDirs(h.opts.instancesDir)) {
      const files = new GuestFiles(dir);
      const r = files.read();
      if (!r) continue;
      if (r.host !== host) {
        // A host sharing this instances path keeps its own guests here.
        if (h.sharesPathWith(r.host)) continue;
        throw new VirtDriverError('init', `${dir} belongs to host ${r.host}, not ${host}`);
      }
      if (livePid(files, r.spec.uuid) === null) continue;
      // A live migration an earlier life started ends here: the agent rolls it back, and the guest runs on.
      await this.live.cancelOrphan(files, r.power === 'running').catch(() => undefined);
      const status = await this.queryStatus(files).catch(() => null);
      if (status === 'running' && r.power !== 'running') h.save(files, { ...r, power: 'running' });
      else if (status === 'paused' && r.power !== 'paused') h.save(files, { ...r, power: 'paused' });
    }
    return this.listGuests();
  }

  inventory(): HostInventory {
    const opts = this.h.opts;
    const inv = opts.inventory;
    const vcpus = inv.vcpus > 0 ? inv.vcpus : cpus().length;
    const memoryMb = inv.memoryMb > 0 ? inv.memoryMb : Math.floor(totalmem() / (1024 * 1024));
    let localGb = inv.localGb;
    if (localGb <= 0) {
      try {
        const s = statfsSync(existsSync(opts.instancesDir) ? opts.instancesDir : '/');
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
      hostIp: opts.hostIp ?? '127.0.0.1',
      cpuInfo: { arch: 'x86_64', model: opts.virtType === 'kvm' ? 'host' : 'qemu64', vendor: opts.virtType === 'kvm' ? 'host' : 'QEMU', topology: { cores: vcpus, threads: 1, sockets: 1 }, features: [] },
    };
  }

  uptime(): number {
    return osUptime();
  }

  listGuests(): readonly GuestInfo[] {
    const out: GuestInfo[] = [];
    for (const dir of guestDirs(this.h.opts.instancesDir)) {
      const files = new GuestFiles(dir);
      const r = files.read();
      if (r && r.host === this.h.host) out.push(this.h.info(files, r));
    }
    return out;
  }

  getGuest(uuid: string): GuestInfo | undefined {
    const files = this.h.files(uuid);
    const r = files.read();
    return r && r.host === this.h.host ? this.h.info(files, r) : undefined;
  }

  halt(): void {
    this.h.halted = true;
  }

  /** The host loses power: every QEMU of this host dies; the guests stay defined, off. */
  async losePower(): Promise<void> {
    for (const dir of guestDirs(this.h.opts.instancesDir)) {
      const files = new GuestFiles(dir);
      const r = files.read();
      if (r && r.host === this.h.host) killHard(files, r.spec.uuid);
    }
  }

  // ---- guest lifecycle (lifecycle.ts)

  spawn(spec: GuestSpec): Promise<void> {
    return life.spawn(this.h, spec);
  }
  destroy(uuid: string): Promise<void> {
    return life.destroy(this.h, uuid);
  }
  powerOff(uuid: string): Promise<void> {
    return life.powerOff(this.h, uuid);
  }
  powerOn(uuid: string): Promise<void> {
    return life.powerOn(this.h, uuid);
  }
  reboot(uuid: string, hard: boolean): Promise<void> {
    return life.reboot(this.h, uuid, hard);
  }
  pause(uuid: string): Promise<void> {
    return life.pause(this.h, uuid);
  }
  unpause(uuid: string): Promise<void> {
    return life.unpause(this.h, uuid);
  }
  suspend(uuid: string): Promise<void> {
    return life.suspend(this.h, uuid);
  }
  resume(uuid: string): Promise<void> {
    return life.resume(this.h, uuid);
  }
  rebuild(spec: GuestSpec): Promise<void> {
    return life.rebuild(this.h, spec);
  }
  rescue(uuid: string, rescueImageRef: string | null): Promise<void> {
    return life.rescue(this.h, uuid, rescueImageRef);
  }
  unrescue(uuid: string): Promise<void> {
    return life.unrescue(this.h, uuid);
  }

  // ---- evacuation over a shared instances path (shared-evacuation.ts)

  instanceOnDisk(uuid: string): boolean {
    return shared.instanceOnDisk(this.h, uuid);
  }
  spawnFromSharedDisk(spec: GuestSpec): Promise<void> {
    return shared.spawnFromSharedDisk(this.h, spec);
  }

  // ---- reading a guest (inspection.ts)

  snapshot(uuid: string): Promise<Buffer> {
    return inspect.snapshot(this.h, uuid);
  }
  injectNetworkInfo(uuid: string, networkInfo: unknown): Promise<void> {
    return inspect.injectNetworkInfo(this.h, uuid, networkInfo);
  }
  triggerCrashDump(uuid: string): Promise<void> {
    return inspect.triggerCrashDump(this.h, uuid);
  }
  diagnostics(uuid: string): GuestDiagnostics | undefined {
    return inspect.diagnostics(this.h, uuid);
  }
  consoleOutput(uuid: string): Promise<string | null> {
    return inspect.consoleOutput(this.h, uuid);
  }

  // ---- cold migration and resize (cold-migration.ts)

  migrateDiskAndPowerOff(uuid: string, destHost: string): Promise<LiveMigrateData | void> {
    return cold.migrateDiskAndPowerOff(this.h, uuid, destHost);
  }
  finishMigration(spec: GuestSpec, powerOn: boolean, migrateData?: LiveMigrateData): Promise<void> {
    return cold.finishMigration(this.h, spec, powerOn, migrateData);
  }
  confirmMigration(uuid: string): Promise<void> {
    return cold.confirmMigration(this.h, uuid);
  }
  revertMigrationAtDestination(uuid: string): Promise<void> {
    return cold.revertMigrationAtDestination(this.h, uuid);
  }
  finishRevertMigration(spec: GuestSpec, powerOn: boolean): Promise<void> {
    return cold.finishRevertMigration(this.h, spec, powerOn);
  }

  // ---- live migration (live-migration-steps.ts)

  checkCanLiveMigrateDestination(spec: GuestSpec, sourceHost: string, blockMigration: boolean | null): Promise<boolean> {
    return this.live.checkCanLiveMigrateDestination(spec, sourceHost, blockMigration);
  }
  checkCanLiveMigrateSource(uuid: string, destHost: string): Promise<void> {
    return this.live.checkCanLiveMigrateSource(uuid, destHost);
  }
  preLiveMigration(spec: GuestSpec, sourceHost: string, blockMigration: boolean): Promise<LiveMigrateData> {
    return this.live.preLiveMigration(spec, sourceHost, blockMigration);
  }
  liveMigration(uuid: string, opts: LiveMigrationOptions): Promise<LiveMigrationOutcome> {
    return this.live.liveMigration(uuid, opts);
  }
  liveMigrationForceComplete(uuid: string): Promise<void> {
    return this.live.forceComplete(uuid);
  }
  liveMigrationAbort(uuid: string): Promise<void> {
    return this.live.abort(uuid);
  }
  awaitPostCopy(uuid: string): Promise<boolean> {
    return this.live.awaitPostCopy(uuid);
  }
  postLiveMigrationAtDestination(spec: GuestSpec, powerState: PowerStateValue): Promise<void> {
    return this.live.postLiveMigrationAtDestination(spec, powerState);
  }
  rollbackLiveMigrationAtDestination(uuid: string): Promise<void> {
    return this.live.rollbackAtDestination(uuid);
  }
  cleanupAfterLiveMigration(uuid: string): Promise<void> {
    return this.live.cleanupAtSource(uuid);
  }
  lastLiveMigration(uuid: string): TransferFigures | undefined {
    return this.live.last(uuid);
  }

  private async queryStatus(files: GuestFiles): Promise<string | null> {
    const s = (await this.h.qmp(files, 'init', (c) => c.execute('query-status'))) as { status?: string };
    return s.status ?? null;
  }
}
