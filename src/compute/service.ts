// The compute service: the rules of a request (guards, compare-and-swap on
// task_state, records), then a cast to the conductor. Each operation lives in
// its own file under compute/ and takes this shared context.
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { Db } from '../db/connect.js';
import type { Bus } from '../rpc/bus.js';
import type { Clock } from './clock.js';
import { effectiveServiceDownTime } from '../config/config.js';
import { NO_CRASH, type CrashSwitch } from '../crash/switch.js';
import { HostZones } from './host-zones.js';
import type { Notifier } from '../notifications/notifier.js';

export class ComputeService {
  readonly serviceDownTime: number;
  /** Availability zones of hosts, derived from aggregates. */
  readonly zones: HostZones;
  constructor(
    readonly db: Db,
    readonly conf: Config,
    readonly bus: Bus,
    readonly clock: Clock,
    readonly log: Logger,
    /** Crash points of the API role (see crash/points.ts). */
    readonly crash: CrashSwitch = NO_CRASH,
    /** Versioned notifications of what the API side does (evacuate, service updates). */
    readonly notifier?: Notifier,
  ) {
    this.serviceDownTime = effectiveServiceDownTime(conf);
    this.zones = new HostZones(db, conf);
  }
}

/** Who asked: recorded on instance actions and migrations. */
export interface Requester {
  readonly requestId: string;
  readonly userId: string | null;
  readonly projectId: string | null;
  readonly isAdmin: boolean;
}
