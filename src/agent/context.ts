// What every part of a compute agent shares: its host, its driver, the
// database, the bus and the clock.
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { Db } from '../db/connect.js';
import type { Bus } from '../rpc/bus.js';
import type { Clock } from '../compute/clock.js';
import type { VirtDriver, GuestSpec } from '../virt/driver.js';
import type { InstanceRow, InstanceFlavor } from '../db/schema.js';
import { withEvent } from '../db/instance-actions.js';
import type { CrashSwitch } from '../crash/switch.js';
import { loggedStep } from '../compute/step-log.js';
import type { Notifier } from '../notifications/notifier.js';
import { notifyInstance, type InstanceEventOptions } from '../notifications/emit.js';
import type { InstanceEvents } from './instance-events.js';

export interface AgentContext {
  readonly host: string;
  readonly nodeName: string;
  nodeUuid: string;
  readonly hostIp: string;
  readonly driver: VirtDriver;
  readonly db: Db;
  readonly bus: Bus;
  readonly conf: Config;
  readonly clock: Clock;
  readonly log: Logger;
  /** Crash points of this host (see crash/points.ts). */
  readonly crash: CrashSwitch;
  /** Who holds this life's jobs: `compute.<host>/<life id>`. */
  readonly owner: string;
  /**
   * Evacuations away from this host that were still under way when this life
   * started: their old guests here are dropped once they are done.
   */
  readonly awaitedEvacuations: Set<string>;
  /** Events from other services this life's work waits for (network-vif-plugged). */
  readonly instanceEvents: InstanceEvents;
  /** Versioned notifications and the API's event stream; none in tests that do not need them. */
  readonly notifier?: Notifier | undefined;
}

/** The prefix shared by the job owners of every life of a host's agent. */
export function ownerPrefix(host: string): string {
  return `compute.${host}/`;
}

export function guestSpec(inst: Pick<InstanceRow, 'uuid' | 'display_name' | 'image_ref'>, flavor: InstanceFlavor): GuestSpec {
  return {
    uuid: inst.uuid,
    name: inst.display_name,
    vcpus: flavor.vcpus,
    memoryMb: flavor.memory_mb,
    rootGb: flavor.root_gb,
    imageRef: inst.image_ref || null,
  };
}

/** Sends an instance notification (e.g. `instance.live_migration_pre.start`) as this host's nova-compute. */
export function notifyFromHost(
  ctx: AgentContext,
  eventType: string,
  uuid: string,
  requestId: string | undefined,
  opts: Omit<InstanceEventOptions, 'publisher' | 'requestId'> = {},
): Promise<void> {
  return notifyInstance(ctx, eventType, uuid, { ...opts, publisher: `nova-compute:${ctx.host}`, requestId });
}

/** Runs a step on this host as an instance-action event named `compute_<name>`. */
export function hostEvent<T>(ctx: AgentContext, instanceUuid: string, requestId: string | undefined, name: string, fn: () => Promise<T>): Promise<T> {
  const logged = () => loggedStep(ctx.log, instanceUuid, requestId, `compute_${name}`, fn);
  if (!requestId) return logged();
  return withEvent(ctx.db.kysely, ctx.clock, instanceUuid, requestId, `compute_${name}`, ctx.host, logged);
}
