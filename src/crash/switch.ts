// Fires crash points (see points.ts). Each role holds a switch that knows
// its process's fault rules, the host it runs for (compute agents) and how it
// dies: a separate process kills itself; a simulated host of the all-in-one
// stops dead on its own.
import type { FaultRules } from '../virt/fake/faults.js';
import { CRASH_STEP_PREFIX } from './points.js';

/** Thrown right after a crash point fired, so the code that reached it goes no further. */
export class CrashPointReached extends Error {
  constructor(readonly point: string) {
    super(`crash point ${point} reached`);
    this.name = 'CrashPointReached';
  }
}

export interface CrashSwitch {
  /** Dies here when a rule arms `point` (for this host and server). */
  at(point: string, server?: string): void;
}

/** A switch that never fires. */
export const NO_CRASH: CrashSwitch = { at: () => undefined };

export function killProcess(): void {
  process.kill(process.pid, 'SIGKILL');
}

export function crashSwitch(rules: FaultRules, host: string, die: () => void): CrashSwitch {
  return {
    at(point, server) {
      if (!rules.take(`${CRASH_STEP_PREFIX}${point}`, host, server ?? '')) return;
      die();
      throw new CrashPointReached(point);
    },
  };
}
