// The hottest statements (a server read by id, for every request that names
// one; an action recorded, a state reset) cost more in Kysely's building and
// compiling than in SQLite's running. Their SQL depends only on their shape,
// so each is compiled once per database and run again with the new values
// in its parameter slots.
import { createQueryId, type Compilable, type CompiledQuery, type Kysely, type QueryResult } from 'kysely';
import type { Database } from './schema.js';

const SLOT = '\u0000compiled-once-slot:';

/**
 * A query built by `build` with one placeholder string per argument, compiled
 * on first use, then run with the arguments put where the placeholders were.
 * A handle without plugins shares the compiled query with every other such
 * handle of its database, its transactions among them (the SQL is the
 * dialect's alone); a handle with plugins, which may rewrite queries, has its
 * own. Plugins see each query and each result as before.
 */
function compiledOnceResult<A extends readonly unknown[], R>(
  build: (db: Kysely<Database>, ...args: A) => Compilable<R>,
): (db: Kysely<Database>, ...args: A) => Promise<QueryResult<R>> {
  const compiled = new WeakMap<object, CompiledQuery<R>>();
  return async (db, ...args) => {
    const executor = db.getExecutor();
    const plain = executor.plugins.length === 0;
    // The adapter is made once per database and handed on to its transactions.
    const key: object = plain ? executor.adapter : db;
    let c = compiled.get(key);
    if (c === undefined) {
      c = build(db, ...(args.map((_, i) => `${SLOT}${i}`) as unknown as A)).compile();
      compiled.set(key, c);
    } else if (!plain) {
      // The plugins see every query before it runs, as with a query built
      // anew (a fenced agent's database refuses it there).
      executor.transformQuery(c.query, createQueryId());
    }
    const parameters = c.parameters.map((p) => (typeof p === 'string' && p.startsWith(SLOT) ? args[Number(p.slice(SLOT.length))] : p));
    return db.executeQuery<R>({ ...c, parameters });
  };
}

/** A read compiled once (see compiledOnceResult): its rows. */
export function compiledOnce<A extends readonly string[], R>(
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
export function compiledOnceWrite<A extends readonly (string | null)[]>(
  build: (db: Kysely<Database>, ...args: A) => Compilable<unknown>,
): (db: Kysely<Database>, ...args: A) => Promise<number> {
  const run = compiledOnceResult(build);
  return async (db, ...args) => Number((await run(db, ...args)).numAffectedRows ?? 0);
}
