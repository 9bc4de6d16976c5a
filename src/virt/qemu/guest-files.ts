// Where a guest's files live on its host: one directory per guest under the
// host's instances path, as Nova's libvirt driver keeps them. The record
// (guest.json) says what the guest is and which power state it was last
// put in, so a new life of the agent finds its guests again.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GuestSpec } from '../driver.js';

/** The power state a guest was last put in by the driver. */
export type IntendedPower = 'running' | 'paused' | 'shutdown' | 'suspended';

export interface GuestRecord {
  readonly version: 1;
  readonly host: string;
  spec: GuestSpec;
  power: IntendedPower;
  /** Direct kernel boot: the kernel command line (the kernel and ramdisk files are beside the disk). */
  commandLine: string | null;
  hasKernel: boolean;
  hasRamdisk: boolean;
  networkInfo: unknown;
  networkInjections: number;
  /** When QEMU was last started for it (ms since the epoch); null while off. */
  startedAt: number | null;
  /** While rescued: the rescue image booted, its boot settings (its disk, kernel and ramdisk are the `.rescue` files). */
  rescue?: { imageRef: string; commandLine: string | null; hasKernel: boolean; hasRamdisk: boolean } | null;
  /** Destination host of a cold migration or resize this guest is the source of, until confirmed or reverted. */
  migratingTo?: string | null;
  /** Where this (stopped) guest's disk is served for the destination of that move (see disk-export.ts). */
  diskExport?: unknown;
  /** While the guest waits here for a live migration: where it listens (see live-migration.ts). */
  incoming?: unknown;
  /** Set when a move that kept the disk in place (see in-place-move.ts) was confirmed on this host, so a repeated confirm finds it done. */
  confirmedInPlace?: boolean;
  /**
   * Which set of process files (pid file, QMP socket, QEMU log) the guest's
   * QEMU uses: 'b' after it arrived by a live migration over a shared
   * instances path, where the source's QEMU still held the other set.
   */
  slot?: Slot;
}

/** One of the two sets of process files a guest directory holds (see GuestRecord.slot). */
export type Slot = 'a' | 'b';
export const otherSlot = (s: Slot): Slot => (s === 'a' ? 'b' : 'a');

/** A unix socket path must stay under 108 bytes; longer ones go to a short path derived from the guest's directory. */
const MAX_SOCKET_PATH = 100;

export class GuestFiles {
  /** `slot`: the set of process files to use; by default the one the guest's record names. */
  constructor(
    readonly dir: string,
    private readonly fixedSlot?: Slot,
  ) {}

  get slot(): Slot {
    return this.fixedSlot ?? this.read()?.slot ?? 'a';
  }
  /** Slot 'b' names its files with a `.b` before the extension. */
  private inSlot(name: string, ext: string): string {
    return join(this.dir, this.slot === 'b' ? `${name}.b${ext}` : `${name}${ext}`);
  }

  get record(): string {
    return join(this.dir, 'guest.json');
  }
  get disk(): string {
    return join(this.dir, 'disk');
  }
  get kernel(): string {
    return join(this.dir, 'kernel');
  }
  get ramdisk(): string {
    return join(this.dir, 'ramdisk');
  }
  get console(): string {
    return join(this.dir, 'console.log');
  }
  get pidFile(): string {
    return this.inSlot('qemu', '.pid');
  }
  get qemuLog(): string {
    return this.inSlot('qemu', '.log');
  }
  /** The rescue image's disk, kernel and ramdisk, while the guest is rescued. */
  get rescueFiles(): { disk: string; kernel: string; ramdisk: string } {
    return { disk: join(this.dir, 'disk.rescue'), kernel: join(this.dir, 'kernel.rescue'), ramdisk: join(this.dir, 'ramdisk.rescue') };
  }
  /** Where a move that keeps the disk in place keeps the source's disk and record until confirm or revert (Nova's `<instance dir>_resize`). */
  get keptDir(): string {
    return `${this.dir}_resize`;
  }
  /** The memory state of a suspended guest. */
  get savedState(): string {
    return join(this.dir, 'suspended.state');
  }
  /** Where a QEMU waiting in this slot for a live migration over a shared instances path listens (the record is the source's meanwhile). */
  get incomingFile(): string {
    return this.inSlot('incoming', '.json');
  }
  get qmpSocket(): string {
    const inDir = this.inSlot('qmp', '.sock');
    if (Buffer.byteLength(inDir) <= MAX_SOCKET_PATH) return inDir;
    const short = join(tmpdir(), 'magnetar-qmp');
    mkdirSync(short, { recursive: true });
    return join(short, `${createHash('sha1').update(this.slot === 'b' ? inDir : this.dir).digest('hex').slice(0, 20)}.sock`);
  }

  read(): GuestRecord | undefined {
    try {
      return JSON.parse(readFileSync(this.record, 'utf8')) as GuestRecord;
    } catch {
      return undefined;
    }
  }

  /** Written whole and renamed into place: a crash leaves the old or the new record. */
  write(r: GuestRecord): void {
    const tmp = `${this.record}.tmp`;
    writeFileSync(tmp, JSON.stringify(r, null, 1));
    renameSync(tmp, this.record);
  }
}

/** The guest directories of a host's instances path (uuid-named, with a record). */
export function guestDirs(instancesDir: string): string[] {
  if (!existsSync(instancesDir)) return [];
  return readdirSync(instancesDir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && /^[0-9a-f-]{36}$/.test(e.name) && existsSync(join(instancesDir, e.name, 'guest.json')))
    .map((e) => join(instancesDir, e.name));
}
