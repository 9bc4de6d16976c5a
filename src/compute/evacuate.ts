// evacuate: rebuild a server of a failed host on another host. The rules of
// the request (state guard, the source host must be down), then in one
// transaction the compare-and-swap to task `rebuilding`, the end of any move
// the failed host left unfinished, the `evacuate` instance action, the
// `evacuation` migration record that the failed host finds and cleans up when
// it returns (holding that host's share meanwhile), and the conductor's job.
import type { Kysely } from 'kysely';
import type { Database, InstanceRow, MigrationRow } from '../db/schema.js';
import { flavorOf, getInstance, updateInstance } from '../db/instances.js';
import { recordAction } from '../db/instance-actions.js';
import { notifyInstance } from '../notifications/emit.js';
import { createMigrationIn, UNFINISHED_STATUSES, updateMigration } from '../db/migrations-repo.js';
import { allocate, moveAllocations, release } from '../scheduler/claims.js';
import { resourcesOf } from '../scheduler/request-spec.js';
import { transact } from '../jobs/transaction.js';
import { jobsOfInstance } from '../db/jobs.js';
import { computeServiceOfHost, firstNodeOfHost } from '../db/compute-nodes.js';
import { ComputeHostNotFound, InstanceInvalidState, MagnetarError } from './errors.js';
import { checkState, hostIsUp, lostRaceConflict } from './guards.js';
import { serviceIsUp } from './service-liveness.js';
import type { ComputeService, Requester } from './service.js';
import { TaskState, VmState } from './states.js';

export const EVACUATE_ACTION = 'evacuate';
const ALLOWED_VM_STATES = [VmState.ACTIVE, VmState.STOPPED, VmState.ERROR];

/** Compute services must be this new for an evacuation that ends stopped (2.95). */
export const MIN_COMPUTE_VERSION_EVACUATE_STOPPED = 62;

/** The source host still heartbeats (or is not forced down): evacuating would run the server twice. */
export class ComputeServiceInUse extends MagnetarError {
  constructor(readonly host: string) {
    super('Invalid', `Compute service of ${host} is still in use.`);
  }
}

/** Some compute service is too old for 2.95's "end stopped" evacuation. */
export class NotSupportedComputeForEvacuateV295 extends MagnetarError {
  constructor(current: number) {
    super(
      'Invalid',
      'Starting with microversion 2.95, evacuate API will stop instance on destination. To evacuate before upgrades are complete ' +
        `please use an older microversion. Required version for compute ${MIN_COMPUTE_VERSION_EVACUATE_STOPPED}, current version ${current}`,
    );
  }
}

export interface EvacuateRequest {
  /** Requested destination host, or null to let the scheduler choose. */
  readonly host: string | null;
  /** Use `host` as given, without the scheduler (below 2.29, or force at 2.29–2.67). */
  readonly forced: boolean;
  /** `stopped` from 2.95: the server ends powered off unless it was in error. */
  readonly targetState: 'stopped' | null;
  /** Below 2.14, whether the caller says the server's files are on shared storage; from 2.14 null (the destination finds out). */
  readonly onSharedStorage?: boolean | null;
}

/** The bus message of the conductor's `rebuild_instance` handler (evacuation only). */
export interface RebuildInstanceMessage {
  readonly instance_uuid: string;
  readonly migration_uuid: string;
  /** Always true: the server is re-created on another host. */
  readonly recreate: true;
  /** A destination used without the scheduler. */
  readonly host: string | null;
  /** A destination the scheduler must pick (its filters still apply). */
  readonly requested_host: string | null;
  readonly target_state: 'stopped' | null;
  /** The caller's word on shared storage (below 2.14), or null: the destination's driver decides. */
  readonly on_shared_storage: boolean | null;
}

/** 2.95 refuses while any compute service is older than the version that can end an evacuation stopped. */
export async function checkComputesSupportStoppedEvacuate(svc: ComputeService): Promise<void> {
  const row = await svc.db.kysely
    .selectFrom('services')
    .select((eb) => eb.fn.min<number>('version').as('v'))
    .where('binary', '=', 'nova-compute')
    .where('deleted', '=', 0)
    .executeTakeFirst();
  const min = row?.v === null || row?.v === undefined ? null : Number(row.v);
  if (min !== null && min < MIN_COMPUTE_VERSION_EVACUATE_STOPPED) throw new NotSupportedComputeForEvacuateV295(min);
}

/** Whether `host` runs a compute service (the API's 404 check of a requested destination). */
export async function isComputeHost(svc: ComputeService, host: string): Promise<boolean> {
  return (await computeServiceOfHost(svc.db.kysely, host)) !== undefined;
}

export async function evacuate(svc: ComputeService, who: Requester, inst: InstanceRow, req: EvacuateRequest): Promise<MigrationRow> {
  checkState(inst, EVACUATE_ACTION, { vmStates: ALLOWED_VM_STATES });
  const source = inst.host;
  const service = source === null ? undefined : await computeServiceOfHost(svc.db.kysely, source);
  if (source === null || service === undefined) throw new ComputeHostNotFound(source ?? 'None');
  if (serviceIsUp(service, svc.clock.now(), svc.serviceDownTime)) throw new ComputeServiceInUse(source);

  const now = svc.clock.now();
  const accepted = await transact(
    svc,
    async (tx) => {
      const won = await updateInstance(tx.q, inst.uuid, { task_state: TaskState.REBUILDING }, now, {
        taskState: [null],
        vmState: ALLOWED_VM_STATES,
      });
      // Another request got there first: answer with the state it left behind.
      if (!won) throw lostRaceConflict((await getInstance(tx.q, inst.uuid)) ?? inst, EVACUATE_ACTION, { vmStates: ALLOWED_VM_STATES });
      await supersedeMoves(svc, tx.q, (await getInstance(tx.q, inst.uuid)) ?? inst, now);
      await recordAction(
        tx.q,
        { action: EVACUATE_ACTION, instanceUuid: inst.uuid, requestId: who.requestId, userId: who.userId, projectId: who.projectId },
        now,
      );
      // The record is also the tombstone the failed host looks for when it comes back.
      const migration = (await createMigrationIn(tx.q, svc.db.dialect, {
        instanceUuid: inst.uuid,
        migrationType: 'evacuation',
        status: 'accepted',
        sourceCompute: source,
        sourceNode: inst.node,
        destCompute: req.host,
        oldInstanceTypeId: null,
        newInstanceTypeId: null,
        userId: who.userId,
        projectId: who.projectId,
        now,
      }))!;
      // The failed host's share is the migration's until that host cleans up.
      await moveAllocations(tx.q, inst.uuid, migration.uuid);
      const msg: RebuildInstanceMessage = {
        instance_uuid: inst.uuid,
        migration_uuid: migration.uuid,
        recreate: true,
        host: req.forced ? req.host : null,
        requested_host: req.forced ? null : req.host,
        target_state: req.targetState,
        on_shared_storage: req.onSharedStorage ?? null,
      };
      await tx.post('conductor', 'rebuild_instance', { ...msg }, { requestId: who.requestId, instanceUuid: inst.uuid });
      return migration;
    },
    { afterCommit: () => svc.crash.at('api.evacuate.after_commit', inst.uuid) },
  );
  await notifyInstance(svc, 'instance.evacuate', inst.uuid, { publisher: `nova-api:${svc.conf.str('DEFAULT', 'host')}`, requestId: who.requestId, initiator: who });
  return accepted;
}

/**
 * A move that was under way when the source host failed cannot finish: the
 * hosts that were doing it are gone, and the server is rebuilt elsewhere.
 * Its records end in `error` (a failed host finds them settled when it
 * returns, and drops any copy of the guest it still has), and the server's
 * resources become again exactly its own share of the failed host, which the
 * evacuation then holds. A move some running host is still working on
 * (an earlier evacuation, say, after a reset-state) is not taken over: 409.
 */
async function supersedeMoves(svc: ComputeService, q: Kysely<Database>, inst: InstanceRow, now: Date): Promise<void> {
  const stale = await q
    .selectFrom('migrations')
    .selectAll()
    .where('instance_uuid', '=', inst.uuid)
    .where('deleted', '=', 0)
    .where('status', 'in', [...UNFINISHED_STATUSES])
    .execute();
  if (stale.length === 0) return;
  // Work still queued for the conductor, or for a host that is up, is being done: not ours to take over.
  const busy = async (host: string | null): Promise<boolean> => host !== null && host !== inst.host && (await hostIsUp(svc, host));
  const queued = await jobsOfInstance(q, inst.uuid);
  for (const m of stale) {
    const working = queued.some((j) => j.topic === 'conductor') || (await busy(m.source_compute)) || (await busy(m.dest_compute));
    if (working) throw new InstanceInvalidState(inst.uuid, EVACUATE_ACTION, 'migration status', m.status);
  }
  for (const m of stale) {
    await updateMigration(q, m.id, { status: 'error' }, { expectStatus: [m.status], now });
    await release(q, m.uuid);
  }
  await release(q, inst.uuid);
  const node = inst.host === null ? undefined : await firstNodeOfHost(q, inst.host);
  if (node) await allocate(q, inst.uuid, node.uuid, resourcesOf(flavorOf(inst)), now);
}
