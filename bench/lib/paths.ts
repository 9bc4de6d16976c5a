// Where things are, seen from the compiled benchmark files (<build>/dist/bench/...).
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The directory holding the build's dist/ (the repository, or a private build). */
const BUILD = fileURLToPath(new URL('../../../', import.meta.url));
/** The repository: results are recorded here. */
export const REPO = process.env['MAGNETAR_BENCH_REPO'] ?? BUILD;
/** The `magnetar` command of the same build. */
export const MAGNETAR_MAIN = join(BUILD, 'dist', 'src', 'magnetar.js');
/** Compiled benchmark helpers started as separate processes. */
export const LOAD_GENERATOR = join(BUILD, 'dist', 'bench', 'load-generator.js');
export const PLAIN_SERVER = join(BUILD, 'dist', 'bench', 'plain-server.js');
/** Recorded results. */
export const RESULTS_DIR = join(REPO, 'bench', 'results');
export const RESULTS_MD = join(REPO, 'bench', 'RESULTS.md');
