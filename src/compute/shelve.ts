// shelve, shelveOffload and unshelve. Shelve powers a server's guest off and
// saves its disk to an image (`<name>-shelved`); with
// [DEFAULT] shelved_offload_time = 0 the host then offloads it at once:
// the guest is destroyed, the host's resources given back and the server
// left SHELVED_OFFLOADED without a host. Unshelve starts a server that is
// only shelved on its own host, and has the conductor schedule an offloaded
// one like a build (to the zone or host asked for at 2.77 / 2.91). Each
// request is its guards in Nova's order, then one transaction: the task,
// the instance action and the next role's job.
import type { InstanceRow } from '../db/schema.js';
import { getInstance, updateInstance } from '../db/instances.js';
import { recordAction } from '../db/instance-actions.js';
import { transact } from '../jobs/transaction.js';
import type { ImageLookup } from '../image/lookup.js';
import type { ImageRegistry } from '../image/registry.js';
import { Conflict, Invalid, InstanceNotReady } from './errors.js';
import { checkComputeHostExists, checkLock, checkState, lostRaceConflict, type StateGuard } from './guards.js';
import { createServerImage } from './snapshot.js';
import { availableZones } from './servers.js';
import { changedSystemMetadata, shelvedImageOf } from './shelved-metadata.js';
import type { ComputeService, Requester } from './service.js';
import { TaskState, VmState } from './states.js';

const SHELVE_GUARD: StateGuard = { vmStates: [VmState.ACTIVE, VmState.STOPPED, VmState.PAUSED, VmState.SUSPENDED] };
const OFFLOAD_GUARD: StateGuard = { vmStates: [VmState.SHELVED] };
const UNSHELVE_GUARD: StateGuard = { vmStates: [VmState.SHELVED, VmState.SHELVED_OFFLOADED] };

/** Starts the task on the server with its instance action and the next job; 409 for a lost race. */
async function begin(
  svc: ComputeService,
  who: Requester,
  inst: InstanceRow,
  action: string,
  guard: StateGuard,
  values: { readonly task_state: string; readonly availability_zone?: string | null },
  job: { readonly topic: string; readonly method: string; readonly args: Record<string, string | null> },
  systemMetadata?: Readonly<Record<string, string>>,
): Promise<void> {
  await transact(svc, async (tx) => {
    const now = svc.clock.now();
    const sys = systemMetadata === undefined ? undefined : await changedSystemMetadata(tx.q, inst.uuid, systemMetadata);
    const won =
      (systemMetadata === undefined || sys !== undefined) &&
      (await updateInstance(tx.q, inst.uuid, { ...values, ...(sys !== undefined && { system_metadata: sys }) }, now, {
        taskState: [null],
        vmState: guard.vmStates,
      }));
    if (!won) throw lostRaceConflict((await getInstance(tx.q, inst.uuid)) ?? inst, action, guard);
    await recordAction(tx.q, { action, instanceUuid: inst.uuid, requestId: who.requestId, userId: who.userId, projectId: who.projectId }, now);
    await tx.post(job.topic, job.method, { instance_uuid: inst.uuid, ...job.args }, { requestId: who.requestId, instanceUuid: inst.uuid });
  });
}

/**
 * `shelve`: a server with an image has its disk saved to a new image first
 * (deleted again when the request cannot start); a volume-backed one goes
 * straight to offloading, as Nova does.
 */
export async function shelve(svc: ComputeService, registry: ImageRegistry, images: ImageLookup, who: Requester, inst: InstanceRow): Promise<void> {
  checkLock(inst, who.isAdmin);
  checkState(inst, 'shelve', SHELVE_GUARD);
  if (inst.host === null) throw new InstanceNotReady(inst.uuid);
  const image = inst.image_ref === '' ? null : createServerImage(registry, images, who, inst, { name: `${inst.display_name}-shelved`, metadata: {} });
  const args: Record<string, string> = image ? { image_id: image.id } : {};
  const job = { topic: `compute.${inst.host}`, method: image ? 'shelve_instance' : 'shelve_offload_instance', args };
  try {
    // Nova keeps the boot image's id for the unshelve (image_base_image_ref).
    await begin(svc, who, inst, 'shelve', SHELVE_GUARD, { task_state: TaskState.SHELVING }, job, { image_base_image_ref: inst.image_ref });
  } catch (err) {
    if (image) registry.discard(image.id);
    throw err;
  }
}

/** `shelveOffload`: a shelved server's host destroys its guest and gives back its resources. */
export async function shelveOffload(svc: ComputeService, who: Requester, inst: InstanceRow): Promise<void> {
  checkLock(inst, who.isAdmin);
  checkState(inst, 'shelveOffload', OFFLOAD_GUARD);
  if (inst.host === null) throw new InstanceNotReady(inst.uuid);
  await begin(svc, who, inst, 'shelveOffload', OFFLOAD_GUARD, { task_state: TaskState.SHELVING_OFFLOADING }, {
    topic: `compute.${inst.host}`,
    method: 'shelve_offload_instance',
    args: {},
  });
}

export interface UnshelveRequest {
  /** 2.77: the zone to unshelve to; 2.91: null unpins. undefined = not given (the server keeps its zone). */
  readonly availabilityZone?: string | null;
  /** 2.91: the host to unshelve to; null = the scheduler's choice. */
  readonly host: string | null;
  /** Whether the requester may name a host (checked only once a host is asked for, in Nova's order). */
  readonly authorizeHost: () => void;
}

/**
 * `unshelve`, in Nova's order: lock, state; a zone or host only for an
 * offloaded server; the zone must be available; the host (admins) must be a
 * compute host in the zone the server will be pinned to. Quota is not
 * checked: an offloaded server keeps counting against the project's
 * instances, cores and ram (Nova checks only when it counts usage from
 * placement).
 */
export async function unshelve(svc: ComputeService, who: Requester, inst: InstanceRow, req: UnshelveRequest): Promise<void> {
  checkLock(inst, who.isAdmin);
  checkState(inst, 'unshelve', UNSHELVE_GUARD);
  const zoneGiven = req.availabilityZone !== undefined;
  if ((zoneGiven || req.host) && inst.vm_state !== VmState.SHELVED_OFFLOADED) {
    throw new Conflict(
      `Specifying an availability zone or a host when unshelving server "${inst.uuid}" with status "${inst.vm_state}" is not supported. The server status must be SHELVED_OFFLOADED.`,
    );
  }
  if (req.availabilityZone && !(await availableZones(svc)).has(req.availabilityZone)) throw new Invalid('The requested availability zone is not available');
  const zoneAfter = zoneGiven ? (req.availabilityZone ?? null) : inst.availability_zone;
  if (req.host) {
    req.authorizeHost();
    await checkComputeHostExists(svc, req.host);
    if (zoneAfter !== null && (await svc.zones.snapshot()).hostZone(req.host) !== zoneAfter)
      throw new Conflict(`Host "${req.host}" is not in the availability zone "${zoneAfter}".`);
  }
  await begin(
    svc,
    who,
    inst,
    'unshelve',
    UNSHELVE_GUARD,
    // An empty zone pins to nothing, as Nova's scheduler reads it.
    { task_state: TaskState.UNSHELVING, ...(zoneGiven && { availability_zone: zoneAfter || null }) },
    { topic: 'conductor', method: 'unshelve_instance', args: { host: req.host || null } },
  );
}

/** Deleting a shelved server deletes the image its disk was saved to, as Nova does. */
export function discardShelvedImage(registry: ImageRegistry, inst: InstanceRow): void {
  if (inst.vm_state !== VmState.SHELVED && inst.vm_state !== VmState.SHELVED_OFFLOADED) return;
  const id = shelvedImageOf(inst);
  if (id !== null) registry.discard(id);
}
