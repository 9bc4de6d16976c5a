// Whether a service is up: not forced down, and heard from within
// service_down_time (the creation time counts when it never reported).
import type { ServiceRow } from '../db/schema.js';
import { parseDbTime } from '../db/time.js';

export function serviceIsUp(svc: Pick<ServiceRow, 'forced_down' | 'last_seen_up' | 'created_at' | 'updated_at'>, now: Date, downTimeSeconds: number): boolean {
  if (svc.forced_down) return false;
  const last = svc.last_seen_up ?? svc.updated_at ?? svc.created_at;
  const age = Math.abs(now.getTime() - parseDbTime(last).getTime()) / 1000;
  return age <= downTimeSeconds;
}
