// Network quotas (Neutron's quotas and quota_details extensions): a limit
// per project and resource, Neutron's defaults for the rest, usage counted
// from what the project owns, and OverQuota when a create would pass a limit.
import type { AuthContext } from '../identity/validator.js';
import { adminOnly, isAdmin, type Caller } from './access.js';
import { badRequest, invalidAttr, overQuota, policyDenied } from './errors.js';
import type { NetworkEnv } from './env.js';
import { resourceBody } from './request.js';
import type { NetworkStore, ResourceTable } from './store.js';

/**
 * Neutron's `[quotas] quota_*` defaults (-1 is unlimited), for the resources
 * its core, L3 and security group plugins register — RBAC policies too,
 * which this service does not serve (their usage is 0).
 */
export const DEFAULT_QUOTAS: Readonly<Record<string, number>> = {
  network: 100,
  subnet: 100,
  subnetpool: -1,
  port: 500,
  router: 10,
  floatingip: 50,
  security_group: 10,
  security_group_rule: 100,
  rbac_policy: 10,
};

/** What a create counts against. */
export type QuotaResource = 'network' | 'subnet' | 'subnetpool' | 'port' | 'router' | 'floatingip' | 'security_group' | 'security_group_rule';

const TABLES: Readonly<Record<string, ResourceTable | undefined>> = {
  network: 'network_networks',
  subnet: 'network_subnets',
  subnetpool: 'network_subnetpools',
  port: 'network_ports',
  router: 'network_routers',
  floatingip: 'network_floatingips',
  security_group: 'network_security_groups',
  security_group_rule: 'network_security_group_rules',
};

const MAX_LIMIT = 2147483647;

async function used(s: NetworkStore, projectId: string, resource: string): Promise<number> {
  const table = TABLES[resource];
  return table ? (await s.list(table, { column: 'project_id', in: [projectId] })).length : 0;
}

export async function limitsOf(s: NetworkStore, projectId: string): Promise<Record<string, number>> {
  const own = await s.quotaLimits(projectId);
  return Object.fromEntries(Object.entries(DEFAULT_QUOTAS).map(([r, d]) => [r, own.get(r) ?? d]));
}

/** Refuses a create of `count` more `resource`s that would pass the project's limit. */
export async function checkQuota(env: NetworkEnv, projectId: string, resource: QuotaResource, count = 1): Promise<void> {
  const limit = (await limitsOf(env.store, projectId))[resource]!;
  if (limit < 0) return;
  if ((await used(env.store, projectId, resource)) + count > limit) throw overQuota([resource]);
}

/** Another project's quotas are for admins (get_quota); one's own anyone may read. */
function mayRead(ctx: Caller, projectId: string): void {
  if (projectId !== ctx.projectId && !isAdmin(ctx)) throw policyDenied('get_quota');
}

export async function showQuota(env: NetworkEnv, ctx: Caller, projectId: string): Promise<Record<string, number>> {
  mayRead(ctx, projectId);
  return limitsOf(env.store, projectId);
}

export function defaultQuota(ctx: Caller, projectId: string): Record<string, number> {
  mayRead(ctx, projectId);
  return { ...DEFAULT_QUOTAS };
}

export async function quotaDetails(env: NetworkEnv, ctx: Caller, projectId: string): Promise<Record<string, { limit: number; used: number; reserved: number }>> {
  mayRead(ctx, projectId);
  const limits = await limitsOf(env.store, projectId);
  const out: Record<string, { limit: number; used: number; reserved: number }> = {};
  for (const r of Object.keys(DEFAULT_QUOTAS)) out[r] = { limit: limits[r]!, used: await used(env.store, projectId, r), reserved: 0 };
  return out;
}

export async function listQuotas(env: NetworkEnv, ctx: Caller): Promise<Array<Record<string, unknown>>> {
  adminOnly(ctx, 'get_quota');
  const out: Array<Record<string, unknown>> = [];
  for (const p of await env.store.quotaProjects()) out.push({ ...(await limitsOf(env.store, p)), project_id: p, tenant_id: p });
  return out;
}

function limitValue(v: unknown, attr: string): number {
  const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw invalidAttr(attr, `'${String(v)}' is not an integer`);
  if (n < -1) throw invalidAttr(attr, `'${n}' is too small - must be at least '-1'`);
  if (n > MAX_LIMIT) throw invalidAttr(attr, `'${n}' is too large - must be no larger than '${MAX_LIMIT}'`);
  return n;
}

export async function updateQuota(env: NetworkEnv, ctx: AuthContext, projectId: string, body: unknown): Promise<Record<string, number>> {
  adminOnly(ctx, 'update_quota');
  const inner = { ...resourceBody(body, 'quota') };
  const force = inner['force'] === true;
  delete inner['force'];
  delete inner['check_limit'];
  const unknown = Object.keys(inner).filter((k) => !(k in DEFAULT_QUOTAS));
  if (unknown.length > 0) throw badRequest(`Unrecognized attribute(s) '${unknown.join(', ')}'`);
  const limits = Object.entries(inner).map(([r, v]) => [r, limitValue(v, r)] as const);
  if (!force) {
    for (const [r, limit] of limits) {
      if (limit === -1) continue;
      const inUse = await used(env.store, projectId, r);
      if (inUse > limit) throw badRequest(`Quota limit ${limit} for ${r} must be greater than or equal to already used ${inUse}`);
    }
  }
  await env.store.transact(async (s) => {
    for (const [r, limit] of limits) await s.setQuotaLimit(projectId, r, limit);
  });
  return limitsOf(env.store, projectId);
}

export async function deleteQuota(env: NetworkEnv, ctx: Caller, projectId: string): Promise<void> {
  adminOnly(ctx, 'delete_quota');
  await env.store.clearQuotaLimits(projectId);
}
