// Rebuild: the same server, on the same host, from an image (the same or a
// new one), optionally renamed and with new metadata.
import type { InstanceRow } from '../db/schema.js';
import { getInstance, updateInstance } from '../db/instances.js';
import { recordAction } from '../db/instance-actions.js';
import { transact } from '../jobs/transaction.js';
import { usableBy, type ImageLookup } from '../image/lookup.js';
import { autoDiskConfigFor } from './disk-config.js';
import { checkLock, checkState } from './guards.js';
import { normalizeIPv6 } from './ip-address.js';
import { checkKeyName } from './servers.js';
import { checkInjectedFilesQuota, checkMetadataItemsQuota, type InjectedFile } from './quota-check.js';
import { Invalid, InstanceInvalidState, InstanceNotReady } from './errors.js';
import type { ComputeService, Requester } from './service.js';

export interface RebuildRequest {
  readonly imageRef: string;
  readonly name?: string;
  readonly metadata?: Readonly<Record<string, string>>;
  /** Personality files (before 2.57): only held to the injected_files quotas. */
  readonly injectedFiles?: readonly InjectedFile[];
  readonly description?: string | null;
  readonly accessIPv4?: string;
  readonly accessIPv6?: string;
  readonly userData?: string | null;
  readonly hostname?: string;
  /** From 2.54: a keypair of the caller, or null to drop the server's key. */
  readonly keyName?: string | null;
  /** OS-DCF:diskConfig asked for (true = AUTO); null = from the new image. */
  readonly autoDiskConfig?: boolean | null;
}

export async function rebuildServer(svc: ComputeService, images: ImageLookup, inst: InstanceRow, req: RebuildRequest, who: Requester): Promise<InstanceRow> {
  checkLock(inst, who.isAdmin);
  checkState(inst, 'rebuild', { vmStates: ['active', 'stopped', 'error'] });
  const imageId = req.imageRef.split('/').pop() ?? '';
  const image = images.get(imageId);
  if (!image || !usableBy(image, who)) throw new Invalid('Cannot find requested image');
  if (image.status !== 'active') throw new Invalid(`Image ${imageId} is not active.`);
  const autoDiskConfig = autoDiskConfigFor(image, req.autoDiskConfig ?? null);
  if (req.keyName) await checkKeyName(svc, who.userId ?? '', req.keyName);
  const caller = { projectId: who.projectId ?? inst.project_id, userId: who.userId ?? inst.user_id };
  await checkMetadataItemsQuota(svc.db.kysely, svc.conf, caller, Object.keys(req.metadata ?? {}).length);
  await checkInjectedFilesQuota(svc.db.kysely, svc.conf, caller, req.injectedFiles ?? []);
  if (inst.host === null) throw new InstanceNotReady(inst.uuid);
  const now = svc.clock.now();
  await transact(svc, async (tx) => {
    const ok = await updateInstance(
      tx.q,
      inst.uuid,
      {
        task_state: 'rebuilding',
        image_ref: imageId,
        auto_disk_config: autoDiskConfig ? 1 : 0,
        progress: 0,
        ...(req.name !== undefined && { display_name: req.name }),
        ...(req.metadata !== undefined && { metadata: JSON.stringify(req.metadata) }),
        ...(req.description !== undefined && { display_description: req.description }),
        ...(req.accessIPv4 !== undefined && { access_ip_v4: req.accessIPv4 || null }),
        ...(req.accessIPv6 !== undefined && { access_ip_v6: req.accessIPv6 ? normalizeIPv6(req.accessIPv6) : null }),
        ...(req.userData !== undefined && { user_data: req.userData }),
        ...(req.hostname !== undefined && { hostname: req.hostname }),
        ...(req.keyName !== undefined && { key_name: req.keyName }),
      },
      now,
      { taskState: [null], vmState: [inst.vm_state] },
    );
    if (!ok) throw new InstanceInvalidState(inst.uuid, 'rebuild', 'task_state', 'rebuilding');
    await recordAction(tx.q, { action: 'rebuild', instanceUuid: inst.uuid, requestId: who.requestId, userId: who.userId, projectId: who.projectId }, now);
    await tx.post(
      `compute.${inst.host}`,
      'rebuild_instance',
      { instance_uuid: inst.uuid, previous_vm_state: inst.vm_state },
      { requestId: who.requestId, instanceUuid: inst.uuid },
    );
  });
  return (await getInstance(svc.db.kysely, inst.uuid))!;
}
