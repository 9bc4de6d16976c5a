// What every step of the qemu driver stands on: the host's options and name,
// its guests' directories and records, one step at a time per guest, and
// starting, stopping and talking (QMP) to a guest's QEMU. The steps
// themselves live beside it (lifecycle, inspection, cold and live moves).
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PowerState, VirtDriverError, type GuestInfo, type PowerStateValue } from '../driver.js';
import type { GuestImageSource } from '../image-source.js';
import { diskExportFrom } from './disk-export.js';
import { GuestFiles, guestDirs, type GuestRecord, type IntendedPower } from './guest-files.js';
import { incomingGuest } from './live-migration.js';
import { killHard, launch, livePid, waitExit, type VirtType } from './process.js';
import { QmpClient } from './qmp.js';

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
  /**
   * Where an incoming live migration listens: address and port range; and
   * whether a live migration may switch to post-copy (see live-migration.ts).
   */
  readonly liveMigration: { readonly inboundAddr: string; readonly portMin: number; readonly portMax: number; readonly permitPostCopy?: boolean };
  /** Whether `host` keeps its guests in this host's instances path too (shared storage). */
  readonly sharesInstancesPathWith?: (host: string) => boolean;
}

export const GIB = 1024 ** 3;
/** How long QEMU gets to answer `quit` before it is killed. */
const QUIT_GRACE_MS = 3000;

const POWER: Readonly<Record<IntendedPower, PowerStateValue>> = {
  running: PowerState.RUNNING,
  paused: PowerState.PAUSED,
  shutdown: PowerState.SHUTDOWN,
  suspended: PowerState.SUSPENDED,
};

export const POWER_NAMES: Readonly<Record<number, string>> = { 1: 'RUNNING', 3: 'PAUSED', 4: 'SHUTDOWN', 6: 'CRASHED', 7: 'SUSPENDED' };

export class QemuHost {
  host = '';
  halted = false;
  /** One step at a time per guest. */
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(readonly opts: QemuDriverOptions) {}

  files(uuid: string): GuestFiles {
    if (!/^[0-9a-fA-F-]{36}$/.test(uuid)) throw new VirtDriverError('lookup', `invalid guest id ${uuid}`);
    return new GuestFiles(join(this.opts.instancesDir, uuid));
  }

  info(files: GuestFiles, r: GuestRecord): GuestInfo {
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
  powerOf(files: GuestFiles, r: GuestRecord): PowerStateValue {
    if ((r.power === 'running' || r.power === 'paused') && livePid(files, r.spec.uuid) === null) return PowerState.SHUTDOWN;
    if (r.power === 'suspended' && !existsSync(files.savedState)) return PowerState.SHUTDOWN;
    return POWER[r.power];
  }

  require(step: string, uuid: string): { files: GuestFiles; record: GuestRecord } {
    this.alive(step);
    const files = this.files(uuid);
    const record = files.read();
    // Over a shared instances path the directory may hold another host's guest.
    if (!record || record.host !== this.host) throw new VirtDriverError(step, `guest ${uuid} not found on host ${this.host}`);
    return { files, record };
  }

  requireState(step: string, uuid: string, allowed: readonly PowerStateValue[]): { files: GuestFiles; record: GuestRecord } {
    const g = this.require(step, uuid);
    const state = this.powerOf(g.files, g.record);
    if (!allowed.includes(state)) {
      throw new VirtDriverError(step, `cannot ${step} guest ${uuid} in power state ${POWER_NAMES[state] ?? state} on host ${this.host}`);
    }
    return g;
  }

  alive(step: string): void {
    if (this.halted) throw new VirtDriverError(step, `the agent of host ${this.host} has stopped`);
  }

  save(files: GuestFiles, r: GuestRecord): void {
    this.alive('write');
    files.write(r);
  }

  /** Ports the guests waiting here for a live migration (or serving a disk) were given. */
  portsInUse(): Set<number> {
    const out = new Set<number>();
    for (const dir of guestDirs(this.opts.instancesDir)) {
      const r = new GuestFiles(dir).read();
      const served = diskExportFrom(r?.diskExport);
      if (served) out.add(served.port);
      const waiting = [r?.incoming, ...(['a', 'b'] as const).map((slot) => readJson(new GuestFiles(dir, slot).incomingFile))];
      for (const inc of waiting.map(incomingGuest)) {
        if (!inc) continue;
        const m = /:(\d+)$/.exec(inc.uri);
        if (m) out.add(Number(m[1]));
        if (inc.nbd) out.add(inc.nbd.port);
      }
    }
    return out;
  }

  /** Whether `host` keeps its guests in this host's instances path too. */
  sharesPathWith(host: string): boolean {
    return host !== this.host && (this.opts.sharesInstancesPathWith?.(host) ?? false);
  }

  async locked<T>(step: string, uuid: string, fn: () => Promise<T>): Promise<T> {
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

  /** Starts the guest's QEMU (from a saved state when given) and records it running. */
  async start(step: string, files: GuestFiles, record: GuestRecord, incomingFrom?: string): Promise<void> {
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
  async launchQemu(step: string, files: GuestFiles, record: GuestRecord, incoming: { incomingFrom?: string; incomingUri?: string; runOnArrival?: boolean }): Promise<void> {
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
  async acpiPowerdown(files: GuestFiles, uuid: string, seconds: number): Promise<boolean> {
    try {
      await this.qmp(files, 'power_off', (c) => c.execute('system_powerdown'));
    } catch {
      return livePid(files, uuid) === null;
    }
    return waitExit(files, uuid, seconds * 1000);
  }

  /** Powers a guest off for a move: the ACPI button, then a hard stop after the shutdown timeout. */
  async powerDownForMove(files: GuestFiles, record: GuestRecord, uuid: string): Promise<void> {
    if (livePid(files, uuid) === null) return;
    const gone = this.powerOf(files, record) === PowerState.RUNNING && (await this.acpiPowerdown(files, uuid, this.opts.shutdownTimeout));
    if (!gone) await this.stopQemu(files, uuid);
  }

  /** Ends the guest's QEMU: `quit`, then SIGKILL when it does not go. */
  async stopQemu(files: GuestFiles, uuid: string): Promise<void> {
    if (livePid(files, uuid) === null) return;
    await this.qmp(files, 'stop', (c) => c.execute('quit')).catch(() => undefined);
    if (!(await waitExit(files, uuid, QUIT_GRACE_MS))) {
      killHard(files, uuid);
      await waitExit(files, uuid, QUIT_GRACE_MS);
    }
  }

  /** One QMP session for one step: connect, run, close. */
  async qmp<T>(files: GuestFiles, step: string, fn: (c: QmpClient) => Promise<T>): Promise<T> {
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

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}
