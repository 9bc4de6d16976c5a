// Instants with microseconds, as Nova's usage reports compare and print them
// (a Date keeps milliseconds only): microseconds since the epoch, UTC.
export type Micros = number;

/** A date-time string Nova's usage reports do not accept. */
export class InvalidStrTime extends Error {
  constructor(reason: string) {
    super(`Invalid datetime string: ${reason}`);
  }
}

// Python's strptime fields: %Y four digits, %m %d %H %M %S one or two, %f one to six.
const DATE = '(\\d{4})-(1[0-2]|0[1-9]|[1-9])-(3[01]|[12]\\d|0[1-9]|[1-9]| [1-9])';
const TIME = '(2[0-3]|[01]\\d|\\d):([0-5]\\d|\\d):(6[01]|[0-5]\\d|\\d)';

function fromParts(y: number, mo: number, d: number, h: number, mi: number, s: number, frac: string): Micros | undefined {
  if (s > 59) return undefined;
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(ms);
  // Feb 30 and the like roll over in Date.UTC; Python refuses them.
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return undefined;
  return ms * 1000 + (frac === '' ? 0 : Number(frac.padEnd(6, '0')));
}

/**
 * Python's strptime with '%Y-%m-%d<sep>%H:%M:%S' (and '.%f' when `fraction`),
 * as a UTC instant; undefined when the text does not match.
 */
export function strptime(s: string, sep: 'T' | ' ', fraction: boolean): Micros | undefined {
  const m = new RegExp(`^${DATE}${sep}${TIME}${fraction ? '\\.(\\d{1,6})' : ''}$`).exec(s);
  if (!m) return undefined;
  const n = (i: number) => Number(m[i]!.trim());
  return fromParts(n(1), n(2), n(3), n(4), n(5), n(6), m[7] ?? '');
}

/** `start`/`end` of a usage report: the three formats Nova tries, in its order. */
export function parseUsageTime(s: string): Micros {
  const v = strptime(s, 'T', false) ?? strptime(s, 'T', true) ?? strptime(s, ' ', true);
  if (v === undefined) throw new InvalidStrTime('Datetime is in invalid format');
  return v;
}

export const microsOfDate = (d: Date): Micros => d.getTime() * 1000;

/** From the stored form 'YYYY-MM-DD HH:MM:SS.ffffff'. */
export function microsOfDb(s: string): Micros {
  const ms = Date.parse(`${s.slice(0, 10)}T${s.slice(11, 19)}Z`);
  const frac = s.length > 20 ? s.slice(20) : '';
  return ms * 1000 + (frac === '' ? 0 : Number(frac.padEnd(6, '0').slice(0, 6)));
}

/** The stored form, for comparing with stored timestamps. */
export function dbOfMicros(m: Micros): string {
  const ms = Math.floor(m / 1000);
  const iso = new Date(ms).toISOString();
  const us = String(m - Math.floor(m / 1_000_000) * 1_000_000).padStart(6, '0');
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${us}`;
}

/** Python's isoformat of a naive datetime: the fraction only when not zero. */
export function isoOfMicros(m: Micros): string {
  const db = dbOfMicros(m);
  const base = `${db.slice(0, 10)}T${db.slice(11, 19)}`;
  return db.endsWith('.000000') ? base : `${base}${db.slice(19)}`;
}

/** Whole seconds, as the window reaches the database in Nova (its isotime drops the fraction). */
export const truncateToSecond = (m: Micros): Micros => Math.floor(m / 1_000_000) * 1_000_000;
