// Zones as os-availability-zone shows them: a zone with an enabled service is
// available; one whose services are all disabled is not.
import type { ServiceRow } from '../../db/schema.js';
import { apiTime } from '../../db/time.js';

export interface ZonedService {
  readonly service: ServiceRow;
  readonly zone: string;
  readonly up: boolean;
}

/** Available zones (sorted), then unavailable ones (sorted). */
export function splitZones(services: readonly ZonedService[]): { available: string[]; unavailable: string[] } {
  const available = new Set(services.filter((s) => !s.service.disabled).map((s) => s.zone));
  const unavailable = new Set(services.filter((s) => s.service.disabled && !available.has(s.zone)).map((s) => s.zone));
  return { available: [...available].sort(), unavailable: [...unavailable].sort() };
}

export function zoneSummary(zone: string, available: boolean): Record<string, unknown> {
  return { zoneName: zone, zoneState: { available }, hosts: null };
}

/** `{<host>: {<binary>: {available, active, updated_at}}}` of a zone's enabled services. */
export function zoneHosts(zone: string, services: readonly ZonedService[]): Record<string, Record<string, unknown>> {
  const hosts: Record<string, Record<string, unknown>> = {};
  for (const s of services) {
    if (s.zone !== zone || s.service.disabled) continue;
    const h = (hosts[s.service.host] ??= {});
    h[s.service.binary] = { available: s.up, active: true, updated_at: apiTime(s.service.updated_at) };
  }
  return hosts;
}
