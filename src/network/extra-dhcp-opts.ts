// Extra DHCP options on ports (PXE boot and the like): `opt_name`,
// `opt_value` and `ip_version` (4 unless given), checked against
// neutron-lib's two key specs — `router` and `classless-static-route` may
// have a blank value, other options a one-line, non-blank one. On create a
// null value means "no option"; on update an option named again takes the
// new value, with null it goes, and options not named are kept.
import { NeutronError, invalidInput } from './errors.js';
import { pythonInt } from './request.js';

export interface DhcpOpt {
  readonly opt_name: string;
  readonly opt_value: string;
  readonly ip_version: 4 | 6;
}

/** An option as the client gave it: a null value removes it on update. */
export interface DhcpOptRequest {
  readonly opt_name: string;
  readonly opt_value: string | null;
  readonly ip_version: 4 | 6;
}

/** Options whose value may be the empty string (to send them empty). */
const BLANKABLE = ['router', 'classless-static-route'];
const NAME_MAX = 64;
const VALUE_MAX = 255;

/** A value as Python prints it, as Neutron's messages quote what they refuse. */
function pyRepr(v: unknown): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'string') {
    const escaped = v.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t');
    return `'${escaped}'`;
  }
  if (Array.isArray(v)) return `[${v.map(pyRepr).join(', ')}]`;
  if (typeof v === 'object') return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${pyRepr(k)}: ${pyRepr(x)}`).join(', ')}}`;
  return String(v);
}

/** str() of a value: a string as it is, anything else as its repr. */
const pyStr = (v: unknown): string => (typeof v === 'string' ? v : pyRepr(v));

const oneLineNotBlank = (v: unknown, max: number): boolean =>
  typeof v === 'string' && v.length <= max && v.trim() !== '' && v.split(/\r\n|\r|\n/).filter((l, i, all) => i < all.length - 1 || l !== '').length <= 1;

/** ip_version as int() reads it; anything int() refuses is the request's fault at once. */
function ipVersionOf(v: unknown): number {
  const n = pythonInt(v);
  if (!Number.isFinite(n)) throw invalidInput(`'${pyStr(v)}' is not an integer`);
  return n;
}

function checkOpt(raw: unknown): DhcpOptRequest {
  const noMatch = (): NeutronError => invalidInput(`No valid key specs matched for: ${pyStr(raw)}`);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw noMatch();
  const o = { ...(raw as Record<string, unknown>) };
  if (!('opt_name' in o) || !('opt_value' in o) || Object.keys(o).some((k) => !['opt_name', 'opt_value', 'ip_version'].includes(k))) throw noMatch();
  if ('ip_version' in o) o['ip_version'] = ipVersionOf(o['ip_version']);
  const version = (o['ip_version'] ?? 4) as number;
  const name = o['opt_name'];
  const value = o['opt_value'];
  const blankable = typeof name === 'string' && BLANKABLE.includes(name) && (value === null || (typeof value === 'string' && value.length <= VALUE_MAX));
  const ordinary = oneLineNotBlank(name, NAME_MAX) && (value === null || oneLineNotBlank(value, VALUE_MAX));
  if ((version !== 4 && version !== 6) || (!blankable && !ordinary)) throw invalidInput(`No valid key specs matched for: ${pyStr(o)}`);
  return { opt_name: name as string, opt_value: value as string | null, ip_version: version };
}

/** The attribute's check: null is none; otherwise a list of distinct options, each matching a key spec. */
export function dhcpOptList(v: unknown): DhcpOptRequest[] | null {
  if (v === null) return null;
  if (!Array.isArray(v)) throw invalidInput(`'${pyStr(v)}' is not a list`);
  const seen: string[] = [];
  for (const item of v) {
    const key = JSON.stringify(item);
    if (seen.includes(key)) throw invalidInput(`Duplicate items in the list: '${pyRepr(item)}'`);
    seen.push(key);
  }
  return v.map(checkOpt);
}

const sameOpt = (a: { opt_name: string; ip_version: number }, b: { opt_name: string; ip_version: number }): boolean =>
  a.opt_name === b.opt_name && a.ip_version === b.ip_version;

/** One option per name and IP version, as Neutron's unique key has it. */
function add(opts: DhcpOpt[], portId: string, r: DhcpOptRequest): void {
  if (opts.some((o) => sameOpt(o, r))) {
    throw new NeutronError(409, 'NeutronDbObjectDuplicateEntry',
      `Failed to create a duplicate ExtraDhcpOpt: for attribute(s) ['port_id', 'opt_name', 'ip_version'] with value(s) ${portId}-${r.opt_name}-${r.ip_version}`);
  }
  opts.push({ opt_name: r.opt_name, opt_value: r.opt_value!, ip_version: r.ip_version });
}

/** A new port's options: those with a value. */
export function createdDhcpOpts(portId: string, requests: readonly DhcpOptRequest[] | null): DhcpOpt[] {
  const opts: DhcpOpt[] = [];
  for (const r of requests ?? []) if (r.opt_value !== null) add(opts, portId, r);
  return opts;
}

/** The options after an update: named ones changed (or removed with a null value), new ones added, the rest kept. */
export function updatedDhcpOpts(portId: string, current: readonly DhcpOpt[], requests: readonly DhcpOptRequest[]): DhcpOpt[] {
  const opts = [...current];
  for (const r of requests) {
    const at = opts.findIndex((o) => sameOpt(o, r));
    if (at >= 0 && current.some((o) => sameOpt(o, r))) {
      if (r.opt_value === null) opts.splice(at, 1);
      else opts[at] = { ...opts[at]!, opt_value: r.opt_value };
    } else if (r.opt_value !== null) {
      add(opts, portId, r);
    }
  }
  return opts;
}
