// The conductor: serves the `conductor` topic with one handler set per task.
import type { Subscription } from '../rpc/bus.js';
import type { ConductorContext, ConductorModule } from './context.js';
import { buildTask } from './build.js';
import { CONDUCTOR_TASK_MODULES } from './modules.js';

export async function startConductor(ctx: ConductorContext): Promise<Subscription> {
  const modules: ConductorModule[] = [buildTask, ...CONDUCTOR_TASK_MODULES];
  return ctx.bus.serve('conductor', Object.assign({}, ...modules.map((m) => m(ctx))));
}
