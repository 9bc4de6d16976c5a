// Moving Magnetar's clock forward ([magnetar] clock_control). Services that
// were up stay up — they are alive, only the time jumped — so every one that
// was heard from within service_down_time is recorded as heard from now;
// then each compute host runs its periodic tasks at once, so what came due
// (resize auto-confirm, shelved offload, …) happens without waiting for the
// next interval. Services already down stay down, and go on ageing.
//
// Every process keeps its own clock: the new offset is broadcast on the bus
// (the notifications exchange, routing key `magnetar_clock.advance`) to the
// other processes of a distributed deployment, and rides along with each
// host's order to run its periodic tasks, so a host has caught up before it runs them.
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { Bus, Subscription } from '../rpc/bus.js';
import { notificationTransportOf } from '../rpc/notification-transport.js';
import type { ComputeService } from './service.js';
import { AdjustableClock, type Clock } from './clock.js';
import { listServices } from '../db/services-queries.js';
import { heartbeat } from '../db/services.js';
import { serviceIsUp } from './service-liveness.js';

const BROADCAST_KEY = 'magnetar_clock.advance';

export async function advanceClock(svc: ComputeService, clock: AdjustableClock, seconds: number, requestId: string): Promise<void> {
  const before = clock.now();
  const up = (await listServices(svc.db.kysely)).filter((s) => serviceIsUp(s, before, svc.serviceDownTime));
  clock.advance(seconds);
  const offset = clock.offsetSeconds;
  svc.log.info({ requestId, advance: seconds, offset }, 'clock moved forward');
  await notificationTransportOf(svc.bus)
    ?.publishNotification(svc.conf.str('DEFAULT', 'control_exchange'), BROADCAST_KEY, JSON.stringify({ offset }))
    .catch((err: unknown) => svc.log.warn({ err, requestId }, 'could not tell the other processes the clock moved'));
  for (const s of up) await heartbeat(svc.db.kysely, s.id, clock.now());
  await Promise.all(
    up
      .filter((s) => s.binary === 'nova-compute')
      .map((s) => svc.bus.cast(`compute.${s.host}`, 'run_periodic_tasks', { clock_offset: offset }, { requestId }).catch(() => undefined)),
  );
}

/** In each process with clock control: follows the offsets other processes broadcast. */
export async function followClockBroadcasts(bus: Bus, conf: Config, clock: Clock, log: Logger): Promise<Subscription | undefined> {
  if (!(clock instanceof AdjustableClock)) return undefined;
  return notificationTransportOf(bus)?.listenNotifications(conf.str('DEFAULT', 'control_exchange'), [BROADCAST_KEY], (_key, body) => {
    try {
      const offset = (JSON.parse(body) as { offset?: unknown }).offset;
      if (typeof offset === 'number' && Number.isFinite(offset)) clock.catchUp(offset);
    } catch (err) {
      log.warn({ err }, 'ignoring a malformed clock broadcast');
    }
  });
}

/** A host told to run its periodic tasks after the clock moved catches up first. */
export function catchUpClock(clock: Clock, offset: unknown): void {
  if (clock instanceof AdjustableClock && typeof offset === 'number' && Number.isFinite(offset)) clock.catchUp(offset);
}
