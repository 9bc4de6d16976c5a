// Shelve, offload and unshelve on this host.
//  - shelve_instance: the guest is powered off and its disk saved to the
//    image the API made (task shelving → shelving_image_pending_upload →
//    shelving_image_uploading); the server becomes SHELVED, its guest kept
//    off. With [DEFAULT] shelved_offload_time = 0 the offload is queued in
//    the same transaction.
//  - shelve_offload_instance: the guest is destroyed; in one transaction the
//    server becomes SHELVED_OFFLOADED without host or node and its
//    allocation is released.
//  - unshelve_instance: the guest is spawned on the host the conductor chose
//    and claimed, and waits for its ports bound there to be reported
//    plugged, as a build does; the server is ACTIVE again and the saved image
//    deleted. A failed spawn (or plug) leaves it offloaded, without host or
//    allocation, as Nova does.
// Every step is a job: one an earlier life of this agent did not finish is
// run again and finds what is done already (a guest off, an image uploaded,
// a guest destroyed or spawned). Every [DEFAULT] shelved_poll_interval the
// host offloads its servers shelved longer than shelved_offload_time.
import type { Handlers, JobHandle, MessageContext } from '../rpc/bus.js';
import type { AgentContext } from './context.js';
import { guestSpec, hostEvent } from './context.js';
import { addFault, flavorOf, getInstance, updateInstance } from '../db/instances.js';
import type { InstanceUpdate } from '../db/schema.js';
import { dbTime } from '../db/time.js';
import { release } from '../scheduler/claims.js';
import { JobLost, transact } from '../jobs/transaction.js';
import { AgentStopped } from './fence.js';
import { hostImages, type HostImages } from '../image/host-images.js';
import { changedSystemMetadata, SHELVED_KEYS } from '../compute/shelved-metadata.js';
import { systemMetadataOf } from '../compute/server-password.js';
import { POWER_STATE, TaskState, VmState } from '../compute/states.js';
import { bindPortsToHost, portsEnvOf } from '../compute/neutron/server-ports.js';
import { waitForMovedVifsPlugged } from './vif-plugging.js';

const SHELVE_TASKS: readonly string[] = [TaskState.SHELVING, TaskState.SHELVING_IMAGE_PENDING_UPLOAD, TaskState.SHELVING_IMAGE_UPLOADING];
/** A volume-backed server is offloaded straight from `shelving`. */
const OFFLOAD_TASKS: readonly string[] = [TaskState.SHELVING, TaskState.SHELVING_OFFLOADING];
const UNSHELVE_TASKS: readonly string[] = [TaskState.UNSHELVING, TaskState.SPAWNING];
/** vm_states whose guest runs; one a failed shelve left powered off is recorded stopped, as the power sync would. */
const RUNNING_STATES: readonly string[] = [VmState.ACTIVE, VmState.PAUSED, VmState.SUSPENDED];

class TaskTakenOver extends Error {}

/** This life of the agent is over (a crash point, a stop, a lost job): nothing more may be recorded. */
const lifeEnded = (err: unknown): boolean =>
  err instanceof AgentStopped || err instanceof JobLost || (err instanceof Error && err.name === 'CrashPointReached');

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

export function shelveHandlers(ctx: AgentContext): Handlers {
  const db = ctx.db.kysely;
  const ports = portsEnvOf(ctx);
  // The image store in place, or the image API for a host with a state directory of its own (decided when used: the store may appear later).
  const images = (): HostImages => hostImages(ctx.conf);

  /** Moves the task on; a server taken elsewhere meanwhile (deleted, reset) ends the step. */
  const advance = async (uuid: string, from: string, to: string): Promise<void> => {
    const ok = await updateInstance(db, uuid, { task_state: to }, ctx.clock.now(), { taskState: [from] });
    if (!ok) throw new TaskTakenOver(`the task of ${uuid} is no longer ${from}`);
  };

  /** A failed step: the task is cleared (Nova reverts it) with a fault, in the transaction that ends the job. */
  const fail = (uuid: string, tasks: readonly string[], values: InstanceUpdate, job: JobHandle | undefined, err: unknown, after?: (q: typeof db) => Promise<void>) =>
    transact(ctx, async (tx) => {
      const now = ctx.clock.now();
      if (await updateInstance(tx.q, uuid, { ...values, task_state: null }, now, { taskState: [...tasks] })) {
        await addFault(tx.q, uuid, 500, message(err), null, ctx.host, now);
        await after?.(tx.q);
      }
      await tx.finish(job);
    });

  /** Runs `fn` as the step's event, unless it continues a shelve (Nova offloads within the shelve's own event). */
  const asEvent = (uuid: string, mctx: MessageContext, name: string, quiet: boolean, fn: () => Promise<void>) =>
    quiet ? fn() : hostEvent(ctx, uuid, mctx.requestId, name, fn);

  return {
    async shelve_instance(args, mctx) {
      const uuid = String(args['instance_uuid']);
      const imageId = String(args['image_id']);
      const inst = await getInstance(db, uuid);
      if (!inst || inst.host !== ctx.host || inst.task_state === null || !SHELVE_TASKS.includes(inst.task_state)) {
        // The server went away (or was reset) before the step ran: its image has no use, unless it is the server's own now.
        if (!inst || systemMetadataOf(inst)['shelved_image_id'] !== imageId) await images().discard(imageId);
        return;
      }
      try {
        await hostEvent(ctx, uuid, mctx.requestId, 'shelve_instance', async () => {
          const guest = ctx.driver.getGuest(uuid);
          if (guest && guest.powerState !== POWER_STATE.SHUTDOWN) await ctx.driver.powerOff(uuid);
          if ((await images().status(imageId)) === 'active') return;
          const bytes = await ctx.driver.snapshot(uuid);
          // Walk the task forward from wherever an earlier life left it.
          let at = inst.task_state as string;
          for (const to of [TaskState.SHELVING_IMAGE_PENDING_UPLOAD, TaskState.SHELVING_IMAGE_UPLOADING]) {
            if (SHELVE_TASKS.indexOf(at) < SHELVE_TASKS.indexOf(to)) {
              await advance(uuid, at, to);
              at = to;
            }
          }
          await images().upload(imageId, bytes, { diskFormat: 'qcow2', containerFormat: 'bare' });
          ctx.crash.at('compute.shelve.after_upload', uuid);
        });
      } catch (err) {
        if (lifeEnded(err)) throw err;
        await images().discard(imageId).catch((e: unknown) => ctx.log.warn({ err: e, image: imageId }, 'could not delete the image of a failed shelve'));
        if (err instanceof TaskTakenOver) {
          await transact(ctx, async (tx) => tx.finish(mctx.job));
          return;
        }
        ctx.log.warn({ err, instance: uuid, image: imageId }, 'shelve failed; its image is deleted');
        const guest = ctx.driver.getGuest(uuid);
        const power = guest?.powerState ?? POWER_STATE.NOSTATE;
        const stopped = power === POWER_STATE.SHUTDOWN && RUNNING_STATES.includes(inst.vm_state);
        await fail(uuid, SHELVE_TASKS, { power_state: power, ...(stopped && { vm_state: VmState.STOPPED }) }, mctx.job, err);
        return;
      }
      const offload = ctx.conf.num('DEFAULT', 'shelved_offload_time') === 0;
      const shelved = await transact(ctx, async (tx) => {
        const now = ctx.clock.now();
        const sys = await changedSystemMetadata(tx.q, uuid, {
          shelved_at: dbTime(now).replace(' ', 'T'),
          shelved_image_id: imageId,
          shelved_host: ctx.host,
        });
        const values = {
          vm_state: VmState.SHELVED,
          task_state: offload ? TaskState.SHELVING_OFFLOADING : null,
          power_state: POWER_STATE.SHUTDOWN,
          ...(sys !== undefined && { system_metadata: sys }),
        };
        const ok = sys !== undefined && (await updateInstance(tx.q, uuid, values, now, { taskState: [...SHELVE_TASKS] }));
        if (ok && offload)
          await tx.post(`compute.${ctx.host}`, 'shelve_offload_instance', { instance_uuid: uuid, after_shelve: true }, { requestId: mctx.requestId, instanceUuid: uuid });
        await tx.finish(mctx.job);
        return ok;
      });
      // Deleted or reset while it was being shelved: the image belongs to no one.
      if (!shelved) await images().discard(imageId);
    },

    async shelve_offload_instance(args, mctx) {
      const uuid = String(args['instance_uuid']);
      const inst = await getInstance(db, uuid);
      if (!inst || inst.host !== ctx.host || inst.task_state === null || !OFFLOAD_TASKS.includes(inst.task_state)) return;
      try {
        await asEvent(uuid, mctx, 'shelve_offload_instance', args['after_shelve'] === true, async () => {
          const guest = ctx.driver.getGuest(uuid);
          if (!guest) return;
          if (guest.powerState !== POWER_STATE.SHUTDOWN) await ctx.driver.powerOff(uuid);
          await ctx.driver.destroy(uuid);
        });
        // Offloaded, the server is on no host: its ports stay its own but are bound nowhere, as Nova leaves them.
        await bindPortsToHost(ports, inst, '');
      } catch (err) {
        if (lifeEnded(err)) throw err;
        ctx.log.warn({ err, instance: uuid }, 'shelve offload failed');
        await fail(uuid, OFFLOAD_TASKS, {}, mctx.job, err);
        return;
      }
      ctx.crash.at('compute.shelve_offload.after_destroy', uuid);
      await transact(ctx, async (tx) => {
        const values = { vm_state: VmState.SHELVED_OFFLOADED, task_state: null, power_state: POWER_STATE.SHUTDOWN, host: null, node: null };
        if (await updateInstance(tx.q, uuid, values, ctx.clock.now(), { taskState: [...OFFLOAD_TASKS] })) await release(tx.q, uuid);
        await tx.finish(mctx.job);
      });
    },

    async unshelve_instance(args, mctx) {
      const uuid = String(args['instance_uuid']);
      const imageId = typeof args['image_id'] === 'string' ? args['image_id'] : null;
      const inst = await getInstance(db, uuid);
      if (!inst) {
        // Deleted before or while it was spawned: a guest an earlier try spawned goes too.
        if (ctx.driver.getGuest(uuid)) await ctx.driver.destroy(uuid);
        return;
      }
      if (inst.vm_state !== VmState.SHELVED_OFFLOADED || inst.host !== ctx.host || inst.task_state === null || !UNSHELVE_TASKS.includes(inst.task_state)) return;
      // Expected before the ports are bound here, so a plug event that comes early is kept.
      const plugEvents = ctx.instanceEvents.expect(uuid);
      try {
        await hostEvent(ctx, uuid, mctx.requestId, 'unshelve_instance', async () => {
          const ok = await updateInstance(db, uuid, { task_state: TaskState.SPAWNING }, ctx.clock.now(), {
            vmState: [VmState.SHELVED_OFFLOADED],
            taskState: [...UNSHELVE_TASKS],
          });
          if (!ok) throw new Error('Instance was deleted or changed during unshelve');
          // The ports are bound to this host before the guest plugs them.
          const networkInfo = await bindPortsToHost(ports, inst, ctx.host);
          // A guest already here is the one an earlier try spawned before it died.
          if (!ctx.driver.getGuest(uuid)) await ctx.driver.spawn({ ...guestSpec({ ...inst, image_ref: imageId ?? inst.image_ref }, flavorOf(inst)), networkInfo });
          // As a build: the guest waits for its ports, bound here, to be reported plugged.
          await waitForMovedVifsPlugged(ctx, uuid, networkInfo, plugEvents);
        });
      } catch (err) {
        if (lifeEnded(err)) throw err;
        if (!(await getInstance(db, uuid))) return; // deleted meanwhile: nothing to record
        await ctx.driver.destroy(uuid).catch(() => undefined);
        // As Nova does: the server stays offloaded, with no host and no allocation.
        await fail(uuid, UNSHELVE_TASKS, { host: null, node: null }, mctx.job, err, async (q) => {
          await release(q, uuid);
        });
        return;
      } finally {
        ctx.instanceEvents.forget(uuid, plugEvents);
      }
      ctx.crash.at('compute.unshelve.after_spawn', uuid);
      // The saved disk has served: the guest runs from it now. A step run again finds the guest and needs no image.
      if (imageId !== null) await images().discard(imageId);
      const unshelved = await transact(ctx, async (tx) => {
        const now = ctx.clock.now();
        const sys = await changedSystemMetadata(tx.q, uuid, {}, SHELVED_KEYS);
        const values = { vm_state: VmState.ACTIVE, task_state: null, power_state: POWER_STATE.RUNNING, launched_at: dbTime(now), progress: 0 };
        const ok =
          sys !== undefined &&
          (await updateInstance(tx.q, uuid, { ...values, system_metadata: sys }, now, { vmState: [VmState.SHELVED_OFFLOADED], taskState: [TaskState.SPAWNING] }));
        await tx.finish(mctx.job);
        return ok;
      });
      // Deleted while spawning: the delete was done without this guest, so it goes now.
      if (!unshelved && !(await getInstance(db, uuid))) await ctx.driver.destroy(uuid).catch(() => undefined);
    },
  };
}

/** Nova's `shelved_at` (an isoformat time, UTC without a zone) as a Date; undefined when unreadable. */
function shelvedAt(value: string | undefined): Date | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?$/.exec(value ?? '');
  if (!m) return undefined;
  const d = new Date(`${m[1]}${(m[2] ?? '').slice(0, 4)}Z`);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/**
 * Offloads this host's servers shelved longer ago than
 * [DEFAULT] shelved_offload_time (> 0): each is claimed for offloading and
 * handed to the host's own offload step in one transaction.
 */
export async function offloadShelvedServers(ctx: AgentContext): Promise<void> {
  const after = ctx.conf.num('DEFAULT', 'shelved_offload_time');
  if (!(after > 0)) return;
  const cutoff = ctx.clock.now().getTime() - after * 1000;
  const shelved = await ctx.db.kysely
    .selectFrom('instances')
    .select(['uuid', 'system_metadata'])
    .where('host', '=', ctx.host)
    .where('deleted', '=', 0)
    .where('vm_state', '=', VmState.SHELVED)
    .where('task_state', 'is', null)
    .execute();
  for (const s of shelved) {
    const at = shelvedAt(systemMetadataOf(s)['shelved_at']);
    if (at === undefined || at.getTime() > cutoff) continue;
    ctx.log.info({ instance: s.uuid }, 'offloading a server shelved longer than shelved_offload_time');
    await transact(ctx, async (tx) => {
      const claimed = await updateInstance(tx.q, s.uuid, { task_state: TaskState.SHELVING_OFFLOADING }, ctx.clock.now(), {
        taskState: [null],
        vmState: [VmState.SHELVED],
      });
      if (claimed) await tx.post(`compute.${ctx.host}`, 'shelve_offload_instance', { instance_uuid: s.uuid }, { instanceUuid: s.uuid });
    });
  }
}
