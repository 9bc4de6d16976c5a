// Quota enforcement where Nova enforces it: new servers (with the count a
// multi-create may shrink to), resizes that grow a server, key pairs, and
// the metadata items of one request. Counts are usage plus the change asked
// for, checked against the project's limit and, where counted per user, the
// user's; the first limit passed is the one reported, in Nova's words.
import type { Kysely } from 'kysely';
import type { Config } from '../config/config.js';
import type { Database, InstanceFlavor } from '../db/schema.js';
import { userLimits } from '../db/quotas.js';
import { MagnetarError } from './errors.js';
import { counterOf } from './quota-counters.js';
import { projectQuotaLimits, userQuotaLimits, type Limits } from './quota-limits.js';

type Queryable = Kysely<Database>;

/** 403 "Quota exceeded for cores: Requested 2, but already used 19 of 20 cores" (Nova's TooManyInstances). */
export class TooManyInstances extends MagnetarError {
  constructor(overs: string, requested: string, used: string, allowed: string) {
    super('Forbidden', `Quota exceeded for ${overs}: Requested ${requested}, but already used ${used} of ${allowed} ${overs}`);
  }
}

export class KeypairLimitExceeded extends MagnetarError {
  constructor() {
    super('Forbidden', 'Quota exceeded, too many key pairs.');
  }
}

export class MetadataLimitExceeded extends MagnetarError {
  constructor(allowed: number) {
    super('Forbidden', `Maximum number of metadata items exceeds ${allowed}`);
  }
}

/** The personality files of one request (before 2.57), over the injected_files limits. */
export class OnsetFileLimitExceeded extends MagnetarError {
  constructor(message = 'Personality file limit exceeded') {
    super('Forbidden', message);
  }
}

/** Which limits were passed, the limits in force there and the usage they were measured against. */
export interface OverQuota {
  readonly overs: readonly string[];
  readonly quotas: Readonly<Limits>;
  readonly usages: Readonly<Record<string, number>>;
}

export interface DeltaCheck {
  /** Whose usage is counted. userId given: the user's share is counted too, and checked against the user's limits. */
  readonly projectId: string;
  readonly userId?: string | undefined;
  /** For server_group_members: the group whose members are counted. */
  readonly groupUuid?: string | undefined;
  /** Whose limits apply (Nova: the caller's project and user unless told otherwise). */
  readonly limitsProjectId: string;
  readonly limitsUserId: string;
}

const over = (limit: number | undefined, value: number): boolean => limit !== undefined && limit >= 0 && limit < value;

/**
 * Nova's check_deltas: counts each resource, adds its delta and compares.
 * Returns what went over, or null when everything fits.
 */
export async function checkDeltas(q: Queryable, conf: Config, deltas: Readonly<Record<string, number>>, who: DeltaCheck): Promise<OverQuota | null> {
  const projectValues: Record<string, number> = {};
  const userValues: Record<string, number> = {};
  const projectCounts: Record<string, number> = {};
  const userCounts: Record<string, number> = {};
  let countedUser = false;
  const counted = new Set<unknown>();
  for (const resource of Object.keys(deltas)) {
    const counter = counterOf(resource);
    if (counter === undefined) throw new Error(`quota resource ${resource} has no counter`);
    if (counted.has(counter)) continue;
    counted.add(counter);
    const counts = await counter.count(q, { projectId: who.projectId, userId: who.userId, groupUuid: who.groupUuid });
    Object.assign(projectCounts, counts.project);
    for (const [res, n] of Object.entries(counts.project)) if (res in deltas) projectValues[res] = n + deltas[res]!;
    if (counts.user !== undefined) {
      countedUser = true;
      Object.assign(userCounts, counts.user);
      for (const [res, n] of Object.entries(counts.user)) if (res in deltas) userValues[res] = n + deltas[res]!;
    }
  }
  const projectLimits = await projectQuotaLimits(q, conf, who.limitsProjectId);
  const userLimitsInForce = await userQuotaLimits(q, conf, who.limitsProjectId, who.limitsUserId);
  const defaultUsages = countedUser ? userCounts : projectCounts;

  // A resource counted in one scope only is held to the lower of the two limits.
  const single = [...new Set([...Object.keys(projectValues), ...Object.keys(userValues)])].filter((k) => !(k in projectValues && k in userValues));
  if (single.length > 0) {
    const merged: Limits = { ...projectLimits };
    for (const [k, v] of Object.entries(userLimitsInForce)) merged[k] = k in merged ? Math.min(merged[k]!, v) : v;
    const overs = single.filter((k) => over(merged[k], projectValues[k] ?? userValues[k] ?? 0)).sort();
    if (overs.length > 0) return { overs, quotas: merged, usages: defaultUsages };
  }
  const overs: string[] = [];
  let overUser = false;
  for (const k of Object.keys(userValues)) {
    if (!(k in projectValues)) continue;
    if (over(projectLimits[k], projectValues[k]!)) overs.push(k);
    else if (over(userLimitsInForce[k], userValues[k]!)) {
      overs.push(k);
      overUser = true;
    }
  }
  if (overs.length > 0) return { overs: overs.sort(), quotas: overUser ? userLimitsInForce : projectLimits, usages: overUser ? userCounts : projectCounts };
  return null;
}

/** Nova's get_headroom: room left per resource; an unlimited cores or ram follows the instances' room. */
function headroomOf(quotas: Readonly<Limits>, usages: Readonly<Record<string, number>>, deltas: Readonly<Record<string, number>>): Record<string, number> {
  const room: Record<string, number> = {};
  for (const [res, limit] of Object.entries(quotas)) room[res] = limit - (usages[res] ?? 0);
  for (const res of ['cores', 'ram']) {
    if (quotas[res] !== -1) continue;
    const d = deltas[res];
    room[res] = d ? ((room['instances'] ?? 1) * d) / (deltas['instances'] ?? 1) : (room['instances'] ?? 1);
  }
  return room;
}

function overQuotaError(o: OverQuota, room: Readonly<Record<string, number>>, requested: Readonly<Record<string, number | string>>): TooManyInstances {
  const j = (xs: readonly (string | number)[]): string => xs.join(', ');
  return new TooManyInstances(
    j(o.overs),
    j(o.overs.map((r) => String(requested[r] ?? 0))),
    j(o.overs.map((r) => String(o.quotas[r]! - room[r]!))),
    j(o.overs.map((r) => String(o.quotas[r]))),
  );
}

export interface InstancesRequest {
  readonly projectId: string;
  readonly userId: string;
  readonly flavor: Pick<InstanceFlavor, 'vcpus' | 'memory_mb'>;
  readonly minCount: number;
  readonly maxCount: number;
}

/**
 * How many of `maxCount` new servers the quotas allow (at least `minCount`),
 * or TooManyInstances. The user's share is checked only when the user has a
 * limit of its own on instances, cores or ram, as in Nova.
 */
export async function checkInstancesQuota(q: Queryable, conf: Config, req: InstancesRequest): Promise<number> {
  const own = await userLimits(q, req.projectId, req.userId);
  const perUser = ['instances', 'cores', 'ram'].some((r) => r in own);
  const who: DeltaCheck = { projectId: req.projectId, userId: perUser ? req.userId : undefined, limitsProjectId: req.projectId, limitsUserId: req.userId };
  let max = req.maxCount;
  for (;;) {
    const deltas = { instances: max, cores: max * req.flavor.vcpus, ram: max * req.flavor.memory_mb };
    const o = await checkDeltas(q, conf, deltas, who);
    if (o === null) return max;
    const room = headroomOf(o.quotas, o.usages, deltas);
    let allowed = room['instances'] ?? 1;
    if (req.flavor.vcpus) allowed = Math.min(allowed, Math.floor(room['cores']! / req.flavor.vcpus));
    if (req.flavor.memory_mb) allowed = Math.min(allowed, Math.floor(room['ram']! / req.flavor.memory_mb));
    if (allowed > 0 && req.minCount <= allowed && allowed <= max) {
      max = allowed;
      continue;
    }
    const instances = req.minCount === max ? String(req.minCount) : `${req.minCount}-${max}`;
    throw overQuotaError(o, room, { instances, cores: deltas.cores, ram: deltas.ram });
  }
}

/** A resize (or the revert of a shrink) that grows cores or ram: the growth must fit the owner's quotas. */
export async function checkUpsizeQuota(
  q: Queryable,
  conf: Config,
  owner: { readonly projectId: string; readonly userId: string },
  from: Pick<InstanceFlavor, 'vcpus' | 'memory_mb'>,
  to: Pick<InstanceFlavor, 'vcpus' | 'memory_mb'>,
): Promise<void> {
  const deltas: Record<string, number> = {};
  if (to.vcpus - from.vcpus > 0) deltas['cores'] = to.vcpus - from.vcpus;
  if (to.memory_mb - from.memory_mb > 0) deltas['ram'] = to.memory_mb - from.memory_mb;
  if (Object.keys(deltas).length === 0) return;
  const o = await checkDeltas(q, conf, { cores: deltas['cores'] ?? 0, ram: deltas['ram'] ?? 0 }, {
    projectId: owner.projectId,
    userId: owner.userId,
    limitsProjectId: owner.projectId,
    limitsUserId: owner.userId,
  });
  if (o !== null) throw overQuotaError(o, headroomOf(o.quotas, o.usages, deltas), deltas);
}

/** One more key pair for `userId` (delta 1), or a recheck after creating it (delta 0). */
export async function checkKeyPairQuota(q: Queryable, conf: Config, caller: { readonly projectId: string; readonly userId: string }, userId: string, delta: 0 | 1): Promise<void> {
  const o = await checkDeltas(q, conf, { key_pairs: delta }, { projectId: caller.projectId, userId, limitsProjectId: caller.projectId, limitsUserId: caller.userId });
  if (o !== null) throw new KeypairLimitExceeded();
}

/** Nova's limit check of one request's metadata items (nothing counted: the request alone must fit). */
export async function checkMetadataItemsQuota(q: Queryable, conf: Config, caller: { readonly projectId: string; readonly userId: string }, items: number): Promise<void> {
  if (items === 0) return;
  const project = await projectQuotaLimits(q, conf, caller.projectId);
  const user = await userQuotaLimits(q, conf, caller.projectId, caller.userId);
  if (over(project['metadata_items'], items) || over(user['metadata_items'], items)) throw new MetadataLimitExceeded(project['metadata_items']!);
}

export interface InjectedFile {
  readonly path: string;
  /** As sent (base64): Nova measures the encoded text. */
  readonly contents: string;
}

/** Nova's checks of personality files: how many, then the longest path and the longest contents. */
export async function checkInjectedFilesQuota(q: Queryable, conf: Config, caller: { readonly projectId: string; readonly userId: string }, files: readonly InjectedFile[]): Promise<void> {
  if (files.length === 0) return;
  const project = await projectQuotaLimits(q, conf, caller.projectId);
  const user = await userQuotaLimits(q, conf, caller.projectId, caller.userId);
  const exceeds = (res: string, n: number): boolean => over(project[res], n) || over(user[res], n);
  if (exceeds('injected_files', files.length)) throw new OnsetFileLimitExceeded();
  const longestPath = Math.max(...files.map((f) => [...f.path].length));
  const longestContents = Math.max(...files.map((f) => [...f.contents].length));
  if (exceeds('injected_file_path_bytes', longestPath))
    throw new OnsetFileLimitExceeded(`Personality file path exceeds maximum ${project['injected_file_path_bytes']}`);
  if (exceeds('injected_file_content_bytes', longestContents))
    throw new OnsetFileLimitExceeded(`Personality file content exceeds maximum ${project['injected_file_content_bytes']}`);
}
