// What the conductor's tasks share.
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { Db } from '../db/connect.js';
import type { Bus, Handlers } from '../rpc/bus.js';
import { MessagingTimeout } from '../rpc/bus.js';
import { MessagingUnavailable } from '../rpc/bus-errors.js';
import type { Clock } from '../compute/clock.js';
import type { RequestSpec, Selection } from '../scheduler/request-spec.js';
import { parseSelections, requestSpecToJson } from '../scheduler/request-spec-json.js';
import { withEvent } from '../db/instance-actions.js';
import type { CrashSwitch } from '../crash/switch.js';
import { loggedStep } from '../compute/step-log.js';
import type { Notifier } from '../notifications/notifier.js';

export interface ConductorContext {
  readonly db: Db;
  readonly bus: Bus;
  readonly conf: Config;
  readonly clock: Clock;
  readonly log: Logger;
  /** Crash points of the conductor (see crash/points.ts). */
  readonly crash: CrashSwitch;
  readonly notifier?: Notifier | undefined;
}

export type ConductorModule = (ctx: ConductorContext) => Handlers;

/**
 * The scheduler did not answer — down, or restarting. The conductor's job is
 * given back to be tried again later instead of failing the request; the
 * claims a lost answer may have made are replaced when it is (see claims.ts).
 */
export class SchedulerUnreachable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SchedulerUnreachable';
  }
}

/** Asks the scheduler (over the bus) for destinations; claims are made for `claimFor` or the instance. */
export async function selectDestinations(ctx: ConductorContext, spec: RequestSpec, claimFor?: string, requestId?: string): Promise<Selection[]> {
  let reply;
  try {
    reply = await ctx.bus.call('scheduler', 'select_destinations', { spec: requestSpecToJson(spec), claimFor }, { requestId });
  } catch (err) {
    if (err instanceof MessagingTimeout || err instanceof MessagingUnavailable) throw new SchedulerUnreachable(err.message);
    throw err;
  }
  return parseSelections(reply);
}

/**
 * Runs a conductor step as an instance-action event. As in Nova, the event
 * records the conductor's own host ([DEFAULT] host, the host of its
 * nova-conductor service record).
 */
export function conductorEvent<T>(ctx: ConductorContext, instanceUuid: string, requestId: string | undefined, name: string, fn: () => Promise<T>): Promise<T> {
  const logged = () => loggedStep(ctx.log, instanceUuid, requestId, name, fn);
  if (!requestId) return logged();
  return withEvent(ctx.db.kysely, ctx.clock, instanceUuid, requestId, name, ctx.conf.str('DEFAULT', 'host'), logged);
}
