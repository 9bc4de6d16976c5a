// The hottest reads (a server by id, for every request that names one) cost
// more in Kysely's building and compiling than in SQLite's running. Their
// SQL depends only on their shape, so each is compiled once per database
// handle and run again with the new values in its parameter slots.
import type { Compilable, CompiledQuery, Kysely } from 'kysely';
import type { Database } from './schema.js';

const SLOT = '\u0000compiled-once-slot:';

/**
 * A query built by `build` with one placeholder string per argument, compiled
 * on first use with each handle (a transaction, or a handle with plugins, is
 * its own), then run with the arguments put where the placeholders were.
 * Plugins see each result as before.
 */
export function compiledOnce<A extends readonly string[], R>(
  build: (db: Kysely<Database>, ...args: A) => Compilable<R>,
): (db: Kysely<Database>, ...args: A) => Promise<R[]> {
  const compiled = new WeakMap<Kysely<Database>, CompiledQuery<R>>();
  return async (db, ...args) => {
    let c = compiled.get(db);
    if (c === undefined) {
      c = build(db, ...(args.map((_, i) => `${SLOT}${i}`) as unknown as A)).compile();
      compiled.set(db, c);
    }
    const parameters = c.parameters.map((p) => (typeof p === 'string' && p.startsWith(SLOT) ? args[Number(p.slice(SLOT.length))] : p));
    return (await db.executeQuery<R>({ ...c, parameters })).rows;
  };
}
