// PostgreSQL's own counters for one database (pg_stat_database and the
// services table's pg_stat_user_tables row), read through a connection of
// the benchmark's: differences over a window give commits, row writes and
// new sessions per second.
import pg from 'pg';

export interface PgCounters {
  readonly at: number;
  readonly xactCommit: number;
  readonly rowsWritten: number;
  /** Connections opened to the database so far (PostgreSQL 14 and later). */
  readonly sessions: number;
  /** Connections open now. */
  readonly backends: number;
  readonly servicesUpdated: number;
  /** Heartbeats recorded so far: the sum of services.report_count (exact, unlike the statistics views). */
  readonly heartbeats: number;
  /** Rows inserted, updated and deleted so far, per table. */
  readonly tableWrites: Record<string, number>;
}

export interface PgRates {
  readonly seconds: number;
  readonly commitsPerSecond: number;
  readonly rowsWrittenPerSecond: number;
  readonly sessionsPerSecond: number;
  readonly servicesRowsUpdatedPerSecond: number;
  readonly heartbeatsPerSecond: number;
  /** Tables written while watched, rows per second, busiest first. */
  readonly tableWritesPerSecond: Record<string, number>;
}

export class PgStats {
  private constructor(private readonly client: pg.Client, private readonly db: string) {}

  static async open(url: string, db: string): Promise<PgStats> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    return new PgStats(client, db);
  }

  async read(): Promise<PgCounters> {
    const d = await this.client.query(
      'SELECT xact_commit, tup_inserted + tup_updated + tup_deleted AS written, sessions, numbackends FROM pg_stat_database WHERE datname = $1',
      [this.db],
    );
    const t = await this.client.query('SELECT relname, n_tup_ins + n_tup_upd + n_tup_del AS written, n_tup_upd FROM pg_stat_user_tables');
    const hb = await this.client.query('SELECT COALESCE(SUM(report_count), 0) AS n FROM services');
    const r = d.rows[0] as { xact_commit: string; written: string; sessions: string | null; numbackends: number };
    const tables = t.rows as Array<{ relname: string; written: string; n_tup_upd: string }>;
    return {
      at: performance.now(),
      xactCommit: Number(r.xact_commit),
      rowsWritten: Number(r.written),
      sessions: Number(r.sessions ?? NaN),
      backends: Number(r.numbackends),
      servicesUpdated: Number(tables.find((x) => x.relname === 'services')?.n_tup_upd ?? NaN),
      heartbeats: Number((hb.rows[0] as { n: string }).n),
      tableWrites: Object.fromEntries(tables.map((x) => [x.relname, Number(x.written)])),
    };
  }

  /** The server's `max_connections`. */
  async maxConnections(): Promise<number> {
    return Number((await this.client.query('SHOW max_connections')).rows[0].max_connections);
  }

  close(): Promise<void> {
    return this.client.end();
  }
}

/**
 * Per-second rates between two readings (the queries of a reading count as commits too, three a reading).
 * PostgreSQL's statistics views lag: a backend hands its counts over at most once a second, or when it has been idle a while.
 */
export function pgRates(a: PgCounters, b: PgCounters): PgRates {
  const s = (b.at - a.at) / 1000;
  const per = (x: number): number => Math.round((x / s) * 100) / 100;
  return {
    seconds: Math.round(s * 10) / 10,
    commitsPerSecond: per(b.xactCommit - a.xactCommit),
    rowsWrittenPerSecond: per(b.rowsWritten - a.rowsWritten),
    sessionsPerSecond: per(b.sessions - a.sessions),
    servicesRowsUpdatedPerSecond: per(b.servicesUpdated - a.servicesUpdated),
    heartbeatsPerSecond: per(b.heartbeats - a.heartbeats),
    tableWritesPerSecond: Object.fromEntries(
      Object.entries(b.tableWrites)
        .map(([k, v]) => [k, per(v - (a.tableWrites[k] ?? 0))] as const)
        .filter(([, v]) => v > 0)
        .sort((x, y) => y[1] - x[1]),
    ),
  };
}
