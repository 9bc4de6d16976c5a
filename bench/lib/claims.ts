// The scheduler's `claimed` debug lines, which the placement benchmarks time
// a POST against: each carries the claim's wall-clock time and the time
// since the request reached the scheduler.

export interface Claim {
  readonly at: number;
  /** From the request reaching the scheduler to its claim. */
  readonly selectMs: number;
}

/** Adds the claims among `lines` to `into` (instance uuid → its claims, in order). */
export function collectClaims(lines: Iterable<string>, into: Map<string, Claim[]> = new Map()): Map<string, Claim[]> {
  for (const line of lines) {
    if (!line.includes('"msg":"claimed"')) continue;
    try {
      const o = JSON.parse(line) as { instance?: string; claimedAt?: number; selectMs?: number };
      if (typeof o.instance !== 'string' || typeof o.claimedAt !== 'number') continue;
      const list = into.get(o.instance) ?? [];
      list.push({ at: o.claimedAt, selectMs: o.selectMs ?? NaN });
      into.set(o.instance, list);
    } catch {
      // not one of ours
    }
  }
  return into;
}

/**
 * The claims in a process's growing output, reading each line once: waiting
 * for a claim polls every few milliseconds, and splitting the whole output
 * each time would cost the measuring side more as the output grows.
 */
export function claimsIn(output: () => string): () => Map<string, Claim[]> {
  const claims = new Map<string, Claim[]>();
  let read = 0;
  return () => {
    const out = output();
    const end = out.lastIndexOf('\n') + 1;
    if (end > read) {
      collectClaims(out.slice(read, end).split('\n'), claims);
      read = end;
    }
    return claims;
  };
}

/** The first claim for `instance` made at or after `after` (wall-clock ms), as `claims()` comes to hold it. */
export async function waitForClaim(claims: () => Map<string, Claim[]>, instance: string, after: number, ms = 30_000): Promise<Claim> {
  const end = Date.now() + ms;
  for (;;) {
    const c = claims().get(instance)?.find((x) => x.at >= after);
    if (c !== undefined) return c;
    if (Date.now() > end) throw new Error(`no claim for ${instance} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
