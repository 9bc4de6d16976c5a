// Live migration, conductor side: the API recorded the migration
// (`accepted`); here the destination is chosen — a forced host after minimal
// checks, or the scheduler with the source excluded and further candidates
// while pre-checks fail (up to [conductor] migrate_max_retries) — its
// resources are held under the migration's uuid, and one transaction records
// the destination and hands the transfer to the source host. A run that dies
// before that transaction is started over, its claim dropped first.
// Failures before the hand-over leave the server where it is with task null
// and the migration in `error`.
import type { Kysely } from 'kysely';
import type { Handlers, JobHandle, MessageArgs } from '../rpc/bus.js';
import { MessagingTimeout } from '../rpc/bus.js';
import type { ConductorContext } from './context.js';
import { conductorEvent, SchedulerUnreachable, selectDestinations } from './context.js';
import type { Database, InstanceFlavor, InstanceRow, MigrationRow } from '../db/schema.js';
import { addFault, flavorOf, getInstance, updateInstance } from '../db/instances.js';
import { getMigration, updateMigration } from '../db/migrations-repo.js';
import { transact } from '../jobs/transaction.js';
import { computeServiceOfHost, firstNodeOfHost } from '../db/compute-nodes.js';
import { claim, release, usage } from '../scheduler/claims.js';
import { capacityOf } from '../scheduler/resources.js';
import { requestedFlavorOf, resourcesOf, schedulerHintsOf, type RequestSpec } from '../scheduler/request-spec.js';
import { serviceIsUp } from '../compute/service-liveness.js';
import { effectiveServiceDownTime } from '../config/config.js';
import { InstanceInvalidState, MagnetarError, NoValidHost } from '../compute/errors.js';
import {
  ComputeServiceUnavailable,
  DestinationHypervisorTooOld,
  InvalidHypervisorType,
  MaxRetriesExceeded,
  MigrationError,
  MigrationPreCheckError,
  UnableToMigrateToSelf,
} from '../compute/live-migration-errors.js';
import { LIVE_MIGRATE_ACTION, type LiveMigrateMessage } from '../compute/live-migrate.js';
import { TaskState, VmState } from '../compute/states.js';

/** A chosen destination, its resources already held by the migration. */
interface Destination {
  readonly host: string;
  readonly node: string;
  readonly nodeUuid: string;
  readonly hostIp: string;
  readonly blockMigration: boolean;
}

const POWER_STATE_NAMES: Readonly<Record<number, string>> = {
  0: 'pending',
  1: 'running',
  3: 'paused',
  4: 'shutdown',
  6: 'crashed',
  7: 'suspended',
};

function parseMessage(a: MessageArgs): LiveMigrateMessage {
  const optBool = (v: unknown): boolean | null => (typeof v === 'boolean' ? v : null);
  const optStr = (v: unknown): string | null => (typeof v === 'string' ? v : null);
  return {
    instance_uuid: String(a['instance_uuid']),
    migration_uuid: String(a['migration_uuid']),
    host: optStr(a['host']),
    forced: a['forced'] === true,
    block_migration: optBool(a['block_migration']),
    disk_over_commit: optBool(a['disk_over_commit']),
    sync: a['sync'] === true,
  };
}

/** Pre-check failures: the chosen host is skipped (scheduled) or the request fails as the client's problem. */
function isPreCheckFailure(err: unknown): boolean {
  return err instanceof MagnetarError && err.family === 'Invalid';
}

class LiveMigrationTask {
  private readonly db: Kysely<Database>;
  private migration!: MigrationRow;

  constructor(
    private readonly ctx: ConductorContext,
    private readonly msg: LiveMigrateMessage,
    private readonly requestId: string | undefined,
    private readonly job: JobHandle | undefined,
  ) {
    this.db = ctx.db.kysely;
  }

  async run(): Promise<void> {
    const migration = await getMigration(this.ctx.db, this.msg.migration_uuid);
    // Handed to the source already, or settled: nothing left to do here.
    if (!migration || migration.status !== 'accepted') return;
    this.migration = migration;
    const inst = await getInstance(this.db, this.msg.instance_uuid);
    if (!inst || inst.task_state !== TaskState.MIGRATING) {
      // Reset or deleted while the request waited: the migration is dropped.
      await this.fail(inst, new MigrationError(`Instance ${this.msg.instance_uuid} is no longer waiting to be live-migrated`));
      return;
    }
    // An earlier run that died before handing over may have left a destination claim.
    await release(this.ctx.db, migration.uuid);
    const flavor = flavorOf(inst);
    try {
      const dest = await this.chooseDestination(inst, flavor);
      this.ctx.crash.at('conductor.live_migrate.after_claim', inst.uuid);
      if (!(await this.handOver(inst, dest))) throw new MigrationError(`Instance ${inst.uuid} is no longer waiting to be live-migrated`);
    } catch (err) {
      if (err instanceof Error && err.name === 'CrashPointReached') throw err;
      // Without a scheduler the request waits (a synchronous one, below 2.34, fails now).
      if (err instanceof SchedulerUnreachable && !this.msg.sync) throw err;
      await this.fail(inst, err);
      if (err instanceof MagnetarError) throw err;
      throw new MigrationError(err instanceof Error ? err.message : String(err));
    }
  }

  private async chooseDestination(inst: InstanceRow, flavor: InstanceFlavor): Promise<Destination> {
    if (inst.power_state !== 1 && inst.power_state !== 3)
      throw new InstanceInvalidState(inst.uuid, LIVE_MIGRATE_ACTION, 'power_state', POWER_STATE_NAMES[inst.power_state] ?? inst.power_state);
    const source = inst.host ?? '';
    await this.checkHostIsUp(source);
    if (this.msg.forced && this.msg.host !== null) return this.forcedDestination(inst, flavor, this.msg.host);
    return this.scheduledDestination(inst, flavor);
  }

  /** A forced host bypasses the scheduler: only the minimal checks Nova makes, then a claim. */
  private async forcedDestination(inst: InstanceRow, flavor: InstanceFlavor, host: string): Promise<Destination> {
    const source = inst.host ?? '';
    if (host === source) throw new UnableToMigrateToSelf(inst.uuid, host);
    await this.checkHostIsUp(host);
    const node = await firstNodeOfHost(this.db, host);
    if (!node) throw new ComputeServiceUnavailable(host);
    const cap = capacityOf({
      ...node,
      cpu_allocation_ratio: Number(node.cpu_allocation_ratio),
      ram_allocation_ratio: Number(node.ram_allocation_ratio),
      disk_allocation_ratio: Number(node.disk_allocation_ratio),
    });
    const used = await usage(this.ctx.db, node.uuid);
    const avail = cap.memory_mb - used.memory_mb;
    if (avail < flavor.memory_mb)
      throw new MigrationPreCheckError(
        `Unable to migrate ${inst.uuid} to ${host}: Lack of memory(host:${pyFloat(avail)} <= instance:${flavor.memory_mb})`,
      );
    await this.checkCompatibleHypervisor(source, node);
    if (!(await claim(this.ctx.db, this.migration.uuid, node.uuid, resourcesOf(flavor))))
      throw new NoValidHost(`Unable to move instance ${inst.uuid} to host ${host}. There is not enough capacity on the host for the instance.`);
    try {
      const block = await this.checksOnDestination(inst, host);
      return { host, node: node.hypervisor_hostname, nodeUuid: node.uuid, hostIp: node.host_ip, blockMigration: block };
    } catch (err) {
      await release(this.ctx.db, this.migration.uuid, node.uuid);
      throw err;
    }
  }

  /** The scheduler picks, never the source; a candidate failing its pre-checks is excluded and the next one asked for. */
  private async scheduledDestination(inst: InstanceRow, flavor: InstanceFlavor): Promise<Destination> {
    const source = inst.host ?? '';
    const attempted = [source];
    const maxRetries = this.ctx.conf.num('conductor', 'migrate_max_retries');
    for (;;) {
      const retries = attempted.length - 1;
      if (maxRetries !== -1 && retries > maxRetries)
        throw new MaxRetriesExceeded(`Exceeded max scheduling retries ${retries} for instance ${inst.uuid} during live migration`);
      const spec: RequestSpec = {
        instanceUuid: inst.uuid,
        projectId: inst.project_id,
        flavor: requestedFlavorOf(flavor),
        // The server stays in the zone it asked for at boot (or is pinned to).
        availabilityZone: inst.availability_zone,
        imageRef: inst.image_ref,
        ignoreHosts: [...attempted],
        ...(this.msg.host !== null ? { requestedHost: this.msg.host } : {}),
        ...schedulerHintsOf(inst),
      };
      const [sel] = await selectDestinations(this.ctx, spec, this.migration.uuid, this.requestId);
      if (!sel) throw new NoValidHost('There are not enough hosts available.');
      try {
        const node = await firstNodeOfHost(this.db, sel.host);
        if (node) await this.checkCompatibleHypervisor(source, node);
        const block = await this.checksOnDestination(inst, sel.host);
        return { host: sel.host, node: sel.nodename, nodeUuid: sel.nodeUuid, hostIp: sel.hostIp, blockMigration: block };
      } catch (err) {
        await release(this.ctx.db, this.migration.uuid, sel.nodeUuid);
        if (!isPreCheckFailure(err)) throw err;
        this.ctx.log.info({ instance: inst.uuid, host: sel.host, err: (err as Error).message }, 'live migration skips a host that failed its pre-checks');
        attempted.push(sel.host);
      }
    }
  }

  /** The destination checks itself and asks the source to check too; returns whether to block-migrate. */
  private async checksOnDestination(inst: InstanceRow, dest: string): Promise<boolean> {
    try {
      const reply = await this.ctx.bus.call(
        `compute.${dest}`,
        'check_can_live_migrate_destination',
        {
          instance_uuid: inst.uuid,
          source: inst.host,
          block_migration: this.msg.block_migration,
          disk_over_commit: this.msg.disk_over_commit,
          migration_uuid: this.migration.uuid,
        },
        { requestId: this.requestId },
      );
      const block = reply !== null && typeof reply === 'object' && !Array.isArray(reply) ? reply['block_migration'] : undefined;
      return block === true;
    } catch (err) {
      if (err instanceof MessagingTimeout) throw new MigrationPreCheckError(`Timeout while checking if we can live migrate to host: ${dest}`);
      throw err;
    }
  }

  private async checkHostIsUp(host: string): Promise<void> {
    const svc = await computeServiceOfHost(this.db, host);
    if (!svc || !serviceIsUp(svc, this.ctx.clock.now(), effectiveServiceDownTime(this.ctx.conf))) throw new ComputeServiceUnavailable(host);
  }

  private async checkCompatibleHypervisor(source: string, dest: { hypervisor_type: string; hypervisor_version: number }): Promise<void> {
    const src = await firstNodeOfHost(this.db, source);
    if (!src) return;
    if (src.hypervisor_type !== dest.hypervisor_type) throw new InvalidHypervisorType();
    if (src.hypervisor_version > dest.hypervisor_version) throw new DestinationHypervisorTooOld();
  }

  /** One transaction: the destination on the migration, the transfer's job for the source host, this job done. */
  private async handOver(inst: InstanceRow, dest: Destination): Promise<boolean> {
    return transact(this.ctx, async (tx) => {
      const now = this.ctx.clock.now();
      const waiting = await tx.q
        .selectFrom('instances')
        .select('id')
        .where('uuid', '=', inst.uuid)
        .where('deleted', '=', 0)
        .where('task_state', '=', TaskState.MIGRATING)
        .executeTakeFirst();
      if (!waiting) return false;
      const ok = await updateMigration(
        tx.q,
        this.migration.id,
        { source_node: inst.node, dest_compute: dest.host, dest_node: dest.node, dest_host: dest.hostIp },
        { expectStatus: ['accepted'], now },
      );
      if (!ok) return false;
      await tx.post(
        `compute.${inst.host}`,
        'live_migration',
        {
          instance_uuid: inst.uuid,
          migration_id: this.migration.id,
          migration_uuid: this.migration.uuid,
          dest: dest.host,
          block_migration: dest.blockMigration,
        },
        { requestId: this.requestId, instanceUuid: inst.uuid },
      );
      await tx.finish(this.job);
      return true;
    });
  }

  /**
   * Nothing was moved: give back what the migration held, mark it `error` and
   * end the task. A refused request leaves vm_state alone; an unexpected
   * failure puts the server in ERROR.
   */
  private async fail(inst: InstanceRow | undefined, err: unknown): Promise<void> {
    const expected = err instanceof MagnetarError;
    const message = err instanceof Error ? err.message : String(err);
    await transact(this.ctx, async (tx) => {
      const now = this.ctx.clock.now();
      await release(tx.q, this.migration.uuid);
      await updateMigration(tx.q, this.migration.id, { status: 'error' }, { expectStatus: ['accepted'], now });
      if (inst) {
        const cleared = await updateInstance(tx.q, inst.uuid, expected ? { task_state: null } : { task_state: null, vm_state: VmState.ERROR }, now, {
          taskState: [TaskState.MIGRATING],
        });
        if (cleared) await addFault(tx.q, inst.uuid, faultCode(err), message, null, null, now);
      }
      await tx.finish(this.job);
    });
    if (!expected) this.ctx.log.error({ err, instance: inst?.uuid }, 'live migration failed unexpectedly');
  }
}

function faultCode(err: unknown): number {
  if (!(err instanceof MagnetarError)) return 500;
  return err.family === 'Invalid' ? 400 : err.family === 'Conflict' ? 409 : 500;
}

/** Python's rendering of a float (1024 → 1024.0), as Nova's message shows it. */
function pyFloat(n: number): string {
  return Number.isInteger(n) ? `${n}.0` : String(n);
}

export function liveMigrateTask(ctx: ConductorContext): Handlers {
  return {
    async live_migrate_instance(args, mctx) {
      const msg = parseMessage(args);
      // The synchronous (below 2.34) path is Nova's migrate_server; its event keeps that name.
      const event = msg.sync ? 'conductor_migrate_server' : 'conductor_live_migrate_instance';
      try {
        await conductorEvent(ctx, msg.instance_uuid, mctx.requestId, event, () => new LiveMigrationTask(ctx, msg, mctx.requestId, mctx.job).run());
      } catch (err) {
        // Below 2.34 the API answers with the failure; from 2.34 it is visible
        // only in the migration record and the instance action.
        if (msg.sync || err instanceof SchedulerUnreachable) throw err;
        ctx.log.info({ instance: msg.instance_uuid, err: err instanceof Error ? err.message : String(err) }, 'live migration refused');
      }
    },
  };
}
