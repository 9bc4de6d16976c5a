// The fake host's guest table on disk, so a restarted compute agent finds the
// guests its simulated host kept running and can reconcile them with the
// database.
import { readFile } from 'node:fs/promises';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PowerState, type GuestSpec, type PowerStateValue } from '../driver.js';

export interface StoredGuest {
  readonly spec: GuestSpec;
  readonly powerState: PowerStateValue;
  readonly networkInfo: unknown;
  readonly networkInjections: number;
  /** Destination of a cold migration not yet confirmed or reverted. */
  readonly migratingTo?: string;
  /** Same-host resize: the spec a revert goes back to. */
  readonly previousSpec?: GuestSpec;
}

export interface StoredHost {
  readonly version: 1;
  readonly host: string;
  readonly guests: readonly StoredGuest[];
}

/** The stored table, or null when the file does not exist yet. */
export async function readStateFile(path: string): Promise<StoredHost | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  const data = JSON.parse(text) as Partial<StoredHost>;
  if (data.version !== 1 || typeof data.host !== 'string' || !Array.isArray(data.guests)) {
    throw new Error(`${path} is not a fake host state file`);
  }
  return data as StoredHost;
}

/**
 * Writes the table whenever it changes, before the change is reported done:
 * what a caller was told happened is on disk, as a real hypervisor's guests
 * outlive the agent that asked for them. A crash leaves the old or the new
 * table (tmp file + rename), never half of one.
 */
export class StateFileWriter {
  constructor(
    private readonly path: string,
    private readonly snapshot: () => StoredHost,
  ) {}

  write(): void {
    writeStoredHost(this.path, this.snapshot());
  }
}

export function writeStoredHost(path: string, host: StoredHost): void {
  const tmp = `${path}.tmp-${process.pid}`;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(tmp, JSON.stringify(host));
  renameSync(tmp, path);
}

/**
 * A power loss: the host's guests stay defined (their disks and definitions
 * survive) but none of them runs any more.
 */
export async function losePower(path: string): Promise<void> {
  const stored = await readStateFile(path);
  if (!stored) return;
  writeStoredHost(path, { ...stored, guests: stored.guests.map((g) => ({ ...g, powerState: PowerState.SHUTDOWN })) });
}
