// Quota set bodies: one value per resource the microversion still shows,
// plus `id` (the project) except in an update's answer; the detail form
// gives {limit, in_use, reserved} per resource. Quota class sets show their
// own selection (see quotaClassNames).
import type { ApiVersion } from '../microversion.js';
import { QUOTA_RESOURCES } from '../../compute/quota-resources.js';

/** The resource names a quota set shows at `v`. */
export function quotaNames(v: ApiVersion): string[] {
  return QUOTA_RESOURCES.filter((r) => r.droppedIn === undefined || v.below(r.droppedIn)).map((r) => r.name);
}

const NETWORK = new Set(['fixed_ips', 'floating_ips', 'security_groups', 'security_group_rules']);
const INJECTED = new Set(['injected_files', 'injected_file_content_bytes', 'injected_file_path_bytes']);
const SERVER_GROUPS = new Set(['server_groups', 'server_group_members']);

/**
 * A quota class set's names: below 2.50 without the server-group pair (and
 * with the network ones), from 2.50 without the network ones, from 2.57
 * without the injected-file ones.
 */
export function quotaClassNames(v: ApiVersion): string[] {
  return QUOTA_RESOURCES.map((r) => r.name).filter((n) => {
    if (v.below('2.50')) return !SERVER_GROUPS.has(n);
    if (NETWORK.has(n)) return false;
    return v.below('2.57') || !INJECTED.has(n);
  });
}

function pick(names: readonly string[], id: string | null, limits: Readonly<Record<string, number>>): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (id !== null) body['id'] = id;
  for (const name of names) body[name] = limits[name];
  return body;
}

export function quotaSet(v: ApiVersion, projectId: string | null, limits: Readonly<Record<string, number>>): Record<string, unknown> {
  return { quota_set: pick(quotaNames(v), projectId, limits) };
}

export function quotaSetDetail(
  v: ApiVersion,
  projectId: string,
  limits: Readonly<Record<string, number>>,
  usage: Readonly<Record<string, number>>,
  reserved: number,
): Record<string, unknown> {
  const body: Record<string, unknown> = { id: projectId };
  for (const name of quotaNames(v)) body[name] = { limit: limits[name], in_use: usage[name] ?? 0, reserved };
  return { quota_set: body };
}

export function quotaClassSet(v: ApiVersion, className: string | null, limits: Readonly<Record<string, number>>): Record<string, unknown> {
  return { quota_class_set: pick(quotaClassNames(v), className, limits) };
}
