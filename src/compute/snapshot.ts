// createImage and createBackup: an image of a server's disk. The request
// creates the queued image (with the server's and its boot image's
// properties, as Nova's compute API does), then in one transaction the task,
// the instance action and the host's job; the host takes the snapshot and
// uploads it. When the task cannot start the image is deleted again.
import type { InstanceRow } from '../db/schema.js';
import { getInstance, updateInstance } from '../db/instances.js';
import { recordAction } from '../db/instance-actions.js';
import { transact } from '../jobs/transaction.js';
import type { ImageLookup } from '../image/lookup.js';
import type { ImageRegistry } from '../image/registry.js';
import type { Image } from '../image/catalog.js';
import { projectQuotaLimits, userQuotaLimits } from './quota-limits.js';
import { Forbidden, Invalid, InstanceNotReady } from './errors.js';
import { checkState, lostRaceConflict, type StateGuard } from './guards.js';
import type { ComputeService, Requester } from './service.js';
import { TaskState, VmState } from './states.js';

const SNAPSHOT_GUARD: StateGuard = { vmStates: [VmState.ACTIVE, VmState.STOPPED, VmState.PAUSED, VmState.SUSPENDED] };

/** Image properties a snapshot never inherits from the image the server was booted from. */
const NON_INHERITABLE = new Set([
  'cinder_encryption_key_id', 'cinder_encryption_key_deletion_policy', 'img_signature', 'img_signature_hash_method',
  'img_signature_key_type', 'img_signature_certificate_uuid', 'cache_in_nova', 'bittorrent',
]);

export interface SnapshotRequest {
  readonly name: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** Present for createBackup. */
  readonly backup?: { readonly type: string; readonly rotation: number };
  /** Below 2.39 the metadata counts against the metadata_items quota. */
  readonly checkQuota: boolean;
}

/** Below 2.39: 403 when the image metadata is more than the project's (or user's) metadata_items limit. */
export async function checkImageMetadataQuota(svc: ComputeService, projectId: string, userId: string, items: number): Promise<void> {
  if (items === 0) return;
  const project = await projectQuotaLimits(svc.db.kysely, svc.conf, projectId);
  const user = await userQuotaLimits(svc.db.kysely, svc.conf, projectId, userId);
  for (const limit of [project['metadata_items'], user['metadata_items']]) {
    if (limit !== undefined && limit >= 0 && items > limit) throw new Forbidden('Image metadata limit exceeded');
  }
}

/**
 * The queued image a snapshot of `inst` is uploaded into, with the server's
 * and its boot image's properties, as Nova's compute API makes it (shelve's
 * image is one too).
 */
export function createServerImage(
  registry: ImageRegistry,
  images: ImageLookup,
  who: Requester,
  inst: InstanceRow,
  req: Pick<SnapshotRequest, 'name' | 'metadata' | 'backup'>,
): Image {
  const base = images.get(inst.image_ref);
  const inherited = Object.fromEntries(
    Object.entries(base?.properties ?? {}).filter(([k]) => !NON_INHERITABLE.has(k) && !k.startsWith('os_glance')),
  );
  const sameProject = who.projectId === inst.project_id;
  const properties: Record<string, string> = {
    ...inherited,
    base_image_ref: inst.image_ref,
    instance_uuid: inst.uuid,
    user_id: who.userId ?? '',
    image_type: req.backup ? 'backup' : 'snapshot',
    ...(req.backup ? { backup_type: req.backup.type } : {}),
    ...(sameProject ? {} : { instance_owner: inst.project_id }),
    ...req.metadata,
  };
  return registry.createForSnapshot({
    name: req.name,
    owner: who.projectId ?? inst.project_id,
    // An admin's image of another project's server stays reachable for that project.
    visibility: sameProject ? 'private' : 'shared',
    minDisk: base?.minDisk ?? 0,
    minRam: base?.minRam ?? 0,
    ...(req.backup && base ? { diskFormat: base.diskFormat ?? null, containerFormat: base.containerFormat ?? null } : {}),
    properties,
  });
}

/** Starts a snapshot (or backup) of `inst`; returns the new image's id. */
export async function snapshotServer(
  svc: ComputeService,
  registry: ImageRegistry,
  images: ImageLookup,
  who: Requester,
  inst: InstanceRow,
  req: SnapshotRequest,
): Promise<string> {
  const action = req.backup ? 'createBackup' : 'createImage';
  if (req.checkQuota) await checkImageMetadataQuota(svc, who.projectId ?? inst.project_id, who.userId ?? inst.user_id, Object.keys(req.metadata).length);
  checkState(inst, action, SNAPSHOT_GUARD);
  if (inst.image_ref === '') {
    throw new Invalid(req.backup ? 'Backup is not supported for volume-backed instances.' : 'Snapshot of a volume-backed server is not supported.');
  }
  if (inst.host === null) throw new InstanceNotReady(inst.uuid);

  const image = createServerImage(registry, images, who, inst, req);

  const now = svc.clock.now();
  try {
    await transact(svc, async (tx) => {
      const task = req.backup ? TaskState.IMAGE_BACKUP : TaskState.IMAGE_SNAPSHOT_PENDING;
      const won = await updateInstance(tx.q, inst.uuid, { task_state: task }, now, { taskState: [null], vmState: SNAPSHOT_GUARD.vmStates });
      if (!won) throw lostRaceConflict((await getInstance(tx.q, inst.uuid)) ?? inst, action, SNAPSHOT_GUARD);
      await recordAction(tx.q, { action, instanceUuid: inst.uuid, requestId: who.requestId, userId: who.userId, projectId: who.projectId }, now);
      const args = req.backup
        ? { instance_uuid: inst.uuid, image_id: image.id, backup_type: req.backup.type, rotation: req.backup.rotation }
        : { instance_uuid: inst.uuid, image_id: image.id };
      await tx.post(`compute.${inst.host}`, req.backup ? 'backup_instance' : 'snapshot_instance', args, { requestId: who.requestId, instanceUuid: inst.uuid });
    });
  } catch (err) {
    registry.discard(image.id);
    throw err;
  }
  return image.id;
}
