// A server's metadata: key/value pairs its users set, at boot, at rebuild, or
// here one key or all at once. Changes need the server unlocked (or an admin),
// settled (no task) and in a state its guest can be told about, as Nova
// requires; the metadata_items quota counts what the server would have after.
// Each change is a compare-and-swap on the metadata the change was computed
// from, so two concurrent changes never lose one another's keys.
import type { InstanceRow } from '../db/schema.js';
import { getInstance } from '../db/instances.js';
import { dbTime } from '../db/time.js';
import { InstanceInvalidState, InstanceNotFound, NotFound } from './errors.js';
import { checkLock, checkState, type StateGuard } from './guards.js';
import { checkMetadataItemsQuota } from './quota-check.js';
import type { ComputeService, Requester } from './service.js';
import { VmState } from './states.js';

export type Metadata = Readonly<Record<string, string>>;

const METADATA_GUARD: StateGuard = { vmStates: [VmState.ACTIVE, VmState.PAUSED, VmState.SUSPENDED, VmState.STOPPED] };

/** A compare-and-swap lost this many times in a row means something is wrong; give up with a 409. */
const MAX_ATTEMPTS = 20;

export function metadataOf(inst: Pick<InstanceRow, 'metadata'>): Record<string, string> {
  try {
    const m = JSON.parse(inst.metadata) as unknown;
    return m !== null && typeof m === 'object' && !Array.isArray(m) ? (m as Record<string, string>) : {};
  } catch {
    return {};
  }
}

export class MetadataItemNotFound extends NotFound {
  constructor() {
    super('Metadata item was not found');
  }
}

/**
 * Applies `change` to the server's current metadata and stores the result,
 * again from fresh metadata whenever another change got in first. `action`
 * names the request in a state conflict ('update metadata', 'delete metadata').
 */
async function changeMetadata(
  svc: ComputeService,
  who: Requester,
  inst: InstanceRow,
  action: string,
  change: (current: Record<string, string>) => Record<string, string>,
): Promise<Record<string, string>> {
  const db = svc.db.kysely;
  let row = inst;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    checkLock(row, who.isAdmin);
    checkState(row, action, METADATA_GUARD);
    const next = change(metadataOf(row));
    await checkMetadataItemsQuota(db, svc.conf, { projectId: who.projectId ?? row.project_id, userId: who.userId ?? row.user_id }, Object.keys(next).length);
    let q = db
      .updateTable('instances')
      .set({ metadata: JSON.stringify(next), updated_at: dbTime(svc.clock.now()) })
      .where('uuid', '=', row.uuid)
      .where('deleted', '=', 0)
      .where('metadata', '=', row.metadata)
      .where('vm_state', 'in', [...METADATA_GUARD.vmStates!])
      .where('task_state', 'is', null);
    // A lock taken meanwhile stops everyone but admins.
    if (!who.isAdmin) q = q.where('locked_by', 'is', null);
    const r = await q.executeTakeFirst();
    if (Number(r.numUpdatedRows) > 0) return next;
    const fresh = await getInstance(db, row.uuid);
    if (!fresh) throw new InstanceNotFound(row.uuid);
    row = fresh;
  }
  throw new InstanceInvalidState(row.uuid, action, null, null);
}

/** POST /metadata (merge) and PUT /metadata/{key}: the given items added or replaced; returns the whole metadata. */
export function updateMetadata(svc: ComputeService, who: Requester, inst: InstanceRow, items: Metadata): Promise<Record<string, string>> {
  return changeMetadata(svc, who, inst, 'update metadata', (current) => ({ ...current, ...items }));
}

/** PUT /metadata: the server's metadata becomes exactly `items`. */
export function replaceMetadata(svc: ComputeService, who: Requester, inst: InstanceRow, items: Metadata): Promise<Record<string, string>> {
  return changeMetadata(svc, who, inst, 'update metadata', () => ({ ...items }));
}

/** DELETE /metadata/{key}: 404 when the server has no such key (checked before lock and state, as Nova does). */
export async function deleteMetadataItem(svc: ComputeService, who: Requester, inst: InstanceRow, key: string): Promise<void> {
  if (!Object.prototype.hasOwnProperty.call(metadataOf(inst), key)) throw new MetadataItemNotFound();
  await changeMetadata(svc, who, inst, 'delete metadata', (current) => {
    const next = { ...current };
    delete next[key];
    return next;
  });
}
