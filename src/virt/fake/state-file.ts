// The fake host's guest table on disk, so a restarted compute agent finds the
// guests its simulated host kept running and can reconcile them with the
// database. Writes are coalesced (one write per burst of changes) and atomic
// (tmp file + rename), so a crash leaves the old or the new table, never half.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { GuestSpec, PowerStateValue } from '../driver.js';

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

export class StateFileWriter {
  private dirty = false;
  private running: Promise<void> | null = null;
  private failure: unknown = null;

  constructor(
    private readonly path: string,
    private readonly snapshot: () => StoredHost,
  ) {}

  /** Records that the table changed; the write happens shortly after, once per burst. */
  changed(): void {
    this.dirty = true;
    this.running ??= this.run();
  }

  /** Waits until every recorded change is on disk; rethrows a failed write. */
  async flush(): Promise<void> {
    while (this.running) await this.running;
    if (this.failure !== null) {
      const f = this.failure;
      this.failure = null;
      throw f;
    }
  }

  private async run(): Promise<void> {
    // Let the rest of this tick's changes join the same write.
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      while (this.dirty) {
        this.dirty = false;
        const tmp = `${this.path}.tmp-${process.pid}`;
        await mkdir(dirname(this.path), { recursive: true });
        await writeFile(tmp, JSON.stringify(this.snapshot()));
        await rename(tmp, this.path);
      }
    } catch (e) {
      this.failure = e;
    } finally {
      this.running = null;
    }
  }
}
