// `npm run bench`: runs the benchmarks, writes bench/results/<name>.json and
// regenerates bench/RESULTS.md from every recorded result. Arguments pick a
// subset: ready, read, admin, qemu, scale, reads-at-size, scale-distributed
// (default: all). The scale section writes bench/SCALE.md
// (BENCH_SCALE_RECORD=scale-before records it as the baseline its ratios
// compare with); reads-at-size writes bench/READS-AT-SIZE.md
// (BENCH_READS_RECORD=reads-at-size-before likewise); scale-distributed
// (PostgreSQL and RabbitMQ on this machine) writes bench/SCALE-DISTRIBUTED.md.
// Not a test.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { benchReady } from './ready.js';
import { benchRead } from './read.js';
import { benchAdminActions, type Yardstick } from './admin-actions.js';
import { benchRealGuests } from './real-guests.js';
import { startCloudAtSize, type CloudAtSize } from './lib/cloud-at-size.js';
import { plainServerRounds } from './lib/load.js';
import { round } from './lib/stats.js';
import { REPO, RESULTS_DIR, RESULTS_MD } from './lib/paths.js';
import { renderResults } from './lib/report.js';
import { renderScale } from './lib/scale-report.js';
import { benchScale } from './scale.js';
import { benchReadsAtSize } from './reads-at-size.js';
import { renderReadsAtSize } from './lib/reads-report.js';
import { benchScaleDistributed, DISTRIBUTED_SIZES } from './scale-distributed.js';
import { renderScaleDistributed } from './lib/scale-distributed-report.js';

const log = (s: string): void => {
  process.stdout.write(`${s}\n`);
};

function commit(): string {
  try {
    const head = execFileSync('git', ['-C', REPO, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    return head;
  } catch {
    return 'unknown';
  }
}

export interface Recorded<T> {
  readonly benchmark: string;
  readonly recordedAt: string;
  readonly commit: string;
  readonly machine: { cpus: number; cpuModel: string; memoryGb: number; node: string; platform: string };
  /** 1-minute load average when the benchmark started and ended: how busy the shared machine was. */
  readonly loadAverage: { readonly start: number; readonly end: number };
  readonly result: T;
}

let loadAtStart = loadavg()[0]!;
const markStart = (): void => {
  loadAtStart = loadavg()[0]!;
};

function record<T>(name: string, result: T): void {
  const rec: Recorded<T> = {
    benchmark: name,
    recordedAt: new Date().toISOString(),
    commit: commit(),
    loadAverage: { start: Math.round(loadAtStart * 100) / 100, end: Math.round(loadavg()[0]! * 100) / 100 },
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGb: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
    },
    result,
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  writeFileSync(join(RESULTS_DIR, `${name}.json`), `${JSON.stringify(rec, null, 2)}\n`);
}

async function main(): Promise<void> {
  const wanted = new Set(process.argv.slice(2));
  const want = (n: string): boolean => wanted.size === 0 || wanted.has(n);
  const started = performance.now();

  if (want('ready')) {
    log('== ready time (magnetar serve vs a plain node:http process)');
    markStart();
    record('ready', await benchReady(log));
  }

  if (want('qemu')) {
    log('== real guests: boot and live migration on the qemu driver vs bare QEMU');
    markStart();
    try {
      record('real-guests', await benchRealGuests(log));
    } catch (e) {
      const note = `the real-guest benchmark failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
      log(`  ${note}`);
      record('real-guests', { available: false, note });
      process.exitCode = 1;
    }
  }

  if (want('read') || want('admin')) {
    log('== starting the cloud at size (100 simulated hosts, 1,000 servers, zero delays)');
    markStart();
    let cloud: CloudAtSize | null = null;
    try {
      try {
        cloud = await startCloudAtSize(log);
      } catch (e) {
        // Record why, keep going: the other benchmarks and the summary still count.
        const note = `the cloud at size could not be set up: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
        log(`  ${note}`);
        if (want('read')) record('read', { available: false, note });
        if (want('admin')) record('admin-actions', { available: false, note });
        process.exitCode = 1;
        return finish(started);
      }
      let yardstick: Yardstick | null = null;
      if (want('read')) {
        log('== read throughput (autocannon in its own process)');
        markStart();
        const read = await benchRead(cloud, log);
        record('read', read);
        const plain = read.cases[0]?.plain;
        if (plain) yardstick = { plainRequestsPerSecond: plain.requestsPerSecond, plainCpuMsPerRequest: plain.cpuMsPerRequest };
      }
      if (want('admin')) {
        // The same yardstick the read benchmark measures: a plain server answering a body the size of one server.
        if (!yardstick) {
          const [p] = await plainServerRounds(1500, 1);
          yardstick = { plainRequestsPerSecond: Math.round(p!.requestsPerSecond), plainCpuMsPerRequest: round(p!.serverCpuMsPerRequest, 4) };
        }
        log('== administrative actions at size');
        markStart();
        record('admin-actions', await benchAdminActions(cloud, yardstick, log));
      }
    } finally {
      await cloud?.stop();
    }
  }

  if (want('scale')) {
    log('== scale: 100, 1,000 and 10,000 simulated hosts');
    markStart();
    record(process.env['BENCH_SCALE_RECORD'] ?? 'scale', await benchScale(log));
    writeFileSync(join(REPO, 'bench', 'SCALE.md'), renderScale(RESULTS_DIR));
  }

  if (want('reads-at-size')) {
    log('== reads at size: server and migration lists with 1,000 and 100,000 servers');
    markStart();
    record(process.env['BENCH_READS_RECORD'] ?? 'reads-at-size', await benchReadsAtSize(log));
    writeFileSync(join(REPO, 'bench', 'READS-AT-SIZE.md'), renderReadsAtSize(RESULTS_DIR));
  }

  if (want('scale-distributed')) {
    log(`== scale, distributed: api, scheduler, conductor and one compute process running ${DISTRIBUTED_SIZES.map((n) => n.toLocaleString('en')).join(', ')} hosts (PostgreSQL, RabbitMQ)`);
    markStart();
    const result = await benchScaleDistributed(log);
    if (!result.available) {
      log(`  ${result.note}`);
      process.exitCode = 1;
    }
    record('scale-distributed', result);
    writeFileSync(join(REPO, 'bench', 'SCALE-DISTRIBUTED.md'), renderScaleDistributed(RESULTS_DIR));
  }

  finish(started);
}

function finish(started: number): void {
  writeFileSync(RESULTS_MD, renderResults(RESULTS_DIR));
  log(`== done in ${((performance.now() - started) / 1000).toFixed(0)} s; results in bench/results/, summary in bench/RESULTS.md`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
