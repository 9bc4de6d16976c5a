// /servers: create, list, list with details, show, update, delete, and the
// lock/unlock actions (api-ref servers.inc, related-apis.md §1).
import type { RouteTable } from '../router.js';
import { respond } from '../router.js';
import type { ApiDeps } from '../deps.js';
import { authorize, can, type RequestContext } from '../context.js';
import { badRequest, forbidden } from '../faults.js';
import { injectedFilesOf } from '../injected-files.js';
import { boolish } from '../validation.js';
import { parseIsoTime, type Query } from '../query.js';
import type { InstanceRow } from '../../db/schema.js';
import { latestFault } from '../../db/instances.js';
import { listInstances, MarkerNotFound, SORT_COLUMNS, type InstanceFilters, type RegexColumn, type SortColumn, type SortSpec } from '../../db/instance-queries.js';
import { getServer, getShownServer, serverTarget, serverUserTarget } from '../../compute/lookup.js';
import type { ShownInstance } from '../../db/shown-instance.js';
import { usableBy } from '../../image/lookup.js';
import { serviceIsUp } from '../../compute/service-liveness.js';
import { KNOWN_STATUSES, statusToStates } from '../../compute/states.js';
import { autoDiskConfigFor, diskConfigName, requestedAutoDiskConfig } from '../../compute/disk-config.js';
import { readBlockDeviceMappings, type RequestedBlockDevice } from '../../compute/block-devices.js';
import {
  availableZones,
  checkKeyName,
  checkRequestedDestination,
  createServers,
  deleteServer,
  flavorForBoot,
  idFromRef,
  parseAvailabilityZone,
  updateServer,
  zoneForForcedHost,
} from '../../compute/servers.js';
import { generatePassword } from '../../compute/password.js';
import { softDeleteEnabled, softDeleteServer } from '../../compute/deferred-delete.js';
import { discardShelvedImage } from '../../compute/shelve.js';
import { isExpectedLocker, lockServer, unlockServer } from '../../compute/lock.js';
import { CREATE_BODY, LIST_QUERY, LOCK_BODY, SHOW_QUERY, UNLOCK_BODY, UPDATE_BODY, ignoredSortKeys } from '../schemas/servers.js';
import { groupForBoot } from '../../compute/server-groups.js';
import { neutronFor } from '../../compute/neutron/shared-client.js';
import { validateRequestedNetworks, type ValidateInput } from '../../compute/neutron/requested-networks.js';
import { serverGroupUuidsOf } from '../../db/server-groups.js';
import { infoCachesOf, serversWithAddress, type InfoCache } from '../../db/info-caches.js';
import { serverBasic, serverCreated, serverFull, showOptions, type ServerFacts } from '../views/servers.js';
import { collectionLinks, pageParams } from '../views/paging.js';

const S = 'os_compute_api:servers';

// ---------------------------------------------------------------- facts

/** host_status of servers by host: forced down, then disabled, then liveness; "" without a compute service. */
async function hostStatuses(deps: ApiDeps, rows: readonly InstanceRow[]): Promise<Map<string, string>> {
  const hosts = [...new Set(rows.map((r) => r.host).filter((h): h is string => h !== null))];
  const out = new Map<string, string>();
  if (hosts.length === 0) return out;
  const services = await deps.db.kysely
    .selectFrom('services')
    .selectAll()
    .where('binary', '=', 'nova-compute')
    .where('deleted', '=', 0)
    .where('host', 'in', hosts)
    .execute();
  const now = deps.clock.now();
  for (const s of services) {
    out.set(
      s.host,
      s.forced_down ? 'DOWN' : s.disabled ? 'MAINTENANCE' : serviceIsUp(s, now, deps.compute.serviceDownTime) ? 'UP' : 'UNKNOWN',
    );
  }
  return out;
}

async function factsFor(
  deps: ApiDeps,
  rows: readonly InstanceRow[],
  withHostStatus: boolean,
  knownCaches?: ReadonlyMap<string, InfoCache>,
): Promise<Map<string, ServerFacts>> {
  const statuses = withHostStatus ? await hostStatuses(deps, rows) : new Map<string, string>();
  const zones = await deps.compute.zones.snapshot();
  const caches = knownCaches ?? (await infoCachesOf(deps.db.kysely, rows.map((r) => r.uuid)));
  const out = new Map<string, ServerFacts>();
  for (const r of rows) {
    const wantsFault = r.deleted !== 0 || r.vm_state === 'error' || r.vm_state === 'deleted';
    out.set(r.uuid, {
      fault: wantsFault ? await latestFault(deps.db.kysely, r.uuid) : undefined,
      hostStatus: withHostStatus ? (r.host ? (statuses.get(r.host) ?? '') : '') : undefined,
      imageProperties: r.image_ref ? deps.images.get(r.image_ref)?.properties : undefined,
      hostZone: r.host ? zones.hostZone(r.host) : '',
      infoCache: caches.get(r.uuid),
    });
  }
  return out;
}

/**
 * A single server's body. `known`: its network info cache and group, read
 * with the row (GET /servers/{id}); otherwise they are read here.
 */
export async function showBody(
  deps: ApiDeps,
  ctx: RequestContext,
  inst: InstanceRow,
  kind: 'show' | 'update',
  extra: Record<string, unknown> = {},
  known?: Pick<ShownInstance, 'infoCache' | 'serverGroup'>,
): Promise<unknown> {
  const o = showOptions(ctx, inst, kind);
  const caches = known && new Map(known.infoCache === undefined ? [] : [[inst.uuid, known.infoCache]]);
  let facts = (await factsFor(deps, [inst], o.hostStatus !== 'none', caches)).get(inst.uuid)!;
  if (o.showServerGroups)
    facts = { ...facts, serverGroup: known ? known.serverGroup : (await serverGroupUuidsOf(deps.db.kysely, [inst.uuid])).get(inst.uuid) };
  return { server: { ...serverFull(ctx, inst, facts, o), ...extra } };
}

// ---------------------------------------------------------------- list

/** Filters a non-admin may use, per version; anything else is dropped silently. */
function userFilters(ctx: RequestContext): Set<string> {
  const v = ctx.version;
  const names = ['reservation_id', 'name', 'status', 'image', 'flavor', 'ip', 'changes-since', 'all_tenants'];
  if (v.atLeast('2.5')) names.push('ip6');
  if (v.atLeast('2.26')) names.push('tags', 'tags-any', 'not-tags', 'not-tags-any');
  if (v.atLeast('2.66')) names.push('changes-before');
  if (v.atLeast('2.73')) names.push('locked');
  if (v.atLeast('2.83'))
    names.push('availability_zone', 'config_drive', 'key_name', 'created_at', 'launched_at', 'terminated_at', 'power_state', 'task_state', 'vm_state', 'progress', 'user_id');
  if (v.atLeast('2.90')) names.push('hostname');
  return new Set(names);
}

const PAGING = new Set(['sort_key', 'sort_dir', 'limit', 'marker']);
const JOINED = new Set(['block_device_mapping', 'services', 'metadata', 'system_metadata', 'info_cache', 'security_groups', 'pci_devices']);

/** Query parameter → regex-filtered column. */
const REGEX_PARAMS: Readonly<Record<string, RegexColumn>> = {
  name: 'display_name',
  display_name: 'display_name',
  description: 'display_description',
  display_description: 'display_description',
  hostname: 'hostname',
  node: 'node',
  key_name: 'key_name',
  reservation_id: 'reservation_id',
  availability_zone: 'availability_zone',
  config_drive: 'config_drive',
  access_ip_v4: 'access_ip_v4',
  access_ip_v6: 'access_ip_v6',
  locked_by: 'locked_by',
  launched_at: 'launched_at',
  terminated_at: 'terminated_at',
  created_at: 'created_at',
  power_state: 'power_state',
  progress: 'progress',
  launch_index: 'launch_index',
};

const TRUE_STRINGS = ['1', 't', 'true', 'on', 'y', 'yes'];
const FALSE_STRINGS = ['0', 'f', 'false', 'off', 'n', 'no'];

/** oslo's bool_from_string: strict raises 400 on anything else, lenient gives `dflt`. */
function boolFromString(v: string, strict: boolean, dflt = false): boolean {
  const s = v.trim().toLowerCase();
  if (TRUE_STRINGS.includes(s)) return true;
  if (FALSE_STRINGS.includes(s)) return false;
  if (strict)
    throw badRequest(`Invalid input received: Unrecognized value '${v}', acceptable values are: '0', '1', 'f', 'false', 'n', 'no', 'off', 'on', 't', 'true', 'y', 'yes'`);
  return dflt;
}

async function listServers(deps: ApiDeps, ctx: RequestContext, query: Query, detail: boolean): Promise<unknown> {
  authorize(ctx, `${S}:${detail ? 'detail' : 'index'}`);
  const v = ctx.version;
  // Which parameters count as filters for this caller.
  const allowAll = can(ctx, `${S}:allow_all_filters`);
  const allowed = userFilters(ctx);
  const opts = new Map<string, string[]>();
  for (const [name, values] of query.entries()) {
    if (allowAll ? PAGING.has(name) : !allowed.has(name)) continue;
    opts.set(name, values);
  }
  for (const name of opts.keys()) if (JOINED.has(name) || name.startsWith('_')) throw badRequest(`Invalid filter field: ${name}.`);
  const last = (name: string): string | undefined => {
    const vs = opts.get(name);
    return vs === undefined ? undefined : vs[vs.length - 1];
  };

  const f: { -readonly [K in keyof InstanceFilters]: InstanceFilters[K] } = {};
  const regex: Partial<Record<RegexColumn, string>> = {};

  if (opts.has('status')) {
    const pairs = query.all('status').flatMap((s) => statusToStates(s.toUpperCase()));
    const known = query.all('status').some((s) => KNOWN_STATUSES.has(s.toUpperCase()) && s.toUpperCase() !== 'UNKNOWN');
    if (!known || pairs.length === 0) {
      if (v.atLeast('2.38')) throw badRequest('Invalid status value');
      return detail ? { servers: [] } : { servers: [] };
    }
    f.statePairs = pairs;
  }

  if (opts.has('changes-since')) f.changesSince = parseIsoTime('changes-since', last('changes-since')!);
  if (opts.has('changes-before')) {
    f.changesBefore = parseIsoTime('changes-before', last('changes-before')!);
    if (f.changesSince && f.changesBefore < f.changesSince)
      throw badRequest('The value of changes-since must be less than or equal to changes-before.');
  }

  if (!opts.has('deleted')) {
    // changes-since/-before also return recently deleted servers.
    if (!f.changesSince && !f.changesBefore) f.deleted = false;
  } else {
    f.deleted = boolFromString(last('deleted')!, false);
  }
  // A status filter stands for the vm_states it maps to (DELETED → deleted).
  const vmStates = f.statePairs ? [...new Set(f.statePairs.map((p) => p.vmState))] : opts.get('vm_state');
  if (vmStates) {
    if (vmStates.length === 1 && vmStates[0] === 'deleted') {
      if (!ctx.isAdmin) throw forbidden('Only administrators may list deleted instances');
      f.deleted = true;
    }
    if (!f.statePairs) f.vmState = vmStates;
  }
  if (opts.has('task_state')) f.taskState = opts.get('task_state')!;

  if (v.atLeast('2.26')) {
    const split = (n: string) => (opts.has(n) ? last(n)!.split(',') : undefined);
    f.tags = split('tags');
    f.tagsAny = split('tags-any');
    f.notTags = split('not-tags');
    f.notTagsAny = split('not-tags-any');
  }

  // all_tenants: present and empty means yes.
  let allTenants = false;
  if (opts.has('all_tenants')) {
    const at = last('all_tenants')!;
    allTenants = at === '' ? true : boolFromString(at, true);
  }
  if (allTenants) {
    authorize(ctx, `${S}:${detail ? 'detail' : 'index'}:get_all_tenants`);
    const pid = last('project_id') ?? last('tenant_id');
    if (pid !== undefined) f.projectId = pid;
  } else {
    f.projectId = ctx.projectId;
  }

  if (opts.has('locked')) f.locked = boolFromString(last('locked')!, true);
  if (opts.has('user_id')) f.userId = last('user_id')!;
  if (opts.has('uuid')) f.uuid = opts.get('uuid')!;
  if (opts.has('image') || opts.has('image_ref')) f.imageRef = [idFromRef((last('image') ?? last('image_ref'))!)];
  if (opts.has('host')) f.host = opts.get('host')!;
  if (opts.has('flavor')) {
    const fl = await deps.db.kysely.selectFrom('flavors').select('id').where('flavorid', '=', last('flavor')!).where('deleted', '=', 0).executeTakeFirst();
    if (!fl) f.none = true;
    else f.flavorRowId = fl.id;
  }
  // Addresses are those of the servers' network info caches, matched as Nova's _ip_filter does (a pattern from the start of the address).
  if (opts.has('ip') || opts.has('ip6')) {
    const matching = new Set<string>();
    for (const [name, version] of [['ip', 4], ['ip6', 6]] as const) {
      const val = last(name);
      if (val !== undefined) for (const uuid of await serversWithAddress(deps.db.kysely, version, val)) matching.add(uuid);
    }
    f.uuid = f.uuid ? f.uuid.filter((u) => matching.has(u)) : [...matching];
    if (f.uuid.length === 0) f.none = true;
  }
  for (const [param, col] of Object.entries(REGEX_PARAMS)) {
    const val = last(param);
    if (val !== undefined) regex[col] = val;
  }
  f.regex = regex;
  if (regex.availability_zone !== undefined) {
    // A server is in its host's zone (the one it asked for until it has a host), as Nova records it.
    const zones = await deps.compute.zones.snapshot();
    f.zoneOf = (r) => (r.host ? zones.hostZone(r.host) : r.availability_zone);
  }

  const { limit, marker } = pageParams(deps.conf, query);
  const sort = sortSpec(ctx, query);
  let rows: InstanceRow[];
  try {
    rows = await listInstances(deps.db.kysely, f, sort, { limit, ...(marker !== undefined && { marker }) });
  } catch (err) {
    if (err instanceof MarkerNotFound) throw badRequest(err.message);
    throw err;
  }

  const collection = detail ? 'servers/detail' : 'servers';
  const links = collectionLinks(ctx, collection, rows, limit, (r) => r.uuid);
  let items: unknown[];
  if (detail) {
    const o = showOptions(ctx, null, 'detail');
    const facts = await factsFor(deps, rows, o.hostStatus !== 'none');
    items = rows.map((r) => serverFull(ctx, r, facts.get(r.uuid)!, o));
  } else {
    items = rows.map((r) => serverBasic(ctx, r));
  }
  return { servers: items, ...(links.length > 0 && { servers_links: links }) };
}

/** API sort key → column. */
const SORT_ALIASES: Readonly<Record<string, SortColumn>> = { locked: 'locked_by' };

function sortSpec(ctx: RequestContext, query: Query): SortSpec[] {
  const keys = [...query.all('sort_key')];
  const dirs = [...query.all('sort_dir')];
  // Keys Nova accepts but ignores go, with the direction at the same place.
  const ignored = ignoredSortKeys(ctx.version.atLeast('2.73'), ctx.version.atLeast('2.75'));
  for (const k of [...keys]) {
    if (ignored.includes(k)) {
      const i = keys.indexOf(k);
      if (dirs.length > i) dirs.splice(i, 1);
      keys.splice(i, 1);
    } else if ((k === 'host' || k === 'node') && !ctx.isAdmin) {
      throw forbidden(`Only administrators can sort servers by ${k}`);
    }
  }
  for (const d of dirs) if (d !== 'asc' && d !== 'desc') throw badRequest("Invalid input received: Unknown sort direction, must be 'desc' or 'asc'");
  const dflt = (dirs[0] ?? 'desc') as 'asc' | 'desc';
  while (dirs.length < keys.length) dirs.push(dflt);
  if (dirs.length > keys.length) throw badRequest('Invalid input received: Sort direction size exceeds sort key size');
  // created_at and id always end the order, in the first direction given.
  for (const k of ['created_at', 'id']) {
    if (!keys.includes(k)) {
      keys.push(k);
      dirs.push(dflt);
    }
  }
  const out: SortSpec[] = [];
  keys.forEach((k, i) => {
    const col = SORT_ALIASES[k] ?? ((SORT_COLUMNS as readonly string[]).includes(k) ? (k as SortColumn) : undefined);
    // Keys without a column here (kernel_id, instance_type_id…) order nothing.
    if (col) out.push({ key: col, dir: dirs[i] as 'asc' | 'desc' });
  });
  return out;
}

// ---------------------------------------------------------------- create

interface NetworkRequest {
  readonly uuid?: string;
  readonly port?: string | null;
  readonly fixed_ip?: string;
  readonly tag?: string;
}

const UUID_LIKE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

function checkNetworks(networks: unknown): void {
  if (!Array.isArray(networks)) return;
  const ports: string[] = [];
  for (const n of networks as NetworkRequest[]) {
    if (n.port) {
      if (ports.includes(n.port)) throw badRequest(`Port ID '${n.port}' was specified twice: you cannot attach a port multiple times.`);
      if (n.fixed_ip !== undefined)
        throw badRequest(`Specified Fixed IP '${n.fixed_ip}' cannot be used with port '${n.port}': the two cannot be specified together.`);
      ports.push(n.port);
    } else {
      if (n.uuid === undefined) throw badRequest("Bad network format: missing 'uuid'");
      if (!UUID_LIKE.test(n.uuid)) throw badRequest(`Bad networks format: network uuid is not in proper format (${n.uuid})`);
    }
  }
}

/** Scheduler hints as lists of strings, without Nova-internal `_nova*` keys. */
function normaliseHints(h: unknown): Record<string, string[]> {
  if (h === null || typeof h !== 'object') return {};
  const out: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(h as Record<string, unknown>)) {
    if (k.startsWith('_nova')) continue;
    out[k] = (Array.isArray(v) ? v : [v]).map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
  }
  return out;
}

async function create(deps: ApiDeps, ctx: RequestContext, body: Record<string, any>): Promise<unknown> {
  const v = ctx.version;
  const s = body['server'] as Record<string, any>;
  const password: string = s['adminPass'] ?? generatePassword(deps.conf.num('DEFAULT', 'password_length'));
  const name: string = s['name'];
  const description: string | null = v.atLeast('2.19') ? (s['description'] ?? null) : name;
  const hostname: string | null = v.atLeast('2.90') ? (s['hostname'] ?? null) : null;
  const minCount = Number(s['min_count'] ?? 1);
  const maxCount = Number(s['max_count'] ?? minCount);
  if (minCount > maxCount) throw badRequest('min_count must be <= max_count');
  const azRequest: string | null = s['availability_zone'] ?? null;
  const target = { project_id: ctx.projectId, user_id: ctx.userId, availability_zone: azRequest };
  authorize(ctx, `${S}:create`, target);
  if (s['trusted_image_certificates']) authorize(ctx, `${S}:create:trusted_certs`, target);

  const { zone, host: forcedHost, node: forcedNode } = parseAvailabilityZone(azRequest);
  let az = zone;
  if (forcedHost || forcedNode) {
    authorize(ctx, `${S}:create:forced_host`, target);
    az = await zoneForForcedHost(deps.compute, az, forcedHost);
  }
  let requestedHost: string | undefined = forcedHost ?? undefined;
  let requestedNode: string | undefined = forcedNode ?? undefined;
  if (v.atLeast('2.74') && (s['host'] || s['hypervisor_hostname'])) {
    authorize(ctx, 'compute:servers:create:requested_destination', target);
    if (forcedHost || forcedNode)
      throw badRequest('One mechanism with host and/or hypervisor_hostname and another mechanism with zone:host:node are mutually exclusive.');
    requestedHost = s['host'] ?? undefined;
    requestedNode = s['hypervisor_hostname'] ?? undefined;
  }

  const bdms: unknown[] = s['block_device_mapping_v2'] ?? s['block_device_mapping'] ?? [];
  if (s['block_device_mapping'] && s['block_device_mapping_v2'])
    throw badRequest('Using different block_device_mapping syntaxes is not allowed in the same request.');
  const imageRef: string | undefined = s['imageRef'] || undefined;
  const blockDevices = s['block_device_mapping_v2']?.length
    ? readBlockDeviceMappings(s['block_device_mapping_v2'] as RequestedBlockDevice[], imageRef !== undefined)
    : undefined;
  if (bdms.length > 0) authorize(ctx, `${S}:create:attach_volume`, target);
  if (!imageRef && bdms.length === 0) throw badRequest('Missing imageRef attribute');
  // There is no block storage: a server can only boot from an image.
  if (bdms.some((b) => (b as Record<string, unknown>)['source_type'] !== 'image' && (b as Record<string, unknown>)['destination_type'] !== 'local'))
    throw badRequest('Block Device Mapping is Invalid: volumes are not available.');
  if (!imageRef) throw badRequest('Missing imageRef attribute');

  const networks = s['networks'];
  checkNetworks(networks);
  if (Array.isArray(networks) && networks.length > 0) authorize(ctx, `${S}:create:attach_network`, target);
  if (networks === 'auto') authorize(ctx, `${S}:create:attach_network`, target);


  const flavorId = idFromRef(s['flavorRef']);
  const flavor = await flavorForBoot(deps.compute, ctx, flavorId);
  const imageId = idFromRef(imageRef);
  const image = deps.images.get(imageId);
  if (!image || !usableBy(image, { projectId: ctx.projectId, isAdmin: ctx.isAdmin })) throw badRequest('Can not find requested image');
  if (image.status !== 'active') throw badRequest(`Image ${imageId} is not active.`);
  // A root disk from another image than imageRef must be an image the caller can use.
  for (const d of blockDevices ?? []) {
    if (d.imageId === null || d.imageId === imageId) continue;
    const other = deps.images.get(d.imageId);
    if (!other || !usableBy(other, { projectId: ctx.projectId, isAdmin: ctx.isAdmin }))
      throw badRequest(`Block Device Mapping is Invalid: failed to get image ${d.imageId}.`);
  }
  if (flavor.root_gb === 0) authorize(ctx, `${S}:create:zero_disk_flavor`, target);
  if (flavor.memory_mb < image.minRam) throw badRequest("Flavor's memory is too small for requested image.");
  if (flavor.root_gb > 0 && flavor.root_gb < image.minDisk)
    throw badRequest(
      `Flavor's disk is smaller than the minimum size specified in image metadata. Flavor disk is ${flavor.root_gb * 1024 ** 3} bytes, minimum size is ${image.minDisk * 1024 ** 3} bytes.`,
    );
  const autoDiskConfig = autoDiskConfigFor(image, requestedAutoDiskConfig(s['OS-DCF:diskConfig']));
  if (s['key_name'] !== undefined) await checkKeyName(deps.compute, ctx.userId, s['key_name']);
  if (az !== null && !forcedHost) {
    const zones = await availableZones(deps.compute);
    if (!zones.has(az)) throw badRequest('The requested availability zone is not available');
  }
  if (hostname !== null && maxCount > 1) throw badRequest('Unable to allocate a single hostname to multiple instances');
  await checkRequestedDestination(deps.compute, s['host'] ?? undefined, s['hypervisor_hostname'] ?? undefined);

  const requestedNetworks = await validateRequestedNetworks(neutronFor(deps.conf), {
    networks: networks as ValidateInput['networks'],
    securityGroups: [...new Set(((s['security_groups'] ?? []) as Array<{ name?: string }>).map((g) => g.name).filter((n): n is string => !!n))],
    projectId: ctx.projectId,
    maxCount,
    token: ctx.authToken,
    mayAttachExternal: can(ctx, 'network:attach_external_network', target),
  });

  const hints = normaliseHints(body['os:scheduler_hints'] ?? body['OS-SCH-HNT:scheduler_hints']);
  const groupHint = hints['group']?.[0];
  const serverGroup = groupHint !== undefined ? await groupForBoot(deps.compute, groupHint) : undefined;
  const created = await createServers(deps.compute, ctx, {
    name,
    description,
    hostname,
    flavor,
    imageRef: imageId,
    availabilityZone: az,
    ...(requestedHost !== undefined && { requestedHost }),
    ...(requestedNode !== undefined && { requestedNode }),
    metadata: s['metadata'] ?? {},
    injectedFiles: injectedFilesOf(s['personality']),
    adminPass: password,
    userData: s['user_data'] ?? null,
    keyName: s['key_name'] ?? null,
    configDrive: s['config_drive'] !== undefined && boolish(s['config_drive']),
    accessIPv4: s['accessIPv4'] ?? null,
    accessIPv6: s['accessIPv6'] ?? null,
    tags: v.atLeast('2.52') ? (s['tags'] ?? []) : [],
    autoDiskConfig,
    schedulerHints: hints,
    requestedNetworks,
    minCount,
    maxCount,
    ...(serverGroup !== undefined && { serverGroup }),
    ...(blockDevices !== undefined && { blockDevices }),
  });

  if (s['return_reservation_id'] !== undefined && s['return_reservation_id'] !== false) return { reservation_id: created.reservationId };
  const out = serverCreated(
    ctx,
    created.uuids[0]!,
    diskConfigName(autoDiskConfig),
    s['security_groups'],
    deps.conf.bool('api', 'enable_instance_password') ? password : null,
  );
  const self = `${ctx.selfBase}/servers/${created.uuids[0]}`;
  return respond(202, out, { Location: self });
}

// ---------------------------------------------------------------- routes

export function registerServersRoutes(routes: RouteTable, deps: ApiDeps): void {
  const svc = deps.compute;

  routes.route({
    method: 'GET',
    path: '/servers',
    status: 200,
    query: LIST_QUERY,
    handler: ({ ctx, query }) => listServers(deps, ctx, query, false),
  });

  routes.route({
    method: 'GET',
    path: '/servers/detail',
    status: 200,
    query: LIST_QUERY,
    handler: ({ ctx, query }) => listServers(deps, ctx, query, true),
  });

  routes.route({
    method: 'POST',
    path: '/servers',
    status: 202,
    body: CREATE_BODY,
    handler: ({ ctx, body }) => create(deps, ctx, body as Record<string, any>),
  });

  routes.route({
    method: 'GET',
    path: '/servers/:server_id',
    status: 200,
    query: SHOW_QUERY,
    handler: async ({ ctx, params }) => {
      const shown = await getShownServer(svc, ctx, params['server_id']!);
      authorize(ctx, `${S}:show`, serverTarget(shown.row));
      return showBody(deps, ctx, shown.row, 'show', {}, shown);
    },
  });

  routes.route({
    method: 'PUT',
    path: '/servers/:server_id',
    status: 200,
    body: UPDATE_BODY,
    handler: async ({ ctx, params, body }) => {
      const inst = await getServer(svc, ctx, params['server_id']!);
      authorize(ctx, `${S}:update`, serverUserTarget(inst));
      const s = (body as { server: Record<string, any> }).server;
      const updated = await updateServer(svc, inst, {
        ...(s['name'] !== undefined && { name: s['name'] }),
        ...('description' in s && { description: s['description'] }),
        ...(s['hostname'] !== undefined && { hostname: s['hostname'] }),
        ...(s['accessIPv4'] !== undefined && { accessIPv4: s['accessIPv4'] }),
        ...(s['accessIPv6'] !== undefined && { accessIPv6: s['accessIPv6'] }),
        ...(s['OS-DCF:diskConfig'] !== undefined && { autoDiskConfig: s['OS-DCF:diskConfig'] === 'AUTO' }),
        ...('pinned_availability_zone' in s && { pinnedAvailabilityZone: s['pinned_availability_zone'] }),
      });
      return showBody(deps, ctx, updated, 'update');
    },
  });

  routes.route({
    method: 'DELETE',
    path: '/servers/:server_id',
    status: 204,
    handler: async ({ ctx, params }) => {
      const inst = await getServer(svc, ctx, params['server_id']!);
      authorize(ctx, `${S}:delete`, serverUserTarget(inst));
      if (softDeleteEnabled(svc)) await softDeleteServer(svc, ctx, inst);
      else await deleteServer(svc, ctx, inst);
      discardShelvedImage(deps.imageRegistry, inst);
      return undefined;
    },
  });

  routes.action('/servers/:server_id', {
    name: 'lock',
    status: 202,
    body: LOCK_BODY,
    handler: async ({ ctx, params, body }) => {
      const inst = await getServer(svc, ctx, params['server_id']!);
      authorize(ctx, 'os_compute_api:os-lock-server:lock', serverUserTarget(inst));
      const lock = (body as { lock: { locked_reason?: string } | null }).lock;
      const reason = ctx.version.atLeast('2.73') && lock !== null && typeof lock === 'object' ? (lock.locked_reason ?? null) : null;
      await lockServer(svc, ctx, inst, reason);
      return undefined;
    },
  });

  routes.action('/servers/:server_id', {
    name: 'unlock',
    status: 202,
    body: UNLOCK_BODY,
    handler: async ({ ctx, params }) => {
      const inst = await getServer(svc, ctx, params['server_id']!);
      authorize(ctx, 'os_compute_api:os-lock-server:unlock', serverTarget(inst));
      if (!isExpectedLocker(inst, ctx)) authorize(ctx, 'os_compute_api:os-lock-server:unlock:unlock_override', serverTarget(inst));
      await unlockServer(svc, ctx, inst);
      return undefined;
    },
  });
}
