// IPv4 and IPv6 addresses as bigints: parsing, printing and CIDR arithmetic
// for subnets, pools and allocations.
export type IpVersion = 4 | 6;

export interface Cidr {
  readonly version: IpVersion;
  /** The network address (host bits zero). */
  readonly base: bigint;
  readonly prefix: number;
}

const bitsOf = (v: IpVersion): number => (v === 4 ? 32 : 128);

function parseV4(s: string): bigint | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  let n = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255 || (p.length > 1 && p.startsWith('0'))) return null;
    n = (n << 8n) | BigInt(p);
  }
  return n;
}

function parseV6(s: string): bigint | null {
  if (!/^[0-9a-fA-F:.]+$/.test(s) || s.includes(':::')) return null;
  let tail = s;
  let v4: bigint | null = null;
  const lastColon = s.lastIndexOf(':');
  if (s.slice(lastColon + 1).includes('.')) {
    v4 = parseV4(s.slice(lastColon + 1));
    if (v4 === null) return null;
    tail = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const halves = tail.split('::');
  if (halves.length > 2) return null;
  const groups = (h: string): string[] | null => (h === '' ? [] : h.split(':'));
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !rest) return null;
  const missing = 8 - head.length - rest.length;
  if ((halves.length === 1 && missing !== 0) || (halves.length === 2 && missing < 1)) return null;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  let n = 0n;
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    n = (n << 16n) | BigInt(parseInt(g, 16));
  }
  if (v4 !== null) n = (n & ~0xffffffffn) | v4;
  return n;
}

/** The address and its version, or null when `s` is not one. */
export function parseIp(s: string): { version: IpVersion; value: bigint } | null {
  if (typeof s !== 'string') return null;
  const v4 = parseV4(s);
  if (v4 !== null) return { version: 4, value: v4 };
  const v6 = s.includes(':') ? parseV6(s) : null;
  return v6 !== null ? { version: 6, value: v6 } : null;
}

/** Canonical text: dotted quad, or RFC 5952 IPv6 (lower case, longest zero run as ::). */
export function formatIp(version: IpVersion, n: bigint): string {
  if (version === 4) return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join('.');
  // IPv4-mapped addresses keep their dotted tail, as inet_ntop prints them.
  if (n >> 32n === 0xffffn) return `::ffff:${formatIp(4, n & 0xffffffffn)}`;
  const groups = Array.from({ length: 8 }, (_, i) => Number((n >> BigInt(112 - 16 * i)) & 0xffffn));
  let bestAt = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) { bestAt = i; bestLen = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestAt < 0) return hex.join(':');
  return `${hex.slice(0, bestAt).join(':')}::${hex.slice(bestAt + bestLen).join(':')}`;
}

/** A CIDR with host bits zero, or null when `s` is not a valid network (Neutron refuses host bits). */
export function parseCidr(s: string): Cidr | null {
  if (typeof s !== 'string') return null;
  const m = /^([^/]+)\/(\d{1,3})$/.exec(s);
  if (!m) return null;
  const ip = parseIp(m[1]!);
  const prefix = Number(m[2]);
  if (!ip || prefix > bitsOf(ip.version)) return null;
  const hostBits = BigInt(bitsOf(ip.version) - prefix);
  if ((ip.value & ((1n << hostBits) - 1n)) !== 0n) return null;
  return { version: ip.version, base: ip.value, prefix };
}

/** An address with a prefix length, its host bits cleared ('10.2.3.124/24' is 10.2.3.0/24), as netaddr reads a network. */
export function networkOf(s: string): Cidr | null {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(s);
  const ip = m ? parseIp(m[1]!) : null;
  if (!m || !ip || Number(m[2]) > bitsOf(ip.version)) return null;
  const hostBits = BigInt(bitsOf(ip.version) - Number(m[2]));
  return { version: ip.version, base: (ip.value >> hostBits) << hostBits, prefix: Number(m[2]) };
}

export const cidrText = (c: Cidr): string => `${formatIp(c.version, c.base)}/${c.prefix}`;
export const cidrSize = (c: Cidr): bigint => 1n << BigInt(bitsOf(c.version) - c.prefix);
export const lastOf = (c: Cidr): bigint => c.base + cidrSize(c) - 1n;
export const contains = (c: Cidr, version: IpVersion, n: bigint): boolean => version === c.version && n >= c.base && n <= lastOf(c);
export const overlaps = (a: Cidr, b: Cidr): boolean => a.version === b.version && a.base <= lastOf(b) && b.base <= lastOf(a);

/** Canonical form of an address text, or null. */
export function canonicalIp(s: string): string | null {
  const ip = parseIp(s);
  return ip ? formatIp(ip.version, ip.value) : null;
}
