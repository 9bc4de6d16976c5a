// Unshelve, the conductor's part. A server that is only shelved still has
// its guest: its host is told to start it. An offloaded one is scheduled
// like a build — in the zone it is pinned to, on the host asked for, with
// its group's policy and its hints — and one transaction places it and
// hands it to that host. A run that dies before that transaction is started
// over (the claim it may have left is dropped first). When no host is found
// the server stays offloaded and its task is cleared, as in Nova.
import type { Handlers, JobHandle } from '../rpc/bus.js';
import type { InstanceRow } from '../db/schema.js';
import type { ConductorContext } from './context.js';
import { conductorEvent, SchedulerUnreachable, selectDestinations } from './context.js';
import { addFault, flavorOf, getInstance, updateInstance } from '../db/instances.js';
import { release } from '../scheduler/claims.js';
import { requestedFlavorOf, schedulerHintsOf, type RequestSpec, type Selection } from '../scheduler/request-spec.js';
import { transact } from '../jobs/transaction.js';
import { imageCatalog } from '../image/on-disk.js';
import { shelvedImageOf } from '../compute/shelved-metadata.js';
import { TaskState, VmState } from '../compute/states.js';

class ShelvedImageMissing extends Error {}

export function unshelveTask(ctx: ConductorContext): Handlers {
  const db = ctx.db.kysely;

  /** Ends the unshelve of an offloaded server without placing it. */
  const giveUp = (inst: InstanceRow, job: JobHandle | undefined, values: { vm_state?: string }, fault?: string) =>
    transact(ctx, async (tx) => {
      const now = ctx.clock.now();
      await release(tx.q, inst.uuid);
      const ended = await updateInstance(tx.q, inst.uuid, { ...values, task_state: null }, now, {
        taskState: [TaskState.UNSHELVING],
        vmState: [VmState.SHELVED_OFFLOADED],
      });
      if (ended && fault !== undefined) await addFault(tx.q, inst.uuid, 500, fault, null, null, now);
      await tx.finish(job);
    });

  return {
    async unshelve_instance(args, mctx) {
      const uuid = String(args['instance_uuid']);
      const host = typeof args['host'] === 'string' && args['host'] !== '' ? args['host'] : null;
      const requestId = mctx.requestId;
      const inst = await getInstance(db, uuid);
      // Deleted or reset meanwhile, or handed to its host already.
      if (!inst || inst.task_state !== TaskState.UNSHELVING) return;

      if (inst.vm_state === VmState.SHELVED) {
        await transact(ctx, async (tx) => {
          const now = ctx.clock.now();
          const started = await updateInstance(tx.q, uuid, { task_state: TaskState.POWERING_ON }, now, {
            taskState: [TaskState.UNSHELVING],
            vmState: [VmState.SHELVED],
          });
          if (started) await tx.post(`compute.${inst.host}`, 'start_instance', { instance_uuid: uuid }, { requestId, instanceUuid: uuid });
          await tx.finish(mctx.job);
        });
        return;
      }
      if (inst.vm_state !== VmState.SHELVED_OFFLOADED || inst.host !== null) return;

      const imageId = shelvedImageOf(inst);
      if (imageId !== null) {
        try {
          await conductorEvent(ctx, uuid, requestId, 'get_image_info', async () => {
            if (!imageCatalog(ctx.conf).byId(imageId)) throw new ShelvedImageMissing(`Image ${imageId} could not be found.`);
          });
        } catch (err) {
          if (!(err instanceof ShelvedImageMissing)) throw err;
          // Nova puts the server in ERROR; its task is cleared too, so that it can be deleted or reset.
          await giveUp(inst, mctx.job, { vm_state: VmState.ERROR }, `Unshelve attempted but the image ${imageId} cannot be found.`);
          return;
        }
      }

      // An earlier run that died after the scheduler claimed leaves that claim behind.
      await release(ctx.db, uuid);
      const spec: RequestSpec = {
        instanceUuid: uuid,
        projectId: inst.project_id,
        flavor: requestedFlavorOf(flavorOf(inst)),
        availabilityZone: inst.availability_zone,
        imageRef: inst.image_ref,
        ...(host !== null ? { requestedHost: host } : {}),
        ...schedulerHintsOf(inst),
      };
      let selection: Selection;
      try {
        selection = await conductorEvent(ctx, uuid, requestId, 'schedule_instances', async () => (await selectDestinations(ctx, spec, undefined, requestId))[0]!);
      } catch (err) {
        if (err instanceof SchedulerUnreachable) throw err;
        ctx.log.warn({ err, instance: uuid, requestId }, 'no host found to unshelve the server on');
        await giveUp(inst, mctx.job, {});
        return;
      }
      ctx.crash.at('conductor.unshelve.after_select', uuid);
      await transact(ctx, async (tx) => {
        const placed = await updateInstance(tx.q, uuid, { host: selection.host, node: selection.nodename }, ctx.clock.now(), {
          taskState: [TaskState.UNSHELVING],
          vmState: [VmState.SHELVED_OFFLOADED],
        });
        // Deleted or reset while it was being scheduled: give the room back.
        if (!placed) await release(tx.q, uuid);
        else await tx.post(`compute.${selection.host}`, 'unshelve_instance', { instance_uuid: uuid, image_id: imageId }, { requestId, instanceUuid: uuid });
        await tx.finish(mctx.job);
      });
    },
  };
}
