// Every route module of the compute API.
import type { Registrar } from '../server.js';

export const ALL_ROUTES: Registrar[] = [];
