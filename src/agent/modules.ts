// The parts of a compute agent beyond building and deleting: each operation
// family adds its bus handlers, periodic tasks and start-up tasks here.
import type { Handlers } from '../rpc/bus.js';
import type { AgentContext } from './context.js';
import { powerHandlers } from './power.js';
import { rebuildHandlers } from './rebuild.js';
import { hostInfoHandlers } from './host-info.js';
import { coldMigrationHandlers } from './cold-migration.js';
import { autoConfirmResizes } from './auto-confirm.js';
import { liveMigrationHandlers, recoverInterruptedLiveMigrations } from './live-migration.js';
import { evacuationHandlers, cleanUpEvacuations } from './evacuation.js';
import { recoverInterruptedWork } from './recovery.js';
import { consoleOutputHandlers } from './console-output.js';

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
];
export const AGENT_PERIODIC_TASKS: AgentTask[] = [
  autoConfirmResizes,
];
export const AGENT_STARTUP_TASKS: AgentTask[] = [
  recoverInterruptedLiveMigrations,
  cleanUpEvacuations,
  recoverInterruptedWork,
];
