// Cold migration and resize, the conductor's part. The API recorded the
// migration (`pre-migrating`, holding the source host's resources); here the
// scheduler picks the destination and claims it for the server, and one
// transaction records the destination and hands the move to its host
// (`prep_resize`). A run that dies before that transaction is started over:
// the claim it may have left is dropped first. When no destination is found
// the server goes back to what it was doing before, untouched.
import type { Handlers, Json, JobHandle, MessageArgs } from '../rpc/bus.js';
import type { InstanceFlavor, InstanceRow, MigrationRow } from '../db/schema.js';
import type { ConductorContext } from './context.js';
import { conductorEvent, SchedulerUnreachable, selectDestinations } from './context.js';
import { getInstance, lockLiveInstance, updateInstance } from '../db/instances.js';
import { getMigration, updateMigration } from '../db/migrations-repo.js';
import { moveAllocations, release } from '../scheduler/claims.js';
import { requestedFlavorOf, type RequestSpec, type Selection } from '../scheduler/request-spec.js';
import { transact } from '../jobs/transaction.js';
import { Conflict, NoValidHost } from '../compute/errors.js';
import { TaskState } from '../compute/states.js';

interface MigrateServerArgs {
  readonly instanceUuid: string;
  readonly migrationUuid: string;
  readonly flavor: InstanceFlavor;
  readonly host: string | null;
  readonly allowSameHost: boolean;
}

const strOrNull = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function parseArgs(a: MessageArgs): MigrateServerArgs {
  return {
    instanceUuid: String(a['instance_uuid']),
    migrationUuid: String(a['migration_uuid']),
    flavor: a['flavor'] as unknown as InstanceFlavor,
    host: strOrNull(a['host']),
    allowSameHost: a['allow_same_host'] === true,
  };
}

export function migrateTask(ctx: ConductorContext): Handlers {
  return {
    async migrate_server(args, mctx) {
      const req = parseArgs(args);
      const requestId = mctx.requestId;
      try {
        await conductorEvent(ctx, req.instanceUuid, requestId, 'conductor_migrate_server', () =>
          conductorEvent(ctx, req.instanceUuid, requestId, 'cold_migrate', () => coldMigrate(ctx, req, mctx.job, requestId)),
        );
      } catch (err) {
        if (err instanceof SchedulerUnreachable) throw err;
        // Already recorded on the instance action; the API answered long ago.
        ctx.log.warn({ err, instance: req.instanceUuid, requestId }, 'cold migration failed in the conductor');
      }
    },
  };
}

async function coldMigrate(ctx: ConductorContext, req: MigrateServerArgs, job: JobHandle | undefined, requestId: string | undefined): Promise<void> {
  const m = await getMigration(ctx.db, req.migrationUuid);
  // Handed to a host already, or settled by someone else: nothing left to do here.
  if (!m || m.status !== 'pre-migrating' || m.dest_compute !== null) return;
  const inst = await getInstance(ctx.db.kysely, req.instanceUuid);
  // A reset-state (or a delete) took the server back while the move waited.
  if (!inst || inst.task_state !== TaskState.RESIZE_PREP) {
    await abandon(ctx, m, job);
    throw new Conflict(`Instance ${req.instanceUuid} is no longer waiting to be migrated`);
  }
  // The source is held by the migration: whatever the server itself holds is
  // a destination claimed by an earlier run that died before handing over.
  await release(ctx.db, inst.uuid);
  let selection: Selection;
  try {
    const spec: RequestSpec = {
      instanceUuid: inst.uuid,
      projectId: inst.project_id,
      flavor: requestedFlavorOf(req.flavor),
      // The server stays in the zone it asked for at boot (or is pinned to).
      availabilityZone: inst.availability_zone,
      imageRef: inst.image_ref,
      ...(req.host !== null ? { requestedHost: req.host } : {}),
      ignoreHosts: req.allowSameHost || inst.host === null ? [] : [inst.host],
    };
    selection = (await selectDestinations(ctx, spec, undefined, requestId))[0]!;
  } catch (err) {
    if (err instanceof SchedulerUnreachable) throw err;
    await giveBack(ctx, inst, m, job);
    if (err instanceof Error && err.name === 'NoValidHost') {
      throw new NoValidHost(m.migration_type === 'resize' ? 'No valid host found for resize' : 'No valid host found for cold migrate');
    }
    throw err;
  }
  ctx.crash.at('conductor.migrate.after_select', inst.uuid);
  const handed = await transact(ctx, async (tx) => {
    const now = ctx.clock.now();
    const waiting = await tx.q
      .selectFrom('instances')
      .select('id')
      .where('uuid', '=', inst.uuid)
      .where('deleted', '=', 0)
      .where('task_state', '=', TaskState.RESIZE_PREP)
      .executeTakeFirst();
    if (!waiting) return false;
    const ok = await updateMigration(
      tx.q,
      m.id,
      { dest_compute: selection.host, dest_node: selection.nodename, dest_host: selection.hostIp },
      { expectStatus: ['pre-migrating'], now },
    );
    if (!ok) return false;
    await tx.post(
      `compute.${selection.host}`,
      'prep_resize',
      { instance_uuid: inst.uuid, migration_id: m.id, flavor: req.flavor as unknown as Json },
      { requestId, instanceUuid: inst.uuid },
    );
    await tx.finish(job);
    return true;
  });
  if (!handed) {
    await abandon(ctx, m, job);
    throw new Conflict(`Instance ${inst.uuid} is no longer waiting to be migrated`);
  }
}

/** No destination: the migration fails, the source allocation returns to the server, the server to its task-less state. */
async function giveBack(ctx: ConductorContext, inst: InstanceRow, m: MigrationRow, job: JobHandle | undefined): Promise<void> {
  await transact(ctx, async (tx) => {
    const now = ctx.clock.now();
    await updateMigration(tx.q, m.id, { status: 'error' }, { now });
    await release(tx.q, inst.uuid);
    await moveAllocations(tx.q, m.uuid, inst.uuid);
    await updateInstance(tx.q, inst.uuid, { task_state: null }, now, { taskState: [TaskState.RESIZE_PREP] });
    await tx.finish(job);
  });
}

/** The server was taken back (reset-state) or deleted before its move began: the move is dropped, its resources given back. */
async function abandon(ctx: ConductorContext, m: MigrationRow, job: JobHandle | undefined): Promise<void> {
  await transact(ctx, async (tx) => {
    // The server's row before the migration's, in the order a delete takes them.
    const alive = await lockLiveInstance(tx.q, m.instance_uuid);
    const ended = await updateMigration(tx.q, m.id, { status: 'error' }, { expectStatus: ['pre-migrating'], now: ctx.clock.now() });
    if (!alive) {
      // A deleted server holds nothing, whoever ended its move: a claim this run made goes too.
      await release(tx.q, m.instance_uuid);
      await release(tx.q, m.uuid);
    } else if (ended) {
      await release(tx.q, m.instance_uuid);
      await moveAllocations(tx.q, m.uuid, m.instance_uuid);
    }
    await tx.finish(job);
  });
}
