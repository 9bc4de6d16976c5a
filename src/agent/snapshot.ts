// Snapshots and backups on the server's host: the task goes image_snapshot
// (or stays image_backup) → image_pending_upload → image_uploading while the
// driver copies the disk and the bytes are uploaded; the image becomes active
// and, for a backup, the oldest backups of its type beyond the rotation are
// deleted. A failure deletes the image, records a fault and clears the task:
// the server stays as it was, as in Nova. A step an earlier life of this
// agent did not finish is run again from where the task shows it was.
import type { JobHandle, MessageContext } from '../rpc/bus.js';
import type { Handlers } from '../rpc/bus.js';
import type { AgentContext } from './context.js';
import { hostEvent } from './context.js';
import { addFault, getInstance, updateInstance } from '../db/instances.js';
import { JobLost, transact } from '../jobs/transaction.js';
import { AgentStopped } from './fence.js';
import { TaskState } from '../compute/states.js';
import { hostImages, type HostImages } from '../image/host-images.js';

const UPLOAD_TASKS = [TaskState.IMAGE_PENDING_UPLOAD, TaskState.IMAGE_UPLOADING];

class TaskTakenOver extends Error {}

export function snapshotHandlers(ctx: AgentContext): Handlers {
  const db = ctx.db.kysely;

  /** Moves the task on, only from the states this step may find; false when the server was taken elsewhere (deleted). */
  const advance = async (uuid: string, from: readonly string[], to: string): Promise<void> => {
    const ok = await updateInstance(db, uuid, { task_state: to }, ctx.clock.now(), { taskState: [...from] });
    if (!ok) throw new TaskTakenOver(`the task of ${uuid} is no longer ${from.join(' or ')}`);
  };

  const settle = (uuid: string, from: readonly string[], job: JobHandle | undefined, fault?: unknown) =>
    transact(ctx, async (tx) => {
      const now = ctx.clock.now();
      if ((await updateInstance(tx.q, uuid, { task_state: null }, now, { taskState: [...from] })) && fault !== undefined)
        await addFault(tx.q, uuid, 500, fault instanceof Error ? fault.message : String(fault), null, ctx.host, now);
      await tx.finish(job);
    });

  async function run(
    args: Record<string, unknown>,
    mctx: MessageContext,
    first: string,
    event: string,
    rotate?: { type: string; rotation: number },
  ): Promise<void> {
    const uuid = String(args['instance_uuid']);
    const imageId = String(args['image_id']);
    // The image store in place, or the image API for a host with a state directory of its own (decided when used: the store may appear later).
    const images = hostImages(ctx.conf);
    const inst = await getInstance(db, uuid);
    const ours = [first, TaskState.IMAGE_SNAPSHOT, ...UPLOAD_TASKS];
    if (!inst || inst.host !== ctx.host || inst.task_state === null || !ours.includes(inst.task_state)) {
      // The server went away (or was reset) before the step ran: its image has no use.
      if ((await images.status(imageId)) !== 'active') await images.discard(imageId);
      return;
    }
    const steps = rotate ? [first, ...UPLOAD_TASKS] : [first, TaskState.IMAGE_SNAPSHOT, ...UPLOAD_TASKS];
    try {
      await hostEvent(ctx, uuid, mctx.requestId, event, async () => {
        if ((await images.status(imageId)) !== 'active') {
          // Walk the task forward from wherever an earlier life left it.
          let at = steps.indexOf(inst.task_state as string);
          const next = async (to: string): Promise<void> => {
            const i = steps.indexOf(to);
            if (at < i) {
              await advance(uuid, [steps[at] as string], to);
              at = i;
            }
          };
          if (!rotate) await next(TaskState.IMAGE_SNAPSHOT);
          const bytes = await ctx.driver.snapshot(uuid);
          ctx.crash.at('compute.snapshot.after_driver', uuid);
          await next(TaskState.IMAGE_PENDING_UPLOAD);
          await next(TaskState.IMAGE_UPLOADING);
          await images.upload(imageId, bytes, { diskFormat: 'qcow2', containerFormat: 'bare' });
          ctx.crash.at('compute.snapshot.after_upload', uuid);
        }
        if (rotate) await rotateBackups(images, uuid, rotate.type, rotate.rotation);
      });
    } catch (err) {
      // This life of the agent is over (a crash point, a stop or a lost job):
      // it must not touch the image; the next life resumes the step.
      if (err instanceof AgentStopped || err instanceof JobLost || (err instanceof Error && err.name === 'CrashPointReached')) throw err;
      await images.discard(imageId).catch((e: unknown) => ctx.log.warn({ err: e, image: imageId }, 'could not delete the image of a failed snapshot'));
      if (err instanceof TaskTakenOver) {
        await transact(ctx, async (tx) => tx.finish(mctx.job));
        return;
      }
      ctx.log.warn({ err, instance: uuid, image: imageId }, 'snapshot failed; its image is deleted');
      await settle(uuid, steps, mctx.job, err);
      return;
    }
    await settle(uuid, steps, mctx.job);
  }

  return {
    async snapshot_instance(args, mctx) {
      await run(args, mctx, TaskState.IMAGE_SNAPSHOT_PENDING, 'snapshot_instance');
    },
    async backup_instance(args, mctx) {
      const rotation = Number(args['rotation']);
      await run(args, mctx, TaskState.IMAGE_BACKUP, 'backup_instance', { type: String(args['backup_type']), rotation });
    },
  };
}

/** Keeps the newest `rotation` backups of this type for the server, deleting the rest (Nova's order: newest first). */
async function rotateBackups(images: HostImages, uuid: string, type: string, rotation: number): Promise<void> {
  const backups = await images.backupsOf(uuid, type);
  for (const old of backups.slice(rotation)) await images.discard(old.id);
}
