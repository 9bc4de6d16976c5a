// Sets of addresses of one IP version as sorted, disjoint ranges, and the
// arithmetic subnet pools need: difference, intersection, subset, and the
// set written back as the fewest CIDRs (overlapping or adjacent prefixes
// compact into one, as netaddr's IPSet does).
import { cidrSize, lastOf, type Cidr, type IpVersion } from './ip.js';

interface Range {
  readonly first: bigint;
  readonly last: bigint;
}

export interface PrefixSet {
  readonly version: IpVersion;
  readonly ranges: readonly Range[];
}

const bitsOf = (v: IpVersion): number => (v === 4 ? 32 : 128);

function merged(ranges: Range[]): Range[] {
  const sorted = [...ranges].sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  const out: Range[] = [];
  for (const r of sorted) {
    const prev = out[out.length - 1];
    if (prev && r.first <= prev.last + 1n) out[out.length - 1] = { first: prev.first, last: r.last > prev.last ? r.last : prev.last };
    else out.push(r);
  }
  return out;
}

export function prefixSet(version: IpVersion, cidrs: readonly Cidr[]): PrefixSet {
  return { version, ranges: merged(cidrs.filter((c) => c.version === version).map((c) => ({ first: c.base, last: lastOf(c) }))) };
}

export function difference(a: PrefixSet, b: PrefixSet): PrefixSet {
  let rest = [...a.ranges];
  for (const cut of b.ranges) {
    rest = rest.flatMap((r) => {
      if (cut.last < r.first || cut.first > r.last) return [r];
      const left = cut.first > r.first ? [{ first: r.first, last: cut.first - 1n }] : [];
      const right = cut.last < r.last ? [{ first: cut.last + 1n, last: r.last }] : [];
      return [...left, ...right];
    });
  }
  return { version: a.version, ranges: rest };
}

export const intersects = (a: PrefixSet, b: PrefixSet): boolean => a.ranges.some((x) => b.ranges.some((y) => x.first <= y.last && y.first <= x.last));

/** `b` holds every address of `a`. */
export const isSubset = (a: PrefixSet, b: PrefixSet): boolean => difference(a, b).ranges.length === 0;

/** The set as the fewest CIDRs, in address order. */
export function cidrsOf(s: PrefixSet): Cidr[] {
  const bits = bitsOf(s.version);
  const out: Cidr[] = [];
  for (const r of s.ranges) {
    let at = r.first;
    while (at <= r.last) {
      // The largest aligned block that starts here and stays inside the range.
      let prefix = bits;
      while (prefix > 0) {
        const size = 1n << BigInt(bits - prefix + 1);
        if (at % size !== 0n || at + size - 1n > r.last) break;
        prefix--;
      }
      const block: Cidr = { version: s.version, base: at, prefix };
      out.push(block);
      at += cidrSize(block);
    }
  }
  return out;
}
