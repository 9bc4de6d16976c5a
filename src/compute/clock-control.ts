// Moving Magnetar's clock forward ([magnetar] clock_control). Services that
// were up stay up — they are alive, only the time jumped — so every one that
// was heard from within service_down_time is recorded as heard from now;
// then each compute host runs its periodic tasks at once, so what came due
// (resize auto-confirm, shelved offload, …) happens without waiting for the
// next interval. Services already down stay down, and go on ageing.
import type { ComputeService } from './service.js';
import type { AdjustableClock } from './clock.js';
import { listServices } from '../db/services-queries.js';
import { heartbeat } from '../db/services.js';
import { serviceIsUp } from './service-liveness.js';

export async function advanceClock(svc: ComputeService, clock: AdjustableClock, seconds: number, requestId: string): Promise<void> {
  const before = clock.now();
  const up = (await listServices(svc.db.kysely)).filter((s) => serviceIsUp(s, before, svc.serviceDownTime));
  clock.advance(seconds);
  svc.log.info({ requestId, advance: seconds, offset: clock.offsetSeconds }, 'clock moved forward');
  for (const s of up) await heartbeat(svc.db.kysely, s.id, clock.now());
  await Promise.all(
    up
      .filter((s) => s.binary === 'nova-compute')
      .map((s) => svc.bus.cast(`compute.${s.host}`, 'run_periodic_tasks', {}, { requestId }).catch(() => undefined)),
  );
}
