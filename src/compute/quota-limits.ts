// Which limit applies, as Nova's database quota driver decides: a user's
// own limit, else the project's, else the `default` quota class's, else the
// `[quota]` option. Also the range an update may set a limit to.
import type { Kysely } from 'kysely';
import type { Config } from '../config/config.js';
import type { Database } from '../db/schema.js';
import { allUserLimitsOfProject, classLimits, projectLimits, userLimits } from '../db/quotas.js';
import { configuredDefaults, isUnlimited, QUOTA_RESOURCE_NAMES, UNLIMITED } from './quota-resources.js';
import { shownUsage } from './quota-counters.js';

type Queryable = Kysely<Database>;
export type Limits = Record<string, number>;

/** The name of the class whose limits are every project's defaults. */
export const DEFAULT_QUOTA_CLASS = 'default';

function layered(...layers: ReadonlyArray<Readonly<Record<string, number>>>): Limits {
  const out: Limits = {};
  for (const name of QUOTA_RESOURCE_NAMES) {
    for (const layer of layers) {
      const v = layer[name];
      if (v !== undefined) {
        out[name] = v;
        break;
      }
    }
  }
  return out;
}

/** The defaults: the `default` class where it sets a limit, the `[quota]` options elsewhere. */
export async function defaultLimits(q: Queryable, conf: Config): Promise<Limits> {
  return layered(await classLimits(q, DEFAULT_QUOTA_CLASS), configuredDefaults(conf));
}

/** A quota class's limits; what it does not set comes from the `[quota]` options. */
export async function quotaClassLimits(q: Queryable, conf: Config, className: string): Promise<Limits> {
  return layered(await classLimits(q, className), configuredDefaults(conf));
}

export async function projectQuotaLimits(q: Queryable, conf: Config, projectId: string): Promise<Limits> {
  return layered(await projectLimits(q, projectId), await defaultLimits(q, conf));
}

export async function userQuotaLimits(q: Queryable, conf: Config, projectId: string, userId: string): Promise<Limits> {
  return layered(await userLimits(q, projectId, userId), await projectLimits(q, projectId), await defaultLimits(q, conf));
}

/** Limits of a project, or of one user in it. */
export async function quotaLimits(q: Queryable, conf: Config, projectId: string, userId?: string): Promise<Limits> {
  return userId === undefined ? projectQuotaLimits(q, conf, projectId) : userQuotaLimits(q, conf, projectId, userId);
}

export interface SettableRange {
  readonly minimum: number;
  readonly maximum: number;
}

const sumOrUnlimited = (a: number, b: number): number => (isUnlimited(a) || isUnlimited(b) ? UNLIMITED : a + b);
const differenceOrUnlimited = (a: number, b: number): number => (isUnlimited(a) || isUnlimited(b) ? UNLIMITED : a - b);

/**
 * What an update may set each limit to. A project's limit cannot go below
 * its usage nor below what its users' limits already hand out; a user's
 * cannot go below the user's usage nor above what the project has not
 * handed out to other users.
 */
export async function settableRanges(q: Queryable, conf: Config, projectId: string, userId?: string): Promise<Record<string, SettableRange>> {
  const project = await projectQuotaLimits(q, conf, projectId);
  // Remains: the project's limit less every user limit set in it.
  const remains: Limits = { ...project };
  for (const row of await allUserLimitsOfProject(q, projectId)) {
    if (remains[row.resource] !== undefined) remains[row.resource] = remains[row.resource]! - Number(row.hard_limit);
  }
  const out: Record<string, SettableRange> = {};
  if (userId === undefined) {
    const used = await shownUsage(q, projectId);
    for (const name of QUOTA_RESOURCE_NAMES) {
      const handedOut = differenceOrUnlimited(project[name]!, remains[name]!);
      out[name] = { minimum: Math.max(handedOut, used[name] ?? 0), maximum: UNLIMITED };
    }
    return out;
  }
  const own = await userLimits(q, projectId, userId);
  const used = await shownUsage(q, projectId, userId);
  for (const name of QUOTA_RESOURCE_NAMES) {
    out[name] = { minimum: used[name] ?? 0, maximum: sumOrUnlimited(remains[name]!, own[name] ?? 0) };
  }
  return out;
}
