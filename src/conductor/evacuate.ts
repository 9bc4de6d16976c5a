// Evacuation, the conductor's part (`rebuild_instance` with recreate): find
// the destination — the scheduler, with the failed source excluded, or a
// forced host claimed directly — then, in one transaction, record it and hand
// the rebuild to that host's agent. The source's resources are held under the
// migration record (the API moved them there) until the failed host comes
// back and cleans up; the destination is claimed under the instance, where
// the server will live. A run that dies before handing over starts over.
import type { Handlers, JobHandle, MessageArgs } from '../rpc/bus.js';
import type { ConductorContext } from './context.js';
import { conductorEvent, SchedulerUnreachable, selectDestinations } from './context.js';
import { addFault, flavorOf, getInstance, lockLiveInstance, updateInstance } from '../db/instances.js';
import { getMigration, updateMigration } from '../db/migrations-repo.js';
import { claim, moveAllocations, release } from '../scheduler/claims.js';
import { transact } from '../jobs/transaction.js';
import { requestedFlavorOf, resourcesOf, type RequestSpec } from '../scheduler/request-spec.js';
import { ComputeTaskError, MagnetarError, NoValidHost } from '../compute/errors.js';
import { TaskState, VmState } from '../compute/states.js';
import type { InstanceRow, MigrationRow } from '../db/schema.js';

/** The agent handler that rebuilds an evacuated server on its new host. */
export const REBUILD_ON_DESTINATION = 'rebuild_evacuated_instance';

/** A forced destination that cannot take the server (no room, or no compute node). */
export class AllocationUpdateFailed extends MagnetarError {
  constructor(consumer: string, error: string) {
    super('Conflict', `Failed to update allocations for consumer ${consumer}. Error: ${error}`);
  }
}

interface Destination {
  readonly host: string;
  readonly nodename: string;
  readonly nodeUuid: string;
}

const optStr = (a: MessageArgs, k: string): string | null => (typeof a[k] === 'string' ? (a[k] as string) : null);

async function claimForcedHost(ctx: ConductorContext, inst: InstanceRow, host: string): Promise<Destination> {
  const node = await ctx.db.kysely
    .selectFrom('compute_nodes')
    .select(['uuid', 'hypervisor_hostname'])
    .where('host', '=', host)
    .where('deleted', '=', 0)
    .orderBy('id')
    .executeTakeFirst();
  if (!node) throw new NoValidHost(`Compute host ${host} could not be found.`);
  // A forced host skips the filters, not the accounting.
  if (!(await claim(ctx.db, inst.uuid, node.uuid, resourcesOf(flavorOf(inst)))))
    throw new AllocationUpdateFailed(inst.uuid, `Unable to allocate inventory on ${host}: not enough resources`);
  return { host, nodename: node.hypervisor_hostname, nodeUuid: node.uuid };
}

async function scheduleDestination(ctx: ConductorContext, inst: InstanceRow, requestedHost: string | null, requestId: string | undefined): Promise<Destination> {
  const f = flavorOf(inst);
  const spec: RequestSpec = {
    instanceUuid: inst.uuid,
    projectId: inst.project_id,
    flavor: requestedFlavorOf(f),
    availabilityZone: inst.availability_zone,
    imageRef: inst.image_ref,
    // The failed host is never a candidate, whatever the filters say.
    ignoreHosts: inst.host !== null ? [inst.host] : [],
    ...(requestedHost !== null ? { requestedHost } : {}),
  };
  const [sel] = await selectDestinations(ctx, spec, undefined, requestId);
  if (!sel) throw new NoValidHost('There are not enough hosts available.');
  return sel;
}

export function evacuateTask(ctx: ConductorContext): Handlers {
  const db = ctx.db.kysely;

  /** The evacuation is dropped before it began: the server keeps its old host's share; a claim made here is given back. */
  const abandon = (migration: MigrationRow, job: JobHandle | undefined): Promise<void> =>
    transact(ctx, async (tx) => {
      // The server's row before the migration's, in the order a delete takes them.
      const alive = await lockLiveInstance(tx.q, migration.instance_uuid);
      const ended = await updateMigration(tx.q, migration.id, { status: 'error' }, { expectStatus: ['accepted'], now: ctx.clock.now() });
      if (!alive) {
        // A deleted server holds nothing, whoever ended its evacuation: a claim this run made goes too.
        await release(tx.q, migration.instance_uuid);
        await release(tx.q, migration.uuid);
      } else if (ended) {
        await release(tx.q, migration.instance_uuid);
        await moveAllocations(tx.q, migration.uuid, migration.instance_uuid);
      }
      await tx.finish(job);
    });

  return {
    async rebuild_instance(args, mctx) {
      const uuid = String(args['instance_uuid']);
      const migrationUuid = String(args['migration_uuid']);
      const forcedHost = optStr(args, 'host');
      const requestedHost = optStr(args, 'requested_host');
      const migration = await getMigration(ctx.db, migrationUuid);
      // Handed to a destination already, or settled: nothing left to do here.
      if (!migration || migration.status !== 'accepted') return;
      const inst = await getInstance(db, uuid);
      if (!inst || inst.task_state !== TaskState.REBUILDING) {
        // Deleted or reset while queued: nothing left to evacuate.
        await abandon(migration, mctx.job);
        return;
      }
      try {
        await conductorEvent(ctx, uuid, mctx.requestId, 'rebuild_server', async () => {
          // The failed host's share is the migration's; what the server holds
          // is a destination claimed by an earlier run that died before handing over.
          await release(ctx.db, uuid);
          let dest: Destination;
          try {
            dest = forcedHost !== null ? await claimForcedHost(ctx, inst, forcedHost) : await scheduleDestination(ctx, inst, requestedHost, mctx.requestId);
          } catch (err) {
            if (err instanceof SchedulerUnreachable) throw err;
            // Nowhere to go: the server stays where it was, in ERROR, holding its old resources.
            const message = err instanceof Error ? err.message : String(err);
            await transact(ctx, async (tx) => {
              const now = ctx.clock.now();
              if (await updateMigration(tx.q, migration.id, { status: 'error' }, { expectStatus: ['accepted'], now })) {
                await release(tx.q, uuid);
                await moveAllocations(tx.q, migration.uuid, uuid);
              }
              const errored = await updateInstance(tx.q, uuid, { vm_state: VmState.ERROR, task_state: null }, now, { taskState: [TaskState.REBUILDING] });
              if (errored) await addFault(tx.q, uuid, 500, message, null, null, now);
              await tx.finish(mctx.job);
            });
            throw err;
          }
          ctx.crash.at('conductor.evacuate.after_select', uuid);
          const handed = await transact(ctx, async (tx) => {
            const waiting = await tx.q
              .selectFrom('instances')
              .select('id')
              .where('uuid', '=', uuid)
              .where('deleted', '=', 0)
              .where('task_state', '=', TaskState.REBUILDING)
              .executeTakeFirst();
            if (!waiting) return false;
            const ok = await updateMigration(tx.q, migration.id, { dest_compute: dest.host, dest_node: dest.nodename }, { expectStatus: ['accepted'], now: ctx.clock.now() });
            if (!ok) return false;
            await tx.post(
              `compute.${dest.host}`,
              REBUILD_ON_DESTINATION,
              {
                instance_uuid: uuid,
                migration_uuid: migration.uuid,
                node: dest.nodename,
                node_uuid: dest.nodeUuid,
                target_state: optStr(args, 'target_state'),
                on_shared_storage: typeof args['on_shared_storage'] === 'boolean' ? args['on_shared_storage'] : null,
              },
              { requestId: mctx.requestId, instanceUuid: uuid },
            );
            await tx.finish(mctx.job);
            return true;
          });
          if (!handed) {
            await abandon(migration, mctx.job);
            throw new ComputeTaskError(`Instance ${uuid} is no longer waiting to be evacuated`);
          }
        });
      } catch (err) {
        if (err instanceof SchedulerUnreachable) throw err;
        // Recorded on the server (fault) and its action (event Error); nothing to reply to.
        ctx.log.info({ err, instance: uuid, requestId: mctx.requestId }, 'evacuation could not be scheduled');
      }
    },
  };
}
