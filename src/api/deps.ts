// Everything the compute API's routes need, built once by the process that serves it.
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { Db } from '../db/connect.js';
import type { PolicyEnforcer } from '../policy/enforcer.js';
import type { TokenValidator } from '../identity/validator.js';
import type { Clock } from '../compute/clock.js';
import type { Bus } from '../rpc/bus.js';
import type { ComputeService } from '../compute/service.js';
import type { ImageLookup } from '../image/lookup.js';
import type { ImageRegistry } from '../image/registry.js';
import type { EventStream } from '../notifications/event-stream.js';

export interface ApiDeps {
  readonly conf: Config;
  readonly db: Db;
  readonly policy: PolicyEnforcer;
  readonly validator: TokenValidator;
  readonly clock: Clock;
  readonly bus: Bus;
  readonly log: Logger;
  readonly compute: ComputeService;
  readonly images: ImageLookup;
  /** Creates and deletes the images of snapshots and backups. */
  readonly imageRegistry: ImageRegistry;
  /** Public URL of the identity service (for WWW-Authenticate). */
  readonly identityUrl: string;
  /** The deployment's notifications, for GET /magnetar/events; absent = no stream. */
  readonly events?: EventStream;
}
