// Every route module of the compute API.
import type { Registrar } from '../server.js';
import { registerServersRoutes } from './servers.js';
import { registerServerPowerRoutes } from './server-power.js';

export const ALL_ROUTES: Registrar[] = [
  registerServersRoutes,
  registerServerPowerRoutes,
];
