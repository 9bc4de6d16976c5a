// A server's tags (from 2.26): up to 50 strings of 1–60 characters without
// '/' or ','. They change only while the server is active, paused, suspended
// or stopped, as Nova allows. Every change is a compare-and-swap on the tags
// it was computed from, so concurrent changes never lose one another's tags.
import type { InstanceRow } from '../db/schema.js';
import { getInstance } from '../db/instances.js';
import { Invalid, InstanceInvalidState, InstanceNotFound, NotFound } from './errors.js';
import type { ComputeService } from './service.js';
import { VmState } from './states.js';

export const MAX_TAG_COUNT = 50;
export const MAX_TAG_LENGTH = 60;

const TAGGABLE_VM_STATES: readonly string[] = [VmState.ACTIVE, VmState.PAUSED, VmState.SUSPENDED, VmState.STOPPED];

/** A compare-and-swap lost this many times in a row means something is wrong; give up with a 409. */
const MAX_ATTEMPTS = 20;

export class InstanceTagNotFound extends NotFound {
  constructor(serverId: string, tag: string) {
    super(`Instance ${serverId} has no tag '${tag}'`);
  }
}

export class TooManyInstanceTags extends Invalid {
  constructor() {
    super(`The number of tags exceeded the per-server limit ${MAX_TAG_COUNT}`);
  }
}

export function tagsOf(inst: Pick<InstanceRow, 'tags'>): string[] {
  try {
    const t = JSON.parse(inst.tags) as unknown;
    return Array.isArray(t) ? t.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/** 409 unless the server's tags may change; `action` names the request in the message. */
export function checkTaggable(inst: Pick<InstanceRow, 'uuid' | 'vm_state'>, action: string): void {
  if (!TAGGABLE_VM_STATES.includes(inst.vm_state)) throw new InstanceInvalidState(inst.uuid, action, 'vm_state', inst.vm_state);
}

/**
 * Stores `change(current tags)`, again from fresh tags whenever another change
 * got in first. `change` may throw to refuse (its checks see the fresh tags).
 */
async function changeTags(svc: ComputeService, inst: InstanceRow, action: string, change: (current: string[]) => string[]): Promise<string[]> {
  const db = svc.db.kysely;
  let row = inst;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    checkTaggable(row, action);
    const next = change(tagsOf(row));
    const r = await db
      .updateTable('instances')
      // Tags are not the server's own fields: as in Nova, they leave updated_at (and changes-since) alone.
      .set({ tags: JSON.stringify(next) })
      .where('uuid', '=', row.uuid)
      .where('deleted', '=', 0)
      .where('tags', '=', row.tags)
      .where('vm_state', 'in', [...TAGGABLE_VM_STATES])
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) > 0) return next;
    const fresh = await getInstance(db, row.uuid);
    if (!fresh) throw new InstanceNotFound(row.uuid);
    row = fresh;
  }
  throw new InstanceInvalidState(row.uuid, action, null, null);
}

/**
 * PUT /tags/{tag}: 'created' when the tag was added, 'existed' when the
 * server had it already. A server with 50 tags takes no more (400, even for
 * one it has, as Nova counts before it looks).
 */
export async function addTag(svc: ComputeService, inst: InstanceRow, tag: string): Promise<'created' | 'existed'> {
  let outcome: 'created' | 'existed' = 'created';
  await changeTags(svc, inst, 'update tag', (current) => {
    if (current.length >= MAX_TAG_COUNT) throw new TooManyInstanceTags();
    outcome = current.includes(tag) ? 'existed' : 'created';
    return outcome === 'existed' ? current : [...current, tag];
  });
  return outcome;
}

/** PUT /tags: the server's tags become `tags` (each once); returns them. */
export function replaceTags(svc: ComputeService, inst: InstanceRow, tags: readonly string[]): Promise<string[]> {
  return changeTags(svc, inst, 'update tags', () => [...new Set(tags)]);
}

/** DELETE /tags/{tag}; `serverId` as the client named the server, for the 404. */
export async function deleteTag(svc: ComputeService, inst: InstanceRow, tag: string, serverId: string): Promise<void> {
  await changeTags(svc, inst, 'delete tag', (current) => {
    if (!current.includes(tag)) throw new InstanceTagNotFound(serverId, tag);
    return current.filter((t) => t !== tag);
  });
}

/** DELETE /tags. */
export async function deleteAllTags(svc: ComputeService, inst: InstanceRow): Promise<void> {
  await changeTags(svc, inst, 'delete tags', () => []);
}
