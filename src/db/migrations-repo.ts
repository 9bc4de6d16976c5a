// Migration records (cold migration, resize, live migration, evacuation):
// created when a move starts, advanced by the hosts that do the work, read by
// the migrations APIs. A status change that can race with another request is
// a compare-and-swap on the current status, like task_state on instances.
import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Db } from './connect.js';
import type { Database, MigrationRow, MigrationUpdate } from './schema.js';
import { dbTime } from './time.js';
import { compiledOnce, compiledOnceWrite, compiledWritePerShape } from './compiled-once.js';

export type MigrationType = 'migration' | 'resize' | 'live-migration' | 'evacuation';

/** Live-migration statuses that count as "in progress", for the server-migrations API. */
export const IN_PROGRESS_STATUSES: readonly string[] = ['queued', 'preparing', 'running', 'post-migrating'];

/**
 * Statuses of a move that is still under way. While one of these exists for a
 * server no other move may start (`finished` awaits a confirm/revert that
 * goes through its own guards, and `done` evacuations are only waiting for
 * the old host to clean up, so neither blocks).
 */
export const UNFINISHED_STATUSES: readonly string[] = [
  'accepted',
  'pre-migrating',
  'migrating',
  'post-migrating',
  'queued',
  'preparing',
  'running',
  'running (post-copy)',
  'confirming',
  'reverting',
];

export interface NewMigration {
  readonly instanceUuid: string;
  readonly migrationType: MigrationType;
  readonly status: string;
  readonly sourceCompute: string | null;
  readonly sourceNode: string | null;
  readonly destCompute?: string | null;
  readonly destNode?: string | null;
  readonly destHost?: string | null;
  /** Internal flavor row ids (equal for a plain migration, null for evacuations). */
  readonly oldInstanceTypeId: number | null;
  readonly newInstanceTypeId: number | null;
  /** The user and project who asked for the move (not the server's owner). */
  readonly userId: string | null;
  readonly projectId: string | null;
  /** Default: a fresh uuid. */
  readonly uuid?: string;
  /** Creation time; default now. */
  readonly now?: Date;
}

type Queryable = Kysely<Database> | Transaction<Database>;

async function insert(q: Queryable, m: NewMigration): Promise<MigrationRow> {
  const t = dbTime(m.now ?? new Date());
  const uuid = m.uuid ?? randomUUID();
  await q
    .insertInto('migrations')
    .values({
      uuid,
      instance_uuid: m.instanceUuid,
      migration_type: m.migrationType,
      status: m.status,
      source_compute: m.sourceCompute,
      source_node: m.sourceNode,
      dest_compute: m.destCompute ?? null,
      dest_node: m.destNode ?? null,
      dest_host: m.destHost ?? null,
      old_instance_type_id: m.oldInstanceTypeId,
      new_instance_type_id: m.newInstanceTypeId,
      user_id: m.userId,
      project_id: m.projectId,
      hidden: 0,
      memory_total: null,
      memory_processed: null,
      memory_remaining: null,
      disk_total: null,
      disk_processed: null,
      disk_remaining: null,
      created_at: t,
      updated_at: t,
      deleted: 0,
    })
    .execute();
  return q.selectFrom('migrations').selectAll().where('uuid', '=', uuid).executeTakeFirstOrThrow();
}

/**
 * Inside a caller's transaction: refuses (undefined) when the server already
 * has an unfinished migration or is gone. The caller's compare-and-swap on
 * the server's task_state is what serialises racing requests; this is the
 * second lock, against a stale move left by a reset-state.
 */
export async function createMigrationIn(trx: Transaction<Database>, dialect: 'sqlite' | 'postgres', m: NewMigration): Promise<MigrationRow | undefined> {
  const alive =
    dialect === 'postgres'
      ? await trx.selectFrom('instances').select('id').where('uuid', '=', m.instanceUuid).where('deleted', '=', 0).forUpdate().executeTakeFirst()
      : await trx.selectFrom('instances').select('id').where('uuid', '=', m.instanceUuid).where('deleted', '=', 0).executeTakeFirst();
  if (alive === undefined) return undefined;
  if (await unfinishedMigrationOf(trx, m.instanceUuid)) return undefined;
  return insert(trx, m);
}

/** The server's oldest migration still under way, if any. */
export function unfinishedMigrationOf(q: Queryable, instanceUuid: string): Promise<MigrationRow | undefined> {
  return q
    .selectFrom('migrations')
    .selectAll()
    .where('instance_uuid', '=', instanceUuid)
    .where('deleted', '=', 0)
    .where('status', 'in', [...UNFINISHED_STATUSES])
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
}

/** Records a migration as given (the move's own transaction checks come first: see createMigrationIn). */
export async function createMigration(db: Db, m: NewMigration): Promise<MigrationRow> {
  return insert(db.kysely, m);
}

/** By internal id (number) or uuid (string). Deleted records are not found. */
export async function getMigration(db: Db | Queryable, idOrUuid: number | string): Promise<MigrationRow | undefined> {
  const q = 'kysely' in db ? db.kysely : db;
  const [row] = await (typeof idOrUuid === 'number' ? liveMigrationById(q, idOrUuid) : liveMigrationByUuid(q, idOrUuid));
  return row;
}

// Read and locked at every step of every move: compiled once (see compiled-once.ts).
const liveMigrationById = compiledOnce((q, id: number) => q.selectFrom('migrations').selectAll().where('deleted', '=', 0).where('id', '=', id));
const liveMigrationByUuid = compiledOnce((q, uuid: string) => q.selectFrom('migrations').selectAll().where('deleted', '=', 0).where('uuid', '=', uuid));
const lockServerOfMigration = compiledOnceWrite((q, id: number) =>
  q
    .updateTable('instances')
    .set((eb) => ({ id: eb.ref('id') }))
    .where('uuid', 'in', (eb) => eb.selectFrom('migrations').select('instance_uuid').where('id', '=', id)),
);

/** A migration update's statement without its values: the columns it sets, how many statuses its guard allows. */
interface MigrationUpdateShape {
  readonly columns: readonly string[];
  /** undefined: the status is not checked. */
  readonly statuses: number | undefined;
}

/** The update of one shape, from its arguments in order: the values of its columns, the id, the statuses. */
function buildMigrationUpdate(q: Queryable, shape: MigrationUpdateShape, args: readonly unknown[]) {
  const n = shape.columns.length;
  const set = Object.fromEntries(shape.columns.map((c, i) => [c, args[i]])) as MigrationUpdate;
  const u = q.updateTable('migrations').set(set).where('id', '=', args[n] as number).where('deleted', '=', 0);
  return shape.statuses === undefined ? u : u.where('status', 'in', args.slice(n + 1, n + 1 + shape.statuses) as string[]);
}

/** Every step of every move updates its migration: one of a few dozen shapes, each compiled once. */
const migrationUpdateOfShape = compiledWritePerShape((s: MigrationUpdateShape) => `${s.columns.join(',')}|${s.statuses ?? '-'}`, buildMigrationUpdate);

export interface UpdateOptions {
  /** Apply only while the status is one of these; false is returned otherwise. */
  readonly expectStatus?: readonly string[];
  /** Time stamped as updated_at; default now. */
  readonly now?: Date;
}

/**
 * Updates one migration; false when it does not exist or its status was not as expected.
 * In a transaction the server's row is taken first: a step of a move changes
 * its migration and then its server, a delete (finishDelete) the server and
 * then its migrations, and on PostgreSQL the two must wait for each other in
 * turn rather than in a circle.
 */
export async function updateMigration(db: Db | Queryable, id: number, values: MigrationUpdate, opts: UpdateOptions = {}): Promise<boolean> {
  const k = 'kysely' in db ? db.kysely : db;
  if (opts.expectStatus?.length === 0) return false;
  if (k.isTransaction) await lockServerOfMigration(k, id);
  // Kysely leaves out the columns set to undefined; so does the shape.
  const entries = Object.entries({ ...values, updated_at: dbTime(opts.now ?? new Date()) }).filter(([, v]) => v !== undefined);
  const shape: MigrationUpdateShape = { columns: entries.map(([c]) => c), statuses: opts.expectStatus?.length };
  const args = [...entries.map(([, v]) => v), id, ...(opts.expectStatus ?? [])];
  return (await migrationUpdateOfShape(k, shape, args)) > 0;
}

/** The newest migration of a server in one of the statuses (e.g. the `finished` one a confirm acts on). */
export async function migrationOfInstanceByStatus(db: Db | Queryable, instanceUuid: string, statuses: readonly string[]): Promise<MigrationRow | undefined> {
  if (statuses.length === 0) return undefined;
  return ('kysely' in db ? db.kysely : db)
    .selectFrom('migrations')
    .selectAll()
    .where('instance_uuid', '=', instanceUuid)
    .where('deleted', '=', 0)
    .where('status', 'in', [...statuses])
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export interface MigrationFilter {
  readonly instanceUuid?: string;
  /** Source or destination compute host. */
  readonly host?: string;
  readonly types?: readonly MigrationType[];
  /** Default UNFINISHED_STATUSES. */
  readonly statuses?: readonly string[];
}

/** Migrations still under way (or in the given statuses), oldest first. */
export async function unfinishedMigrations(db: Db, f: MigrationFilter = {}): Promise<MigrationRow[]> {
  const statuses = f.statuses ?? UNFINISHED_STATUSES;
  if (statuses.length === 0) return [];
  let q = db.kysely.selectFrom('migrations').selectAll().where('deleted', '=', 0).where('status', 'in', [...statuses]);
  if (f.instanceUuid !== undefined) q = q.where('instance_uuid', '=', f.instanceUuid);
  if (f.host !== undefined) {
    const host = f.host;
    q = q.where((eb) => eb.or([eb('source_compute', '=', host), eb('dest_compute', '=', host)]));
  }
  if (f.types && f.types.length > 0) q = q.where('migration_type', 'in', [...f.types]);
  return q.orderBy('id').execute();
}

/** Cold migrations/resizes that arrived on `destCompute` and have waited unconfirmed since before `cutoff`. */
export async function unconfirmedMigrations(db: Db, destCompute: string, cutoff: Date): Promise<MigrationRow[]> {
  return db.kysely
    .selectFrom('migrations')
    .selectAll()
    .where('deleted', '=', 0)
    .where('status', '=', 'finished')
    .where('dest_compute', '=', destCompute)
    .where('migration_type', 'in', ['migration', 'resize'])
    .where('updated_at', '<=', dbTime(cutoff))
    .orderBy('id')
    .execute();
}
