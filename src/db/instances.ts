// Instances: lookup, compare-and-swap updates, listing.
import type { Kysely } from 'kysely';
import type { Database, InstanceRow, InstanceUpdate, NewInstance, InstanceFlavor } from './schema.js';
import { dbTime } from './time.js';
import { compiledOnce, compiledOnceWrite, compiledWritePerShape } from './compiled-once.js';

const liveInstance = compiledOnce((db, uuid: string) => db.selectFrom('instances').selectAll().where('uuid', '=', uuid).where('deleted', '=', 0));
const anyInstance = compiledOnce((db, uuid: string) => db.selectFrom('instances').selectAll().where('uuid', '=', uuid));

const liveVmState = compiledOnce((db, uuid: string) => db.selectFrom('instances').select('vm_state').where('uuid', '=', uuid).where('deleted', '=', 0));

const setVmStateUnlessIn = compiledOnceWrite((db, uuid: string, vmState: string, unless: string, updatedAt: string) =>
  db.updateTable('instances').set({ vm_state: vmState, task_state: null, updated_at: updatedAt }).where('uuid', '=', uuid).where('deleted', '=', 0).where('vm_state', '!=', unless),
);

/**
 * Sets a live server's vm_state and clears its task, unless it is in
 * vm_state `unless` (os-resetState's common case in one statement, compiled
 * once). False when it is deleted or in `unless`.
 */
export async function setVmStateUnless(db: Kysely<Database>, uuid: string, vmState: string, unless: string, now: Date): Promise<boolean> {
  return (await setVmStateUnlessIn(db, uuid, vmState, unless, dbTime(now))) > 0;
}

/** The vm_state of a live server, when only that is needed (one column, not the whole row). */
export async function vmStateOf(db: Kysely<Database>, uuid: string): Promise<string | undefined> {
  return (await liveVmState(db, uuid))[0]?.vm_state;
}

export async function getInstance(db: Kysely<Database>, uuid: string, opts: { readDeleted?: boolean } = {}): Promise<InstanceRow | undefined> {
  return (await (opts.readDeleted ? anyInstance : liveInstance)(db, uuid))[0];
}

/**
 * Whether the server is not deleted, holding its row until the transaction
 * ends: a delete running meanwhile waits for this transaction, or this one
 * for it, so allocations moved to the server here are never left behind by it.
 */
export async function lockLiveInstance(q: Kysely<Database>, uuid: string): Promise<boolean> {
  const r = await q.updateTable('instances').set((eb) => ({ id: eb.ref('id') })).where('uuid', '=', uuid).where('deleted', '=', 0).executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

export async function insertInstance(db: Kysely<Database>, row: NewInstance): Promise<void> {
  await db.insertInto('instances').values({ ...row, ...flavorSizes(row.flavor) }).execute();
}

/** The columns the quotas sum, from a flavor's JSON (written wherever the flavor is). */
function flavorSizes(flavor: string): { vcpus: number; memory_mb: number } {
  const f = JSON.parse(flavor) as Partial<InstanceFlavor>;
  return { vcpus: Number(f.vcpus ?? 0), memory_mb: Number(f.memory_mb ?? 0) };
}

export interface Expected {
  /** Allowed task_state values (null = no task). */
  readonly taskState?: ReadonlyArray<string | null>;
  readonly vmState?: readonly string[];
}

/** An update's statement without its values: which columns it sets and how many states each guard allows. */
interface UpdateShape {
  readonly columns: readonly string[];
  /** Non-null task states allowed; undefined: task_state is not checked. */
  readonly tasks: number | undefined;
  readonly allowNoTask: boolean;
  /** vm states allowed; undefined: vm_state is not checked. */
  readonly vmStates: number | undefined;
}

/**
 * The conditional update of one shape, built from its arguments in order:
 * the values of its columns, the uuid, the task states, the vm states.
 */
function buildUpdate(db: Kysely<Database>, shape: UpdateShape, args: readonly unknown[]) {
  const n = shape.columns.length;
  const set = Object.fromEntries(shape.columns.map((c, i) => [c, args[i]])) as InstanceUpdate;
  let q = db.updateTable('instances').set(set).where('uuid', '=', args[n] as string).where('deleted', '=', 0);
  let at = n + 1;
  if (shape.tasks !== undefined) {
    const tasks = args.slice(at, (at += shape.tasks)) as string[];
    q = q.where((eb) => {
      const ors = [];
      if (tasks.length) ors.push(eb('task_state', 'in', tasks));
      if (shape.allowNoTask) ors.push(eb('task_state', 'is', null));
      return eb.or(ors);
    });
  }
  if (shape.vmStates !== undefined) q = q.where('vm_state', 'in', args.slice(at, at + shape.vmStates) as string[]);
  return q;
}

/** Every state change of every server is one of a few hundred shapes of this update. */
const updateOfShape = compiledWritePerShape(
  (s: UpdateShape) => `${s.columns.join(',')}|${s.tasks ?? '-'}|${s.allowNoTask}|${s.vmStates ?? '-'}`,
  buildUpdate,
);

/**
 * Conditional update: applies only while the row still has the expected
 * states. Returns false when another request changed them first — the
 * caller answers 409 instead of overwriting.
 */
export async function updateInstance(
  db: Kysely<Database>,
  uuid: string,
  values: InstanceUpdate,
  now: Date,
  expected: Expected = {},
): Promise<boolean> {
  const sizes = values.flavor !== undefined ? flavorSizes(values.flavor) : {};
  // Kysely leaves out the columns set to undefined; so does the shape.
  const entries = Object.entries({ ...values, ...sizes, updated_at: dbTime(now) }).filter(([, v]) => v !== undefined);
  const tasks = expected.taskState?.filter((t): t is string => t !== null);
  const shape: UpdateShape = {
    columns: entries.map(([c]) => c),
    tasks: tasks?.length,
    allowNoTask: expected.taskState?.includes(null) ?? false,
    vmStates: expected.vmState?.length,
  };
  const args = [...entries.map(([, v]) => v), uuid, ...(tasks ?? []), ...(expected.vmState ?? [])];
  return (await updateOfShape(db, shape, args)) > 0;
}

export function flavorOf(row: Pick<InstanceRow, 'flavor'>): InstanceFlavor {
  return JSON.parse(row.flavor) as InstanceFlavor;
}

export async function addFault(db: Kysely<Database>, uuid: string, code: number, message: string, details: string | null, host: string | null, now: Date): Promise<void> {
  await db.insertInto('instance_faults').values({ instance_uuid: uuid, code, message, details, host, created_at: dbTime(now) }).execute();
}

export async function latestFault(db: Kysely<Database>, uuid: string) {
  return db.selectFrom('instance_faults').selectAll().where('instance_uuid', '=', uuid).orderBy('id', 'desc').limit(1).executeTakeFirst();
}
