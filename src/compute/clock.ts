// Injectable time, so tests of service_down_time or resize_confirm_window
// can move time instead of waiting for it.

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock tests can move by hand. */
export class ManualClock implements Clock {
  private t: number;
  constructor(start = Date.now()) {
    this.t = start;
  }
  now(): Date {
    return new Date(this.t);
  }
  advance(seconds: number): void {
    this.t += seconds * 1000;
  }
}

/**
 * The wall clock plus an offset that only grows: `[magnetar] clock_control`
 * lets an admin move it forward (POST /v2.1/magnetar/clock), so automation
 * that waits on hours-long windows can be tested in moments.
 */
export class AdjustableClock implements Clock {
  private offsetMs = 0;
  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }
  advance(seconds: number): void {
    this.offsetMs += Math.round(seconds * 1000);
  }
  /** Puts this clock `seconds` ahead of the wall clock, unless it is further ahead already: it never goes back. */
  catchUp(seconds: number): void {
    this.offsetMs = Math.max(this.offsetMs, Math.round(seconds * 1000));
  }
  /** Seconds this clock is ahead of the wall clock. */
  get offsetSeconds(): number {
    return this.offsetMs / 1000;
  }
}
