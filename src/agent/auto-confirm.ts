// [DEFAULT] resize_confirm_window: each host confirms, as the system, the
// moves that arrived on it and were left unconfirmed longer than the window.
// Servers in a state that can no longer be confirmed fail their migration;
// servers still busy finishing or being deleted wait for the next round.
import { randomUUID } from 'node:crypto';
import type { AgentContext } from './context.js';
import { getInstance } from '../db/instances.js';
import { unconfirmedMigrations, updateMigration } from '../db/migrations-repo.js';
import { release } from '../scheduler/claims.js';
import { transact } from '../jobs/transaction.js';
import { ComputeService, type Requester } from '../compute/service.js';
import { confirmResize } from '../compute/confirm-resize.js';
import { TaskState, VmState } from '../compute/states.js';

const WAIT_TASKS: ReadonlyArray<string | null> = [TaskState.DELETING, 'soft-deleting', TaskState.RESIZE_FINISH];

export async function autoConfirmResizes(ctx: AgentContext): Promise<void> {
  const window = ctx.conf.num('DEFAULT', 'resize_confirm_window');
  if (!(window > 0)) return;
  const now = ctx.clock.now();
  const due = await unconfirmedMigrations(ctx.db, ctx.host, new Date(now.getTime() - window * 1000));
  if (due.length === 0) return;
  const svc = new ComputeService(ctx.db, ctx.conf, ctx.bus, ctx.clock, ctx.log, undefined, ctx.notifier);
  for (const m of due) {
    const fail = async (reason: string): Promise<void> => {
      ctx.log.warn({ migration: m.id, instance: m.instance_uuid, reason }, 'setting unconfirmable migration to error');
      // The source share goes with it (Nova leaves it allocated); a copy left on the source is swept.
      await transact(ctx, async (tx) => {
        if (await updateMigration(tx.q, m.id, { status: 'error' }, { expectStatus: ['finished'], now: ctx.clock.now() })) await release(tx.q, m.uuid);
      });
    };
    const inst = await getInstance(ctx.db.kysely, m.instance_uuid);
    if (!inst) {
      await fail(`Instance ${m.instance_uuid} not found`);
      continue;
    }
    if (inst.vm_state === VmState.ERROR) {
      await fail('In ERROR state');
      continue;
    }
    if (WAIT_TASKS.includes(inst.task_state)) continue;
    if (inst.vm_state !== VmState.RESIZED || inst.task_state !== null) {
      await fail(`In states ${inst.vm_state}/${inst.task_state ?? 'None'}, not RESIZED/None`);
      continue;
    }
    // The system confirms: no user or project on the action, and locks do not apply.
    const system: Requester = { requestId: `req-${randomUUID()}`, userId: null, projectId: null, isAdmin: true };
    try {
      await confirmResize(svc, system, inst, m);
    } catch (err) {
      // e.g. the source host is down: try again next round.
      ctx.log.info({ err, migration: m.id, instance: m.instance_uuid }, 'auto-confirm of resize failed; will retry');
    }
  }
}
