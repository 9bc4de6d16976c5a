// A subnet's addresses: the default gateway and allocation pools Neutron
// derives from a CIDR, and the checks of pools a client gives.
import { NeutronError, badRequest } from './errors.js';
import { cidrText, contains, formatIp, lastOf, parseIp, type Cidr } from './ip.js';

export interface Pool {
  readonly start: string;
  readonly end: string;
}

interface Range {
  readonly first: bigint;
  readonly last: bigint;
}

/** Addresses a subnet may hand out at all: IPv4 keeps its network and broadcast addresses back (but /31 and /32 have none), IPv6 its subnet-router anycast address. */
export function usableRange(c: Cidr): Range {
  const last = lastOf(c);
  if (c.version === 4) return c.prefix >= 31 ? { first: c.base, last } : { first: c.base + 1n, last: last - 1n };
  return c.prefix >= 127 ? { first: c.base, last } : { first: c.base + 1n, last };
}

/** The first usable address: Neutron's default gateway. */
export const defaultGateway = (c: Cidr): string => formatIp(c.version, usableRange(c).first);

/** The usable range less the gateway. */
export function defaultPools(c: Cidr, gateway: string | null): Pool[] {
  const { first, last } = usableRange(c);
  if (first > last) return [];
  const gw = gateway === null ? null : parseIp(gateway);
  const ranges: Range[] = [];
  if (gw && gw.value >= first && gw.value <= last) {
    if (gw.value > first) ranges.push({ first, last: gw.value - 1n });
    if (gw.value < last) ranges.push({ first: gw.value + 1n, last });
  } else {
    ranges.push({ first, last });
  }
  return ranges.map((r) => ({ start: formatIp(c.version, r.first), end: formatIp(c.version, r.last) }));
}

/** Checks pools a client gives against the CIDR, each other and the gateway; returns them in canonical form. */
export function checkPools(c: Cidr, raw: unknown, gateway: string | null): Pool[] {
  if (!Array.isArray(raw)) throw badRequest(`Invalid input for allocation_pools. Reason: Invalid data format for IP pool: '${JSON.stringify(raw)}'.`);
  const ranges: Array<Range & { pool: Pool }> = [];
  for (const p of raw) {
    const start = typeof p === 'object' && p !== null ? parseIp((p as Record<string, string>)['start'] as string) : null;
    const end = typeof p === 'object' && p !== null ? parseIp((p as Record<string, string>)['end'] as string) : null;
    if (!start || !end || Object.keys(p as object).some((k) => k !== 'start' && k !== 'end')) {
      throw badRequest(`Invalid input for allocation_pools. Reason: Invalid data format for IP pool: '${JSON.stringify(p)}'.`);
    }
    const pool = { start: formatIp(start.version, start.value), end: formatIp(end.version, end.value) };
    const label = `${pool.start}-${pool.end}`;
    if (start.version !== c.version || end.version !== c.version || start.value > end.value) {
      throw new NeutronError(400, 'InvalidAllocationPool', `The allocation pool ${label} is not valid.`);
    }
    if (!contains(c, start.version, start.value) || !contains(c, end.version, end.value)) {
      throw new NeutronError(400, 'OutOfBoundsAllocationPool', `The allocation pool ${label} spans beyond the subnet cidr ${cidrText(c)}.`);
    }
    ranges.push({ first: start.value, last: end.value, pool });
  }
  for (let i = 0; i < ranges.length; i++) {
    for (let j = i + 1; j < ranges.length; j++) {
      const a = ranges[i]!;
      const b = ranges[j]!;
      if (a.first <= b.last && b.first <= a.last) {
        throw new NeutronError(400, 'OverlappingAllocationPools',
          `Found overlapping allocation pools: ${a.pool.start}-${a.pool.end} and ${b.pool.start}-${b.pool.end} for subnet ${cidrText(c)}.`);
      }
    }
  }
  const gw = gateway === null ? null : parseIp(gateway);
  if (gw) {
    const hit = ranges.find((r) => gw.value >= r.first && gw.value <= r.last);
    if (hit) throw new NeutronError(409, 'GatewayConflictWithAllocationPools', `Gateway ip ${gateway} conflicts with allocation pool ${hit.pool.start}-${hit.pool.end}`);
  }
  return ranges.map((r) => r.pool);
}

/** Every address of the pools in order, lazily. */
export function* poolAddresses(version: 4 | 6, pools: readonly Pool[]): Generator<string> {
  for (const p of pools) {
    const first = parseIp(p.start)!.value;
    const last = parseIp(p.end)!.value;
    for (let n = first; n <= last; n++) yield formatIp(version, n);
  }
}
