// Cold migration and resize, the conductor's part: record the migration,
// hand the server's source allocation to it, ask the scheduler for a
// destination (which claims there for the server), then start the hosts'
// steps with prep_resize on the destination. When no destination is found
// the server goes back to what it was doing before, untouched.
import type { Handlers, Json, MessageArgs } from '../rpc/bus.js';
import type { InstanceFlavor, InstanceRow, MigrationRow } from '../db/schema.js';
import type { ConductorContext } from './context.js';
import { conductorEvent, selectDestinations } from './context.js';
import { flavorOf, getInstance, updateInstance } from '../db/instances.js';
import { createMigration, updateMigration } from '../db/migrations-repo.js';
import { moveAllocations, release } from '../scheduler/claims.js';
import type { RequestSpec, Selection } from '../scheduler/request-spec.js';
import { Conflict, InstanceNotFound, NoValidHost } from '../compute/errors.js';
import { TaskState } from '../compute/states.js';

interface MigrateServerArgs {
  readonly instanceUuid: string;
  readonly flavor: InstanceFlavor;
  readonly host: string | null;
  readonly allowSameHost: boolean;
  readonly userId: string | null;
  readonly projectId: string | null;
}

const strOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function parseArgs(a: MessageArgs): MigrateServerArgs {
  return {
    instanceUuid: String(a['instance_uuid']),
    flavor: a['flavor'] as unknown as InstanceFlavor,
    host: strOrNull(a['host']),
    allowSameHost: a['allow_same_host'] === true,
    userId: strOrNull(a['user_id']),
    projectId: strOrNull(a['project_id']),
  };
}

export function migrateTask(ctx: ConductorContext): Handlers {
  return {
    async migrate_server(args, mctx) {
      const req = parseArgs(args);
      const requestId = mctx.requestId;
      try {
        await conductorEvent(ctx, req.instanceUuid, requestId, 'conductor_migrate_server', () =>
          conductorEvent(ctx, req.instanceUuid, requestId, 'cold_migrate', () => coldMigrate(ctx, req, requestId)),
        );
      } catch (err) {
        // Already recorded on the instance action; the API answered long ago.
        ctx.log.warn({ err, instance: req.instanceUuid, requestId }, 'cold migration failed in the conductor');
      }
    },
  };
}

async function coldMigrate(ctx: ConductorContext, req: MigrateServerArgs, requestId: string | undefined): Promise<void> {
  const db = ctx.db.kysely;
  const inst = await getInstance(db, req.instanceUuid);
  if (!inst) throw new InstanceNotFound(req.instanceUuid);
  // A reset-state (or a racing request's clean-up) took the server back
  // between the API and here: there is no accepted move left to carry out.
  if (inst.task_state !== TaskState.RESIZE_PREP) throw new Conflict(`Instance ${inst.uuid} is no longer waiting to be migrated`);
  const current = flavorOf(inst);
  const isResize = current.id !== req.flavor.id;
  const migration = await createMigration(
    ctx.db,
    {
      instanceUuid: inst.uuid,
      migrationType: isResize ? 'resize' : 'migration',
      status: 'pre-migrating',
      sourceCompute: inst.host,
      sourceNode: inst.node,
      oldInstanceTypeId: current.id,
      newInstanceTypeId: req.flavor.id,
      userId: req.userId,
      projectId: req.projectId,
      now: ctx.clock.now(),
    },
    { exclusive: true },
  );
  // Another move of this server is under way (a racing request got through
  // after a reset-state): it owns the server's state, leave it alone.
  if (!migration) throw new Conflict(`Instance ${inst.uuid} is already being moved`);

  // From here the source is held by the migration, so the scheduler can
  // claim the destination for the server itself.
  await moveAllocations(ctx.db, inst.uuid, migration.uuid);
  let selection: Selection;
  try {
    const spec: RequestSpec = {
      instanceUuid: inst.uuid,
      projectId: inst.project_id,
      flavor: { vcpus: req.flavor.vcpus, memory_mb: req.flavor.memory_mb, root_gb: req.flavor.root_gb, ephemeral_gb: req.flavor.ephemeral_gb, swap: req.flavor.swap },
      availabilityZone: null,
      ...(req.host !== null ? { requestedHost: req.host } : {}),
      ignoreHosts: req.allowSameHost || inst.host === null ? [] : [inst.host],
    };
    const selections = await selectDestinations(ctx, spec, undefined, requestId);
    selection = selections[0]!;
  } catch (err) {
    await giveBack(ctx, inst, migration);
    if (err instanceof Error && err.name === 'NoValidHost') {
      throw new NoValidHost(isResize ? 'No valid host found for resize' : 'No valid host found for cold migrate');
    }
    throw err;
  }

  if (!(await getInstance(db, inst.uuid))) {
    // Deleted while we scheduled: the delete path freed what it knew of; free the new claim.
    await release(ctx.db, inst.uuid);
    await release(ctx.db, migration.uuid);
    await updateMigration(ctx.db, migration.id, { status: 'error' }, { now: ctx.clock.now() });
    throw new InstanceNotFound(inst.uuid);
  }
  await ctx.bus.cast(
    `compute.${selection.host}`,
    'prep_resize',
    {
      instance_uuid: inst.uuid,
      migration_id: migration.id,
      flavor: req.flavor as unknown as Json,
      node: selection.nodename,
    },
    { requestId },
  );
}

/** No destination: the migration fails, the source allocation returns to the server, the server to its task-less state. */
async function giveBack(ctx: ConductorContext, inst: InstanceRow, migration: MigrationRow): Promise<void> {
  const now = ctx.clock.now();
  await updateMigration(ctx.db, migration.id, { status: 'error' }, { now });
  await moveAllocations(ctx.db, migration.uuid, inst.uuid);
  await updateInstance(ctx.db.kysely, inst.uuid, { task_state: null }, now, { taskState: [TaskState.RESIZE_PREP] });
}
