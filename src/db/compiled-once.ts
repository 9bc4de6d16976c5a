// The hottest statements (a server read by id, for every request that names
// one; an action recorded, a state reset) cost more in Kysely's building and
// compiling than in SQLite's running. Their SQL depends only on their shape,
// so each is compiled once per database and run again with the new values
// in its parameter slots.
import { createQueryId, type Compilable, type CompiledQuery, type Kysely, type QueryResult } from 'kysely';
import type { Database } from './schema.js';

const SLOT = '\u0000compiled-once-slot:';

/**
 * Set to true on a plugin that only looks at queries and results (a check
 * that may throw) and never rewrites them: handles with such plugins alone
 * share their compiled queries with the plain handles of their database.
 */
export const KEEPS_QUERIES = Symbol('compiled-once: the plugin keeps queries as they are');

/** Arguments a compiled-once query takes: values for its parameter slots. */
export type SlotValue = string | number | null;

const isSlotValue = (v: unknown): v is SlotValue => v === null || typeof v === 'string' || typeof v === 'number';

function keepsQueries(plugin: object): boolean {
  return (plugin as { [KEEPS_QUERIES]?: boolean })[KEEPS_QUERIES] === true;
}

/**
 * A query built by `build` with one placeholder string per argument, compiled
 * on first use, then run with the arguments put where the placeholders were.
 * A handle without plugins, or whose plugins all keep queries as they are
 * (KEEPS_QUERIES), shares the compiled query with every other such handle of
 * its database, its transactions among them (the SQL is the dialect's alone);
 * a handle with a plugin that may rewrite queries has its own. Plugins see
 * each query and each result as before.
 */
function compiledOnceResult<A extends readonly SlotValue[], R>(
  build: (db: Kysely<Database>, ...args: A) => Compilable<R>,
): (db: Kysely<Database>, ...args: A) => Promise<QueryResult<R>> {
  const compiled = new WeakMap<object, CompiledQuery<R>>();
  return async (db, ...args) => {
    const executor = db.getExecutor();
    const shared = executor.plugins.every(keepsQueries);
    // The adapter is made once per database and handed on to its transactions
    // and to its handles with plugins.
    const key: object = shared ? executor.adapter : db;
    let c = compiled.get(key);
    if (c === undefined) {
      c = build(db, ...(args.map((_, i) => `${SLOT}${i}`) as unknown as A)).compile();
      compiled.set(key, c);
    } else if (executor.plugins.length > 0) {
      // The plugins see every query before it runs, as with a query built
      // anew (a fenced agent's database refuses it there).
      executor.transformQuery(c.query, createQueryId());
    }
    const parameters = c.parameters.map((p) => (typeof p === 'string' && p.startsWith(SLOT) ? args[Number(p.slice(SLOT.length))] : p));
    return db.executeQuery<R>({ ...c, parameters });
  };
}

/**
 * A read compiled once (see compiledOnceResult): its rows. Also a write that
 * returns rows (RETURNING). An argument may be null only where the statement
 * sets a value, never in a condition (`= NULL` matches nothing).
 */
export function compiledOnce<A extends readonly SlotValue[], R>(
  build: (db: Kysely<Database>, ...args: A) => Compilable<R>,
): (db: Kysely<Database>, ...args: A) => Promise<R[]> {
  const run = compiledOnceResult(build);
  return async (db, ...args) => (await run(db, ...args)).rows;
}

/**
 * A write compiled once (see compiledOnceResult): the rows it changed. Its
 * arguments may be null, which only the values of the statement (not its
 * conditions) may take: the placeholder is a string while it is built.
 */
export function compiledOnceWrite<A extends readonly SlotValue[]>(
  build: (db: Kysely<Database>, ...args: A) => Compilable<unknown>,
): (db: Kysely<Database>, ...args: A) => Promise<number> {
  const run = compiledOnceResult(build);
  return async (db, ...args) => Number((await run(db, ...args)).numAffectedRows ?? 0);
}

/** Shapes kept per statement, as the statement cache bounds its entries: a caller whose shapes vary without end only recompiles. */
const MAX_SHAPES = 1000;

/**
 * A write whose SQL depends on a shape as well as on its values (which
 * columns it sets, how many values a guard's list holds): compiled once per
 * shape, `keyOf` naming the shape, `build` making its statement from the
 * arguments in order. Arguments that cannot sit in a slot (not a string,
 * number or null) are built and compiled anew each time. Returns the rows
 * changed.
 */
export function compiledWritePerShape<S>(
  keyOf: (shape: S) => string,
  build: (db: Kysely<Database>, shape: S, args: readonly unknown[]) => Compilable<unknown>,
): (db: Kysely<Database>, shape: S, args: readonly unknown[]) => Promise<number> {
  const byShape = new Map<string, (db: Kysely<Database>, ...args: SlotValue[]) => Promise<number>>();
  return async (db, shape, args) => {
    if (!args.every(isSlotValue)) return Number((await db.executeQuery(build(db, shape, args).compile())).numAffectedRows ?? 0);
    const key = keyOf(shape);
    let run = byShape.get(key);
    if (run === undefined) {
      if (byShape.size >= MAX_SHAPES) byShape.clear();
      run = compiledOnceWrite((q, ...slots: SlotValue[]) => build(q, shape, slots));
      byShape.set(key, run);
    }
    return run(db, ...args);
  };
}
