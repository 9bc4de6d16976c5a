// The heartbeats and periodic tasks of every host a process runs, on one
// timer each instead of two per host: ten thousand simulated hosts then cost
// one multi-row heartbeat per report_interval, and their periodic tasks run
// one host after another instead of all at once. Each host still reports at
// least every report_interval (so service_down_time judges it as before) and
// runs its periodic tasks no sooner than periodic_interval after it started
// or last ran them.
import { nonOverlappingInterval } from './non-overlapping-interval.js';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../compute/clock.js';
import type { Database } from '../db/schema.js';
import { heartbeatMany } from '../db/services.js';

interface Periodic {
  readonly run: () => Promise<void>;
  last: number;
}

export class SharedHostTimers {
  private readonly beating = new Set<number>();
  /** In the order they last ran or joined, so the longest waiting comes first. */
  private readonly periodic = new Set<Periodic>();
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly log: Logger,
    /** [DEFAULT] report_interval and periodic_interval, in ms (0: never). */
    reportMs: number,
    private readonly periodicMs: number,
  ) {
    this.every(reportMs, () => this.beat());
    // Ticks finer than the interval, so a host started between two ticks waits about its own interval.
    this.every(Math.max(1, Math.min(periodicMs, 1000)), () => this.runDue());
  }

  /** Heartbeats the service with the others until the returned function is called. */
  addHeartbeat(serviceId: number): () => void {
    this.beating.add(serviceId);
    return () => this.beating.delete(serviceId);
  }

  /** Runs `run` every periodic_interval, first one interval from now, until the returned function is called. */
  addPeriodic(run: () => Promise<void>): () => void {
    if (!(this.periodicMs > 0)) return () => undefined;
    const p: Periodic = { run, last: performance.now() };
    this.periodic.add(p);
    return () => this.periodic.delete(p);
  }

  close(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
  }

  private async beat(): Promise<void> {
    if (this.beating.size > 0) await heartbeatMany(this.db, [...this.beating], this.clock.now());
  }

  private async runDue(): Promise<void> {
    // The first one not yet due ends the look: every later one joined or ran
    // after it. A tick then costs what is due, not a look at every host.
    const now = performance.now();
    const due: Periodic[] = [];
    for (const p of this.periodic) {
      if (now - p.last < this.periodicMs) break;
      due.push(p);
    }
    for (const p of due) {
      if (!this.periodic.has(p)) continue; // left meanwhile
      this.periodic.delete(p);
      this.periodic.add(p);
      p.last = performance.now();
      await p.run();
    }
  }

  private every(ms: number, fn: () => Promise<void>): void {
    const t = nonOverlappingInterval(ms, fn, (err) => this.log.error({ err }, 'shared host timer failed'));
    if (t) this.timers.push(t);
  }
}
