// Glance's comparative filters on `created_at` and `updated_at`
// (`created_at=gte:2014-01-01T00:00:00Z`): an operator, a colon and an ISO
// 8601 time; a bare time means equality.
import { ImageQueryError } from './list-query-error.js';

const OPERATORS = {
  gt: (c: number) => c > 0,
  gte: (c: number) => c >= 0,
  lt: (c: number) => c < 0,
  lte: (c: number) => c <= 0,
  neq: (c: number) => c !== 0,
  eq: (c: number) => c === 0,
} as const;

// Date, optionally a time (fractions allowed) and a zone; no zone is UTC.
const ISO_8601 = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Milliseconds since the epoch, or undefined when `text` is no ISO 8601 time. */
export function parseIsoTime(text: string): number | undefined {
  const m = ISO_8601.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone = 'Z'] = m;
  const offset = zone.toUpperCase() === 'Z' ? 'Z' : zone.length === 3 ? `${zone}:00` : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  const ms = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}.${(frac + '000').slice(0, 3)}${offset}`);
  return Number.isNaN(ms) ? undefined : ms;
}

/** A predicate on an image time for the filter value `expression` of `key`. */
export function timeFilter(key: string, expression: string): (time: string) => boolean {
  // A bare time has colons of its own: it is one operand, not an operator.
  let op = 'eq';
  let operand = expression;
  const colon = expression.indexOf(':');
  if (colon >= 0 && parseIsoTime(expression) === undefined) {
    op = expression.slice(0, colon);
    operand = expression.slice(colon + 1);
  }
  const threshold = parseIsoTime(operand);
  if (threshold === undefined) throw new ImageQueryError(`Bad "${key}" query filter format. Use ISO 8601 DateTime notation.`);
  const holds = (OPERATORS as Record<string, (c: number) => boolean>)[op];
  if (!holds) throw new ImageQueryError('Unable to filter on a unknown operator.');
  // Compared as shown: images show (and Glance keeps) whole seconds.
  return (time) => holds(Math.floor(Date.parse(time) / 1000) * 1000 - threshold);
}
