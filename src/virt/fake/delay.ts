// How long a simulated hypervisor step takes. A spec is either a fixed number
// of seconds ("0.5") or a range ("0.2,1.5") sampled from a triangular
// distribution with its mode in the middle, as Ironic's fake driver does, so
// timings vary like a real host's without long tails.

export interface DelaySpec {
  /** Seconds, inclusive. */
  readonly min: number;
  /** Seconds, inclusive; equal to `min` for a fixed delay. */
  readonly max: number;
}

export class InvalidDelaySpec extends Error {
  constructor(readonly spec: string) {
    super(`invalid delay '${spec}': expected seconds ("0.5") or min,max ("0.2,1.5")`);
    this.name = 'InvalidDelaySpec';
  }
}

function seconds(text: string, spec: string): number {
  const t = text.trim();
  const n = Number(t);
  if (t === '' || !Number.isFinite(n) || n < 0) throw new InvalidDelaySpec(spec);
  return n;
}

export function parseDelay(spec: string): DelaySpec {
  const parts = spec.split(',');
  if (parts.length === 1) {
    const s = seconds(parts[0] ?? '', spec);
    return { min: s, max: s };
  }
  if (parts.length !== 2) throw new InvalidDelaySpec(spec);
  const min = seconds(parts[0] ?? '', spec);
  const max = seconds(parts[1] ?? '', spec);
  if (max < min) throw new InvalidDelaySpec(spec);
  return { min, max };
}

/** One sample in seconds; `random` returns [0, 1) and is injectable for tests. */
export function sampleSeconds(d: DelaySpec, random: () => number = Math.random): number {
  if (d.max <= d.min) return d.min;
  const u = random();
  // Inverse CDF of the symmetric triangular distribution on [0, 1].
  const x = u < 0.5 ? Math.sqrt(u / 2) : 1 - Math.sqrt((1 - u) / 2);
  return d.min + (d.max - d.min) * x;
}

const resolved: Promise<void> = Promise.resolve();

/** Waits `ms` milliseconds; 0 never touches a timer (benchmarks run thousands of zero-delay steps). */
export function sleepMs(ms: number): Promise<void> {
  if (!(ms > 0)) return resolved;
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits one sample of `d`. */
export function waitDelay(d: DelaySpec, random?: () => number): Promise<void> {
  if (d.max === 0) return resolved;
  return sleepMs(sampleSeconds(d, random) * 1000);
}
