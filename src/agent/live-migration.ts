// Live migration on the hosts: the pre-checks (destination, then source), the
// transfer run by the source — queued while the host already runs
// [DEFAULT] max_concurrent_live_migrations, then preparing (pre-live-migration
// on the destination), running (driver transfer, progress counters on the
// migration), and completion on the destination or rollback — plus
// force-complete and abort of a run in progress.
import type { Handlers, MessageArgs } from '../rpc/bus.js';
import { MessagingTimeout } from '../rpc/bus.js';
import type { AgentContext } from './context.js';
import { guestSpec, hostEvent } from './context.js';
import { flavorOf, getInstance, updateInstance } from '../db/instances.js';
import { unfinishedLiveMigrationsFrom } from '../db/live-migrations.js';
import { getMigration, updateMigration } from '../db/migrations-repo.js';
import type { MigrationUpdate } from '../db/schema.js';
import { moveAllocations, release } from '../scheduler/claims.js';
import { VirtDriverError, type LiveMigrationProgress, type PowerStateValue } from '../virt/driver.js';
import { InstanceNotFound } from '../compute/errors.js';
import { InvalidMigrationState, MigrationPreCheckError } from '../compute/live-migration-errors.js';
import { TaskState, VmState } from '../compute/states.js';

const str = (a: MessageArgs, k: string): string => String(a[k]);

/** Driver refusals during pre-checks are the client-visible pre-check error. */
async function preCheck<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof VirtDriverError) throw new MigrationPreCheckError(err.message);
    if (err instanceof MessagingTimeout) throw new MigrationPreCheckError(err.message);
    throw err;
  }
}

/** Transfer slots of one host; waiters queue in arrival order. */
class Slots {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly max: number) {}

  /** Resolves true once a slot is held, or false when `cancel` is called first. */
  acquire(onCancellable: (cancel: () => void) => void): Promise<boolean> {
    if (this.max <= 0 || this.active < this.max) {
      this.active += 1;
      return Promise.resolve(true);
    }
    return new Promise<boolean>((resolve) => {
      const grant = (): void => resolve(true);
      this.waiting.push(grant);
      onCancellable(() => {
        const i = this.waiting.indexOf(grant);
        if (i >= 0) {
          this.waiting.splice(i, 1);
          resolve(false);
        }
      });
    });
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active -= 1;
  }
}

/** A live migration this host is the source of, from `queued` to its end. */
interface Run {
  readonly migrationId: number;
  /** The consumer of the destination claim. */
  readonly migrationUuid: string;
  phase: 'queued' | 'preparing' | 'running';
  /** An abort that arrived while the destination was being prepared. */
  abortRequested: boolean;
  cancelQueued?: () => void;
}

/** Writes progress counters one at a time, always the newest. */
function progressWriter(ctx: AgentContext, migrationId: number) {
  let pending: LiveMigrationProgress | null = null;
  let writing: Promise<void> | null = null;
  const flush = async (): Promise<void> => {
    while (pending) {
      const p = pending;
      pending = null;
      await updateMigration(
        ctx.db,
        migrationId,
        {
          memory_total: p.memoryTotalBytes,
          memory_processed: p.memoryProcessedBytes,
          memory_remaining: p.memoryRemainingBytes,
          disk_total: p.diskTotalBytes,
          disk_processed: p.diskProcessedBytes,
          disk_remaining: p.diskRemainingBytes,
        },
        { now: ctx.clock.now() },
      ).catch((err: unknown) => ctx.log.warn({ err }, 'could not record live migration progress'));
    }
    writing = null;
  };
  return {
    report(p: LiveMigrationProgress): void {
      pending = p;
      writing ??= flush();
    },
    async done(): Promise<void> {
      await writing;
    },
  };
}

export function liveMigrationHandlers(ctx: AgentContext): Handlers {
  const db = ctx.db.kysely;
  const slots = new Slots(ctx.conf.num('DEFAULT', 'max_concurrent_live_migrations'));
  const runs = new Map<string, Run>();

  const setMigration = (id: number, values: MigrationUpdate, expectStatus?: readonly string[]): Promise<boolean> =>
    updateMigration(ctx.db, id, values, { now: ctx.clock.now(), ...(expectStatus && { expectStatus }) });

  const instanceOrFail = async (uuid: string) => {
    const inst = await getInstance(db, uuid);
    if (!inst) throw new InstanceNotFound(uuid);
    return inst;
  };

  /** Back to the source: undo the destination, free what the migration held, task cleared. */
  const rollback = async (uuid: string, run: Run, dest: string, status: string, requestId: string | undefined, destTouched: boolean): Promise<void> => {
    if (destTouched) {
      await ctx.bus
        .call(`compute.${dest}`, 'rollback_live_migration_at_destination', { instance_uuid: uuid }, { requestId })
        .catch((err: unknown) => ctx.log.error({ err, instance: uuid }, 'rollback at the destination failed'));
    }
    await release(ctx.db, run.migrationUuid);
    await setMigration(run.migrationId, { status });
    await updateInstance(db, uuid, { task_state: null, progress: 0 }, ctx.clock.now(), { taskState: [TaskState.MIGRATING] });
  };

  /** The whole transfer, as the source runs it; throws when it failed (the event then records the error). */
  const transfer = async (run: Run, uuid: string, dest: string, blockMigration: boolean, requestId: string | undefined): Promise<void> => {
    const mig = run.migrationId;
    if (!(await setMigration(mig, { status: 'queued' }, ['accepted']))) return;
    const gotSlot = await slots.acquire((cancel) => (run.cancelQueued = cancel));
    if (!gotSlot) {
      // Aborted while waiting for a slot: nothing happened on the destination yet.
      await rollback(uuid, run, dest, 'cancelled', requestId, false);
      return;
    }
    try {
      run.phase = 'preparing';
      await setMigration(mig, { status: 'preparing' });
      try {
        await ctx.bus.call(`compute.${dest}`, 'pre_live_migration', { instance_uuid: uuid, source: ctx.host }, { requestId });
      } catch (err) {
        await rollback(uuid, run, dest, 'error', requestId, true);
        throw err;
      }
      if (run.abortRequested) {
        await rollback(uuid, run, dest, 'cancelled', requestId, true);
        return;
      }
      run.phase = 'running';
      const progress = progressWriter(ctx, mig);
      // The driver takes the transfer on before the record says `running`, so a
      // force-complete or abort sent on seeing `running` always finds it.
      const transferring = ctx.driver.liveMigration(uuid, {
        destHost: dest,
        blockMigration,
        onProgress: (p) => progress.report(p),
        completionTimeout: ctx.conf.num('compute', 'live_migration_completion_timeout'),
        timeoutAction: ctx.conf.str('compute', 'live_migration_timeout_action') === 'force_complete' ? 'force_complete' : 'abort',
      });
      transferring.catch(() => undefined);
      let outcome;
      try {
        await setMigration(mig, { status: 'running' });
        outcome = await transferring;
      } catch (err) {
        await progress.done();
        // The transfer broke before the guest switched over: it still runs on the source.
        await rollback(uuid, run, dest, 'failed', requestId, true);
        throw err;
      }
      await progress.done();
      if (outcome === 'cancelled') {
        await rollback(uuid, run, dest, 'cancelled', requestId, true);
        return;
      }
      await complete(uuid, run, dest, requestId);
    } finally {
      slots.release();
    }
  };

  /** The guest switched over: the destination takes the server; past this point there is no way back. */
  const complete = async (uuid: string, run: Run, dest: string, requestId: string | undefined): Promise<void> => {
    const guest = ctx.driver.getGuest(uuid);
    try {
      await ctx.bus.call(
        `compute.${dest}`,
        'post_live_migration_at_destination',
        { instance_uuid: uuid, migration_id: run.migrationId, migration_uuid: run.migrationUuid, power_state: guest?.powerState ?? 1 },
        { requestId },
      );
    } catch (err) {
      // The guest never arrived: the destination's room is given back; the server needs an operator.
      await release(ctx.db, run.migrationUuid);
      await setMigration(run.migrationId, { status: 'error' });
      await updateInstance(db, uuid, { vm_state: VmState.ERROR, task_state: null }, ctx.clock.now(), { taskState: [TaskState.MIGRATING] });
      throw err;
    }
    await ctx.driver.cleanupAfterLiveMigration(uuid).catch((err: unknown) => ctx.log.error({ err, instance: uuid }, 'source clean-up after live migration failed'));
  };

  return {
    /** On the destination: can the guest come here? Then asks the source the same. */
    async check_can_live_migrate_destination(args, mctx) {
      const uuid = str(args, 'instance_uuid');
      const source = str(args, 'source');
      return hostEvent(ctx, uuid, mctx.requestId, 'check_can_live_migrate_destination', async () => {
        const inst = await instanceOrFail(uuid);
        // `auto` on the simulated hosts means shared storage: no block migration.
        const block = args['block_migration'] === true;
        await preCheck(() => ctx.driver.checkCanLiveMigrateDestination(guestSpec(inst, flavorOf(inst)), source, block));
        await preCheck(() =>
          ctx.bus.call(`compute.${source}`, 'check_can_live_migrate_source', { instance_uuid: uuid, dest: ctx.host }, { requestId: mctx.requestId }),
        );
        return { block_migration: block };
      });
    },

    async check_can_live_migrate_source(args, mctx) {
      const uuid = str(args, 'instance_uuid');
      const dest = str(args, 'dest');
      await hostEvent(ctx, uuid, mctx.requestId, 'check_can_live_migrate_source', () =>
        preCheck(() => ctx.driver.checkCanLiveMigrateSource(uuid, dest)),
      );
    },

    async pre_live_migration(args, mctx) {
      const uuid = str(args, 'instance_uuid');
      await hostEvent(ctx, uuid, mctx.requestId, 'pre_live_migration', async () => {
        const inst = await instanceOrFail(uuid);
        await ctx.driver.preLiveMigration(guestSpec(inst, flavorOf(inst)), str(args, 'source'));
      });
    },

    /** On the source (cast): the transfer, from `queued` to completion or rollback. */
    async live_migration(args, mctx) {
      const uuid = str(args, 'instance_uuid');
      const run: Run = { migrationId: Number(args['migration_id']), migrationUuid: str(args, 'migration_uuid'), phase: 'queued', abortRequested: false };
      runs.set(uuid, run);
      try {
        await hostEvent(ctx, uuid, mctx.requestId, 'live_migration', () =>
          transfer(run, uuid, str(args, 'dest'), args['block_migration'] === true, mctx.requestId),
        );
      } catch (err) {
        ctx.log.warn({ instance: uuid, err: err instanceof Error ? err.message : String(err) }, 'live migration failed');
      } finally {
        if (runs.get(uuid) === run) runs.delete(uuid);
      }
    },

    /**
     * On the destination, after the switch-over: the guest lives here now.
     * The instance's source allocation is freed and the destination claim the
     * migration held becomes the instance's.
     */
    async post_live_migration_at_destination(args, mctx) {
      const uuid = str(args, 'instance_uuid');
      const migUuid = str(args, 'migration_uuid');
      await hostEvent(ctx, uuid, mctx.requestId, 'post_live_migration_at_destination', async () => {
        const inst = await instanceOrFail(uuid);
        const powerState = Number(args['power_state']) as PowerStateValue;
        await ctx.driver.postLiveMigrationAtDestination(guestSpec(inst, flavorOf(inst)), powerState);
        await release(ctx.db, uuid);
        await moveAllocations(ctx.db, migUuid, uuid);
        await setMigration(Number(args['migration_id']), { status: 'completed' });
        const now = ctx.clock.now();
        await updateInstance(
          db,
          uuid,
          { host: ctx.host, node: ctx.nodeName, task_state: null, power_state: powerState, progress: 0 },
          now,
          { taskState: [TaskState.MIGRATING] },
        );
      });
    },

    async rollback_live_migration_at_destination(args, mctx) {
      const uuid = str(args, 'instance_uuid');
      await hostEvent(ctx, uuid, mctx.requestId, 'rollback_live_migration_at_destination', () =>
        ctx.driver.rollbackLiveMigrationAtDestination(uuid),
      );
    },

    async live_migration_force_complete(args, mctx) {
      const uuid = str(args, 'instance_uuid');
      await hostEvent(ctx, uuid, mctx.requestId, 'live_migration_force_complete', () => ctx.driver.liveMigrationForceComplete(uuid));
    },

    /** Cancels a queued run, stops one being prepared before it transfers, or aborts the transfer. */
    async live_migration_abort(args, mctx) {
      const uuid = str(args, 'instance_uuid');
      const migrationId = str(args, 'migration_id');
      await hostEvent(ctx, uuid, mctx.requestId, 'live_migration_abort', async () => {
        const run = runs.get(uuid);
        if (run && run.migrationUuid === str(args, 'migration_uuid')) {
          if (run.phase === 'queued' && run.cancelQueued) return run.cancelQueued();
          if (run.phase === 'preparing') {
            run.abortRequested = true;
            return;
          }
          if (run.phase === 'running') return ctx.driver.liveMigrationAbort(uuid);
        }
        const m = await getMigration(ctx.db, str(args, 'migration_uuid'));
        throw new InvalidMigrationState(migrationId, uuid, m?.status ?? 'unknown', 'abort live migration');
      });
    },
  };
}

/**
 * At agent start: live migrations this host was running did not survive the
 * restart. Their records become `error`, what they held is freed and the
 * servers (still here) lose their `migrating` task.
 */
export async function recoverInterruptedLiveMigrations(ctx: AgentContext): Promise<void> {
  const db = ctx.db.kysely;
  for (const m of await unfinishedLiveMigrationsFrom(db, ctx.host)) {
    const now = ctx.clock.now();
    if (!(await updateMigration(ctx.db, m.id, { status: 'error' }, { now, expectStatus: [m.status] }))) continue;
    await release(ctx.db, m.uuid);
    await updateInstance(db, m.instance_uuid, { task_state: null }, now, { taskState: [TaskState.MIGRATING] });
  }
}
