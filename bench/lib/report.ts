// Renders bench/RESULTS.md from the recorded results in bench/results/.
import type { ReadyResult } from '../ready.js';
import type { ReadResult } from '../read.js';
import type { AdminActionsResult, PhaseResult } from '../admin-actions.js';
import { median as med } from './stats.js';
import { loadRecorded, stamp as stampOf, type Recorded } from './recorded.js';
import type { RealGuestsResult, RealGuestsUnavailable } from '../real-guests.js';

interface Unavailable {
  readonly available: false;
  readonly note: string;
}

const load = loadRecorded;

const yes = (b: boolean | null | undefined): string => (b === true ? '**met**' : b === false ? '**not met**' : 'n/a');
const num = (x: number | null | undefined, unit = ''): string => (x === null || x === undefined || Number.isNaN(x) ? 'n/a' : `${x}${unit}`);
const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;
const stamp = (r: Recorded<unknown>): string => stampOf(r, ' (other work on the machine)');

function readySection(r: Recorded<ReadyResult> | null): string {
  const head = '## 1. Ready time\n\n';
  if (!r) return `${head}Not recorded yet.\n`;
  const x = r.result;
  return (
    head +
    `${stamp(r)}\n\n` +
    '| process | median | runs (ms) |\n|---|---:|---|\n' +
    `| \`magnetar serve\`, fresh data dir: spawn → token issued and \`GET /v2.1\` = 200 | **${x.magnetarMedianMs} ms** | ${x.magnetarMs.join(', ')} |\n` +
    `| baseline: \`node -e\` opening a plain node:http server: spawn → first 200 | ${x.baselineMedianMs} ms | ${x.baselineMs.join(', ')} |\n\n` +
    `Ratio magnetar ÷ baseline: **${x.ratio}**. ` +
    (x.selfReportedMedianMs !== null ? `\`serve\` itself reports ready after ${x.selfReportedMedianMs} ms (median) of its own run time, i.e. after Node has loaded. ` : '') +
    `Aim < ${x.aimMs} ms: ${yes(x.meetsAim)}.\n`
  );
}

const busy = (f: { requestsPerSecond: number; cpuMsPerRequest?: number }): string =>
  f.cpuMsPerRequest === undefined ? 'n/a' : `${Math.round((f.requestsPerSecond * f.cpuMsPerRequest) / 10)} %`;

function readSection(r: Recorded<ReadResult | Unavailable> | null): string {
  const head = '## 2. Read and reset-state throughput with 1,000 servers\n\n';
  if (!r) return `${head}Not recorded yet.\n`;
  const x = r.result;
  if (!x.available) return `${head}${stamp(r)}\n\nNot available yet: ${x.note}.\n`;
  const rows = x.cases
    .map(
      (c) =>
        `| \`${c.name}\` | ${c.bodyBytes} | ${c.magnetar.requestsPerSecond} | ${c.magnetar.p99Ms} | ${c.plain.requestsPerSecond} | ${c.plain.p99Ms} | **${c.rateRatio}** | ${c.p99Ratio} ` +
        `| ${num(c.magnetar.cpuMsPerRequest)} | ${num(c.plain.cpuMsPerRequest)} | ${num(c.cpuRatio)} ` +
        `| ${busy(c.magnetar)} / ${busy(c.plain)} |` +
        (c.magnetar.non2xx + c.magnetar.errors > 0 ? ` ${c.magnetar.non2xx} non-2xx, ${c.magnetar.errors} errors |` : ' |'),
    )
    .join('\n');
  return (
    head +
    `${stamp(r)}\n\n` +
    `${x.servers} servers, ${x.population}. Load: autocannon in its own process, ${x.connections} connections, ` +
    `${x.rounds ?? 1} rounds of 1 s warm-up then ${x.durationSeconds} s, taking turns with the baseline (medians shown), microversion \`${x.microversion}\`, one token; \`/servers/{id}\` rotates over every server. ` +
    'The baseline is a plain node:http server (its own process) answering a fixed JSON body of the same size, loaded the same way.\n\n' +
    '| request | body bytes | magnetar req/s | magnetar p99 ms | plain req/s | plain p99 ms | rate ratio | p99 ratio | magnetar CPU ms/req | plain CPU ms/req | CPU ratio | server busy magnetar / plain | |\n' +
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n' +
    `${rows}\n\n` +
    `Aim (${x.aim}): ${yes(x.meetsAim)}. ` +
    (x.resetStateVsNova
      ? `os-resetState: ${x.cases[2]?.magnetar.requestsPerSecond} req/s, ${x.resetStateVsNova.ratio} times Nova's ${x.resetStateVsNova.novaPerSecond} req/s ` +
        '(Zed, 4 API workers, measured once on this machine kind under the same load; Nova does not run here, so it is a fixed reference). ' +
        (x.resetStateVsNova.sameRunRatio !== undefined
          ? `Nova's run had its own plain node:http server, at ${x.resetStateVsNova.novaRunPlainPerSecond?.toLocaleString('en')} req/s; machines of this kind differ in speed by up to three times, ` +
            `so each is taken against the plain server of its own run: (${x.cases[2]?.rateRatio} ÷ ${round6(x.resetStateVsNova.novaPerSecond / (x.resetStateVsNova.novaRunPlainPerSecond ?? NaN))}) = ` +
            `**${x.resetStateVsNova.sameRunRatio} times** Nova. `
          : '') +
        `Aim (${x.resetStateVsNova.aim}): ${yes(x.resetStateVsNova.meetsAim)}. `
      : '') +
    'Rate ratio = magnetar req/s ÷ plain req/s; p99 ratio = magnetar p99 ÷ plain p99 (at least 1 ms). ' +
    'CPU ms/req is the CPU time (user + system, from /proc) the server process used during the measured run divided by the requests it answered; ' +
    'CPU ratio = plain ÷ magnetar, the same comparison as the rate ratio but much less disturbed by other work on the machine. ' +
    'Server busy = req/s × CPU ms/req: the share of one core the server used. On 2 cores the single-threaded load generator, not the plain server, ' +
    'sets the plain rate (it stays well under 100 % busy), so the rate ratio flatters Magnetar and the CPU ratio is the stricter figure.\n' +
    (x.setup
      ? `\nSetting up: creating the ${x.servers} servers (32 requests in flight) until none was in BUILD took ${x.setup.seconds} s, ${x.setup.serversPerSecond} servers/s; end statuses ${JSON.stringify(x.setup.statuses)}.\n`
      : '')
  );
}

function phaseRow(name: string, p: PhaseResult, vsHttp: number | null, vsDb: number | null, cpuVsHttp: number | null): string {
  if (!p.available) return `| ${name} | not available yet: ${p.note} | | | | | | | | |`;
  return (
    `| ${name} | ${p.completed} / ${p.requested} | ${p.seconds} | **${p.perSecond}** | ${num(vsHttp)} | ${num(vsDb)} ` +
    `| ${num(p.serverCpuMsPerOperation)} | ${num(p.perCpuSecond)} | ${num(cpuVsHttp)} ` +
    `| ${JSON.stringify(p.endStatuses)}${p.finishedInTime ? '' : ' (deadline passed)'} |`
  );
}

function adminSection(r: Recorded<AdminActionsResult | Unavailable> | null): string {
  const head = '## 3. Administrative actions at size\n\n';
  if (!r) return `${head}Not recorded yet.\n`;
  const x = r.result;
  if (!('hosts' in x)) return `${head}${stamp(r)}\n\nNot available yet: ${x.note}.\n`;
  const mem = x.memory.map((m) => `| ${m.at} | ${m.rssMb} | ${m.peakRssMb} |`).join('\n');
  const cold = x.coldMigrateConfirm;
  return (
    head +
    `${stamp(r)}\n\n` +
    `All-in-one \`magnetar serve\` on SQLite, ${x.hosts} simulated hosts, every \`fake.*_delay\` = 0, ${x.servers} servers. ` +
    `Every action is fired through the HTTP API as admin (microversion latest, ${x.clientConcurrency} requests in flight), ` +
    'then the client polls `GET /servers/detail?status=…&limit=1&all_tenants=1` until no server is left in the in-progress status. ' +
    'A completion is a server that ends ACTIVE on a different host than before. Rate = completions ÷ wall time from the first request to the last completion. ' +
    'Live migrations: `os-migrateLive` `{"host": null, "block_migration": "auto"}` on every server at once. ' +
    'Cold: `migrate` on every server, wait until none is in RESIZE, then `confirmResize` on every server in VERIFY_RESIZE, wait until none is left; a cycle is both steps.\n\n' +
    '| operation | completed | seconds | per second | ÷ plain HTTP req/s | ÷ SQLite updates/s | server CPU ms each | per CPU-second | CPU ratio vs plain HTTP | end statuses |\n' +
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n' +
    `${phaseRow('live migration', x.liveMigration, x.ratios.liveVsPlainHttp, x.ratios.liveVsSqliteUpdate, x.ratios.liveCpuVsPlainHttp)}\n` +
    `${phaseRow('cold migrate + confirm', cold, x.ratios.coldCycleVsPlainHttp, x.ratios.coldCycleVsSqliteUpdate, x.ratios.coldCycleCpuVsPlainHttp)}\n\n` +
    (x.liveMigration.available && x.liveMigration.detail
      ? `Live: the last of the ${x.liveMigration.requested} requests was answered (202) after ${x.liveMigration.detail['allAcceptedAfterSeconds']} s. `
      : '') +
    (cold.available && cold.detail
      ? `Cold: every \`migrate\` answered after ${cold.detail['migratesAcceptedAfterSeconds']} s, all in VERIFY_RESIZE after ${cold.detail['migratePhaseSeconds']} s, then the confirm phase took ${cold.detail['confirmPhaseSeconds']} s.\n\n`
      : '\n\n') +
    (x.migrationRecords ? `Migration records afterwards (\`GET /os-migrations\`): ${Object.entries(x.migrationRecords).map(([k, v]) => `${k}: ${v}`).join(', ')}.\n\n` : '') +
    '**Baselines** (same run, same machine): the plain node:http server of benchmark 2 answering a body the size of one server ' +
    `(${num(x.baselines.plainHttpRequestsPerSecond)} req/s, ${num(x.baselines.plainHttpCpuMsPerRequest)} CPU ms per request), ` +
    `and ${x.baselines.sqliteUpdatesPerSecond} trivial single-row SQLite UPDATEs/s (one autocommit each, WAL, synchronous=NORMAL, run in the bench process). ` +
    'The plain HTTP request is the natural unit: every action is an HTTP request plus work behind it, so operations/s ÷ plain requests/s ' +
    '(0.01 = one complete operation costs the server as much as 100 trivial requests) stays comparable when the machine is faster or slower; ' +
    'the CPU ratio is the same comparison in CPU time (plain CPU ms per request ÷ CPU ms per operation), which other work on the machine disturbs least. ' +
    'The SQLite ratio says how many trivial writes one operation is worth. "Per CPU-second" is the rate the process would reach with one core to itself.\n\n' +
    '| RSS of the all-in-one process | RSS MB | peak RSS MB |\n|---|---:|---:|\n' +
    `${mem}\n\n` +
    `Aims: ≥ ${x.aims.liveMigrationsPerSecond} live migrations/s: ${yes(x.meetsAims.live)}; peak RSS < ${x.aims.rssMb} MB: ${yes(x.meetsAims.rss)}.\n`
  );
}

const runs = (xs: readonly number[]): string => xs.join(', ');

function realGuestsSection(r: Recorded<RealGuestsResult | RealGuestsUnavailable> | null): string {
  const head = '## 4. Real guests (qemu driver)\n\n';
  if (!r) return `${head}Not recorded yet.\n`;
  const x = r.result;
  if (!x.available) return `${head}${stamp(r)}\n\nNot measured: ${x.note}.\n`;
  const row = (what: string, m: readonly number[], b: readonly number[], q: number): string =>
    `| ${what} | **${med(m)}** | ${runs(m)} | ${med(b)} | ${runs(b)} | **${q}** |`;
  const mm = x.magnetar.migration;
  const bm = x.bare.migration;
  return (
    head +
    `${stamp(r)}\n\n` +
    `The tiny guest (\`magnetar image build-tiny\`), ${x.memoryMb} MB, 1 vCPU, \`virt_type\` ${x.virtType}, two qemu hosts of one \`magnetar serve\` on this machine. ` +
    'Magnetar: boot = `POST /servers` → the line in `os-getConsoleOutput` (polled every 50 ms; the first boot also copies the image into the host\'s `_base` cache); ' +
    'live migration = `os-migrateLive` (`block_migration: auto`, a block migration as the instances paths are separate) → the server ACTIVE on the other host with no task, ' +
    'plus QEMU\'s own total time and downtime of the transfer as the agent logs them. ' +
    'Bare QEMU (the physical limit, same run): the same command line, kernel, ramdisk and base image started directly (boot = start → the line in the console file), and the same block migration driven over bare QMP ' +
    '(the destination QEMU started with `-incoming`, its disk exported with `nbd-server-add`, `drive-mirror` of the source\'s own layer until ready, `migrate`, mirror completed; wall = destination start → guest running there).\n\n' +
    '| measure | Magnetar median ms | runs | bare QEMU median ms | runs | ratio |\n|---|---:|---|---:|---|---:|\n' +
    `${row('boot → first console line', x.magnetar.boot.firstLineMs, x.bare.boot.firstLineMs, x.ratios.bootFirstLine)}\n` +
    `${row('boot → init\'s banner (userspace up)', x.magnetar.boot.bannerMs, x.bare.boot.bannerMs, x.ratios.bootBanner)}\n` +
    `${row('live migration, wall', mm.wallMs, bm.wallMs, x.ratios.migrationWall)}\n` +
    `${row('live migration, QEMU total time', mm.totalTimeMs, bm.totalTimeMs, x.ratios.migrationTotalTime)}\n` +
    `${row('live migration, QEMU downtime', mm.downtimeMs, bm.downtimeMs, x.ratios.migrationDowntime)}\n\n` +
    'Ratio = Magnetar median ÷ bare median (1 = no overhead). Without QEMU this section is skipped with the reason.\n'
  );
}

export function renderResults(dir: string): string {
  return [
    '# Magnetar benchmarks\n',
    'Recorded by `npm run bench` (`scripts/bench.sh`: installs if needed, builds with tsc into a private directory, runs `dist/bench/main.js` from it; ' +
      '`npm run bench -- ready|read|admin|qemu` runs a subset). Raw figures are in `bench/results/*.json`. ' +
      'The machine these run on is shared and noisy, so every figure stands next to a baseline measured in the same run ' +
      'on the same machine; the ratio is the number to compare between runs. The server under test, the baseline server and ' +
      'the load generator are separate processes.\n',
    readySection(load<ReadyResult>(dir, 'ready')),
    readSection(load<ReadResult | Unavailable>(dir, 'read')),
    adminSection(load<AdminActionsResult | Unavailable>(dir, 'admin-actions')),
    realGuestsSection(load<RealGuestsResult | RealGuestsUnavailable>(dir, 'real-guests')),
  ].join('\n');
}
