// resize: a cold migration that also changes the flavor. Same guards as
// migrate, then the new flavor's checks (exists and is visible, enabled,
// different, not zero-disk), in Nova's order. (The images offered have no
// minimum disk or RAM, so Nova's flavor-against-image checks never fail here.)
import type { Kysely } from 'kysely';
import type { Database, FlavorRow, InstanceFlavor, InstanceRow } from '../db/schema.js';
import { flavorOf } from '../db/instances.js';
import { FlavorNotFound, Invalid } from './errors.js';
import { beginColdMove, checkColdMoveAllowed } from './migrate.js';
import type { ComputeService, Requester } from './service.js';

/** A flavor by its API id, if the caller may see it (non-admins: public or shared with their project). */
async function findFlavor(db: Kysely<Database>, who: Requester, flavorid: string): Promise<FlavorRow | undefined> {
  let q = db.selectFrom('flavors').selectAll('flavors').where('flavors.flavorid', '=', flavorid).where('flavors.deleted', '=', 0);
  if (!who.isAdmin) {
    const project = who.projectId ?? '';
    q = q.where((eb) =>
      eb.or([
        eb('flavors.is_public', '=', 1),
        eb.exists(
          eb
            .selectFrom('flavor_projects')
            .select('flavor_projects.flavor_id')
            .whereRef('flavor_projects.flavor_id', '=', 'flavors.id')
            .where('flavor_projects.project_id', '=', project),
        ),
      ]),
    );
  }
  return q.orderBy('flavors.id').executeTakeFirst();
}

async function snapshot(db: Kysely<Database>, f: FlavorRow): Promise<InstanceFlavor> {
  const specs = await db.selectFrom('flavor_extra_specs').select(['key', 'value']).where('flavor_id', '=', f.id).orderBy('key').execute();
  return {
    id: f.id,
    flavorid: f.flavorid,
    name: f.name,
    memory_mb: f.memory_mb,
    vcpus: f.vcpus,
    root_gb: f.root_gb,
    ephemeral_gb: f.ephemeral_gb,
    swap: f.swap,
    extra_specs: Object.fromEntries(specs.map((s) => [s.key, s.value])),
  };
}

export async function resize(svc: ComputeService, who: Requester, inst: InstanceRow, flavorRef: string): Promise<void> {
  await checkColdMoveAllowed(svc, who, inst, 'resize');
  const db = svc.db.kysely;
  const current = flavorOf(inst);
  const row = await findFlavor(db, who, flavorRef);
  if (!row) throw new FlavorNotFound(flavorRef);
  const wanted = await snapshot(db, row);
  if (wanted.extra_specs['accel:device_profile']) throw new Invalid('Feature not supported with instances that have accelerators.');
  // Every Magnetar server boots from an image, so a zero-disk flavor cannot hold it.
  if (wanted.root_gb === 0 && current.root_gb !== 0)
    throw new Invalid('Server disk was unable to be resized because: Resize to zero disk flavor is not allowed.');
  const sameFlavor = current.id === wanted.id;
  if (!sameFlavor && row.disabled) throw new FlavorNotFound(flavorRef);
  if (sameFlavor) throw new Invalid('When resizing, instances must change flavor!');
  await beginColdMove(svc, who, inst, {
    action: 'resize',
    flavor: wanted,
    host: null,
    allowSameHost: svc.conf.bool('DEFAULT', 'allow_resize_to_same_host'),
  });
}
