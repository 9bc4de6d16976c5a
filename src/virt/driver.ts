// The hypervisor seam. A driver manages the guests of one host and never
// touches the database: the compute agent tells it what to do and records
// the outcome. Every method may take time and may fail (throw).

export const PowerState = {
  NOSTATE: 0,
  RUNNING: 1,
  PAUSED: 3,
  SHUTDOWN: 4,
  CRASHED: 6,
  SUSPENDED: 7,
} as const;
export type PowerStateValue = (typeof PowerState)[keyof typeof PowerState];

export interface HostInventory {
  readonly vcpus: number;
  readonly memoryMb: number;
  readonly localGb: number;
  readonly hypervisorType: string;
  readonly hypervisorVersion: number;
  readonly hostIp: string;
  readonly cpuInfo: Readonly<Record<string, unknown>>;
}

/** What a driver needs to know about a guest it creates or moves. */
export interface GuestSpec {
  readonly uuid: string;
  readonly name: string;
  readonly vcpus: number;
  readonly memoryMb: number;
  readonly rootGb: number;
  readonly imageRef: string | null;
  /** The guest's network info (Nova's model: its VIFs) at spawn; absent when moved. */
  readonly networkInfo?: unknown;
}

export interface GuestInfo {
  readonly uuid: string;
  readonly powerState: PowerStateValue;
  readonly spec: GuestSpec;
  /** Network info most recently applied by injectNetworkInfo, or null. */
  readonly networkInfo: unknown;
  /** How often network info was injected into this guest. */
  readonly networkInjections: number;
  /** The rescue image the guest was booted from, while it is rescued. */
  readonly rescueImageRef: string | null;
  /**
   * Destination host of a cold migration or resize this guest is the source
   * of, until it is confirmed or reverted (this host itself for a resize to
   * the same host); null otherwise.
   */
  readonly migratingTo: string | null;
}

/** What the hypervisor reports about a guest's use of its resources. */
export interface GuestDiagnostics {
  readonly powerState: PowerStateValue;
  /** The hypervisor kind (`virt_type`), e.g. kvm. */
  readonly hypervisor: string;
  readonly hypervisorOs: string;
  /** Seconds since the guest last started; null when it is not running. */
  readonly uptime: number | null;
  readonly cpus: ReadonlyArray<{ readonly id: number; readonly timeNs: number; readonly utilisation: number }>;
  readonly memory: { readonly maximumMb: number; readonly usedMb: number };
  readonly disks: ReadonlyArray<{
    readonly name: string;
    readonly readBytes: number;
    readonly readRequests: number;
    readonly writeBytes: number;
    readonly writeRequests: number;
    readonly errors: number;
  }>;
}

export interface LiveMigrationProgress {
  readonly memoryTotalBytes: number;
  readonly memoryProcessedBytes: number;
  readonly memoryRemainingBytes: number;
  readonly diskTotalBytes: number;
  readonly diskProcessedBytes: number;
  readonly diskRemainingBytes: number;
}

export type LiveMigrationOutcome = 'completed' | 'cancelled';

export interface LiveMigrationOptions {
  readonly destHost: string;
  readonly blockMigration: boolean;
  /** Called as the transfer advances (for migration progress counters). */
  readonly onProgress?: (p: LiveMigrationProgress) => void;
  /**
   * `live_migration_completion_timeout` (0 = never): the qemu driver takes it
   * as seconds per GiB of the guest's data, as Nova's libvirt driver does
   * (see qemu/completion-timeout.ts); the simulated driver as plain seconds.
   */
  readonly completionTimeout: number;
  /** 'abort' cancels at the timeout; 'force_complete' finishes at once. */
  readonly timeoutAction: 'abort' | 'force_complete';
  /**
   * Called as the transfer switches to post-copy, before the guest may run at
   * the destination; the switch waits for a promise it returns (the record
   * of it). From then on there is no way back.
   */
  readonly onPostCopy?: () => void | Promise<unknown>;
  /** What the destination's preLiveMigration answered (where to send the guest). */
  readonly migrateData?: LiveMigrateData;
}

/** The destination's answer to preLiveMigration: where its waiting QEMU listens (JSON, it crosses hosts). */
export type LiveMigrateData = Readonly<Record<string, unknown>>;

/** Failure raised by a driver; `step` names what failed (e.g. 'spawn'). */
export class VirtDriverError extends Error {
  constructor(
    readonly step: string,
    message: string,
  ) {
    super(message);
    this.name = 'VirtDriverError';
  }
}

export interface VirtDriver {
  readonly type: string;
  /** Set up for `host`; returns the guests that already exist (for start-up reconciliation). */
  init(host: string): Promise<readonly GuestInfo[]>;
  inventory(): HostInventory;
  /** Seconds since the simulated host booted. */
  uptime(): number;
  listGuests(): readonly GuestInfo[];
  getGuest(uuid: string): GuestInfo | undefined;

  spawn(spec: GuestSpec): Promise<void>;
  destroy(uuid: string): Promise<void>;
  powerOff(uuid: string): Promise<void>;
  powerOn(uuid: string): Promise<void>;
  reboot(uuid: string, hard: boolean): Promise<void>;
  pause(uuid: string): Promise<void>;
  unpause(uuid: string): Promise<void>;
  suspend(uuid: string): Promise<void>;
  resume(uuid: string): Promise<void>;
  rebuild(spec: GuestSpec): Promise<void>;
  /** Boots the guest from a rescue image, its own disk attached beside it. Repeatable. */
  rescue(uuid: string, rescueImageRef: string | null): Promise<void>;
  /** Boots the guest from its own disk again. Repeatable. */
  unrescue(uuid: string): Promise<void>;
  /** The guest's root disk as qcow2 bytes, for a snapshot or backup image. Repeatable: the same guest gives the same bytes. */
  snapshot(uuid: string): Promise<Buffer>;
  injectNetworkInfo(uuid: string, networkInfo: unknown): Promise<void>;
  /** Injects an NMI so the guest's kernel writes a crash dump (what the guest does with it is its own affair). */
  triggerCrashDump(uuid: string): Promise<void>;
  /** The guest's resource figures; undefined when the host has no such guest. */
  diagnostics(uuid: string): GuestDiagnostics | undefined;
  /** The end of the guest's real serial console log; null when the hypervisor has none (simulated guests: the agent writes one from the records). */
  consoleOutput(uuid: string): Promise<string | null>;
  /** Where a console proxy reaches the guest's graphical or serial console; absent when the hypervisor offers none. */
  consoleConnection?(uuid: string, protocol: ConsoleProtocol): ConsoleConnection;

  // cold migration / resize: source then destination
  /** Repeatable; what it returns reaches finishMigration on the destination as `migrateData` (e.g. where to fetch the disk). */
  migrateDiskAndPowerOff(uuid: string, destHost: string): Promise<LiveMigrateData | void>;
  finishMigration(spec: GuestSpec, powerOn: boolean, migrateData?: LiveMigrateData): Promise<void>;
  /** Source side of confirm: drop the old guest. */
  confirmMigration(uuid: string): Promise<void>;
  /** Destination side of revert: drop the new guest. */
  revertMigrationAtDestination(uuid: string): Promise<void>;
  /** Source side of revert: bring the old guest back. */
  finishRevertMigration(spec: GuestSpec, powerOn: boolean): Promise<void>;

  // live migration
  /**
   * `blockMigration` null is the API's `auto`: the driver decides (block
   * unless the instances path is shared) and returns its choice; a driver
   * that returns nothing keeps `auto` as no block migration.
   */
  checkCanLiveMigrateDestination(spec: GuestSpec, sourceHost: string, blockMigration: boolean | null): Promise<boolean | void>;
  checkCanLiveMigrateSource(uuid: string, destHost: string): Promise<void>;
  /** Prepares the destination; what it returns reaches liveMigration on the source as `migrateData`. */
  preLiveMigration(spec: GuestSpec, sourceHost: string, blockMigration: boolean): Promise<LiveMigrateData | void>;
  /** Runs on the source; resolves when the transfer ends. */
  liveMigration(uuid: string, opts: LiveMigrationOptions): Promise<LiveMigrationOutcome>;
  liveMigrationForceComplete(uuid: string): Promise<void>;
  liveMigrationAbort(uuid: string): Promise<void>;
  /**
   * A hypervisor that carries a post-copy transfer on without the agent:
   * waits for one an earlier life of the agent left to end. False when the
   * guest never went over (the switch was recorded, then the agent died
   * before the hypervisor made it, and the transfer was cancelled at start-up).
   */
  awaitPostCopy?(uuid: string): Promise<boolean>;
  /** On the destination, after a completed transfer: the guest now lives here. */
  postLiveMigrationAtDestination(spec: GuestSpec, powerState: PowerStateValue): Promise<void>;
  rollbackLiveMigrationAtDestination(uuid: string): Promise<void>;
  /** On the source, after a completed transfer: forget the guest. */
  cleanupAfterLiveMigration(uuid: string): Promise<void>;

  /** The hypervisor's own figures of the guest's last completed live migration from this host, when it keeps them. */
  lastLiveMigration?(uuid: string): { readonly totalTimeMs: number | null; readonly downtimeMs: number | null } | undefined;

  /**
   * Evacuation over shared storage: whether the server's files (written by
   * its failed host) are reachable here, as Nova's `instance_on_disk`.
   * Drivers without it have no shared storage, and the evacuation rebuilds
   * from the image whatever the caller said.
   */
  instanceOnDisk?(uuid: string): boolean;
  /** Evacuation over shared storage: starts the guest here from its own files (its disk as the failed host left it). */
  spawnFromSharedDisk?(spec: GuestSpec): Promise<void>;
  /** The agent driving this host died: stop every step under way and answer nothing more (guests live on). */
  halt?(): void;
  /** Simulated hosts only: the host loses power; its guests stay defined but none runs (call after halt). */
  losePower?(): Promise<void>;
}

/** The remote console protocols Nova names. */
export type ConsoleProtocol = 'vnc' | 'spice' | 'serial' | 'mks';

/** A guest console as the hypervisor exposes it to a console proxy. */
export interface ConsoleConnection {
  readonly host: string;
  readonly port: number;
  readonly tlsPort: number | null;
  readonly internalAccessPath: string | null;
}
