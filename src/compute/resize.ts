// resize: a cold migration that also changes the flavor. Same guards as
// migrate, then the new flavor's checks (exists and is visible, enabled,
// different, not zero-disk), in Nova's order. (The images offered have no
// minimum disk or RAM, so Nova's flavor-against-image checks never fail here.)
import type { InstanceRow } from '../db/schema.js';
import { getFlavor, instanceFlavorOf } from '../db/flavors.js';
import { flavorOf } from '../db/instances.js';
import { FlavorNotFound, Invalid } from './errors.js';
import { checkUpsizeQuota } from './quota-check.js';
import { beginColdMove, checkColdMoveAllowed } from './migrate.js';
import type { ComputeService, Requester } from './service.js';

export async function resize(svc: ComputeService, who: Requester, inst: InstanceRow, flavorRef: string, autoDiskConfig: boolean | null = null): Promise<void> {
  await checkColdMoveAllowed(svc, who, inst, 'resize');
  const current = flavorOf(inst);
  const row = await getFlavor(svc.db.kysely, { projectId: who.projectId ?? '', isAdmin: who.isAdmin }, flavorRef);
  if (!row) throw new FlavorNotFound(flavorRef);
  const wanted = instanceFlavorOf(row);
  if (wanted.extra_specs['accel:device_profile']) throw new Invalid('Feature not supported with instances that have accelerators.');
  // Every Magnetar server boots from an image, so a zero-disk flavor cannot hold it.
  if (wanted.root_gb === 0 && current.root_gb !== 0)
    throw new Invalid('Server disk was unable to be resized because: Resize to zero disk flavor is not allowed.');
  const sameFlavor = current.id === wanted.id;
  if (!sameFlavor && row.disabled) throw new FlavorNotFound(flavorRef);
  if (sameFlavor) throw new Invalid('When resizing, instances must change flavor!');
  await checkUpsizeQuota(svc.db.kysely, svc.conf, { projectId: inst.project_id, userId: inst.user_id }, current, wanted);
  await beginColdMove(svc, who, inst, {
    action: 'resize',
    flavor: wanted,
    host: null,
    allowSameHost: svc.conf.bool('DEFAULT', 'allow_resize_to_same_host'),
    // Nova stores the value asked for, and MANUAL when the request has none.
    autoDiskConfig: autoDiskConfig ?? false,
  });
}
