// The test command's runner: every file of every suite (unit, HTTP contracts
// on SQLite and on PostgreSQL, end-to-end) in one queue, a few files at once.
// Run suite after suite, the machine's two cores sat half idle: the API files
// wait on timers and the database, the end-to-end ones on client processes
// and guests. One queue keeps both cores busy, and the longest files start
// first so that none runs on alone at the end.
//
// Each file runs under `node --test`, as before; its spec output is printed
// whole when it ends, then the failures again and "N passed, N failed".
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Suite {
  readonly label: string;
  readonly dir: string;
  readonly env: Readonly<Record<string, string>>;
}

interface Item {
  readonly suite: Suite;
  readonly file: string;
  /** The file's path in its suite, without `.test.js`. */
  readonly name: string;
}

interface Outcome {
  readonly item: Item;
  readonly pass: number;
  readonly fail: number;
  readonly cancelled: number;
  readonly seconds: number;
  readonly tap: string;
}

/** The compiled tests (this file sits in dist/test/) and the checkout they run in. */
const dist = fileURLToPath(new URL('..', import.meta.url));
const root = join(dist, '..');
const SUITES: readonly Suite[] = [
  { label: 'unit', dir: join(dist, 'test/unit'), env: {} },
  { label: 'api-sqlite', dir: join(dist, 'test/api'), env: { MAGNETAR_TEST_DB: 'sqlite' } },
  { label: 'api-postgres', dir: join(dist, 'test/api'), env: { MAGNETAR_TEST_DB: 'postgres' } },
  { label: 'e2e', dir: join(dist, 'test/e2e'), env: {} },
];

/**
 * The files that took longest in the last measured runs, longest first
 * (`suite/name`); the rest follow, end-to-end files first as the longer kind.
 */
const SLOW_FIRST = [
  'e2e/qemu-shared-path', 'e2e/chaos', 'e2e/network', 'e2e/qemu-moves', 'e2e/qemu-guest', 'e2e/admin-actions',
  'e2e/server-groups', 'e2e/images', 'unit/virt/driver-conformance', 'e2e/aggregates', 'e2e/distributed-many-hosts',
  'api-postgres/concurrent-moves', 'api-postgres/cold-migration', 'e2e/qemu-same-host-resize', 'e2e/per-server',
  'e2e/operator-console', 'e2e/foundation', 'api-postgres/fuzz', 'e2e/distributed-crash', 'api-postgres/move-vif-plugging',
  'api-postgres/vif-plugging', 'api-postgres/server-networks', 'api-sqlite/vif-plugging', 'api-sqlite/move-vif-plugging',
  'api-sqlite/cold-migration',
];
const KIND_ORDER = ['e2e', 'api-postgres', 'api-sqlite', 'unit'];

/** Files at once: the default suits two cores, where each file is half waiting. */
const JOBS = Number(process.env['MAGNETAR_TEST_JOBS'] ?? 4);

function testFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...testFiles(path));
    else if (entry.endsWith('.test.js')) out.push(path);
  }
  return out;
}

function queue(suites: readonly Suite[]): Item[] {
  const items = suites.flatMap((suite) =>
    testFiles(suite.dir).map((file) => ({ suite, file, name: relative(suite.dir, file).slice(0, -'.test.js'.length) })),
  );
  const rank = (i: Item): number => {
    const slow = SLOW_FIRST.indexOf(`${i.suite.label}/${i.name}`);
    return slow >= 0 ? slow : SLOW_FIRST.length + KIND_ORDER.indexOf(i.suite.label);
  };
  return items.sort((a, b) => rank(a) - rank(b));
}

/** The last `# pass N` (or fail, cancelled) line of a TAP report. */
function tapCount(tap: string, what: string): number {
  const all = [...tap.matchAll(new RegExp(`^# ${what} (\\d+)$`, 'gm'))];
  return all.length > 0 ? Number(all[all.length - 1]![1]) : 0;
}

function runFile(item: Item, results: string): Promise<Outcome> {
  // Named by the path in the suite: three unit files are request-input.test.js.
  const base = join(results, `${item.suite.label}-${item.name.replaceAll('/', '-')}`);
  const started = Date.now();
  const child = spawn(
    process.execPath,
    ['--test', '--test-reporter=spec', `--test-reporter-destination=${base}.spec`, '--test-reporter=tap', `--test-reporter-destination=${base}.tap`, item.file],
    { cwd: root, env: { ...process.env, ...item.suite.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => output.push(b));
  child.stderr.on('data', (b: Buffer) => output.push(b));
  return new Promise((resolve) => {
    child.on('close', (code) => {
      const seconds = (Date.now() - started) / 1000;
      const read = (path: string): string => {
        try {
          return readFileSync(path, 'utf8');
        } catch {
          return '';
        }
      };
      const tap = read(`${base}.tap`);
      let fail = tapCount(tap, 'fail');
      const cancelled = tapCount(tap, 'cancelled');
      // A file that died without reporting a failure still failed.
      if (code !== 0 && fail + cancelled === 0) fail = 1;
      const pass = tapCount(tap, 'pass');
      const own = Buffer.concat(output).toString('utf8').trim();
      process.stdout.write(
        `=== ${item.suite.label} ${relative(root, item.file)}: ${pass} passed, ${fail} failed, ${cancelled} cancelled in ${seconds.toFixed(0)} s\n` +
          withoutCounts(read(`${base}.spec`)) +
          (own ? `${own}\n` : '') +
          (code !== 0 && tap === '' ? `exited with code ${code} before reporting\n` : ''),
      );
      resolve({ item, pass, fail, cancelled, seconds, tap });
    });
  });
}

/** The spec report without its closing counts, which the header line above it already gives. */
function withoutCounts(spec: string): string {
  return spec.replace(/^ℹ (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) [\d.]+\n/gm, '');
}

/** Each failing test's `not ok` line and the start of its message. */
function failures(o: Outcome): string[] {
  const out: string[] = [];
  let grab = false;
  let lines = 0;
  for (const line of o.tap.split('\n')) {
    if (/^ *not ok /.test(line)) {
      grab = true;
      lines = 0;
      out.push(`${o.item.suite.label} ${o.item.name}: ${line.trim()}`);
    } else if (grab && (/^ *\.\.\.$/.test(line) || /^ *stack: /.test(line))) grab = false;
    else if (grab && lines++ < 40) out.push(`    ${line}`);
  }
  if (o.fail > 0 && out.length === 0) out.push(`${o.item.suite.label} ${o.item.name}: the file failed without a test failing (see its output above)`);
  return out;
}

async function main(): Promise<number> {
  // Suites named on the command line run alone (`node dist/test/run-suites.js unit e2e`).
  const named = process.argv.slice(2);
  const unknown = named.filter((n) => !SUITES.some((s) => s.label === n));
  if (unknown.length > 0) {
    console.error(`no suite ${unknown.join(', ')}; the suites: ${SUITES.map((s) => s.label).join(', ')}`);
    return 2;
  }
  const suites = named.length > 0 ? SUITES.filter((s) => named.includes(s.label)) : SUITES;
  const results = mkdtempSync(join(tmpdir(), 'magnetar-tests-'));
  const todo = queue(suites);
  const outcomes: Outcome[] = [];
  const started = Date.now();
  const worker = async (): Promise<void> => {
    for (let item = todo.shift(); item !== undefined; item = todo.shift()) outcomes.push(await runFile(item, results));
  };
  await Promise.all(Array.from({ length: Math.max(1, JOBS) }, worker));

  console.log();
  for (const suite of suites) {
    const mine = outcomes.filter((o) => o.item.suite === suite);
    const sum = (k: 'pass' | 'fail' | 'cancelled' | 'seconds'): number => mine.reduce((n, o) => n + o[k], 0);
    console.log(`--- ${suite.label}: ${sum('pass')} passed, ${sum('fail')} failed, ${sum('cancelled')} cancelled; its files ran ${sum('seconds').toFixed(0)} s in all`);
  }
  console.log('--- the longest files:');
  for (const o of [...outcomes].sort((a, b) => b.seconds - a.seconds).slice(0, 12)) console.log(`    ${o.seconds.toFixed(0).padStart(4)} s  ${o.item.suite.label}/${o.item.name}`);
  console.log(`--- ${outcomes.length} files, ${JOBS} at once, in ${((Date.now() - started) / 1000).toFixed(0)} s`);

  const passed = outcomes.reduce((n, o) => n + o.pass, 0);
  const failed = outcomes.reduce((n, o) => n + o.fail + o.cancelled, 0);
  if (failed > 0) {
    console.log('\n=== failures');
    for (const o of outcomes) for (const line of failures(o)) console.log(line);
  }
  console.log(`\n${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

process.exitCode = await main();
