// Conductor task modules beyond build; each operation family adds its own.
import type { ConductorModule } from './context.js';
import { evacuateTask } from './evacuate.js';
import { migrateTask } from './migrate.js';
import { liveMigrateTask } from './live-migrate.js';
import { unshelveTask } from './unshelve.js';

export const CONDUCTOR_TASK_MODULES: ConductorModule[] = [
  evacuateTask,
  migrateTask,
  liveMigrateTask,
  unshelveTask,
];
