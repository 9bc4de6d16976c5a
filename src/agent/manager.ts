// The compute agent of one host: registers its service and compute node,
// heartbeats, serves `compute.<host>` and runs periodic tasks.
import { randomUUID } from 'node:crypto';
import type { Handlers, Subscription } from '../rpc/bus.js';
import { registerService, heartbeat } from '../db/services.js';
import { dbTime } from '../db/time.js';
import type { AgentContext } from './context.js';
import { buildHandlers } from './build.js';
import { AGENT_HANDLER_MODULES, AGENT_PERIODIC_TASKS, AGENT_STARTUP_TASKS } from './modules.js';

/** What an agent is given; its context adds what it learns at start (node name and uuid, host IP). */
export interface AgentOptions extends Pick<AgentContext, 'host' | 'driver' | 'db' | 'bus' | 'conf' | 'clock' | 'log'> {
  /** Extra handlers served on this host's topic (e.g. the fault-injection control). */
  readonly extraHandlers?: Handlers;
}

export class ComputeAgent {
  private readonly timers: NodeJS.Timeout[] = [];
  private sub: Subscription | undefined;
  readonly ctx: AgentContext;
  private serviceId = 0;

  constructor(private readonly opts: AgentOptions) {
    const inv = opts.driver.inventory();
    this.ctx = {
      host: opts.host,
      nodeName: opts.host,
      nodeUuid: '',
      hostIp: inv.hostIp,
      driver: opts.driver,
      db: opts.db,
      bus: opts.bus,
      conf: opts.conf,
      clock: opts.clock,
      log: opts.log.child({ host: opts.host }),
    };
  }

  async start(): Promise<void> {
    const { db, clock, conf, host, driver } = this.opts;
    await driver.init(host);
    const svc = await registerService(db.kysely, host, 'nova-compute', `compute`, clock.now());
    this.serviceId = svc.id;
    this.ctx.nodeUuid = await this.registerNode(svc.id);
    await heartbeat(db.kysely, svc.id, clock.now());
    for (const task of AGENT_STARTUP_TASKS) {
      await task(this.ctx).catch((err: unknown) => this.ctx.log.error({ err }, 'start-up task failed'));
    }
    const handlers: Handlers = Object.assign({}, buildHandlers(this.ctx), ...AGENT_HANDLER_MODULES.map((m) => m(this.ctx)), this.opts.extraHandlers ?? {});
    this.sub = await this.opts.bus.serve(`compute.${host}`, handlers);
    const report = conf.num('DEFAULT', 'report_interval') * 1000;
    this.every(report, () => heartbeat(db.kysely, this.serviceId, clock.now()));
    const periodic = conf.num('DEFAULT', 'periodic_interval') * 1000;
    this.every(periodic, async () => {
      for (const task of AGENT_PERIODIC_TASKS) await task(this.ctx);
    });
  }

  private every(ms: number, fn: () => Promise<unknown>): void {
    if (!(ms > 0)) return;
    let running = false;
    const t = setInterval(() => {
      if (running) return;
      running = true;
      fn()
        .catch((err: unknown) => this.ctx.log.error({ err }, 'periodic task failed'))
        .finally(() => (running = false));
    }, ms);
    t.unref();
    this.timers.push(t);
  }

  private async registerNode(serviceId: number): Promise<string> {
    const { db, clock, conf, host, driver } = this.opts;
    const inv = driver.inventory();
    const existing = await db.kysely.selectFrom('compute_nodes').select('uuid').where('host', '=', host).where('deleted', '=', 0).executeTakeFirst();
    const values = {
      service_id: serviceId,
      host,
      hypervisor_hostname: host,
      hypervisor_type: inv.hypervisorType,
      hypervisor_version: inv.hypervisorVersion,
      host_ip: inv.hostIp,
      cpu_info: JSON.stringify(inv.cpuInfo),
      vcpus: inv.vcpus,
      memory_mb: inv.memoryMb,
      local_gb: inv.localGb,
      cpu_allocation_ratio: conf.num('DEFAULT', 'cpu_allocation_ratio'),
      ram_allocation_ratio: conf.num('DEFAULT', 'ram_allocation_ratio'),
      disk_allocation_ratio: conf.num('DEFAULT', 'disk_allocation_ratio'),
    };
    const t = dbTime(clock.now());
    if (existing) {
      await db.kysely.updateTable('compute_nodes').set({ ...values, updated_at: t }).where('uuid', '=', existing.uuid).execute();
      return existing.uuid;
    }
    const uuid = randomUUID();
    await db.kysely.insertInto('compute_nodes').values({ ...values, uuid, created_at: t, updated_at: t, deleted: 0 }).execute();
    return uuid;
  }

  /** Stops serving and heartbeating (the service then goes down after service_down_time). */
  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
    await this.sub?.close();
    const d = this.opts.driver as { close?: () => Promise<void> };
    await d.close?.();
  }
}
