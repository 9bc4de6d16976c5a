// How long a live migration may run before its timeout action, as Nova's
// libvirt driver reckons it: `live_migration_completion_timeout` is seconds
// per GiB of the data to move — the guest's memory, plus for a block
// migration the size of each local disk file — each counted as at least
// 2 GiB, the product rounded down; 0 means no timeout.
import { statSync } from 'node:fs';

const GIB = 1024 ** 3;
/** Nova counts memory and each disk as at least this many GiB. */
const MIN_GIB = 2;

/** The data a live migration moves, in GiB: memory (at least 2) plus each copied disk (at least 2 each). */
export function migrationDataGib(memoryMb: number, diskBytes: readonly number[]): number {
  const memory = Math.max((memoryMb * 1024 * 1024) / GIB, MIN_GIB);
  return diskBytes.reduce((sum, b) => sum + Math.max(b / GIB, MIN_GIB), memory);
}

/** Seconds: the per-GiB timeout times the data, rounded down (0 stays "no timeout"). */
export function completionTimeoutSeconds(perGib: number, memoryMb: number, diskBytes: readonly number[]): number {
  if (perGib <= 0) return 0;
  return Math.trunc(perGib * migrationDataGib(memoryMb, diskBytes));
}

/**
 * The timeout of one guest's transfer: its memory, and for a block
 * migration its disk files as they are on this host (a file that cannot be
 * read is left out, as Nova leaves it out).
 */
export function guestCompletionTimeout(perGib: number, memoryMb: number, blockMigration: boolean, diskFiles: readonly string[]): number {
  const sizes: number[] = [];
  if (blockMigration) {
    for (const f of diskFiles) {
      try {
        sizes.push(statSync(f).size);
      } catch {
        // not there: counted as nothing
      }
    }
  }
  return completionTimeoutSeconds(perGib, memoryMb, sizes);
}
