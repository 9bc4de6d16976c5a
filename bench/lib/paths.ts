// Where things are, seen from the compiled benchmark files (dist/bench/...).
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The repository root. */
export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
/** The `magnetar` command as built by tsc. */
export const MAGNETAR_MAIN = join(REPO, 'dist', 'src', 'cli', 'main.js');
/** Compiled benchmark helpers started as separate processes. */
export const LOAD_GENERATOR = join(REPO, 'dist', 'bench', 'load-generator.js');
export const PLAIN_SERVER = join(REPO, 'dist', 'bench', 'plain-server.js');
/** Recorded results. */
export const RESULTS_DIR = join(REPO, 'bench', 'results');
export const RESULTS_MD = join(REPO, 'bench', 'RESULTS.md');
