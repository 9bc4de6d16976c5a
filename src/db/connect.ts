// Opens the database named by [database] connection — SQLite or PostgreSQL —
// and brings its schema up to date.
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import type { Database } from './schema.js';
import { FifoSqliteDialect } from './fifo-sqlite-dialect.js';
import * as m001 from './migrations/001_initial.js';
import * as m002 from './migrations/002_key_pairs_unique.js';
import * as m003 from './migrations/003_auto_disk_config.js';
import * as m004 from './migrations/004_token_revocations.js';
import * as m005 from './migrations/005_jobs.js';
import * as m007 from './migrations/007_aggregates.js';
import * as m009 from './migrations/009_quotas.js';
import * as m008 from './migrations/008_task_log.js';
import * as m010 from './migrations/010_server_groups.js';
import * as m011 from './migrations/011_system_metadata.js';
import * as m013 from './migrations/013_identity.js';
import * as m015 from './migrations/015_network.js';
import * as m016 from './migrations/016_instance_info_caches.js';
import * as m017 from './migrations/017_network_l3.js';
import * as m019 from './migrations/019_host_state_changes.js';
import * as m020 from './migrations/020_console_auth_tokens.js';
import * as m021 from './migrations/021_list_indexes.js';
import * as m022 from './migrations/022_instance_fixed_ips.js';
import * as m023 from './migrations/023_instance_flavor_sizes.js';
import * as m024 from './migrations/024_network_subnet_pools.js';

export type DialectName = 'sqlite' | 'postgres';

export interface Db {
  readonly kysely: Kysely<Database>;
  readonly dialect: DialectName;
  close(): Promise<void>;
}

const MIGRATIONS: ReadonlyArray<{ name: string; up: (db: Kysely<unknown>, d: DialectName) => Promise<void> }> = [
  { name: '001_initial', up: m001.up },
  { name: '002_key_pairs_unique', up: m002.up },
  { name: '003_auto_disk_config', up: m003.up },
  { name: '004_token_revocations', up: m004.up },
  { name: '005_jobs', up: m005.up },
  { name: '007_aggregates', up: m007.up },
  { name: '008_task_log', up: m008.up },
  { name: '009_quotas', up: m009.up },
  { name: '010_server_groups', up: m010.up },
  { name: '011_system_metadata', up: m011.up },
  { name: '013_identity', up: m013.up },
  { name: '015_network', up: m015.up },
  { name: '016_instance_info_caches', up: m016.up },
  { name: '017_network_l3', up: m017.up },
  { name: '019_host_state_changes', up: m019.up },
  { name: '020_console_auth_tokens', up: m020.up },
  { name: '021_list_indexes', up: m021.up },
  { name: '022_instance_fixed_ips', up: m022.up },
  { name: '023_instance_flavor_sizes', up: m023.up },
  { name: '024_network_subnet_pools', up: m024.up },
];

/** `sqlite:///rel/path`, `sqlite:////abs/path`, `postgresql[+driver]://user:pw@host:port/db`. */
export function parseConnection(url: string, statePath: string): { dialect: DialectName; target: string } {
  if (url === '') return { dialect: 'sqlite', target: resolve(statePath, 'magnetar.sqlite') };
  const m = /^([a-z]+)(\+[a-z0-9_]+)?:\/\/(.*)$/i.exec(url);
  if (!m) throw new Error(`[database] connection '${url}' is not a database URL`);
  const scheme = m[1]!.toLowerCase();
  if (scheme === 'sqlite') {
    const rest = m[3]!;
    if (rest === '/:memory:' || rest === ':memory:') return { dialect: 'sqlite', target: ':memory:' };
    if (!rest.startsWith('/')) throw new Error(`[database] connection '${url}': use sqlite:///path`);
    return { dialect: 'sqlite', target: rest.slice(1) === '' ? ':memory:' : resolve(rest.slice(1)) };
  }
  if (scheme === 'postgresql' || scheme === 'postgres') return { dialect: 'postgres', target: `postgresql://${m[3]}` };
  throw new Error(`[database] connection '${url}': only sqlite and postgresql are supported`);
}

export interface OpenOptions {
  readonly migrate?: boolean;
  /** SQLite only: this process is the file's only user (all-in-one), so it may hold the lock. */
  readonly exclusive?: boolean;
  /** Told about connections the database server dropped. */
  readonly onConnectionError?: (err: Error) => void;
}

export async function openDb(url: string, statePath: string, opts: OpenOptions = {}): Promise<Db> {
  const { dialect, target } = parseConnection(url, statePath);
  let kysely: Kysely<Database>;
  if (dialect === 'sqlite') {
    if (target !== ':memory:') mkdirSync(dirname(target), { recursive: true });
    const raw = new SqliteDatabase(target);
    // Holding the lock spares two file-lock calls per query; a second process
    // on the same file then waits for busy_timeout and fails instead.
    if (opts.exclusive) raw.pragma('locking_mode = EXCLUSIVE');
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = NORMAL');
    raw.pragma('busy_timeout = 5000');
    kysely = new Kysely<Database>({ dialect: new FifoSqliteDialect({ database: withStatementCache(raw) }) });
  } else {
    const pool = new pg.Pool({ connectionString: target, max: 10 });
    // An idle connection the server drops (restart, admin command) must not
    // take the process down; the pool opens a new one on the next query.
    pool.on('error', (err) => opts.onConnectionError?.(err));
    kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  }
  if (opts.migrate !== false) await migrate(kysely, dialect);
  return { kysely, dialect, close: () => kysely.destroy() };
}

/**
 * Compiling SQL costs more than running it for Magnetar's small queries, and
 * the same few hundred statements run over and over: keep them prepared.
 * Bounded, since IN lists make some statement texts vary.
 */
function withStatementCache(raw: SqliteDatabase.Database): { close(): void; prepare(sql: string): PreparedStatement } {
  const cache = new Map<string, PreparedStatement>();
  return {
    close: () => raw.close(),
    prepare(sql: string) {
      let stmt = cache.get(sql);
      if (!stmt) {
        if (cache.size >= 1000) cache.clear();
        stmt = withRowsMadeHere(raw.prepare(sql));
        cache.set(sql, stmt);
      }
      return stmt;
    },
  };
}

/** What Kysely's SQLite driver uses of a statement. */
type PreparedStatement = Pick<SqliteDatabase.Statement, 'reader' | 'all' | 'run' | 'iterate'>;

/**
 * A reading statement whose rows better-sqlite3 hands over as arrays, made
 * objects here by a function built for its columns: better-sqlite3 sets a
 * row object's properties one by one, which for a server's 42 columns costs
 * more than running the query. Same objects: a later column of the same name
 * wins, as it does there.
 */
function withRowsMadeHere(stmt: SqliteDatabase.Statement): PreparedStatement {
  if (!stmt.reader) return stmt;
  const names = stmt.columns().map((c) => c.name);
  if (names.includes('__proto__')) return stmt;
  const make = new Function('r', `return { ${names.map((n, i) => `${JSON.stringify(n)}: r[${i}]`).join(', ')} };`) as (r: unknown[]) => unknown;
  const rows = stmt.raw(true);
  return {
    reader: true,
    all: (...params: unknown[]) => (rows.all(...params) as unknown[][]).map(make),
    run: (...params: unknown[]) => rows.run(...params),
    *iterate(...params: unknown[]) {
      for (const r of rows.iterate(...params) as IterableIterator<unknown[]>) yield make(r);
    },
  } as PreparedStatement;
}

async function migrate(db: Kysely<Database>, dialect: DialectName): Promise<void> {
  const run = async (trx: Kysely<Database>): Promise<void> => {
    await sql`CREATE TABLE IF NOT EXISTS magnetar_migrations (name varchar(255) PRIMARY KEY, applied_at varchar(32) NOT NULL)`.execute(trx);
    const done = await sql<{ name: string }>`SELECT name FROM magnetar_migrations`.execute(trx);
    const applied = new Set(done.rows.map((r) => r.name));
    for (const mig of MIGRATIONS) {
      if (applied.has(mig.name)) continue;
      await mig.up(trx as unknown as Kysely<unknown>, dialect);
      await sql`INSERT INTO magnetar_migrations (name, applied_at) VALUES (${mig.name}, ${new Date().toISOString()})`.execute(trx);
    }
  };
  if (dialect === 'postgres') {
    // Several processes may start at once against one PostgreSQL: serialise.
    await db.transaction().execute(async (trx) => {
      await sql`SELECT pg_advisory_xact_lock(7405331)`.execute(trx);
      await run(trx);
    });
  } else {
    await db.transaction().execute(run);
  }
}
