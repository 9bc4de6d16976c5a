// Live migration on the hosts: the pre-checks (destination, then source), the
// transfer run by the source as a job — queued while the host already runs
// [DEFAULT] max_concurrent_live_migrations, then preparing (pre-live-migration
// on the destination, which binds and plugs the ports there, and the wait
// for their network-vif-plugged events), running (driver transfer, progress counters on the
// migration), post-migrating (the destination takes the server in one
// transaction) and the source's clean-up, or rollback — plus force-complete
// and abort of a run in progress. A run an earlier life of the source agent
// did not finish is settled from its status when the job comes back.
import type { Handlers, MessageArgs, Json } from '../rpc/bus.js';
import { MessagingTimeout } from '../rpc/bus.js';
import { activatePortsOnDestination, bindPortsOnDestination, dropDestinationBindings, portsEnvOf } from '../compute/neutron/server-ports.js';
import type { AgentContext } from './context.js';
import { guestSpec, hostEvent, notifyFromHost } from './context.js';
import { addFault, flavorOf, getInstance, updateInstance } from '../db/instances.js';
import { getMigration, updateMigration } from '../db/migrations-repo.js';
import type { InstanceRow, MigrationRow, MigrationUpdate } from '../db/schema.js';
import { transact } from '../jobs/transaction.js';
import { moveAllocations, release } from '../scheduler/claims.js';
import { VirtDriverError, type LiveMigrateData, type LiveMigrationProgress, type PowerStateValue } from '../virt/driver.js';
import { InstanceNotFound } from '../compute/errors.js';
import { InvalidMigrationState, MigrationError, MigrationPreCheckError } from '../compute/live-migration-errors.js';
import { infoCacheOf } from '../db/info-caches.js';
import type { Expectation } from './instance-events.js';
import { waitForPlugEvents } from './vif-plugging.js';
import { TaskState, VmState } from '../compute/states.js';
import { GroupAffinityViolation, validateInstanceGroupPolicy } from '../compute/server-group-policy-check.js';

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

/** The key of the destination's pre-live-migration reply that tells the source whether to wait for plug events (Nova's migrate_data field). */
const WAIT_FOR_VIF_PLUGGED = 'wait_for_vif_plugged';

/** The destination's reply: whether to wait for plug events, and the driver's own data (null when it had none). */
function splitPreLiveMigrationReply(reply: unknown): { waitForVifPlugged: boolean; driverData: LiveMigrateData | null } {
  if (reply === null || typeof reply !== 'object' || Array.isArray(reply)) return { waitForVifPlugged: false, driverData: null };
  const { [WAIT_FOR_VIF_PLUGGED]: wait, ...rest } = reply as Record<string, unknown>;
  return { waitForVifPlugged: wait === true, driverData: Object.keys(rest).length > 0 ? rest : null };
}

/**
 * On the source, after the destination plugged the server's ports into its
 * inactive bindings: network-vif-plugged for every VIF, as Nova's source
 * waits before the transfer. A plug reported failed, or plugs not reported
 * in time, are fatal with `[DEFAULT] vif_plugging_is_fatal`.
 */
async function waitForDestinationPlugs(ctx: AgentContext, uuid: string, dest: string, plugEvents: Expectation): Promise<void> {
  const tags = (await infoCacheOf(ctx.db.kysely, uuid)).networkInfo.map((v) => v.id);
  await waitForPlugEvents(ctx, uuid, tags, plugEvents, {
    failed: (tag) => Object.assign(new Error(`Neutron reported failure during live migration with network-vif-plugged-${tag} for instance ${uuid}`), { name: 'VirtualInterfacePlugException' }),
    timedOut: (missing) =>
      new MigrationError(
        `Timed out waiting for events: ${missing.map((t) => `network-vif-plugged-${t}`).join(', ')}. ` +
          `If these timeouts are a persistent issue it could mean the networking backend on host ${dest} does not support sending these events ` +
          'unless there are port binding host changes which does not happen at this point in the live migration process. ' +
          `You may need to disable the live_migration_wait_for_vif_plug option on host ${dest}.`,
      ),
  });
}

/** Nova's migration status while a live migration runs in post-copy. */
const POST_COPY = 'running (post-copy)';

export function liveMigrationHandlers(ctx: AgentContext): Handlers {
  const db = ctx.db.kysely;
  const ports = portsEnvOf(ctx);
  const slots = new Slots(ctx.conf.num('DEFAULT', 'max_concurrent_live_migrations'));
  const runs = new Map<string, Run>();

  const setMigration = (id: number, values: MigrationUpdate, expectStatus?: readonly string[]): Promise<boolean> =>
    updateMigration(ctx.db, id, values, { now: ctx.clock.now(), ...(expectStatus && { expectStatus }) });

  const instanceOrFail = async (uuid: string) => {
    const inst = await getInstance(db, uuid);
    if (!inst) throw new InstanceNotFound(uuid);
    return inst;
  };

  /**
   * Back to the source: undo the destination, then in one transaction free
   * what the migration held, end it in `status` and clear the task (the
   * server in ERROR with `failure`'s fault when given). Only from the status
   * the migration is in now, so a rollback never undoes a completion.
   */
  const rollback = async (
    uuid: string,
    run: Pick<Run, 'migrationId' | 'migrationUuid'>,
    dest: string,
    from: readonly string[],
    status: string,
    requestId: string | undefined,
    destTouched: boolean,
    failure?: unknown,
  ): Promise<void> => {
    await notifyFromHost(ctx, 'instance.live_migration_rollback.start', uuid, requestId);
    if (destTouched && dest !== '') {
      await ctx.bus
        .call(`compute.${dest}`, 'rollback_live_migration_at_destination', { instance_uuid: uuid, migration_id: run.migrationId }, { requestId })
        .catch((err: unknown) => ctx.log.error({ err, instance: uuid }, 'rollback at the destination failed; it drops the guest when it next sweeps'));
    }
    await transact(ctx, async (tx) => {
      const now = ctx.clock.now();
      if (!(await updateMigration(tx.q, run.migrationId, { status }, { expectStatus: from, now }))) return;
      await release(tx.q, run.migrationUuid);
      const values = failure === undefined ? { task_state: null, progress: 0 } : { task_state: null, progress: 0, vm_state: VmState.ERROR };
      if ((await updateInstance(tx.q, uuid, values, now, { taskState: [TaskState.MIGRATING] })) && failure !== undefined)
        await addFault(tx.q, uuid, 500, failure instanceof Error ? failure.message : String(failure), null, ctx.host, now);
    });
    await notifyFromHost(ctx, 'instance.live_migration_rollback.end', uuid, requestId);
  };

  /** The whole transfer, as the source runs it; throws when it failed (the event then records the error). */
  const transfer = async (run: Run, uuid: string, dest: string, blockMigration: boolean, requestId: string | undefined): Promise<void> => {
    const mig = run.migrationId;
    if (!(await setMigration(mig, { status: 'queued' }, ['accepted']))) return;
    const gotSlot = await slots.acquire((cancel) => (run.cancelQueued = cancel));
    if (!gotSlot) {
      // Aborted while waiting for a slot: nothing happened on the destination yet.
      await rollback(uuid, run, dest, ['queued'], 'cancelled', requestId, false);
      return;
    }
    try {
      run.phase = 'preparing';
      await setMigration(mig, { status: 'preparing' }, ['queued']);
      let migrateData: unknown;
      // Expected before the destination binds the ports, so a plug event that comes early is kept.
      const plugEvents = ctx.instanceEvents.expect(uuid);
      try {
        try {
          migrateData = await ctx.bus.call(`compute.${dest}`, 'pre_live_migration', { instance_uuid: uuid, source: ctx.host, block_migration: blockMigration }, { requestId });
        } catch (err) {
          await rollback(uuid, run, dest, ['preparing'], 'error', requestId, true);
          throw err;
        }
        ctx.crash.at('compute.live_migration.after_pre_live_migration', uuid);
        const { waitForVifPlugged, driverData } = splitPreLiveMigrationReply(migrateData);
        migrateData = driverData;
        if (waitForVifPlugged) {
          try {
            await waitForDestinationPlugs(ctx, uuid, dest, plugEvents);
          } catch (err) {
            // Nothing was transferred: the server stays on the source as it was, and the migration fails.
            await rollback(uuid, run, dest, ['preparing'], 'failed', requestId, true);
            throw err;
          }
        }
      } finally {
        ctx.instanceEvents.forget(uuid, plugEvents);
      }
      if (run.abortRequested) {
        await rollback(uuid, run, dest, ['preparing'], 'cancelled', requestId, true);
        return;
      }
      run.phase = 'running';
      const progress = progressWriter(ctx, mig);
      // Nova's status once the guest runs at the destination: neither force-complete nor abort applies any more.
      let postCopy: Promise<unknown> = Promise.resolve();
      const switchedToPostCopy = (): Promise<unknown> =>
        (postCopy = setMigration(mig, { status: POST_COPY }, ['running']).catch((err: unknown) => ctx.log.warn({ err, instance: uuid }, 'could not record the switch to post-copy')));
      // The driver takes the transfer on before the record says `running`, so a
      // force-complete or abort sent on seeing `running` always finds it.
      const transferring = ctx.driver.liveMigration(uuid, {
        destHost: dest,
        blockMigration,
        onProgress: (p) => progress.report(p),
        completionTimeout: ctx.conf.num('compute', 'live_migration_completion_timeout'),
        timeoutAction: ctx.conf.str('compute', 'live_migration_timeout_action') === 'force_complete' ? 'force_complete' : 'abort',
        onPostCopy: switchedToPostCopy,
        ...(migrateData !== null && typeof migrateData === 'object' && !Array.isArray(migrateData) ? { migrateData: migrateData as LiveMigrateData } : {}),
      });
      transferring.catch(() => undefined);
      let outcome;
      try {
        await setMigration(mig, { status: 'running' }, ['preparing']);
        ctx.crash.at('compute.live_migration.during_transfer', uuid);
        outcome = await transferring;
      } catch (err) {
        await progress.done();
        await postCopy;
        if (err instanceof Error && err.name === 'CrashPointReached') throw err;
        // The transfer broke before the guest switched over: it still runs on the source.
        await rollback(uuid, run, dest, ['running', POST_COPY], 'failed', requestId, true);
        throw err;
      }
      await progress.done();
      await postCopy;
      const figures = outcome === 'completed' ? ctx.driver.lastLiveMigration?.(uuid) : undefined;
      if (figures) ctx.log.info({ instance: uuid, dest, totalTimeMs: figures.totalTimeMs, downtimeMs: figures.downtimeMs }, 'live migration transferred the guest');
      if (outcome === 'cancelled') {
        await rollback(uuid, run, dest, ['running'], 'cancelled', requestId, true);
        return;
      }
      await complete(uuid, run, dest, requestId);
    } finally {
      slots.release();
    }
  };

  /**
   * The last step of a completed move, once the records are on `dest`: the
   * ports' bindings follow, then the task ends, so a client that sees the
   * server ACTIVE there finds its ports there too. A network service that
   * fails here leaves the bindings to a rerun; the server is where its guest is.
   */
  const settleOnDestination = async (inst: InstanceRow, migrationId: number, source: string, dest: string): Promise<void> => {
    try {
      await activatePortsOnDestination(ports, inst, source, dest);
    } catch (err) {
      ctx.log.warn({ instance: inst.uuid, err: err instanceof Error ? err.message : String(err) }, 'ports did not follow the live migration');
    }
    await transact(ctx, async (tx) => {
      // Reset and moved again meanwhile: the task is the newer move's.
      const newer = await tx.q.selectFrom('migrations').select('id').where('instance_uuid', '=', inst.uuid).where('id', '>', migrationId).executeTakeFirst();
      if (!newer) await updateInstance(tx.q, inst.uuid, { task_state: null }, ctx.clock.now(), { taskState: [TaskState.MIGRATING] });
    });
  };

  /** From the source: settles a move the destination took but may not have finished (it died right after). */
  const settleTaken = async (uuid: string, m: MigrationRow): Promise<void> => {
    const inst = await getInstance(db, uuid);
    if (inst?.host && inst.host === m.dest_compute && inst.task_state === TaskState.MIGRATING) await settleOnDestination(inst, m.id, m.source_compute ?? '', inst.host);
  };

  /**
   * The guest switched over: the destination takes the server (its step
   * moves the records there in one transaction), then the source drops its
   * copy. If the destination cannot take it, the server stays here in ERROR
   * and the destination drops whatever arrived.
   */
  const complete = async (uuid: string, run: Pick<Run, 'migrationId' | 'migrationUuid'>, dest: string, requestId: string | undefined): Promise<void> => {
    await setMigration(run.migrationId, { status: 'post-migrating' }, ['running', POST_COPY, 'post-migrating']);
    ctx.crash.at('compute.live_migration.after_transfer', uuid);
    const guest = ctx.driver.getGuest(uuid);
    await notifyFromHost(ctx, 'instance.live_migration_post.start', uuid, requestId);
    let failure: unknown;
    try {
      await ctx.bus.call(
        `compute.${dest}`,
        'post_live_migration_at_destination',
        { instance_uuid: uuid, migration_id: run.migrationId, migration_uuid: run.migrationUuid, power_state: guest?.powerState ?? 1 },
        { requestId },
      );
    } catch (err) {
      failure = err;
    }
    const now = await getMigration(ctx.db, run.migrationId);
    if (now?.status === 'completed') {
      // The destination took the server but did not answer (it died right after): its last step is done from here.
      if (failure !== undefined) await settleTaken(uuid, now);
      ctx.crash.at('compute.live_migration.after_post_at_destination', uuid);
      await ctx.driver.cleanupAfterLiveMigration(uuid);
      await notifyFromHost(ctx, 'instance.live_migration_post.end', uuid, requestId);
      return;
    }
    // The guest never arrived (or arrived too late): the server needs an operator, on this host.
    await rollback(uuid, run, dest, ['post-migrating'], 'error', requestId, true, failure ?? new Error('the destination did not take the server'));
    throw failure ?? new Error(`live migration of ${uuid} did not complete on ${dest}`);
  };

  /**
   * A live migration an earlier life of this agent was running when it died.
   * A transfer does not outlive its source agent here, so one that had not
   * switched over is rolled back; one that had (or had switched to
   * post-copy, which QEMU carries on alone) is completed (or rolled back if
   * the destination cannot take it); one already completed only needs this
   * host's copy dropped.
   */
  const resume = async (m: MigrationRow, requestId: string | undefined): Promise<void> => {
    const dest = m.dest_compute ?? '';
    const run = { migrationId: m.id, migrationUuid: m.uuid };
    if (m.status === 'completed') {
      await settleTaken(m.instance_uuid, m);
      const inst = await getInstance(db, m.instance_uuid);
      if (inst?.host !== ctx.host && ctx.driver.getGuest(m.instance_uuid)) await ctx.driver.cleanupAfterLiveMigration(m.instance_uuid);
      return;
    }
    if (['error', 'failed', 'cancelled'].includes(m.status)) {
      // Settled (or given up by an evacuation) while this host was away: only the destination's part may be left.
      if (dest !== '')
        await ctx.bus
          .call(`compute.${dest}`, 'rollback_live_migration_at_destination', { instance_uuid: m.instance_uuid, migration_id: m.id }, { requestId })
          .catch(() => undefined);
      return;
    }
    if (m.status === 'post-migrating' || m.status === POST_COPY) {
      // A post-copy transfer goes on in the hypervisor without this agent: it is waited for, then the move completes.
      if (m.status === POST_COPY) {
        const wentOver = await ctx.driver.awaitPostCopy?.(m.instance_uuid).catch((err: unknown) => {
          ctx.log.warn({ instance: m.instance_uuid, err: err instanceof Error ? err.message : String(err) }, 'post-copy transfer did not end');
          return true;
        });
        // Recorded, but cut off before the guest switched over: it runs here still, as after any transfer cut short.
        if (wentOver === false) {
          await rollback(m.instance_uuid, run, dest, [POST_COPY], 'error', requestId, true);
          return;
        }
      }
      await complete(m.instance_uuid, run, dest, requestId).catch((err: unknown) =>
        ctx.log.warn({ instance: m.instance_uuid, err: err instanceof Error ? err.message : String(err) }, 'interrupted live migration could not complete'),
      );
      return;
    }
    await rollback(m.instance_uuid, run, dest, [m.status], 'error', requestId, m.status !== 'queued');
  };

  return {
    /** On the destination: can the guest come here? Then asks the source the same. */
    async check_can_live_migrate_destination(args, mctx) {
      const uuid = str(args, 'instance_uuid');
      const source = str(args, 'source');
      return hostEvent(ctx, uuid, mctx.requestId, 'check_can_live_migrate_destination', async () => {
        const inst = await instanceOrFail(uuid);
        // A forced host skipped the scheduler's group filters: checked here, failing
        // as a pre-check (the server stays as it is), as Nova intends.
        try {
          await validateInstanceGroupPolicy(ctx.db.kysely, ctx.conf, uuid, ctx.host);
        } catch (err) {
          if (err instanceof GroupAffinityViolation) throw new MigrationPreCheckError(`Failed to validate instance group policy due to: ${err.message}`);
          throw err;
        }
        // `auto` (null) is the driver's to decide; one that does not decide keeps it as no block migration.
        const asked = typeof args['block_migration'] === 'boolean' ? args['block_migration'] : null;
        const decided = await preCheck(() => ctx.driver.checkCanLiveMigrateDestination(guestSpec(inst, flavorOf(inst)), source, asked));
        const block = typeof decided === 'boolean' ? decided : asked === true;
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
      return hostEvent(ctx, uuid, mctx.requestId, 'pre_live_migration', async () => {
        await notifyFromHost(ctx, 'instance.live_migration_pre.start', uuid, mctx.requestId);
        const inst = await instanceOrFail(uuid);
        // The definitive check: another move may have come here since the pre-checks.
        await validateInstanceGroupPolicy(ctx.db.kysely, ctx.conf, uuid, ctx.host);
        // Inactive bindings here, beside the source's active ones, for the guest to plug into.
        const bound = await bindPortsOnDestination(ports, uuid, ctx.host);
        const data = await ctx.driver.preLiveMigration(guestSpec(inst, flavorOf(inst)), str(args, 'source'), args['block_migration'] === true);
        await notifyFromHost(ctx, 'instance.live_migration_pre.end', uuid, mctx.requestId);
        // As Nova's destination says it: the source waits for the plugs only with per-host bindings, and when this host's option asks.
        const wait = bound && ctx.conf.bool('compute', 'live_migration_wait_for_vif_plug');
        return { ...(data ?? {}), [WAIT_FOR_VIF_PLUGGED]: wait } as Json;
      });
    },

    /** On the source (a job): the transfer, from `queued` to completion or rollback. */
    async live_migration(args, mctx) {
      const uuid = str(args, 'instance_uuid');
      const m = await getMigration(ctx.db, Number(args['migration_id']));
      if (!m || m.source_compute !== ctx.host) return;
      if (m.status !== 'accepted') {
        if (!runs.has(uuid)) await resume(m, mctx.requestId);
        return;
      }
      const inst = await getInstance(db, uuid);
      if (!inst || inst.task_state !== TaskState.MIGRATING) {
        // Reset or deleted while the transfer waited for this host: nothing was done yet.
        await rollback(uuid, { migrationId: m.id, migrationUuid: m.uuid }, str(args, 'dest'), ['accepted'], 'error', mctx.requestId, false);
        return;
      }
      const run: Run = { migrationId: m.id, migrationUuid: m.uuid, phase: 'queued', abortRequested: false };
      runs.set(uuid, run);
      try {
        await hostEvent(ctx, uuid, mctx.requestId, 'live_migration', () =>
          transfer(run, uuid, str(args, 'dest'), args['block_migration'] === true, mctx.requestId),
        );
      } catch (err) {
        if (err instanceof Error && err.name === 'CrashPointReached') throw err;
        ctx.log.warn({ instance: uuid, err: err instanceof Error ? err.message : String(err) }, 'live migration failed');
      } finally {
        if (runs.get(uuid) === run) runs.delete(uuid);
      }
    },

    /**
     * On the destination, after the switch-over: the guest lives here now.
     * One transaction completes the migration, frees the source allocation,
     * makes the destination claim the instance's and records the server
     * here — unless the source has rolled the migration back meanwhile, in
     * which case what arrived is dropped again. Repeating it is harmless.
     */
    async post_live_migration_at_destination(args, mctx) {
      const uuid = str(args, 'instance_uuid');
      const migrationId = Number(args['migration_id']);
      const migUuid = str(args, 'migration_uuid');
      await hostEvent(ctx, uuid, mctx.requestId, 'post_live_migration_at_destination', async () => {
        const m = await getMigration(ctx.db, migrationId);
        const inst = await getInstance(db, uuid);
        // Taken already: only the ports and the task may be left (a crash right after the records moved).
        if (m?.status === 'completed' && inst?.host === ctx.host) {
          await settleOnDestination(inst, m.id, m.source_compute ?? '', ctx.host);
          return;
        }
        if (!m || m.status !== 'post-migrating' || !inst) {
          if (ctx.driver.getGuest(uuid) && inst?.host !== ctx.host) await ctx.driver.rollbackLiveMigrationAtDestination(uuid);
          if (!inst) throw new InstanceNotFound(uuid);
          throw new InvalidMigrationState(String(migrationId), uuid, m?.status ?? 'unknown', 'complete live migration');
        }
        const powerState = Number(args['power_state']) as PowerStateValue;
        await notifyFromHost(ctx, 'instance.live_migration_post_dest.start', uuid, mctx.requestId);
        await ctx.driver.postLiveMigrationAtDestination(guestSpec(inst, flavorOf(inst)), powerState);
        ctx.crash.at('compute.post_live_migration.after_driver', uuid);
        const taking = transact(ctx, async (tx) => {
          const now = ctx.clock.now();
          if (!(await updateMigration(tx.q, migrationId, { status: 'completed' }, { expectStatus: ['post-migrating'], now }))) return false;
          // Deleted (or being deleted) meanwhile: the move is over, and this copy goes.
          const still = await getInstance(tx.q, uuid);
          if (!still || still.task_state === TaskState.DELETING) throw new InstanceNotFound(uuid);
          await release(tx.q, uuid);
          await moveAllocations(tx.q, migUuid, uuid);
          // The guest is here whatever else changed meanwhile: the records follow it.
          // The task ends once the ports have followed too (settleOnDestination).
          await updateInstance(tx.q, uuid, { host: ctx.host, node: ctx.nodeName, power_state: powerState, progress: 0 }, now);
          return true;
        });
        const taken = await taking.catch(async (err: unknown) => {
          if (err instanceof InstanceNotFound) await ctx.driver.rollbackLiveMigrationAtDestination(uuid);
          throw err;
        });
        if (!taken) {
          await ctx.driver.rollbackLiveMigrationAtDestination(uuid);
          throw new InvalidMigrationState(String(migrationId), uuid, (await getMigration(ctx.db, migrationId))?.status ?? 'unknown', 'complete live migration');
        }
        ctx.crash.at('compute.post_live_migration.after_commit', uuid);
        // The server lives here now: the ports' bindings follow it (after the records, so a rolled-back move never takes them).
        await settleOnDestination(inst, migrationId, m.source_compute ?? '', ctx.host);
        await notifyFromHost(ctx, 'instance.live_migration_post_dest.end', uuid, mctx.requestId);
      });
    },

    /** Drops what arrived for a live migration that did not complete; never the server's own guest. */
    async rollback_live_migration_at_destination(args, mctx) {
      const uuid = str(args, 'instance_uuid');
      await hostEvent(ctx, uuid, mctx.requestId, 'rollback_live_migration_at_destination', async () => {
        const inst = await getInstance(db, uuid);
        if (inst?.host === ctx.host) return;
        await notifyFromHost(ctx, 'instance.live_migration_rollback_dest.start', uuid, mctx.requestId);
        await ctx.driver.rollbackLiveMigrationAtDestination(uuid);
        await dropDestinationBindings(ports, uuid, ctx.host);
        await notifyFromHost(ctx, 'instance.live_migration_rollback_dest.end', uuid, mctx.requestId);
      });
    },

    async live_migration_force_complete(args, mctx) {
      const uuid = str(args, 'instance_uuid');
      await notifyFromHost(ctx, 'instance.live_migration_force_complete.start', uuid, mctx.requestId);
      await hostEvent(ctx, uuid, mctx.requestId, 'live_migration_force_complete', () => ctx.driver.liveMigrationForceComplete(uuid));
      await notifyFromHost(ctx, 'instance.live_migration_force_complete.end', uuid, mctx.requestId);
    },

    /** Cancels a queued run, stops one being prepared before it transfers, or aborts the transfer. */
    async live_migration_abort(args, mctx) {
      const uuid = str(args, 'instance_uuid');
      const migrationId = str(args, 'migration_id');
      await notifyFromHost(ctx, 'instance.live_migration_abort.start', uuid, mctx.requestId);
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
      await notifyFromHost(ctx, 'instance.live_migration_abort.end', uuid, mctx.requestId);
    },
  };
}
