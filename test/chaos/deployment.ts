// What a round needs from the cloud under test, whichever way it runs: the
// API, its compute hosts, and the power to arm a crash point in a process,
// see it die there, and bring it back. The distributed deployment kills and
// restarts role processes; the all-in-one crashes and starts simulated hosts.
import type { ApiClient } from './api-client.js';

export type Mode = 'distributed' | 'all-in-one';

/** A process that can die: `api`, `conductor`, or a compute host's name. */
export type Role = string;

export interface Deployment {
  readonly mode: Mode;
  readonly api: ApiClient;
  readonly hosts: readonly string[];
  /** Whether a point of this role can be armed here (the all-in-one arms compute points only). */
  canArm(role: 'api' | 'conductor' | 'compute'): boolean;
  /** Arms `point` once in the process of `role` (narrowed to `server` when given). */
  arm(point: string, role: Role, server?: string): Promise<void>;
  /** Resolves true once the armed process has died, false if it still runs after `ms`. */
  died(role: Role, ms: number): Promise<boolean>;
  /** Brings the role back unarmed (ending an armed life that never reached its point). */
  restart(role: Role): Promise<void>;
  /** Takes a compute host down as a failure would (for an evacuation). */
  takeDown(host: string, how: 'stop' | 'crash'): Promise<void>;
  /** Brings a host taken down back, with `point` armed in its new life when given (it may die during its start-up). */
  bringUp(host: string, point?: string): Promise<void>;
  /** The last lines a role logged, for a report. */
  logTail(role: Role, lines: number): string;
  close(): Promise<void>;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The `fake.faults` rule that arms a point once. */
export function crashRule(point: string, host?: string, server?: string): string {
  return `crash:${point}${host ? `@${host}` : ''}${server ? `#${server}` : ''}*1`;
}
