// The fake host's guest table on disk, so a restarted compute agent finds the
// guests its simulated host kept running and can reconcile them with the
// database — as a real hypervisor's guests outlive the agent that asked for
// them. Every change is on disk before the step that made it returns: it is
// appended to a journal next to the table (one JSON line per guest changed,
// cheap enough for every step), and the journal is folded into the table
// (tmp file + rename, so a crash leaves the old or the new table) when the
// driver starts (when the journal holds any) and every few hundred changes;
// a host that never had a guest writes nothing, and its first guest only
// starts the journal, with the host's name as its first line (one file made
// on the way to a first guest, not three). A line cut short by a crash
// is the last one and is ignored: the step it recorded never returned.
import { readFile } from 'node:fs/promises';
import { closeSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeFileSync, writeSync, existsSync } from 'node:fs';
import { basename, dirname } from 'node:path';
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
  /** Same-host resize: confirmed. */
  readonly confirmedInPlace?: boolean;
  /** The rescue image a rescued guest runs from. */
  readonly rescueImageRef?: string | null;
}

export interface StoredHost {
  readonly version: 1;
  readonly host: string;
  readonly guests: readonly StoredGuest[];
}

/** One journal line: a guest as it now is, or gone; or, first in a journal begun before its table, the host's name. */
type JournalEntry = { readonly put: StoredGuest } | { readonly del: string } | { readonly host: string };

/** Changes between two foldings of the journal into the table. */
const FOLD_EVERY = 500;

const journalOf = (path: string): string => `${path}.journal`;

/** Whether a directory listing holds the table at `path` or its journal. */
export function hasTableIn(listing: ReadonlySet<string>, path: string): boolean {
  const name = basename(path);
  return listing.has(name) || listing.has(basename(journalOf(path)));
}

/** The stored table, or null when the file does not exist yet. */
export async function readStateFile(path: string): Promise<StoredHost | null> {
  // Most simulated hosts have no table: checking is much cheaper than a failed open.
  if (!existsSync(path)) return null;
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

/** The table with its journal applied, or null when neither exists yet. */
export async function readGuestTable(path: string, host: string): Promise<StoredHost | null> {
  const stored = await readStateFile(path);
  const journal = existsSync(journalOf(path)) ? readFileSync(journalOf(path), 'utf8') : '';
  if (!stored && journal === '') return null;
  const guests = new Map((stored?.guests ?? []).map((g) => [g.spec.uuid, g]));
  let owner = stored?.host;
  for (const line of journal.split('\n')) {
    if (line === '') continue;
    let entry: JournalEntry;
    try {
      entry = JSON.parse(line) as JournalEntry;
    } catch {
      break;
    }
    if ('put' in entry) guests.set(entry.put.spec.uuid, entry.put);
    else if ('del' in entry) guests.delete(entry.del);
    else owner ??= entry.host;
  }
  return { version: 1, host: owner ?? host, guests: [...guests.values()] };
}

/**
 * Whether the journal holds changes the table does not: only then is there
 * anything to fold at start. A host with no journal needs no write at all,
 * which matters with ten thousand simulated hosts in one process.
 */
export function journalHasChanges(path: string): boolean {
  try {
    return statSync(journalOf(path)).size > 0;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw e;
  }
}

export function writeStoredHost(path: string, host: StoredHost): void {
  const tmp = `${path}.tmp-${process.pid}`;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(tmp, JSON.stringify(host));
  renameSync(tmp, path);
}

/** Writes the table and empties the journal (whose changes it now holds). */
function fold(path: string, host: StoredHost): void {
  writeStoredHost(path, host);
  writeFileSync(journalOf(path), '');
}

/** Keeps one host's table on disk as its guests change. */
export class GuestTableWriter {
  private fd: number | null = null;
  private since = 0;

  constructor(
    private readonly path: string,
    private readonly snapshot: () => StoredHost,
  ) {}

  /** Writes the whole table now (at start, after reading it, when the journal held changes). */
  fold(): void {
    this.close();
    fold(this.path, this.snapshot());
    this.since = 0;
  }

  /** Records a guest's new state, or that it is gone. */
  record(uuid: string, guest: StoredGuest | undefined): void {
    if (this.fd === null) {
      mkdirSync(dirname(this.path), { recursive: true });
      this.fd = openSync(journalOf(this.path), 'a');
      // Until the first fold writes the table, the journal names the host the guests belong to.
      if (!existsSync(this.path)) writeSync(this.fd, `${JSON.stringify({ host: this.snapshot().host })}\n`);
    }
    const entry: JournalEntry = guest === undefined ? { del: uuid } : { put: guest };
    writeSync(this.fd, `${JSON.stringify(entry)}\n`);
    if (++this.since >= FOLD_EVERY) {
      writeStoredHost(this.path, this.snapshot());
      ftruncateSync(this.fd, 0);
      this.since = 0;
    }
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/**
 * A power loss: the host's guests stay defined (their disks and definitions
 * survive) but none of them runs any more.
 */
export async function losePower(path: string, host: string): Promise<void> {
  const table = await readGuestTable(path, host);
  if (!table) return;
  fold(path, { ...table, guests: table.guests.map((g) => ({ ...g, powerState: PowerState.SHUTDOWN })) });
}
