// What a shelved server remembers in its system metadata, under Nova's keys:
// the image its disk was saved to, when, and on which host. Unshelve (or a
// start of a server that was only shelved) removes them again.
import type { Kysely } from 'kysely';
import type { Database, InstanceRow } from '../db/schema.js';
import { getInstance, lockLiveInstance } from '../db/instances.js';
import { systemMetadataOf } from './server-password.js';

export const SHELVED_KEYS = ['shelved_at', 'shelved_image_id', 'shelved_host'] as const;

/** The image a shelved server's disk was saved to, if any (a volume-backed server has none). */
export function shelvedImageOf(inst: Pick<InstanceRow, 'system_metadata'>): string | null {
  return systemMetadataOf(inst)['shelved_image_id'] ?? null;
}

/**
 * The server's system metadata with `set` merged in and `remove` taken out,
 * read under a lock on its row (so a password a guest posts meanwhile is not
 * lost); undefined when the server is deleted.
 */
export async function changedSystemMetadata(
  q: Kysely<Database>,
  uuid: string,
  set: Readonly<Record<string, string>>,
  remove: readonly string[] = [],
): Promise<string | undefined> {
  if (!(await lockLiveInstance(q, uuid))) return undefined;
  const row = await getInstance(q, uuid);
  if (!row) return undefined;
  const next: Record<string, string> = { ...systemMetadataOf(row), ...set };
  for (const k of remove) delete next[k];
  return JSON.stringify(next);
}
