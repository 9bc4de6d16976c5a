// One life of the compute agent of a host: registers its service and compute
// node, settles what the host's previous life left (start-up tasks), serves
// `compute.<host>`, resumes the jobs its previous life was holding, then
// heartbeats and runs periodic tasks. A life ends by `kill` (it dies where it
// stands, as a killed process would) — its successor is a new ComputeAgent.
import { nonOverlappingInterval } from './non-overlapping-interval.js';
import { randomUUID } from 'node:crypto';
import type { Handlers, Subscription } from '../rpc/bus.js';
import { registerService, heartbeat } from '../db/services.js';
import { dbTime } from '../db/time.js';
import type { AgentContext } from './context.js';
import { ownerPrefix } from './context.js';
import { buildHandlers } from './build.js';
import { LifeContext } from './life-context.js';
import { AGENT_HANDLER_MODULES, AGENT_PERIODIC_TASKS, AGENT_STARTUP_TASKS } from './modules.js';
import { Fence, fencedBus, fencedDb } from './fence.js';
import { durableHandlers } from '../jobs/runner.js';
import { lazyHandlers } from '../rpc/lazy-handlers.js';
import { resendDueJobs } from '../jobs/redispatcher.js';
import { releaseJobsOfEarlierOwners } from '../db/jobs.js';
import type { SharedHostTimers } from './shared-timers.js';
import { computeNodeValues, type PreparedStart } from './start-batch.js';
import { catchUpClock } from '../compute/clock-control.js';

/** What an agent is given; its context adds what it learns at start (node uuid) and its life's fences. */
export interface AgentOptions extends Pick<AgentContext, 'host' | 'driver' | 'db' | 'bus' | 'conf' | 'clock' | 'log' | 'crash' | 'notifier'> {
  /** Extra handlers served on this host's topic (e.g. the fault-injection control). */
  readonly extraHandlers?: Handlers;
  /** The process's shared heartbeat and periodic timers; default: this agent's own. */
  readonly timers?: SharedHostTimers;
  /** What the process's start of all its hosts found out for this one (first life only). */
  readonly prepared?: PreparedStart;
}

export class ComputeAgent {
  private readonly timers: NodeJS.Timeout[] = [];
  /** Leaves the shared timers. */
  private readonly leave: Array<() => void> = [];
  private sub: Subscription | undefined;
  private readonly fence: Fence;
  readonly ctx: AgentContext;
  private serviceId = 0;
  /** What the process's start prepared for this life; let go once used. */
  private prepared: PreparedStart | undefined;
  private readonly opts: Omit<AgentOptions, 'prepared'>;

  constructor({ prepared, ...opts }: AgentOptions) {
    this.opts = opts;
    const inv = opts.driver.inventory();
    this.fence = new Fence(opts.host);
    this.prepared = prepared;
    this.ctx = new LifeContext(
      {
        host: opts.host,
        hostIp: inv.hostIp,
        driver: opts.driver,
        db: fencedDb(opts.db, this.fence),
        bus: fencedBus(opts.bus, this.fence),
        conf: opts.conf,
        clock: opts.clock,
        crash: opts.crash,
        owner: `${ownerPrefix(opts.host)}${randomUUID()}`,
        notifier: opts.notifier,
      },
      opts.log,
    );
  }

  /** Whether this life has ended. */
  get dead(): boolean {
    return this.fence.down;
  }

  async start(): Promise<void> {
    const { ctx } = this;
    const { db, clock, conf, host, driver } = ctx;
    await driver.init(host);
    const prepared = this.prepared;
    this.prepared = undefined;
    const svc = prepared?.service ?? (await registerService(db.kysely, host, 'nova-compute', `compute`, clock.now()));
    this.serviceId = svc.id;
    ctx.nodeUuid = prepared?.nodeUuid ?? (await this.registerNode(svc.id));
    if (prepared === undefined) await heartbeat(db.kysely, svc.id, clock.now());
    // A host with no guest and nothing in the records has nothing to settle or resume.
    const quiet = prepared?.quiet === true && driver.listGuests().length === 0;
    for (const task of quiet ? [] : AGENT_STARTUP_TASKS) {
      await task(ctx).catch((err: unknown) => {
        if (!this.dead) ctx.log.error({ err }, 'start-up task failed');
      });
    }
    this.sub = await ctx.bus.serve(
      `compute.${host}`,
      lazyHandlers(() => ({
        ...durableHandlers(ctx, ctx.owner, Object.assign({}, buildHandlers(ctx), ...AGENT_HANDLER_MODULES.map((m) => m(ctx)))),
        ...(this.opts.extraHandlers ?? {}),
        // After the clock was moved forward: what came due runs now, not at the next interval.
        run_periodic_tasks: async (args) => {
          catchUpClock(ctx.clock, args['clock_offset']);
          await this.runPeriodicTasks();
        },
      })),
    );
    if (!quiet) {
      // Work the previous life held when it died is this life's now, at once.
      await releaseJobsOfEarlierOwners(db.kysely, `compute.${host}`, ownerPrefix(host), ctx.owner, clock.now());
      await resendDueJobs(ctx, `compute.${host}`);
    }
    const shared = this.opts.timers;
    if (shared !== undefined) {
      if (this.dead) return;
      this.leave.push(shared.addHeartbeat(this.serviceId));
      this.leave.push(
        shared.addPeriodic(() =>
          this.runPeriodicTasks().catch((err: unknown) => {
            if (!this.dead) ctx.log.error({ err }, 'periodic task failed');
          }),
        ),
      );
      return;
    }
    const report = conf.num('DEFAULT', 'report_interval') * 1000;
    this.every(report, () => heartbeat(db.kysely, this.serviceId, clock.now()));
    const periodic = conf.num('DEFAULT', 'periodic_interval') * 1000;
    this.every(periodic, () => this.runPeriodicTasks());
  }

  private periodicRun: Promise<void> | undefined;

  /** One round of the periodic tasks; a round asked for while one runs waits for it and runs after. */
  runPeriodicTasks(): Promise<void> {
    const previous = this.periodicRun ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(async () => {
      for (const task of AGENT_PERIODIC_TASKS) await task(this.ctx);
    });
    this.periodicRun = run;
    return run;
  }

  private every(ms: number, fn: () => Promise<unknown>): void {
    const t = nonOverlappingInterval(ms, fn, (err) => {
      if (!this.dead) this.ctx.log.error({ err }, 'periodic task failed');
    });
    if (t) this.timers.push(t);
  }

  private async registerNode(serviceId: number): Promise<string> {
    const { db, clock, conf, host, driver } = this.ctx;
    const existing = await db.kysely.selectFrom('compute_nodes').select('uuid').where('host', '=', host).where('deleted', '=', 0).executeTakeFirst();
    const values = computeNodeValues(serviceId, host, driver.inventory(), conf);
    const t = dbTime(clock.now());
    if (existing) {
      await db.kysely.updateTable('compute_nodes').set({ ...values, updated_at: t }).where('uuid', '=', existing.uuid).execute();
      return existing.uuid;
    }
    const uuid = randomUUID();
    await db.kysely.insertInto('compute_nodes').values({ ...values, uuid, created_at: t, updated_at: t, deleted: 0 }).execute();
    return uuid;
  }

  /**
   * Ends this life at once, wherever its handlers are: no further heartbeat,
   * query, message or hypervisor step. The service goes down after
   * service_down_time; the guests live on for the next life to find.
   */
  kill(): void {
    if (this.dead) return;
    this.fence.trip();
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
    for (const leave of this.leave) leave();
    this.leave.length = 0;
    this.opts.driver.halt?.();
    void this.sub?.close().catch(() => undefined);
  }

  /** Stops serving and heartbeating (the service then goes down after service_down_time). */
  async stop(): Promise<void> {
    this.kill();
    await this.sub?.close().catch(() => undefined);
  }
}
