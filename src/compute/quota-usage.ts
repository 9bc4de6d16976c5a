// What a project (or one of its users) is using, in quota terms. Magnetar
// enforces no quotas — every limit is unlimited (-1) — but clients still ask
// for the quota sets and their usage, so they are answered as Nova answers
// them with unlimited limits: instances, cores and ram counted from the
// project's servers; per-user and per-server resources (key_pairs,
// server_group_members, metadata items, injected files) always 0.
import type { InstanceFlavor } from '../db/schema.js';
import type { ComputeService } from './service.js';

/** Every quota resource, in Nova's order, with the microversion that dropped it (if any). */
export const QUOTA_RESOURCES: ReadonlyArray<{ readonly name: string; readonly droppedIn?: string }> = [
  { name: 'cores' },
  { name: 'injected_files', droppedIn: '2.57' },
  { name: 'injected_file_content_bytes', droppedIn: '2.57' },
  { name: 'injected_file_path_bytes', droppedIn: '2.57' },
  { name: 'instances' },
  { name: 'key_pairs' },
  { name: 'metadata_items' },
  { name: 'ram' },
  { name: 'server_groups' },
  { name: 'server_group_members' },
  { name: 'fixed_ips', droppedIn: '2.36' },
  { name: 'floating_ips', droppedIn: '2.36' },
  { name: 'security_groups', droppedIn: '2.36' },
  { name: 'security_group_rules', droppedIn: '2.36' },
];

export const UNLIMITED = -1;

/** In-use counts by resource name; resources not listed are 0. */
export async function quotaUsage(svc: ComputeService, projectId: string, userId?: string): Promise<Record<string, number>> {
  let q = svc.db.kysely.selectFrom('instances').select('flavor').where('project_id', '=', projectId).where('deleted', '=', 0);
  if (userId !== undefined) q = q.where('user_id', '=', userId);
  const rows = await q.execute();
  let cores = 0;
  let ram = 0;
  for (const r of rows) {
    const f = JSON.parse(r.flavor) as InstanceFlavor;
    cores += f.vcpus;
    ram += f.memory_mb;
  }
  return { instances: rows.length, cores, ram };
}
