// The parts of a compute agent beyond building and deleting: each operation
// family adds its bus handlers, periodic tasks and start-up tasks here.
import type { Handlers } from '../rpc/bus.js';
import type { AgentContext } from './context.js';
import { powerHandlers } from './power.js';
import { rebuildHandlers } from './rebuild.js';
import { hostInfoHandlers } from './host-info.js';
import { coldMigrationHandlers } from './cold-migration.js';
import { autoConfirmResizes } from './auto-confirm.js';
import { liveMigrationHandlers } from './live-migration.js';
import { evacuationHandlers, cleanUpAwaitedEvacuations, cleanUpEvacuations } from './evacuation.js';
import { consoleOutputHandlers } from './console-output.js';
import { remoteConsoleHandlers } from './remote-console.js';
import { rescueHandlers } from './rescue.js';
import { snapshotHandlers } from './snapshot.js';
import { diagnosticsHandlers } from './diagnostics.js';
import { crashDumpHandlers } from './crash-dump.js';
import { syncPowerStates } from './power-sync.js';
import { sweepGuests } from './guest-sweeper.js';
import { deferredDeleteHandlers, reclaimSoftDeleted } from './deferred-delete.js';
import { hostActionHandlers } from './host-actions.js';
import { auditInstanceUsage } from './usage-audit.js';
import { offloadShelvedServers, shelveHandlers } from './shelve.js';
import { interfaceHandlers } from './interfaces.js';
import { instanceEventHandlers } from './instance-events.js';

export type HandlerModule = (ctx: AgentContext) => Handlers;
export type AgentTask = (ctx: AgentContext) => Promise<void>;

export const AGENT_HANDLER_MODULES: HandlerModule[] = [
  liveMigrationHandlers,
  powerHandlers,
  rebuildHandlers,
  hostInfoHandlers,
  coldMigrationHandlers,
  evacuationHandlers,
  consoleOutputHandlers,
  remoteConsoleHandlers,
  rescueHandlers,
  snapshotHandlers,
  diagnosticsHandlers,
  crashDumpHandlers,
  deferredDeleteHandlers,
  hostActionHandlers,
  shelveHandlers,
  interfaceHandlers,
  instanceEventHandlers,
];

/**
 * Runs `task` at most every `[DEFAULT] <option>` seconds (0 = never again),
 * on the agent's periodic tick.
 */
function throttled(option: string, task: AgentTask): AgentTask {
  const last = new WeakMap<AgentContext, number>();
  return async (ctx) => {
    const seconds = ctx.conf.num('DEFAULT', option);
    const now = ctx.clock.now().getTime();
    if (!(seconds > 0)) return;
    if (!last.has(ctx)) last.set(ctx, now);
    if (now - last.get(ctx)! < seconds * 1000) return;
    last.set(ctx, now);
    await task(ctx);
  };
}

export const AGENT_PERIODIC_TASKS: AgentTask[] = [
  autoConfirmResizes,
  cleanUpAwaitedEvacuations,
  (ctx) => sweepGuests(ctx, { deleted: false }),
  throttled('running_deleted_instance_poll_interval', (ctx) => sweepGuests(ctx, { deleted: true })),
  throttled('sync_power_state_interval', (ctx) => syncPowerStates(ctx, { afterBoot: false })),
  reclaimSoftDeleted,
  auditInstanceUsage,
  throttled('shelved_poll_interval', offloadShelvedServers),
];

/**
 * What a new life of the agent settles before it serves: the guests' power
 * after a power loss, the evacuations done while the host was away, the
 * guests it should no longer have. Work its previous life held is resumed
 * right after, as jobs (see manager.ts).
 */
export const AGENT_STARTUP_TASKS: AgentTask[] = [
  (ctx) => syncPowerStates(ctx, { afterBoot: true }),
  cleanUpEvacuations,
  (ctx) => sweepGuests(ctx, { deleted: true }),
];
