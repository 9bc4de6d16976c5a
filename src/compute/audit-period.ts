// [DEFAULT] instance_usage_audit_period: the most recently completed audit
// period before a moment, as Nova's last_completed_audit_period computes it.
// The unit is hour, day, month or year, optionally with an offset
// (`day@18` starts days at 18:00 UTC, `month@15` on the 15th, `year@3` on
// March 1st); an unknown unit counts as hour.
import type { Micros } from './usage-time.js';

export interface AuditPeriod {
  readonly begin: Micros;
  readonly end: Micros;
}

const HOUR: Micros = 3_600_000_000;
const DAY: Micros = 24 * HOUR;
const at = (y: number, month: number, d: number, h = 0, mi = 0): Micros => Date.UTC(y, month - 1, d, h, mi) * 1000;

/** The month before (year, month). */
const previousMonth = (y: number, m: number): [number, number] => (m <= 1 ? [y - 1, 12 + (m - 1)] : [y, m - 1]);

export function lastCompletedAuditPeriod(setting: string, before: Micros): AuditPeriod {
  const [unit, rawOffset] = setting.includes('@') ? [setting.slice(0, setting.indexOf('@')), setting.slice(setting.indexOf('@') + 1)] : [setting, '0'];
  let offset = Number.parseInt(rawOffset, 10);
  if (!Number.isFinite(offset)) offset = 0;
  const now = new Date(Math.floor(before / 1000));
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth() + 1;
  if (unit === 'month') {
    const day = offset === 0 ? 1 : offset;
    let end = at(year, month, day);
    let [ey, em] = [year, month];
    if (end >= before) {
      [ey, em] = previousMonth(year, month);
      end = at(ey, em, day);
    }
    const [by, bm] = previousMonth(ey, em);
    return { begin: at(by, bm, day), end };
  }
  if (unit === 'year') {
    const first = offset === 0 ? 1 : offset;
    const end = at(year, first, 1);
    if (end >= before) return { begin: at(year - 2, first, 1), end: at(year - 1, first, 1) };
    return { begin: at(year - 1, first, 1), end };
  }
  if (unit === 'day') {
    let end = at(year, month, now.getUTCDate(), offset);
    if (end >= before) end -= DAY;
    return { begin: end - DAY, end };
  }
  let end = at(year, month, now.getUTCDate(), now.getUTCHours(), offset);
  if (end >= before) end -= HOUR;
  return { begin: end - HOUR, end };
}
