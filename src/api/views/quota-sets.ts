// Quota set bodies: one value per resource the microversion still shows,
// plus `id` (the project) except in an update's answer; the detail form
// gives {limit, in_use, reserved} per resource.
import type { ApiVersion } from '../microversion.js';
import { QUOTA_RESOURCES } from '../../compute/quota-usage.js';

/** The resource names shown at `v`. */
export function quotaNames(v: ApiVersion): string[] {
  return QUOTA_RESOURCES.filter((r) => r.droppedIn === undefined || v.below(r.droppedIn)).map((r) => r.name);
}

export function quotaSet(v: ApiVersion, projectId: string | null, limitOf: (name: string) => number): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  if (projectId !== null) body['id'] = projectId;
  for (const name of quotaNames(v)) body[name] = limitOf(name);
  return { quota_set: body };
}

export function quotaSetDetail(
  v: ApiVersion,
  projectId: string,
  limitOf: (name: string) => number,
  usage: Readonly<Record<string, number>>,
  reserved: number,
): Record<string, unknown> {
  const body: Record<string, unknown> = { id: projectId };
  for (const name of quotaNames(v)) body[name] = { limit: limitOf(name), in_use: usage[name] ?? 0, reserved };
  return { quota_set: body };
}
