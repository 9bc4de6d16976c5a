// Resource claims. Allocations are keyed by consumer — an instance or a
// migration — so a migration can hold its source and destination at once and
// give back exactly one of them at the end.
import type { Kysely, Transaction } from 'kysely';
import type { Db } from '../db/connect.js';
import type { AllocationRow, Database } from '../db/schema.js';
import { dbTime } from '../db/time.js';
import { fits, type Resources } from './resources.js';
import { UNFINISHED_STATUSES } from '../db/migrations-repo.js';
import { compiledOnce, compiledOnceWrite } from '../db/compiled-once.js';

export type Queryable = Kysely<Database> | Transaction<Database>;

/** The query builder of a database handle, or the transaction itself. */
export function queryable(db: Db | Queryable): Queryable {
  return 'kysely' in db ? db.kysely : db;
}

// A claim's statements run for every placement and every move: compiled once (see compiled-once.ts).
const usageRow = compiledOnce((q, nodeUuid: string) =>
  q
    .selectFrom('allocations')
    .select((eb) => [
      eb.fn.coalesce(eb.fn.sum<number | string>('vcpus'), eb.lit(0)).as('vcpus'),
      eb.fn.coalesce(eb.fn.sum<number | string>('memory_mb'), eb.lit(0)).as('memory_mb'),
      eb.fn.coalesce(eb.fn.sum<number | string>('disk_gb'), eb.lit(0)).as('disk_gb'),
    ])
    .where('node_uuid', '=', nodeUuid),
);

// Taking SQLite's write lock: an update that changes nothing.
const lockNodeRow = compiledOnceWrite((q, nodeUuid: string) => q.updateTable('compute_nodes').set((eb) => ({ id: eb.ref('id') })).where('uuid', '=', nodeUuid));

const nodeCapacity = (q: Queryable, nodeUuid: string) =>
  q
    .selectFrom('compute_nodes')
    .select(['vcpus', 'memory_mb', 'local_gb', 'cpu_allocation_ratio', 'ram_allocation_ratio', 'disk_allocation_ratio'])
    .where('uuid', '=', nodeUuid)
    .where('deleted', '=', 0);
const nodeRow = compiledOnce(nodeCapacity);
const nodeRowLocked = compiledOnce((q, nodeUuid: string) => nodeCapacity(q, nodeUuid).forUpdate());

const insertAllocation = compiledOnceWrite((q, consumerUuid: string, nodeUuid: string, vcpus: number, memoryMb: number, diskGb: number, createdAt: string) =>
  q.insertInto('allocations').values({ consumer_uuid: consumerUuid, node_uuid: nodeUuid, vcpus, memory_mb: memoryMb, disk_gb: diskGb, created_at: createdAt }),
);

const deleteAllocationsOf = compiledOnceWrite((q, consumerUuid: string) => q.deleteFrom('allocations').where('consumer_uuid', '=', consumerUuid));
const deleteAllocationsOfOn = compiledOnceWrite((q, consumerUuid: string, nodeUuid: string) =>
  q.deleteFrom('allocations').where('consumer_uuid', '=', consumerUuid).where('node_uuid', '=', nodeUuid),
);

const serverDeleted = compiledOnce((q, uuid: string) => q.selectFrom('instances').select('deleted').where('uuid', '=', uuid));
const serverDeletedLocked = compiledOnce((q, uuid: string) => q.selectFrom('instances').select('deleted').where('uuid', '=', uuid).forUpdate());
const migrationStatus = compiledOnce((q, uuid: string) => q.selectFrom('migrations').select('status').where('uuid', '=', uuid));
const migrationStatusLocked = compiledOnce((q, uuid: string) => q.selectFrom('migrations').select('status').where('uuid', '=', uuid).forUpdate());

async function usageIn(q: Queryable, nodeUuid: string): Promise<Resources> {
  const [row] = await usageRow(q, nodeUuid);
  if (row === undefined) throw new Error('a sum over allocations returned no row');
  // PostgreSQL returns SUM of integers as a bigint string.
  return { vcpus: Number(row.vcpus), memory_mb: Number(row.memory_mb), disk_gb: Number(row.disk_gb) };
}

/** Resources allocated on a compute node, summed over all consumers. */
export function usage(db: Db, nodeUuid: string): Promise<Resources> {
  return usageIn(db.kysely, nodeUuid);
}

export interface ClaimOptions {
  /**
   * The claim replaces whatever the consumer holds (as placement's allocation
   * writes do): a request the scheduler answers twice — its first reply lost
   * with a process that died — leaves one claim, not two.
   */
  readonly replace?: boolean;
  /**
   * The consumer must still be waiting for it — a server not deleted, a
   * migration not ended — as its record says, read under a lock on its row. A scheduler
   * reply that comes after its requester gave up (deleted, reset, timed out)
   * then claims nothing that nobody would give back.
   */
  readonly liveConsumer?: boolean;
}

/**
 * Allocates `res` on the node to the consumer if it fits next to what is
 * already allocated there; false when it does not (or the node is gone).
 * Atomic: concurrent claims on one node are serialised by a lock on its row.
 */
export async function claim(db: Db, consumerUuid: string, nodeUuid: string, res: Resources, opts: ClaimOptions = {}): Promise<boolean> {
  return db.kysely.transaction().execute(async (trx) => {
    // Take SQLite's write lock before reading, so a claim from another
    // process waits here instead of failing to upgrade its read lock.
    if (db.dialect === 'sqlite') await lockNodeRow(trx, nodeUuid);
    if (opts.liveConsumer && !(await consumerIsLive(trx, db.dialect, consumerUuid))) return false;
    if (opts.replace) await release(trx, consumerUuid);
    const [node] = await (db.dialect === 'postgres' ? nodeRowLocked : nodeRow)(trx, nodeUuid);
    if (node === undefined) return false;
    const used = await usageIn(trx, nodeUuid);
    if (!fits(node, used, res)) return false;
    await insertAllocation(trx, consumerUuid, nodeUuid, res.vcpus, res.memory_mb, res.disk_gb, dbTime(new Date()));
    return true;
  });
}

/**
 * Records an allocation without a capacity check: for putting back a share a
 * server already had (its records are being set straight), never for a new claim.
 */
export async function allocate(q: Queryable, consumerUuid: string, nodeUuid: string, res: Resources, now: Date): Promise<void> {
  await insertAllocation(q, consumerUuid, nodeUuid, res.vcpus, res.memory_mb, res.disk_gb, dbTime(now));
}

/** Hands every allocation of one consumer to another (an instance's to its migration); returns how many moved. */
export async function moveAllocations(db: Db | Queryable, fromConsumer: string, toConsumer: string): Promise<number> {
  const r = await queryable(db)
    .updateTable('allocations')
    .set({ consumer_uuid: toConsumer })
    .where('consumer_uuid', '=', fromConsumer)
    .executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/**
 * False when the consumer's record says it has ended: a deleted server, a
 * migration in a final status. A consumer with no record is not judged.
 * The row stays locked until the claim commits (PostgreSQL).
 */
async function consumerIsLive(q: Transaction<Database>, dialect: Db['dialect'], uuid: string): Promise<boolean> {
  const locked = dialect === 'postgres';
  const [s] = await (locked ? serverDeletedLocked : serverDeleted)(q, uuid);
  if (s) return Number(s.deleted) === 0;
  const [m] = await (locked ? migrationStatusLocked : migrationStatus)(q, uuid);
  return m === undefined || UNFINISHED_STATUSES.includes(m.status);
}

/** Frees the consumer's allocations — all of them, or only those on one node; returns how many were removed. */
export async function release(db: Db | Queryable, consumerUuid: string, nodeUuid?: string): Promise<number> {
  const q = queryable(db);
  return nodeUuid === undefined ? deleteAllocationsOf(q, consumerUuid) : deleteAllocationsOfOn(q, consumerUuid, nodeUuid);
}

/** The consumer's allocations, oldest first. */
export function allocationsOf(db: Db | Queryable, consumerUuid: string): Promise<AllocationRow[]> {
  return queryable(db).selectFrom('allocations').selectAll().where('consumer_uuid', '=', consumerUuid).orderBy('id').execute();
}
