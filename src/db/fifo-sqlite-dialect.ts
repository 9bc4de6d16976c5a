// Kysely's SQLite dialect, with its one connection handed out in arrival
// order. Kysely's own lock wakes every waiter on each release and all but
// one go back to waiting: with thousands of queries queued at once (ten
// thousand simulated hosts starting, a burst of requests) the queue costs
// time squared in its length. Here each release wakes exactly the next one.
import { SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type SqliteDialectConfig } from 'kysely';

/** A lock whose waiters get it one after the other, first come first served. */
class FifoLock {
  private held = false;
  private readonly waiters: Array<() => void> = [];
  private head = 0;

  async lock(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  unlock(): void {
    if (this.head < this.waiters.length) {
      const next = this.waiters[this.head++]!;
      // Compact now and then instead of shift() on every hand-over.
      if (this.head > 1024 && this.head * 2 > this.waiters.length) {
        this.waiters.splice(0, this.head);
        this.head = 0;
      }
      next(); // the lock passes on held
      return;
    }
    this.held = false;
  }
}

class FifoSqliteDriver extends SqliteDriver implements Driver {
  private readonly order = new FifoLock();

  override async acquireConnection(): Promise<DatabaseConnection> {
    await this.order.lock();
    // Only one holder at a time reaches the driver's own lock: it never waits.
    return super.acquireConnection();
  }

  override async releaseConnection(): Promise<void> {
    await super.releaseConnection();
    this.order.unlock();
  }
}

export class FifoSqliteDialect extends SqliteDialect {
  private readonly settings: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.settings = config;
  }

  override createDriver(): Driver {
    return new FifoSqliteDriver(this.settings);
  }
}
