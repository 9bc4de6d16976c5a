// The conductor: serves the `conductor` topic with one handler set per task.
// Its work arrives as jobs (see jobs/), each held under a lease by the
// conductor running it: a conductor that dies mid-task lets its lease run
// out, and the job is sent again to a conductor that starts it over.
import { randomUUID } from 'node:crypto';
import type { Subscription } from '../rpc/bus.js';
import type { ConductorContext, ConductorModule } from './context.js';
import { buildTask } from './build.js';
import { CONDUCTOR_TASK_MODULES } from './modules.js';
import { durableHandlers } from '../jobs/runner.js';

export async function startConductor(ctx: ConductorContext): Promise<Subscription> {
  const modules: ConductorModule[] = [buildTask, ...CONDUCTOR_TASK_MODULES];
  const handlers = Object.assign({}, ...modules.map((m) => m(ctx)));
  return ctx.bus.serve('conductor', durableHandlers(ctx, `conductor/${randomUUID()}`, handlers));
}
