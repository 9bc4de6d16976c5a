// The rules of creating, updating and deleting servers: what is checked
// before anything changes, the rows written, and the cast that starts the
// long work (build on the conductor, terminate on the server's host).
import { randomInt, randomUUID } from 'node:crypto';
import { normalizeIPv6 } from './ip-address.js';
import type { InstanceRow, InstanceUpdate } from '../db/schema.js';
import { getFlavor, instanceFlavorOf, type FlavorViewer, type FlavorWithSpecs } from '../db/flavors.js';
import { insertInstance, updateInstance, getInstance, lockLiveInstance } from '../db/instances.js';
import { aggregateZone, aggregatesOfHosts } from '../db/aggregates.js';
import { recordAction } from '../db/instance-actions.js';
import { dbTime } from '../db/time.js';
import { requestSpecToJson } from '../scheduler/request-spec-json.js';
import { requestedFlavorOf, type RequestSpec, type SchedulerHints } from '../scheduler/request-spec.js';
import { finishDelete } from './finish-delete.js';
import { notifyInstance } from '../notifications/emit.js';
import { transact, type Tx } from '../jobs/transaction.js';
import { migrationOfInstanceByStatus, updateMigration } from '../db/migrations-repo.js';
import { POWER_STATE, TaskState, VmState, isDeleting } from './states.js';
import { Conflict, Invalid, InstanceInvalidState } from './errors.js';
import { checkLock, hostIsUp } from './guards.js';
import { checkInjectedFilesQuota, checkInstancesQuota, checkMetadataItemsQuota, type InjectedFile } from './quota-check.js';
import { lockQuotaScope } from '../db/quotas.js';
import type { ComputeService, Requester } from './service.js';
import type { ServerGroup } from '../db/server-groups.js';
import { joinServerGroup } from './server-groups.js';
import type { StoredNetworkRequests } from './neutron/requested-networks.js';
import { deallocateForServer, portsEnvOf } from './neutron/server-ports.js';
import { checkBlockDevices, imageRootDevice, type BlockDevice } from './block-devices.js';

export interface CreateServers {
  readonly name: string;
  /** Below 2.19 Nova keeps the name as the description. */
  readonly description: string | null;
  /** Requested hostname (2.90); null = derived from the name. */
  readonly hostname: string | null;
  readonly flavor: FlavorWithSpecs;
  /** Image id ('' for a volume-backed server). */
  readonly imageRef: string;
  /** The zone asked for (pinned), without any host/node part. */
  readonly availabilityZone: string | null;
  readonly requestedHost?: string;
  readonly requestedNode?: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** Personality files (before 2.57): only held to the injected_files quotas, never written into the guest. */
  readonly injectedFiles?: readonly InjectedFile[];
  readonly adminPass: string | null;
  readonly userData: string | null;
  readonly keyName: string | null;
  readonly configDrive: boolean;
  readonly accessIPv4: string | null;
  readonly accessIPv6: string | null;
  readonly tags: readonly string[];
  /** OS-DCF:diskConfig as decided from the request and the image (true = AUTO). */
  readonly autoDiskConfig: boolean;
  /** As given, normalised to lists of strings. */
  readonly schedulerHints: Readonly<Record<string, readonly string[]>>;
  /** The ports the build gives the servers, as checked with the network service. */
  readonly requestedNetworks: StoredNetworkRequests;
  readonly minCount: number;
  readonly maxCount: number;
  /** The group the `group` hint names; the new servers join it. */
  readonly serverGroup?: ServerGroup;
  /** The devices asked for (block_device_mapping_v2), format-checked; absent = the image as root disk only. */
  readonly blockDevices?: readonly BlockDevice[];
}

export interface CreatedServers {
  readonly uuids: readonly string[];
  readonly reservationId: string;
}

const RESERVATION_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** `r-` and eight random lower-case letters or digits, as Nova's generate_uid. */
export function newReservationId(): string {
  let s = 'r-';
  for (let i = 0; i < 8; i++) s += RESERVATION_CHARS[randomInt(RESERVATION_CHARS.length)];
  return s;
}

/** Nova's sanitize_hostname: a DNS label from a display name, or `fallback` when nothing is left. */
export function sanitizeHostname(name: string, fallback: string): string {
  let h = [...name].filter((c) => c.charCodeAt(0) < 256).join('');
  h = h.slice(0, 63);
  h = h.replace(/[ _.]/g, '-');
  h = h.replace(/[^\w.-]+/g, '');
  h = h.toLowerCase();
  h = h.replace(/^[.-]+|[.-]+$/g, '');
  return h === '' ? fallback.slice(0, 63) : h;
}

/**
 * Writes the instance rows (vm_state building, task scheduling), records a
 * `create` action for each and asks the conductor to schedule and build them.
 * Nothing is checked here that the API must check first (flavor, image, zone).
 */
export async function createServers(svc: ComputeService, who: Requester & { projectId: string; userId: string }, req: CreateServers): Promise<CreatedServers> {
  if (req.minCount > req.maxCount) throw new Invalid('min_count must be <= max_count');
  if (req.hostname !== null && req.maxCount > 1) throw new Invalid('Unable to allocate a single hostname to multiple instances');
  await checkMetadataItemsQuota(svc.db.kysely, svc.conf, who, Object.keys(req.metadata).length);
  await checkInjectedFilesQuota(svc.db.kysely, svc.conf, who, req.injectedFiles ?? []);
  let count = req.maxCount;
  const reservationId = newReservationId();
  const now = svc.clock.now();
  const t = dbTime(now);
  const flavor = instanceFlavorOf(req.flavor);
  const uuids: string[] = [];
  await transact(
    svc,
    async (tx) => {
      uuids.length = 0;
      // Counted and written under one lock, so concurrent boots cannot share the same headroom.
      await lockQuotaScope(tx.q, svc.db.dialect, `project:${who.projectId}`);
      count = await checkInstancesQuota(tx.q, svc.conf, {
        projectId: who.projectId,
        userId: who.userId,
        flavor,
        minCount: req.minCount,
        maxCount: req.maxCount,
      });
      // As in Nova, the devices are judged after the quota: a request over both hears about the quota.
      checkBlockDevices(req.blockDevices ?? [imageRootDevice(req.imageRef)], req.flavor, svc.conf.num('DEFAULT', 'max_local_block_devices'));
      for (let i = 0; i < count; i++) {
        const uuid = randomUUID();
        // Several servers from one request are named `<name>-<n>`.
        const displayName = count > 1 ? `${req.name}-${i + 1}` : req.name;
        await insertInstance(tx.q, {
          uuid,
          project_id: who.projectId,
          user_id: who.userId,
          display_name: displayName,
          display_description: req.description,
          hostname: req.hostname ?? sanitizeHostname(displayName, `Server-${uuid}`),
          vm_state: VmState.BUILDING,
          task_state: TaskState.SCHEDULING,
          power_state: POWER_STATE.NOSTATE,
          host: null,
          node: null,
          availability_zone: req.availabilityZone,
          flavor: JSON.stringify(flavor),
          old_flavor: null,
          new_flavor: null,
          image_ref: req.imageRef,
          key_name: req.keyName,
          metadata: JSON.stringify(req.metadata),
          tags: JSON.stringify([...new Set(req.tags)]),
          access_ip_v4: req.accessIPv4,
          access_ip_v6: req.accessIPv6 === null ? null : normalizeIPv6(req.accessIPv6),
          auto_disk_config: req.autoDiskConfig ? 1 : 0,
          locked_by: null,
          locked_reason: null,
          progress: 0,
          config_drive: req.configDrive ? 'True' : '',
          user_data: req.userData,
          reservation_id: reservationId,
          launch_index: i,
          admin_pass: req.adminPass,
          scheduler_hints: JSON.stringify(req.schedulerHints),
          requested_networks: JSON.stringify(req.requestedNetworks),
          launched_at: null,
          terminated_at: null,
          created_at: t,
          updated_at: t,
          deleted_at: null,
          deleted: 0,
        });
        await recordAction(tx.q, { action: 'create', instanceUuid: uuid, requestId: who.requestId, userId: who.userId, projectId: who.projectId }, now);
        uuids.push(uuid);
      }
      if (req.serverGroup !== undefined) await joinServerGroup(svc, tx.q, req.serverGroup, who, uuids);
      const hints: SchedulerHints = {
        ...(req.schedulerHints['same_host'] && { same_host: req.schedulerHints['same_host'] }),
        ...(req.schedulerHints['different_host'] && { different_host: req.schedulerHints['different_host'] }),
      };
      const spec: RequestSpec = {
        instanceUuid: uuids[0]!,
        projectId: who.projectId,
        flavor: requestedFlavorOf(flavor),
        availabilityZone: req.availabilityZone,
        ...(req.imageRef !== '' && { imageRef: req.imageRef }),
        ...(req.requestedHost !== undefined && { requestedHost: req.requestedHost }),
        ...(req.requestedNode !== undefined && { requestedNode: req.requestedNode }),
        ...(Object.keys(hints).length > 0 && { schedulerHints: hints }),
        ...(uuids.length > 1 && { numInstances: uuids.length, instanceUuids: uuids }),
      };
      await tx.post('conductor', 'build_instances', { spec: requestSpecToJson(spec) }, { requestId: who.requestId, instanceUuid: uuids[0] });
    },
    { afterCommit: () => svc.crash.at('api.create.after_commit', uuids[0]) },
  );
  return { uuids, reservationId };
}

export interface ServerUpdate {
  readonly name?: string;
  readonly description?: string | null;
  readonly hostname?: string;
  readonly accessIPv4?: string;
  readonly accessIPv6?: string;
  /** OS-DCF:diskConfig (true = AUTO); stored as given, no image check (as Nova). */
  readonly autoDiskConfig?: boolean;
  /** 2.104: pin to the server's current zone, or unpin (null). */
  readonly pinnedAvailabilityZone?: string | null;
}

/**
 * A server is pinned to the zone it asked for. It may be unpinned, or pinned
 * to the zone it is in now, but not moved to another zone by a rename.
 */
async function pinnedZoneUpdate(svc: ComputeService, inst: InstanceRow, requested: string | null): Promise<string | null> {
  if (requested === null) return null;
  const current = inst.availability_zone;
  if (current !== null && current !== requested)
    throw new Conflict('Cannot change pinned availability zone directly. Unpin first by setting pinned_availability_zone to null.');
  const actual = inst.host ? (await svc.zones.snapshot()).hostZone(inst.host) : (inst.availability_zone ?? '');
  if (current === null && requested !== actual)
    throw new Conflict(`Server can only be pinned to its current availability zone '${actual}', but '${requested}' was requested.`);
  return requested;
}

/** PUT /servers/{id}: the fields a user may rename. No lock or state check, as in Nova. */
export async function updateServer(svc: ComputeService, inst: InstanceRow, u: ServerUpdate): Promise<InstanceRow> {
  const values: InstanceUpdate = {
    ...(u.pinnedAvailabilityZone !== undefined && { availability_zone: await pinnedZoneUpdate(svc, inst, u.pinnedAvailabilityZone) }),
    ...(u.name !== undefined && { display_name: u.name }),
    ...(u.description !== undefined && { display_description: u.description }),
    ...(u.hostname !== undefined && { hostname: u.hostname }),
    ...(u.accessIPv4 !== undefined && { access_ip_v4: u.accessIPv4 }),
    ...(u.accessIPv6 !== undefined && { access_ip_v6: u.accessIPv6 === '' ? null : normalizeIPv6(u.accessIPv6) }),
    ...(u.autoDiskConfig !== undefined && { auto_disk_config: u.autoDiskConfig ? 1 : 0 }),
  };
  await updateInstance(svc.db.kysely, inst.uuid, values, svc.clock.now());
  return (await getInstance(svc.db.kysely, inst.uuid)) ?? inst;
}

/**
 * A server waiting for its resize to be confirmed is confirmed first, as Nova
 * does: the source host drops the old guest and gives back the room the
 * migration holds there (its confirm is queued with the delete).
 */
export async function confirmResizeOnDelete(tx: Tx, who: Requester, inst: InstanceRow, now: Date): Promise<void> {
  // The server's row before its migration's, the order a revert takes them
  // in: otherwise, on PostgreSQL, a delete and a revert racing could each
  // hold the row the other waits for until the deadlock check ends one.
  if (!(await lockLiveInstance(tx.q, inst.uuid))) return;
  const mig = await migrationOfInstanceByStatus(tx.q, inst.uuid, ['finished']);
  if (!mig) return;
  if (!(await updateMigration(tx.q, mig.id, { status: 'confirming' }, { expectStatus: ['finished'], now }))) return;
  await recordAction(tx.q, { action: 'confirmResize', instanceUuid: inst.uuid, requestId: who.requestId, userId: who.userId, projectId: who.projectId }, now);
  await tx.post(`compute.${mig.source_compute}`, 'confirm_resize', { instance_uuid: inst.uuid, migration_id: mig.id }, { requestId: who.requestId, instanceUuid: inst.uuid });
}

/**
 * DELETE /servers/{id}. Servers without a host, or whose host's compute
 * service is down, are deleted here at once; others get task_state
 * `deleting` and their host terminates them.
 */
export async function deleteServer(svc: ComputeService, who: Requester, inst: InstanceRow): Promise<void> {
  checkLock(inst, who.isAdmin);
  // A task that moves on under the delete (a build going from scheduling to
  // spawning, a move's next step) does not refuse it: the server is read again.
  let current = inst;
  for (let attempt = 1; ; attempt++) {
    try {
      await deleteAsRead(svc, who, current);
      return;
    } catch (err) {
      if (!(err instanceof TaskMovedOn)) throw err;
      const seen = await getInstance(svc.db.kysely, inst.uuid);
      if (!seen) return;
      if (attempt >= 5) throw new InstanceInvalidState(inst.uuid, 'delete', 'task_state', seen.task_state);
      current = seen;
    }
  }
}

/** The server's task changed between its read and the delete's compare-and-swap. */
class TaskMovedOn extends Error {}

async function deleteAsRead(svc: ComputeService, who: Requester, inst: InstanceRow): Promise<void> {
  const action = { action: 'delete', instanceUuid: inst.uuid, requestId: who.requestId, userId: who.userId, projectId: who.projectId };
  const local = inst.host === null || !(await hostIsUp(svc, inst.host));
  // A delete (or soft delete) already under way on the host is not started twice.
  if (!local && isDeleting(inst.task_state)) return;
  // Deleted here, with no host to do it: the API says so, as Nova's does, and
  // its ports go first, so a crash leaves a server to delete again, not ports of no server.
  const note = { publisher: `nova-api:${svc.conf.str('DEFAULT', 'host')}`, requestId: who.requestId, initiator: who } as const;
  if (local) {
    await notifyInstance(svc, 'instance.delete.start', inst.uuid, note);
    await deallocateForServer(portsEnvOf(svc), inst).catch((err: unknown) => svc.log.warn({ err, instance: inst.uuid }, 'could not release the ports of a deleted server'));
  }
  await transact(svc, async (tx) => {
    const now = svc.clock.now();
    if (inst.vm_state === VmState.RESIZED) await confirmResizeOnDelete(tx, who, inst, now);
    if (local) {
      await recordAction(tx.q, action, now);
      await finishDelete(tx.q, inst.uuid, now);
      return;
    }
    const ok = await updateInstance(tx.q, inst.uuid, { task_state: TaskState.DELETING, progress: 0 }, now, { taskState: [inst.task_state] });
    if (!ok) {
      const seen = await getInstance(tx.q, inst.uuid);
      if (!seen || isDeleting(seen.task_state)) return;
      // Thrown so that nothing of this try is kept.
      throw new TaskMovedOn();
    }
    await recordAction(tx.q, action, now);
    await tx.post(`compute.${inst.host}`, 'terminate_instance', { instance_uuid: inst.uuid }, { requestId: who.requestId, instanceUuid: inst.uuid });
  });
  if (local) await notifyInstance(svc, 'instance.delete.end', inst.uuid, note);
}

/** `forced_host` and friends: a zone string may carry a host and node (`az:host:node`, `az::node`, `az:host`). */
export function parseAvailabilityZone(az: string | null): { zone: string | null; host: string | null; node: string | null } {
  if (az === null || !az.includes(':')) return { zone: az || null, host: null, node: null };
  const parts = az.split(':');
  if (parts.length === 2) return { zone: parts[0] || null, host: parts[1] || null, node: null };
  if (parts.length === 3) {
    if (az.includes('::')) return { zone: parts[0] || null, host: null, node: parts[2] || null };
    return { zone: parts[0] || null, host: parts[1] || null, node: parts[2] || null };
  }
  throw new Invalid('Invalid input received: Unable to parse availability_zone');
}


/** `flavorRef` may be an id, an href ending in the id, or an integer. */
export function idFromRef(ref: string | number): string {
  const s = String(ref);
  const path = s.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/]*/i, '').split(/[?#]/, 1)[0]!;
  return path.split('/').pop() ?? '';
}

/**
 * The flavor a create asks for, as the caller may use it: a private flavor
 * needs access for the caller's project (admins see all), and a disabled
 * flavor does not exist for booting. Unknown → 400 `Flavor <id> could not be found.`
 */
export async function flavorForBoot(svc: ComputeService, who: FlavorViewer, flavorId: string): Promise<FlavorWithSpecs> {
  const flavor = await getFlavor(svc.db.kysely, who, flavorId);
  if (!flavor || flavor.disabled) throw new Invalid(`Flavor ${flavorId} could not be found.`);
  return flavor;
}

/** Zones a server may ask for: those of enabled services (a compute host's from its aggregates). */
export async function availableZones(svc: ComputeService): Promise<Set<string>> {
  const enabled = await svc.db.kysely
    .selectFrom('services')
    .select(['binary', 'host'])
    .where('disabled', '=', 0)
    .where('deleted', '=', 0)
    .execute();
  const map = await svc.zones.snapshot();
  return new Set(enabled.map((s) => map.serviceZone(s)));
}

/**
 * The zone a server forced onto a host (`zone:host[:node]`) keeps: the one
 * asked for when the host is in it (the default zone counts for a host no
 * aggregate gives a zone), else none — the host's own zone then shows.
 */
export async function zoneForForcedHost(svc: ComputeService, zone: string | null, host: string | null): Promise<string | null> {
  const aggregates = host === null ? [] : await aggregatesOfHosts(svc.db.kysely, [host]);
  const defaultZone = svc.conf.str('DEFAULT', 'default_availability_zone');
  if (aggregates.length === 0) return zone === defaultZone ? zone : null;
  const hostZone = aggregates.map(aggregateZone).find((z) => z) ?? null;
  if (zone === hostZone) return zone;
  if (zone === defaultZone && hostZone === null) return zone;
  return null;
}

/** 2.74 `host`/`hypervisor_hostname`: the named compute node must exist → else 400. */
export async function checkRequestedDestination(svc: ComputeService, host: string | undefined, node: string | undefined): Promise<void> {
  if (host === undefined && node === undefined) return;
  let q = svc.db.kysely.selectFrom('compute_nodes').select('id').where('deleted', '=', 0);
  if (host !== undefined) q = q.where('host', '=', host);
  if (node !== undefined) q = q.where('hypervisor_hostname', '=', node);
  const found = await q.executeTakeFirst();
  if (!found) throw new Invalid(`Compute host ${host ?? node} could not be found.`);
}

/** key_name must name a keypair of the calling user. */
export async function checkKeyName(svc: ComputeService, userId: string, keyName: string): Promise<void> {
  const kp = await svc.db.kysely.selectFrom('key_pairs').select('id').where('user_id', '=', userId).where('name', '=', keyName).where('deleted', '=', 0).executeTakeFirst();
  if (!kp) throw new Invalid('Invalid key_name provided.');
}
