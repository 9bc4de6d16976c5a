// Magnetar's own extension (not part of Nova's API): moving Magnetar's clock
// forward, for testing automation that waits on long windows (resize
// auto-confirm, service_down_time, periodic tasks). Served only with
// `[magnetar] clock_control = true` (404 otherwise); admin only (policy magnetar:clock).
//   GET  /magnetar/clock                   200 {"clock": {"now", "offset"}}
//   POST /magnetar/clock {"advance": 3600} 200 {"clock": {"now", "offset"}} — the clock is an
//        hour further on, services that were up still are, and every compute host runs its
//        periodic tasks at once (see compute/clock-control.ts)
// The clock only moves forward; every process of a distributed deployment follows it.
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import type { ApiRequest } from '../context.js';
import { authorize } from '../context.js';
import { notFound } from '../faults.js';
import { AdjustableClock } from '../../compute/clock.js';
import { advanceClock } from '../../compute/clock-control.js';
import { clockAdvanceBody } from '../schemas/magnetar-clock.js';

const RULE = 'magnetar:clock';

export function registerMagnetarClockRoutes(routes: RouteTable, deps: ApiDeps): void {
  const clock = (): AdjustableClock => {
    if (!deps.conf.bool('magnetar', 'clock_control') || !(deps.clock instanceof AdjustableClock)) throw notFound();
    return deps.clock;
  };
  const view = (c: AdjustableClock) => ({ clock: { now: c.now().toISOString(), offset: c.offsetSeconds } });

  routes.route({
    method: 'GET',
    path: '/magnetar/clock',
    status: 200,
    async handler(req: ApiRequest) {
      const c = clock();
      authorize(req.ctx, RULE);
      return view(c);
    },
  });

  routes.route({
    method: 'POST',
    path: '/magnetar/clock',
    status: 200,
    body: [{ schema: clockAdvanceBody }],
    async handler(req: ApiRequest) {
      const c = clock();
      authorize(req.ctx, RULE);
      await advanceClock(deps.compute, c, (req.body as { advance: number }).advance, req.ctx.requestId);
      return view(c);
    },
  });
}
