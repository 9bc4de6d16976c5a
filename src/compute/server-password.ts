// The encrypted admin password a server's guest posts to the metadata
// service, kept as Nova keeps it: in system metadata, in chunks of 255
// characters under `password_0`…`password_3`. Users read it (to decrypt
// with their key) and clear it; clearing does not change the guest's
// password.
import type { InstanceRow } from '../db/schema.js';
import { getInstance } from '../db/instances.js';
import { dbTime } from '../db/time.js';
import { InstanceInvalidState, InstanceNotFound } from './errors.js';
import type { ComputeService } from './service.js';

const CHUNKS = 4;
const CHUNK_LENGTH = 255;
/** A compare-and-swap lost this many times in a row means something is wrong; give up with a 409. */
const MAX_ATTEMPTS = 20;

export function systemMetadataOf(inst: Pick<InstanceRow, 'system_metadata'>): Record<string, string> {
  try {
    const m = JSON.parse(inst.system_metadata) as unknown;
    return m !== null && typeof m === 'object' && !Array.isArray(m) ? (m as Record<string, string>) : {};
  } catch {
    return {};
  }
}

/** The stored password ('' when there is none), its chunks joined in key order. */
export function serverPassword(inst: Pick<InstanceRow, 'system_metadata'>): string {
  const sys = systemMetadataOf(inst);
  return Object.keys(sys)
    .filter((k) => k.startsWith('password_'))
    .sort()
    .map((k) => sys[k] ?? '')
    .join('');
}

/** The system metadata items that hold `password` ('' clears it). */
export function passwordItems(password: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < CHUNKS; i++) out[`password_${i}`] = password.slice(i * CHUNK_LENGTH, (i + 1) * CHUNK_LENGTH);
  return out;
}

/** Sets the stored password (the guest's post; '' = clear), keeping the other system metadata. */
export async function setServerPassword(svc: ComputeService, inst: InstanceRow, password: string): Promise<void> {
  const db = svc.db.kysely;
  let row = inst;
  // A compare-and-swap on the system metadata the change was made from.
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const next = { ...systemMetadataOf(row), ...passwordItems(password) };
    const r = await db
      .updateTable('instances')
      .set({ system_metadata: JSON.stringify(next), updated_at: dbTime(svc.clock.now()) })
      .where('uuid', '=', row.uuid)
      .where('deleted', '=', 0)
      .where('system_metadata', '=', row.system_metadata)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) > 0) return;
    const fresh = await getInstance(db, row.uuid);
    if (!fresh) throw new InstanceNotFound(row.uuid);
    row = fresh;
  }
  throw new InstanceInvalidState(row.uuid, 'clear password', null, null);
}
