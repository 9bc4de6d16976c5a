// The simulated hypervisor: a per-host table of guests whose every step takes
// a configurable time and can be made to fail at runtime. It behaves like a
// real host where the control plane can tell: guests exist only after spawn,
// power operations need a guest in the right state, a cold-migrated source
// keeps its guest until confirm, a live migration runs until it completes, is
// forced, aborted or times out.
import { createHash } from 'node:crypto';
import {
  PowerState,
  VirtDriverError,
  type GuestDiagnostics,
  type GuestInfo,
  type GuestSpec,
  type HostInventory,
  type LiveMigrationOptions,
  type LiveMigrationOutcome,
  type LiveMigrationProgress,
  type PowerStateValue,
  type VirtDriver,
  type ConsoleConnection,
  type ConsoleProtocol,
} from '../driver.js';
import { parseDelay, sampleSeconds, sleepMs, waitDelay, type DelaySpec } from './delay.js';
import { faultMessage, type FaultRules, type FaultStep } from './faults.js';
import { GuestTableWriter, hasTableIn, journalHasChanges, losePower, readGuestTable, type StoredGuest, type StoredHost } from './state-file.js';

export interface FakeDriverDelays {
  /** Delay specs: seconds ("0.5") or min,max ("0.2,1.5"). */
  readonly spawn: string;
  readonly destroy: string;
  readonly power: string;
  readonly migrate: string;
  readonly liveMigration: string;
  readonly precheck: string;
}

export interface FakeDriverOptions {
  readonly inventory: { readonly vcpus: number; readonly memoryMb: number; readonly localGb: number };
  readonly delays: FakeDriverDelays;
  /** Keep live migrations running until force-completed, aborted or timed out. */
  readonly liveMigrationHold: boolean;
  readonly faults: FaultRules;
  /** Where the guest table is kept across agent restarts; in memory only when absent. */
  readonly stateFile?: string;
  /**
   * The names in the state file's directory when the process started, listed
   * once for all its hosts: a first start whose table and journal are not
   * among them reads nothing (ten thousand hosts spare three file-system
   * calls each).
   */
  readonly stateFilesAtStart?: ReadonlySet<string>;
  readonly hostIp?: string;
  /** Milliseconds clock, for uptime. */
  readonly now?: () => number;
  /** [0, 1) source for delay sampling. */
  readonly random?: () => number;
}

const MIB = 1024 * 1024;
const GIB = 1024 * MIB;
/** How often a held live migration reports progress. */
const HOLD_TICK_MS = 100;
// Fixed per protocol, as Nova's fake driver's are.
const FAKE_CONSOLE_PATHS: Readonly<Record<ConsoleProtocol, string>> = {
  vnc: '9e8b6d3c-6f1a-5c55-8a56-3a1f1c0d7e01',
  spice: '9e8b6d3c-6f1a-5c55-8a56-3a1f1c0d7e02',
  serial: '9e8b6d3c-6f1a-5c55-8a56-3a1f1c0d7e03',
  mks: '9e8b6d3c-6f1a-5c55-8a56-3a1f1c0d7e04',
};
/** Share of memory a held migration never gets below: the guest keeps dirtying pages. */
const HOLD_REMAINING_FLOOR = 0.02;

interface Guest {
  spec: GuestSpec;
  powerState: PowerStateValue;
  networkInfo: unknown;
  networkInjections: number;
  migratingTo?: string;
  previousSpec?: GuestSpec;
  /** A resize to the same host was confirmed (a repeated confirm finds it done). */
  confirmedInPlace?: boolean;
  rescueImageRef?: string | null;
}

interface RunningLiveMigration {
  finish(outcome: LiveMigrationOutcome): void;
}

const POWER_NAMES: Readonly<Record<number, string>> = {
  0: 'NOSTATE',
  1: 'RUNNING',
  3: 'PAUSED',
  4: 'SHUTDOWN',
  6: 'CRASHED',
  7: 'SUSPENDED',
};

/** Parsed delays, shared by the drivers given the same specs (the hosts of one process). */
const parsedDelayCache = new Map<string, Readonly<Record<keyof FakeDriverDelays, DelaySpec>>>();

function parsedDelays(d: FakeDriverDelays): Readonly<Record<keyof FakeDriverDelays, DelaySpec>> {
  const key = [d.spawn, d.destroy, d.power, d.migrate, d.liveMigration, d.precheck].join(' ');
  let parsed = parsedDelayCache.get(key);
  if (parsed === undefined) {
    parsed = Object.freeze({
      spawn: parseDelay(d.spawn),
      destroy: parseDelay(d.destroy),
      power: parseDelay(d.power),
      migrate: parseDelay(d.migrate),
      liveMigration: parseDelay(d.liveMigration),
      precheck: parseDelay(d.precheck),
    });
    if (parsedDelayCache.size >= 64) parsedDelayCache.clear();
    parsedDelayCache.set(key, parsed);
  }
  return parsed;
}

export class FakeDriver implements VirtDriver {
  readonly type = 'fake';
  private host = '';
  private readonly guests = new Map<string, Guest>();
  private readonly spawning = new Set<string>();
  private readonly liveMigrations = new Map<string, RunningLiveMigration>();
  /** When each running guest last started (ms), for its uptime; guests found at start-up count from then. */
  private readonly runningSince = new Map<string, number>();
  private readonly delays: Readonly<Record<keyof FakeDriverDelays, DelaySpec>>;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly bootedAt: number;
  private readonly writer: GuestTableWriter | null;
  /** Set when the host's agent died: this driver object answers nothing more and writes nothing. */
  private halted = false;

  private listingAtStart: ReadonlySet<string> | undefined;

  constructor(private readonly opts: FakeDriverOptions) {
    this.listingAtStart = opts.stateFilesAtStart;
    this.delays = parsedDelays(opts.delays);
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.bootedAt = this.now();
    this.writer = opts.stateFile ? new GuestTableWriter(opts.stateFile, () => this.stored()) : null;
  }

  async init(host: string): Promise<readonly GuestInfo[]> {
    this.host = host;
    this.guests.clear();
    // Only a first start may trust the listing: files come and go after it.
    const listing = this.listingAtStart;
    this.listingAtStart = undefined;
    if (this.opts.stateFile && listing !== undefined && !hasTableIn(listing, this.opts.stateFile)) return this.listGuests();
    if (this.opts.stateFile) {
      let stored: StoredHost | null;
      try {
        stored = await readGuestTable(this.opts.stateFile, host);
      } catch (e) {
        throw new VirtDriverError('init', `cannot read ${this.opts.stateFile}: ${(e as Error).message}`);
      }
      if (stored && stored.host !== host) {
        throw new VirtDriverError('init', `${this.opts.stateFile} belongs to host ${stored.host}, not ${host}`);
      }
      for (const g of stored?.guests ?? []) this.guests.set(g.spec.uuid, { ...g });
      if (journalHasChanges(this.opts.stateFile)) this.writer?.fold();
    }
    return this.listGuests();
  }

  inventory(): HostInventory {
    const { vcpus, memoryMb, localGb } = this.opts.inventory;
    const threads = vcpus % 2 === 0 ? 2 : 1;
    return {
      vcpus,
      memoryMb,
      localGb,
      hypervisorType: 'fake',
      hypervisorVersion: 1000,
      hostIp: this.opts.hostIp ?? '127.0.0.1',
      cpuInfo: {
        arch: 'x86_64',
        model: 'Nehalem',
        vendor: 'Intel',
        topology: { cores: Math.max(1, vcpus / threads), threads, sockets: 1 },
        features: [],
      },
    };
  }

  uptime(): number {
    return Math.max(0, (this.now() - this.bootedAt) / 1000);
  }

  listGuests(): readonly GuestInfo[] {
    return [...this.guests.values()].map(info);
  }

  getGuest(uuid: string): GuestInfo | undefined {
    const g = this.guests.get(uuid);
    return g && info(g);
  }

  /** The guest table is written as each change happens; kept for callers that wait for it. */
  async flush(): Promise<void> {}

  /** For agent shutdown: the same as halt. */
  async close(): Promise<void> {
    this.halt();
  }

  /**
   * The agent that drove this host died: steps under way stop where they are
   * (transfers are cut off, no further change is made or written) and every
   * later call fails. The guests themselves live on in the state file, for
   * the next agent's driver to find.
   */
  halt(): void {
    if (this.halted) return;
    this.halted = true;
    this.writer?.close();
    for (const run of [...this.liveMigrations.values()]) run.finish('cancelled');
  }

  async losePower(): Promise<void> {
    if (this.opts.stateFile) await losePower(this.opts.stateFile, this.host);
  }

  private alive(step: string): void {
    if (this.halted) throw new VirtDriverError(step, `the agent of host ${this.host} has stopped`);
  }

  // ---- guest lifecycle

  async spawn(spec: GuestSpec): Promise<void> {
    this.requireAbsent('spawn', spec.uuid);
    if (this.spawning.has(spec.uuid)) throw this.exists('spawn', spec.uuid);
    this.spawning.add(spec.uuid);
    try {
      await this.delayAndFault('spawn', spec.uuid, this.delays.spawn);
      this.requireAbsent('spawn', spec.uuid);
      this.guests.set(spec.uuid, { spec, powerState: PowerState.RUNNING, networkInfo: spec.networkInfo ?? null, networkInjections: 0 });
      this.changed(spec.uuid);
    } finally {
      this.spawning.delete(spec.uuid);
    }
  }

  /** Idempotent, as on a real hypervisor: destroying a guest that is already gone succeeds. */
  async destroy(uuid: string): Promise<void> {
    await this.delayAndFault('destroy', uuid, this.delays.destroy);
    this.liveMigrations.get(uuid)?.finish('cancelled');
    if (this.guests.delete(uuid)) this.changed(uuid);
  }

  powerOff(uuid: string): Promise<void> {
    return this.powerStep('power_off', uuid, null, PowerState.SHUTDOWN);
  }

  powerOn(uuid: string): Promise<void> {
    return this.powerStep('power_on', uuid, null, PowerState.RUNNING);
  }

  async reboot(uuid: string, hard: boolean): Promise<void> {
    // A soft reboot asks the running guest OS; a hard one resets whatever state.
    await this.powerStep('reboot', uuid, hard ? null : [PowerState.RUNNING], PowerState.RUNNING);
    this.runningSince.set(uuid, this.now());
  }

  pause(uuid: string): Promise<void> {
    return this.powerStep('pause', uuid, [PowerState.RUNNING], PowerState.PAUSED);
  }

  unpause(uuid: string): Promise<void> {
    return this.powerStep('unpause', uuid, [PowerState.PAUSED], PowerState.RUNNING);
  }

  suspend(uuid: string): Promise<void> {
    return this.powerStep('suspend', uuid, [PowerState.RUNNING, PowerState.PAUSED], PowerState.SUSPENDED);
  }

  resume(uuid: string): Promise<void> {
    return this.powerStep('resume', uuid, [PowerState.SUSPENDED], PowerState.RUNNING);
  }

  /** New image, same guest; a stopped guest stays stopped, as Nova keeps it. */
  async rebuild(spec: GuestSpec): Promise<void> {
    this.require('rebuild', spec.uuid);
    await this.delayAndFault('rebuild', spec.uuid, this.delays.spawn);
    const g = this.require('rebuild', spec.uuid);
    g.spec = spec;
    if (g.powerState !== PowerState.SHUTDOWN) g.powerState = PowerState.RUNNING;
    this.runningSince.delete(spec.uuid);
    this.changed(spec.uuid);
  }

  /** The guest runs from the rescue image (its own image when none is given); repeatable. */
  async rescue(uuid: string, rescueImageRef: string | null): Promise<void> {
    this.require('rescue', uuid);
    await this.delayAndFault('rescue', uuid, this.delays.power);
    const g = this.require('rescue', uuid);
    g.rescueImageRef = rescueImageRef ?? g.spec.imageRef ?? '';
    g.powerState = PowerState.RUNNING;
    this.runningSince.delete(uuid);
    this.changed(uuid);
  }

  /**
   * A small qcow2 image of the guest's disk: the format's header (magic,
   * version 3, cluster bits, the flavor's disk as virtual size) and content
   * derived from the guest's uuid and image, so a retried snapshot agrees.
   */
  async snapshot(uuid: string): Promise<Buffer> {
    this.require('snapshot', uuid);
    await this.delayAndFault('snapshot', uuid, this.delays.power);
    const g = this.require('snapshot', uuid);
    const header = Buffer.alloc(104);
    header.write('QFI\xfb', 0, 'latin1');
    header.writeUInt32BE(3, 4);
    header.writeUInt32BE(16, 20);
    header.writeBigUInt64BE(BigInt(g.spec.rootGb) * 1024n ** 3n, 24);
    const body: Buffer[] = [];
    for (let i = 0; i < 256; i++) body.push(createHash('sha256').update(`${uuid}:${g.spec.imageRef ?? ''}:${i}`).digest());
    return Buffer.concat([header, ...body]);
  }

  /** The guest runs from its own disk again; repeatable. */
  async unrescue(uuid: string): Promise<void> {
    this.require('unrescue', uuid);
    await this.delayAndFault('unrescue', uuid, this.delays.power);
    const g = this.require('unrescue', uuid);
    delete g.rescueImageRef;
    g.powerState = PowerState.RUNNING;
    this.runningSince.delete(uuid);
    this.changed(uuid);
  }

  /** The NMI reaches a running (or paused) guest; repeatable. */
  async triggerCrashDump(uuid: string): Promise<void> {
    this.requireState('trigger_crash_dump', uuid, [PowerState.RUNNING, PowerState.PAUSED]);
    await this.delayAndFault('trigger_crash_dump', uuid, this.delays.power);
    this.requireState('trigger_crash_dump', uuid, [PowerState.RUNNING, PowerState.PAUSED]);
  }

  /**
   * Figures that follow the guest's state: its flavor's vCPUs and memory, its
   * uptime since it last started, and CPU time and disk traffic growing with
   * it at a steady rate of its own (from its uuid, so repeated reads agree).
   */
  diagnostics(uuid: string): GuestDiagnostics | undefined {
    const g = this.guests.get(uuid);
    if (!g) return undefined;
    const running = g.powerState === PowerState.RUNNING;
    const since = this.runningSince.get(uuid) ?? this.bootedAt;
    const uptime = running ? Math.max(0, Math.floor((this.now() - since) / 1000)) : null;
    const up = uptime ?? 0;
    const seed = seedOf(uuid);
    const utilisation = running ? 5 + Math.floor(seed * 20) : 0;
    const readBytes = Math.round(160 * MIB + up * 2048 * (1 + seed));
    const writeBytes = Math.round(6 * MIB + up * 8192 * (1 + seed));
    return {
      powerState: g.powerState,
      hypervisor: 'kvm',
      hypervisorOs: 'linux',
      uptime,
      cpus: Array.from({ length: g.spec.vcpus }, (_, id) => ({ id, timeNs: Math.round(up * 1e9 * (utilisation / 100) + 1.7e9), utilisation })),
      memory: { maximumMb: g.spec.memoryMb, usedMb: running ? Math.round(g.spec.memoryMb * (0.35 + 0.3 * seed)) : 0 },
      disks: [
        {
          name: 'vda',
          readBytes,
          readRequests: Math.round(readBytes / 16384),
          writeBytes,
          writeRequests: Math.round(writeBytes / 4096),
          errors: 0,
        },
      ],
    };
  }

  /** What Nova's fake driver answers: a made-up proxy target per protocol, the same for every guest. */
  consoleConnection(uuid: string, protocol: ConsoleProtocol): ConsoleConnection {
    this.require('get_console', uuid);
    const path = FAKE_CONSOLE_PATHS[protocol];
    if (protocol === 'spice') return { host: 'fakespiceconsole.com', port: 6969, tlsPort: 6970, internalAccessPath: path };
    return { host: protocol === 'serial' ? 'fakerdpconsole.com' : `fake${protocol}console.com`, port: 6969, tlsPort: null, internalAccessPath: path };
  }

  /** Simulated guests print no console of their own. */
  async consoleOutput(uuid: string): Promise<string | null> {
    this.require('get_console_output', uuid);
    return null;
  }

  async injectNetworkInfo(uuid: string, networkInfo: unknown): Promise<void> {
    this.require('inject_network_info', uuid);
    await this.delayAndFault('inject_network_info', uuid, this.delays.power);
    const g = this.require('inject_network_info', uuid);
    // A detached JSON copy: what was injected, not what the caller mutates later.
    g.networkInfo = networkInfo === undefined ? null : (JSON.parse(JSON.stringify(networkInfo)) as unknown);
    g.networkInjections += 1;
    this.changed(uuid);
  }

  // ---- cold migration / resize

  /** Idempotent: a guest already sent to `destHost` is left as it is. */
  async migrateDiskAndPowerOff(uuid: string, destHost: string): Promise<void> {
    if (this.require('migrate_disk_and_power_off', uuid).migratingTo === destHost) return;
    await this.delayAndFault('migrate_disk_and_power_off', uuid, this.delays.migrate);
    const g = this.require('migrate_disk_and_power_off', uuid);
    g.powerState = PowerState.SHUTDOWN;
    g.migratingTo = destHost;
    delete g.confirmedInPlace;
    this.changed(uuid);
  }

  /** Idempotent: a guest that already arrived (an earlier try that was cut short) is given the spec and power asked for. */
  async finishMigration(spec: GuestSpec, powerOn: boolean): Promise<void> {
    await this.delayAndFault('finish_migration', spec.uuid, this.delays.migrate);
    const existing = this.guests.get(spec.uuid);
    const powerState = powerOn ? PowerState.RUNNING : PowerState.SHUTDOWN;
    if (existing && existing.migratingTo === this.host) {
      // Resize to the same host: one guest, with the old spec kept for a revert.
      existing.previousSpec ??= existing.spec;
      existing.spec = spec;
      existing.powerState = powerState;
    } else if (existing) {
      existing.spec = spec;
      existing.powerState = powerState;
    } else {
      this.guests.set(spec.uuid, { spec, powerState, networkInfo: null, networkInjections: 0 });
    }
    this.changed(spec.uuid);
  }

  /** Drops the source guest; idempotent when it is already gone. */
  async confirmMigration(uuid: string): Promise<void> {
    const before = this.guests.get(uuid);
    if (before && before.migratingTo === undefined && !before.confirmedInPlace) throw this.notMigrating('confirm_migration', uuid);
    await this.delayAndFault('confirm_migration', uuid, this.delays.migrate);
    const g = this.guests.get(uuid);
    if (!g) return;
    if (g.migratingTo === undefined && g.confirmedInPlace) return;
    if (g.migratingTo === undefined) throw this.notMigrating('confirm_migration', uuid);
    if (g.migratingTo === this.host) {
      delete g.migratingTo;
      delete g.previousSpec;
      g.confirmedInPlace = true;
    } else {
      this.guests.delete(uuid);
    }
    this.changed(uuid);
  }

  /** Drops the destination guest; idempotent when it is already gone. */
  async revertMigrationAtDestination(uuid: string): Promise<void> {
    await waitDelay(this.delays.migrate, this.random);
    const g = this.guests.get(uuid);
    if (!g) return;
    if (g.migratingTo === this.host) {
      // Same-host resize: the one guest goes back to its old size, still off (a repeated call finds it so).
      g.spec = g.previousSpec ?? g.spec;
      delete g.previousSpec;
      g.powerState = PowerState.SHUTDOWN;
    } else {
      this.liveMigrations.get(uuid)?.finish('cancelled');
      this.guests.delete(uuid);
    }
    this.changed(uuid);
  }

  async finishRevertMigration(spec: GuestSpec, powerOn: boolean): Promise<void> {
    this.require('finish_revert_migration', spec.uuid);
    await this.delayAndFault('finish_revert_migration', spec.uuid, this.delays.migrate);
    const g = this.require('finish_revert_migration', spec.uuid);
    g.spec = spec;
    g.powerState = powerOn ? PowerState.RUNNING : PowerState.SHUTDOWN;
    delete g.migratingTo;
    delete g.previousSpec;
    this.changed(spec.uuid);
  }

  // ---- live migration

  async checkCanLiveMigrateDestination(spec: GuestSpec, sourceHost: string, _blockMigration: boolean | null): Promise<void> {
    const step = 'check_can_live_migrate_destination';
    if (sourceHost === this.host) throw new VirtDriverError(step, `cannot live-migrate ${spec.uuid} to its own host ${this.host}`);
    this.requireAbsent(step, spec.uuid);
    await this.delayAndFault(step, spec.uuid, this.delays.precheck);
  }

  async checkCanLiveMigrateSource(uuid: string, destHost: string): Promise<void> {
    const step = 'check_can_live_migrate_source';
    if (destHost === this.host) throw new VirtDriverError(step, `cannot live-migrate ${uuid} to its own host ${this.host}`);
    this.requireState(step, uuid, [PowerState.RUNNING, PowerState.PAUSED]);
    await this.delayAndFault(step, uuid, this.delays.precheck);
    this.requireState(step, uuid, [PowerState.RUNNING, PowerState.PAUSED]);
  }

  async preLiveMigration(spec: GuestSpec, _sourceHost: string): Promise<void> {
    this.requireAbsent('pre_live_migration', spec.uuid);
    await this.delayAndFault('pre_live_migration', spec.uuid, this.delays.precheck);
  }

  async liveMigration(uuid: string, opts: LiveMigrationOptions): Promise<LiveMigrationOutcome> {
    const step = 'live_migration';
    const g = this.require(step, uuid);
    if (this.liveMigrations.has(uuid)) throw new VirtDriverError(step, `guest ${uuid} is already live-migrating`);
    if (opts.destHost === this.host) throw new VirtDriverError(step, `cannot live-migrate ${uuid} to its own host ${this.host}`);
    const durationMs = sampleSeconds(this.delays.liveMigration, this.random) * 1000;
    const fault = this.opts.faults.take(step, this.host, uuid);
    if (fault) {
      await sleepMs(durationMs);
      throw new VirtDriverError(step, faultMessage(fault, this.host));
    }
    const memoryTotal = g.spec.memoryMb * MIB;
    const diskTotal = opts.blockMigration ? g.spec.rootGb * GIB : 0;
    const report = (remainingShare: number): void => {
      if (!opts.onProgress) return;
      const memRemaining = Math.round(memoryTotal * remainingShare);
      const diskRemaining = Math.round(diskTotal * remainingShare);
      opts.onProgress(progress(memoryTotal, memRemaining, diskTotal, diskRemaining));
    };
    const hold = this.opts.liveMigrationHold;
    if (!hold && durationMs <= 0) {
      report(0);
      return 'completed';
    }

    return new Promise<LiveMigrationOutcome>((resolve) => {
      const started = this.now();
      let ticks = 0;
      const timers: NodeJS.Timeout[] = [];
      const finish = (outcome: LiveMigrationOutcome): void => {
        if (this.liveMigrations.get(uuid) !== run) return;
        this.liveMigrations.delete(uuid);
        for (const t of timers) clearTimeout(t);
        if (outcome === 'completed') report(0);
        resolve(outcome);
      };
      const run: RunningLiveMigration = { finish };
      this.liveMigrations.set(uuid, run);
      if (!hold) timers.push(setTimeout(() => finish('completed'), durationMs));
      const onTimeout: LiveMigrationOutcome = opts.timeoutAction === 'force_complete' ? 'completed' : 'cancelled';
      if (opts.completionTimeout > 0) timers.push(setTimeout(() => finish(onTimeout), opts.completionTimeout * 1000));
      const tickMs = hold ? HOLD_TICK_MS : Math.max(1, durationMs / 10);
      timers.push(
        setInterval(() => {
          // The clock may have been moved forward (clock control): the timeout follows it.
          if (opts.completionTimeout > 0 && this.now() - started >= opts.completionTimeout * 1000) return finish(onTimeout);
          ticks += 1;
          // A held migration converges towards a floor it never crosses; a
          // normal one advances with the time it has run.
          const remaining = hold
            ? Math.max(HOLD_REMAINING_FLOOR, 0.8 ** ticks)
            : Math.max(0, 1 - (this.now() - started) / durationMs);
          report(remaining);
        }, tickMs),
      );
    });
  }

  async liveMigrationForceComplete(uuid: string): Promise<void> {
    this.runningLiveMigration('live_migration_force_complete', uuid).finish('completed');
  }

  async liveMigrationAbort(uuid: string): Promise<void> {
    this.runningLiveMigration('live_migration_abort', uuid).finish('cancelled');
  }

  /** Idempotent: a retried call replaces the guest it created the first time. */
  async postLiveMigrationAtDestination(spec: GuestSpec, powerState: PowerStateValue): Promise<void> {
    await this.delayAndFault('post_live_migration_at_destination', spec.uuid, this.delays.precheck);
    const prev = this.guests.get(spec.uuid);
    this.guests.set(spec.uuid, {
      spec,
      powerState,
      networkInfo: prev?.networkInfo ?? null,
      networkInjections: prev?.networkInjections ?? 0,
    });
    this.changed(spec.uuid);
  }

  /** Idempotent: nothing to undo when the guest never arrived. */
  async rollbackLiveMigrationAtDestination(uuid: string): Promise<void> {
    await waitDelay(this.delays.destroy, this.random);
    if (this.guests.delete(uuid)) this.changed(uuid);
  }

  /** Idempotent: the guest may already be gone. */
  async cleanupAfterLiveMigration(uuid: string): Promise<void> {
    await waitDelay(this.delays.destroy, this.random);
    if (this.guests.delete(uuid)) this.changed(uuid);
  }

  // ---- helpers

  private async delayAndFault(step: FaultStep, uuid: string, delay: DelaySpec): Promise<void> {
    this.alive(step);
    await waitDelay(delay, this.random);
    this.alive(step);
    const fault = this.opts.faults.take(step, this.host, uuid);
    if (fault) throw new VirtDriverError(step, faultMessage(fault, this.host));
  }

  private async powerStep(
    step: FaultStep,
    uuid: string,
    allowed: readonly PowerStateValue[] | null,
    to: PowerStateValue,
  ): Promise<void> {
    this.requireState(step, uuid, allowed);
    await this.delayAndFault(step, uuid, this.delays.power);
    const g = this.requireState(step, uuid, allowed);
    g.powerState = to;
    this.changed(uuid);
  }

  private require(step: string, uuid: string): Guest {
    const g = this.guests.get(uuid);
    if (!g) throw new VirtDriverError(step, `guest ${uuid} not found on host ${this.host}`);
    return g;
  }

  private requireState(step: string, uuid: string, allowed: readonly PowerStateValue[] | null): Guest {
    const g = this.require(step, uuid);
    if (allowed && !allowed.includes(g.powerState)) {
      throw new VirtDriverError(
        step,
        `cannot ${step} guest ${uuid} in power state ${POWER_NAMES[g.powerState] ?? g.powerState} on host ${this.host}`,
      );
    }
    return g;
  }

  private requireAbsent(step: string, uuid: string): void {
    if (this.guests.has(uuid)) throw this.exists(step, uuid);
  }

  private exists(step: string, uuid: string): VirtDriverError {
    return new VirtDriverError(step, `guest ${uuid} already exists on host ${this.host}`);
  }

  private notMigrating(step: string, uuid: string): VirtDriverError {
    return new VirtDriverError(step, `guest ${uuid} on host ${this.host} is not being migrated`);
  }

  private runningLiveMigration(step: string, uuid: string): RunningLiveMigration {
    const run = this.liveMigrations.get(uuid);
    if (!run) throw new VirtDriverError(step, `no live migration of ${uuid} in progress on host ${this.host}`);
    return run;
  }

  /** Puts a guest's change on disk before the step that made it returns. */
  private changed(uuid: string): void {
    if (this.halted) throw new VirtDriverError('write', `the agent of host ${this.host} has stopped`);
    const g = this.guests.get(uuid);
    if (g?.powerState !== PowerState.RUNNING) this.runningSince.delete(uuid);
    else if (!this.runningSince.has(uuid)) this.runningSince.set(uuid, this.now());
    this.writer?.record(uuid, g && { ...g });
  }

  private stored(): StoredHost {
    const guests: StoredGuest[] = [...this.guests.values()].map((g) => ({ ...g }));
    return { version: 1, host: this.host, guests };
  }
}

function info(g: Guest): GuestInfo {
  return Object.freeze({
    uuid: g.spec.uuid,
    powerState: g.powerState,
    spec: g.spec,
    networkInfo: g.networkInfo,
    networkInjections: g.networkInjections,
    migratingTo: g.migratingTo ?? null,
    rescueImageRef: g.rescueImageRef ?? null,
  });
}

/** A number in [0, 1) that stays the same for a guest. */
function seedOf(uuid: string): number {
  let h = 2166136261;
  for (let i = 0; i < uuid.length; i++) h = Math.imul(h ^ uuid.charCodeAt(i), 16777619) >>> 0;
  return h / 2 ** 32;
}

function progress(memTotal: number, memRemaining: number, diskTotal: number, diskRemaining: number): LiveMigrationProgress {
  return {
    memoryTotalBytes: memTotal,
    memoryProcessedBytes: memTotal - memRemaining,
    memoryRemainingBytes: memRemaining,
    diskTotalBytes: diskTotal,
    diskProcessedBytes: diskTotal - diskRemaining,
    diskRemainingBytes: diskRemaining,
  };
}
