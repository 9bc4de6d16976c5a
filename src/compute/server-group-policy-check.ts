// The late check of a server group's hard policy on the host a server is
// about to be built on or moved to (Nova's _validate_instance_group_policy).
// The scheduler enforces the policy, but requests placed at the same time, or
// a forced host that skipped the scheduler, may still break it; the host
// itself checks before it takes the server.
import type { Kysely } from 'kysely';
import type { Config } from '../config/config.js';
import type { Database } from '../db/schema.js';
import { serverGroupOfInstance } from '../db/server-groups.js';
import { MagnetarError } from './errors.js';

/** Nova's GroupAffinityViolation. */
export class GroupAffinityViolation extends MagnetarError {
  constructor(policy: 'Anti-affinity' | 'Affinity') {
    super('Conflict', `${policy} instance group policy was violated`);
  }
}

/** Migration statuses that no longer hold a server on a host (Nova's list). */
const SETTLED = ['confirmed', 'reverted', 'error', 'failed', 'completed', 'cancelled', 'done'];

/**
 * Throws GroupAffinityViolation when `host` taking the server would break its
 * group's hard policy; nothing is checked with [workarounds]
 * disable_group_policy_check_upcall.
 */
export async function validateInstanceGroupPolicy(q: Kysely<Database>, conf: Config, instanceUuid: string, host: string): Promise<void> {
  if (conf.bool('workarounds', 'disable_group_policy_check_upcall')) return;
  const group = await serverGroupOfInstance(q, instanceUuid);
  if (group === undefined) return;
  const others = group.members.filter((m) => m !== instanceUuid);
  if (others.length === 0) return;
  if (group.policy === 'anti-affinity') {
    // Servers on the host, and servers moving to or from it.
    const here = await q.selectFrom('instances').select('uuid').where('host', '=', host).where('deleted', '=', 0).where('uuid', 'in', others).execute();
    const moving = await q
      .selectFrom('migrations')
      .select('instance_uuid')
      .where((eb) => eb.or([eb('source_compute', '=', host), eb('dest_compute', '=', host)]))
      .where('status', 'not in', SETTLED)
      .where('deleted', '=', 0)
      .where('instance_uuid', 'in', others)
      .execute();
    const onHost = new Set([...here.map((r) => r.uuid), ...moving.map((r) => r.instance_uuid)]);
    if (onHost.size >= (group.rules.max_server_per_host ?? 1)) throw new GroupAffinityViolation('Anti-affinity');
  } else if (group.policy === 'affinity') {
    const rows = await q.selectFrom('instances').select('host').where('deleted', '=', 0).where('uuid', 'in', others).where('host', 'is not', null).execute();
    const hosts = new Set(rows.map((r) => r.host));
    if (hosts.size > 0 && !hosts.has(host)) throw new GroupAffinityViolation('Affinity');
  }
}
