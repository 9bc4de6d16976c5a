// Subnet pools: prefixes of one IP version that subnets take their CIDRs
// from (a given CIDR inside them, or the next free block of a prefix
// length), with bounds on those lengths, an optional per-project quota of
// addresses, an optional address scope, and one default pool per IP version
// for `use_default_subnetpool`. A pool's allocations are the subnets naming
// it: freed when they go, and while there are any the pool stays.
import { randomUUID } from 'node:crypto';
import type { AuthContext } from '../identity/validator.js';
import { adminOnly, canSeeShareable, isAdmin, mayWrite, type Caller } from './access.js';
import { NeutronError, badRequest, invalidAttr, invalidInput, subnetPoolNotFound } from './errors.js';
import { born, revised, type NetworkEnv } from './env.js';
import { cidrText, contains, lastOf, networkOf, type Cidr, type IpVersion } from './ip.js';
import { cidrsOf, difference, intersects, isSubset, prefixSet, type PrefixSet } from './prefix-sets.js';
import { checkQuota } from './quotas.js';
import { STANDARD_ATTRIBUTES, bool, checkedAttributes, pythonInt, resourceBody, show, str, uuid, type AttributeSpec } from './request.js';
import type { NetworkStore, Resource } from './store.js';
import { tagsOf } from './tags.js';
import { visibleAddressScope } from './address-scopes.js';

/** An integer as int() reads it, then not below zero (neutron-lib's convert_to_int and non_negative). */
export function nonNegative(v: unknown, attr: string): number {
  const n = pythonInt(v);
  if (!Number.isFinite(n)) throw invalidInput(`'${v === null ? 'None' : show(v)}' is not an integer`);
  if (n < 0) throw invalidAttr(attr, `'${n}' should be non-negative`);
  return n;
}

function notEmptyName(v: unknown, attr: string): string {
  const name = str(255)(v, attr);
  if (name.trim() === '') throw invalidAttr(attr, `'${name}' Blank strings are not permitted`);
  return name;
}

/** A list of distinct networks; an address with host bits set names its network, as netaddr reads it. */
function prefixList(v: unknown, attr: string): Cidr[] {
  if (!Array.isArray(v)) throw invalidAttr(attr, `'${show(v)}' is not a list`);
  const dups = v.filter((x, i) => v.indexOf(x) !== i);
  if (dups.length > 0) throw invalidAttr(attr, `Duplicate items in the list: '${[...new Set(dups)].map(show).join(', ')}'`);
  return v.map((p) => {
    const c = typeof p === 'string' && p.includes('/') ? networkOf(p) : null;
    if (!c) throw invalidAttr(attr, `'${show(p)}' is not a valid IP subnet`);
    return c;
  });
}

const uuidOrNull = (v: unknown, attr: string): string | null => (v === null ? null : uuid(v, attr));

const ATTRIBUTES: Readonly<Record<string, AttributeSpec>> = {
  ...STANDARD_ATTRIBUTES,
  name: { post: true, put: true, required: true, check: notEmptyName },
  prefixes: { post: true, put: true, required: true, check: prefixList },
  default_quota: { post: true, put: true, check: nonNegative },
  default_prefixlen: { post: true, put: true, check: nonNegative },
  min_prefixlen: { post: true, put: true, check: nonNegative },
  max_prefixlen: { post: true, put: true, check: nonNegative },
  is_default: { post: true, put: true, check: bool },
  shared: { post: true, put: false, check: bool },
  address_scope_id: { post: true, put: true, check: uuidOrNull },
  // Read from the prefixes, never given.
  ip_version: { post: false, put: false },
};

export const SUBNETPOOL_FIELDS = [
  'id', 'name', 'tenant_id', 'project_id', 'prefixes', 'default_quota', 'ip_version', 'default_prefixlen', 'min_prefixlen', 'max_prefixlen',
  'is_default', 'shared', 'address_scope_id', 'description', 'tags', 'created_at', 'updated_at', 'revision_number',
];

export const subnetPoolView = (p: Resource): Record<string, unknown> => ({
  id: p.id,
  name: p['name'],
  tenant_id: p.project_id,
  project_id: p.project_id,
  prefixes: p['prefixes'],
  default_quota: p['default_quota'],
  ip_version: p['ip_version'],
  default_prefixlen: p['default_prefixlen'],
  min_prefixlen: p['min_prefixlen'],
  max_prefixlen: p['max_prefixlen'],
  is_default: p['is_default'],
  shared: p['shared'],
  address_scope_id: p['address_scope_id'],
  description: p['description'],
  tags: tagsOf(p),
  created_at: p.created_at,
  updated_at: p.updated_at,
  revision_number: p.revision_number,
});

const bitsOf = (v: IpVersion): number => (v === 4 ? 32 : 128);
/** Neutron's smallest default min_prefixlen: /8 for IPv4, /64 for IPv6. */
const DEFAULT_MIN_PREFIXLEN: Readonly<Record<IpVersion, number>> = { 4: 8, 6: 64 };
/** A pool's default_quota counts addresses in /32s (IPv4) or /64s (IPv6). */
const QUOTA_UNIT: Readonly<Record<IpVersion, number>> = { 4: 32, 6: 64 };

const poolCidrs = (p: Resource): Cidr[] => (p['prefixes'] as string[]).map((x) => networkOf(x)!);
const setOf = (p: Resource): PrefixSet => prefixSet(p['ip_version'] as IpVersion, poolCidrs(p));

const prefixUpdateError = (msg: string): NeutronError => new NeutronError(400, 'IllegalSubnetPoolPrefixUpdate', `Illegal update to prefixes: ${msg}.`);
const bounds = (type: string, len: number, baseType: string, baseLen: number): NeutronError =>
  new NeutronError(400, 'IllegalSubnetPoolPrefixBounds', `Illegal prefix bounds: ${type}=${len}, ${baseType}=${baseLen}.`);

/** A pool's settled attributes: its IP version from its prefixes, those compacted, and its prefix length bounds with their defaults, checked. */
function settled(attrs: Record<string, unknown>, prefixes: readonly Cidr[]): Record<string, unknown> {
  if (prefixes.length === 0) throw new NeutronError(400, 'EmptySubnetPoolPrefixList', 'Empty subnet pool prefix list.');
  const version = prefixes[0]!.version;
  if (prefixes.some((c) => c.version !== version)) throw new NeutronError(400, 'PrefixVersionMismatch', 'Cannot mix IPv4 and IPv6 prefixes in a subnet pool.');
  const min = (attrs['min_prefixlen'] as number | undefined) ?? DEFAULT_MIN_PREFIXLEN[version];
  const max = (attrs['max_prefixlen'] as number | undefined) ?? bitsOf(version);
  const dflt = (attrs['default_prefixlen'] as number | undefined) ?? min;
  if (min > max) throw bounds('min_prefixlen', min, 'max_prefixlen', max);
  if (max > bitsOf(version)) throw bounds('max_prefixlen', max, 'ip_version_max', bitsOf(version));
  if (dflt < min) throw bounds('default_prefixlen', dflt, 'min_prefixlen', min);
  if (dflt > max) throw bounds('default_prefixlen', dflt, 'max_prefixlen', max);
  return {
    ...attrs,
    ip_version: version,
    prefixes: cidrsOf(prefixSet(version, prefixes)).map(cidrText),
    min_prefixlen: min,
    max_prefixlen: max,
    default_prefixlen: dflt,
  };
}

/** The pool as the caller may see it, else 404. */
export async function visibleSubnetPool(env: NetworkEnv, ctx: Caller, id: string, s: NetworkStore = env.store): Promise<Resource> {
  const pool = await s.get('network_subnetpools', id);
  if (!pool || !canSeeShareable(ctx, pool)) throw subnetPoolNotFound(id);
  return pool;
}

/** Makes the pool its IP version's default: one at a time, even when two become it at once. */
async function claimDefault(s: NetworkStore, pool: Resource): Promise<void> {
  if (!(await s.claimDefaultSubnetPool(pool['ip_version'] as number, pool.id))) {
    throw invalidInput('A default subnetpool for this IP family has already been set. Only one default may exist per IP family');
  }
}

/**
 * A pool joins a scope the caller may see, of its IP version, whose other
 * pools it does not overlap; and its subnets' networks must have no other
 * subnets of that version, which would be left in another scope.
 */
async function checkAddressScope(env: NetworkEnv, ctx: Caller, s: NetworkStore, pool: Resource): Promise<void> {
  const scopeId = pool['address_scope_id'] as string | null;
  if (scopeId === null) return;
  // Pools joining one scope take turns, so two cannot both miss each other's prefixes.
  await s.lock('network_address_scopes', scopeId);
  const scope = await visibleAddressScope(env, ctx, scopeId, s);
  if (scope['ip_version'] !== pool['ip_version']) {
    throw new NeutronError(400, 'IllegalSubnetPoolIpVersionAssociationToAddressScope',
      `Illegal subnetpool association: subnetpool ${pool.id} cannot associate with address scope ${scopeId} because subnetpool ip_version is not ${String(scope['ip_version'])}.`);
  }
  const subnets = await s.list('network_subnets');
  const mine = subnets.filter((x) => x['subnetpool_id'] === pool.id);
  const networks = new Set(mine.map((x) => x['network_id']));
  if (subnets.some((x) => networks.has(x['network_id']) && x['ip_version'] === pool['ip_version'] && x['subnetpool_id'] !== pool.id)) {
    throw new NeutronError(400, 'NetworkAddressScopeAffinityError',
      'Subnets of the same address family hosted on the same network must all participate in the same address scope.');
  }
  const others = (await s.list('network_subnetpools')).filter((p) => p.id !== pool.id && p['address_scope_id'] === scopeId);
  if (others.some((p) => intersects(setOf(p), setOf(pool)))) {
    throw new NeutronError(409, 'AddressScopePrefixConflict', 'Failed to associate address scope: subnetpools within an address scope must have unique prefixes.');
  }
}

export async function createSubnetPool(env: NetworkEnv, ctx: AuthContext, body: unknown, id: string = randomUUID()): Promise<Record<string, unknown>> {
  const a = checkedAttributes(resourceBody(body, 'subnetpool'), ATTRIBUTES, 'POST');
  const projectId = (a['project_id'] as string | undefined) ?? ctx.projectId;
  mayWrite(ctx, projectId, 'create_subnetpool');
  if (a['shared'] === true) adminOnly(ctx, 'create_subnetpool:shared');
  if (a['is_default'] === true) adminOnly(ctx, 'create_subnetpool:is_default');
  const { prefixes, project_id: _p, ...rest } = a;
  const pool: Resource = {
    ...born(env, id, projectId),
    description: '',
    default_quota: null,
    is_default: false,
    shared: false,
    address_scope_id: null,
    ...settled(rest, prefixes as Cidr[]),
  };
  await checkQuota(env, projectId, 'subnetpool');
  await env.store.transact(async (s) => {
    if (pool['is_default'] === true) await claimDefault(s, pool);
    await checkAddressScope(env, ctx, s, pool);
    await s.insert('network_subnetpools', pool);
  });
  return subnetPoolView(pool);
}

export async function listSubnetPools(env: NetworkEnv, ctx: Caller): Promise<Record<string, unknown>[]> {
  return (await env.store.list('network_subnetpools')).filter((p) => canSeeShareable(ctx, p)).map(subnetPoolView);
}

/** Writes a change to a pool in the caller's transaction, with every check a change gets. */
async function changePool(env: NetworkEnv, ctx: Caller, s: NetworkStore, current: Resource, changes: Record<string, unknown>): Promise<Resource> {
  let prefixes = poolCidrs(current);
  if ('prefixes' in changes) {
    const given = changes['prefixes'] as Cidr[];
    const version = current['ip_version'] as IpVersion;
    if (!isSubset(setOf(current), prefixSet(version, given))) throw prefixUpdateError('Existing prefixes must be a subset of the new prefixes');
    prefixes = given;
  }
  const { prefixes: _p, ...rest } = changes;
  const next = revised(env, current, settled({ ...current, ...rest }, prefixes));
  if (next['is_default'] === true && current['is_default'] !== true) await claimDefault(s, next);
  if (next['is_default'] !== true && current['is_default'] === true) await s.forgetDefaultSubnetPool(current.id);
  const scopeBefore = current['address_scope_id'] as string | null;
  if (scopeBefore !== null) {
    const scope = await visibleAddressScope(env, ctx, scopeBefore, s);
    if (!isAdmin(ctx) && scope.project_id !== ctx.projectId) {
      throw new NeutronError(400, 'IllegalSubnetPoolUpdate',
        `Illegal subnetpool update : subnetpool ${current.id} cannot be updated when associated with shared address scope ${scopeBefore}.`);
    }
  }
  await checkAddressScope(env, ctx, s, next);
  if (!(await s.replace('network_subnetpools', next))) throw new NeutronError(409, 'Conflict', `Subnet pool ${current.id} was changed by another request; try again.`);
  return next;
}

/** Runs `fn` on the pool, locked: subnets allocating from it wait, as do other changes. */
async function withLockedPool<T>(env: NetworkEnv, ctx: Caller, id: string, rule: string, fn: (s: NetworkStore, pool: Resource) => Promise<T>): Promise<T> {
  await visibleSubnetPool(env, ctx, id);
  return env.store.transact(async (s) => {
    await s.lock('network_subnetpools', id);
    const pool = await visibleSubnetPool(env, ctx, id, s);
    mayWrite(ctx, pool.project_id, rule);
    return fn(s, pool);
  });
}

export async function updateSubnetPool(env: NetworkEnv, ctx: AuthContext, id: string, body: unknown): Promise<Record<string, unknown>> {
  const a = checkedAttributes(resourceBody(body, 'subnetpool'), ATTRIBUTES, 'PUT');
  return withLockedPool(env, ctx, id, 'update_subnetpool', async (s, pool) => {
    if ('is_default' in a) adminOnly(ctx, 'update_subnetpool:is_default');
    return subnetPoolView(await changePool(env, ctx, s, pool, a));
  });
}

export async function deleteSubnetPool(env: NetworkEnv, ctx: AuthContext, id: string): Promise<void> {
  await withLockedPool(env, ctx, id, 'delete_subnetpool', async (s) => {
    if ((await s.list('network_subnets')).some((x) => x['subnetpool_id'] === id)) {
      throw new NeutronError(400, 'SubnetPoolDeleteError', 'Unable to delete subnet pool: Subnet pool has existing allocations.');
    }
    await s.forgetDefaultSubnetPool(id);
    await s.remove('network_subnetpools', id);
  });
}

/** The body of add_prefixes / remove_prefixes: a non-empty list of networks. */
function operationPrefixes(body: unknown): Cidr[] {
  const prefixes = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>)['prefixes'] : undefined;
  if (!Array.isArray(prefixes) || prefixes.length === 0) throw badRequest('Request body contains invalid data');
  return prefixes.map((p) => {
    const c = typeof p === 'string' && p.includes('/') ? networkOf(p) : null;
    if (!c) throw badRequest(`invalid IPNetwork ${show(p)}`);
    return c;
  });
}

export async function addPrefixes(env: NetworkEnv, ctx: AuthContext, id: string, body: unknown): Promise<{ prefixes: string[] }> {
  const added = operationPrefixes(body);
  return withLockedPool(env, ctx, id, 'add_prefixes', async (s, pool) => {
    const next = await changePool(env, ctx, s, pool, { prefixes: [...poolCidrs(pool), ...added] });
    return { prefixes: next['prefixes'] as string[] };
  });
}

export async function removePrefixes(env: NetworkEnv, ctx: AuthContext, id: string, body: unknown): Promise<{ prefixes: string[] }> {
  const removed = operationPrefixes(body);
  return withLockedPool(env, ctx, id, 'remove_prefixes', async (s, pool) => {
    const version = pool['ip_version'] as IpVersion;
    const cut = prefixSet(version, removed);
    if (!intersects(setOf(pool), cut)) return { prefixes: pool['prefixes'] as string[] };
    const allocated = prefixSet(version, (await s.list('network_subnets')).filter((x) => x['subnetpool_id'] === id).map((x) => networkOf(x['cidr'] as string)!));
    if (intersects(allocated, cut)) throw prefixUpdateError('One or more the prefixes to be removed is in use by a subnet.');
    const prefixes = cidrsOf(difference(setOf(pool), cut)).map(cidrText);
    if (!(await s.replace('network_subnetpools', revised(env, pool, { prefixes })))) throw new NeutronError(409, 'Conflict', `Subnet pool ${id} was changed by another request; try again.`);
    return { prefixes };
  });
}

/** The default pool of an IP version that the caller may use, if there is one. */
export async function defaultSubnetPool(env: NetworkEnv, ctx: Caller, version: IpVersion): Promise<Resource | undefined> {
  return (await env.store.list('network_subnetpools')).find((p) => p['is_default'] === true && p['ip_version'] === version && canSeeShareable(ctx, p));
}

const allocationError = (reason: string): NeutronError => new NeutronError(409, 'SubnetAllocationError', `Failed to allocate subnet: ${reason}.`);

export interface PrefixRequest {
  readonly projectId: string;
  /** A CIDR asked for; otherwise a block of `prefixlen` (the pool's default_prefixlen when not given). */
  readonly cidr?: Cidr;
  readonly prefixlen?: number;
}

/**
 * A CIDR for a new subnet from `pool`, in the caller's transaction, which
 * must hold the pool's lock (so two subnets never get one block): the one
 * asked for when it is free, else the first free block of the length asked
 * for, taken from the smallest free space it fits in.
 */
export async function allocatePrefix(s: NetworkStore, pool: Resource, request: PrefixRequest): Promise<Cidr> {
  const version = pool['ip_version'] as IpVersion;
  const prefixlen = request.cidr?.prefix ?? request.prefixlen ?? (pool['default_prefixlen'] as number);
  if (prefixlen > (pool['max_prefixlen'] as number)) {
    throw new NeutronError(400, 'MaxPrefixSubnetAllocationError',
      `Unable to allocate subnet with prefix length ${prefixlen}, maximum allowed prefix is ${String(pool['max_prefixlen'])}.`);
  }
  if (prefixlen < (pool['min_prefixlen'] as number)) {
    throw new NeutronError(400, 'MinPrefixSubnetAllocationError',
      `Unable to allocate subnet with prefix length ${prefixlen}, minimum allowed prefix is ${String(pool['min_prefixlen'])}.`);
  }
  const taken = (await s.list('network_subnets')).filter((x) => x['subnetpool_id'] === pool.id);
  const quota = pool['default_quota'] as number | null;
  if (quota !== null && quota !== undefined) {
    const unit = QUOTA_UNIT[version];
    const units = (len: number): number => 2 ** (unit - len);
    const used = taken.filter((x) => x.project_id === request.projectId).reduce((n, x) => n + units(networkOf(x['cidr'] as string)!.prefix), 0);
    if (used + units(prefixlen) > quota) throw new NeutronError(409, 'SubnetPoolQuotaExceeded', 'Per-project subnet pool prefix quota exceeded.');
  }
  const free = cidrsOf(difference(setOf(pool), prefixSet(version, taken.map((x) => networkOf(x['cidr'] as string)!))));
  if (request.cidr) {
    const want = request.cidr;
    if (!free.some((b) => contains(b, want.version, want.base) && contains(b, want.version, lastOf(want)))) {
      throw allocationError('Cannot allocate requested subnet from the available set of prefixes');
    }
    return want;
  }
  // Smallest free blocks first, so large blocks stay whole for large requests.
  const fit = [...free].sort((x, y) => y.prefix - x.prefix).find((b) => prefixlen >= b.prefix);
  if (!fit) throw allocationError(`Insufficient prefix space to allocate subnet size /${prefixlen}`);
  return { version, base: fit.base, prefix: prefixlen };
}
