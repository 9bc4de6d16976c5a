// Service records as os-services (and the availability-zone detail) show them.
import type { ServiceRow } from '../../db/schema.js';
import type { ZoneMap } from '../../compute/host-zones.js';
import { apiTime } from '../../db/time.js';
import type { RequestContext } from '../context.js';

/** API-type services have no heartbeat and are never listed. */
export const API_BINARIES: ReadonlySet<string> = new Set(['nova-osapi_compute', 'nova-metadata']);

/** One item of GET /os-services (and the body of PUT from 2.53): `forced_down` from 2.11, uuid ids from 2.53. */
export function serviceDetail(ctx: RequestContext, zones: ZoneMap, svc: ServiceRow, up: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: ctx.version.atLeast('2.53') ? svc.uuid : svc.id,
    binary: svc.binary,
    host: svc.host,
    zone: zones.serviceZone(svc),
    status: svc.disabled ? 'disabled' : 'enabled',
    state: up ? 'up' : 'down',
    updated_at: apiTime(svc.updated_at),
    disabled_reason: svc.disabled_reason,
  };
  if (ctx.version.atLeast('2.11')) out['forced_down'] = svc.forced_down !== 0;
  return out;
}
