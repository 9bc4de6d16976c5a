// Renders bench/SCALE-DISTRIBUTED.md from bench/results/scale-distributed.json:
// the figures of each size, the growth between sizes, the single-host
// process, and what a deployment with one process per host would cost,
// worked out from those figures.
import type { DistributedScaleResult, DistributedSizeResult, SingleHostFigures } from '../scale-distributed.js';
import { loadRecorded, stamp } from './recorded.js';

const n = (x: number): string => x.toLocaleString('en');
const x2 = (x: number | null | undefined): string => (x === null || x === undefined || !Number.isFinite(x) ? 'n/a' : `×${x}`);
const mb = (kb: number): string => (kb >= 1024 ** 2 ? `${(kb / 1024 ** 2).toFixed(2)} GB` : kb >= 1024 ? `${(kb / 1024).toFixed(1)} MB` : `${kb} kB`);
const gb = (mbs: number): string => (mbs >= 1024 ? `${(mbs / 1024).toFixed(1)} GB` : `${Math.round(mbs)} MB`);

function processTable(sizes: readonly DistributedSizeResult[]): string {
  const row = (s: DistributedSizeResult): string => {
    const p = s.processes;
    return (
      `| ${n(s.hosts)} | ${s.controlPlaneReadyMs} ms | ${s.computeReadyMs} ms | ${s.servicesUpMs} ms | ` +
      `${p.api.rssMb} / ${p.scheduler.rssMb} / ${p.conductor.rssMb} / **${p.compute.rssMb}** MB | ` +
      `${p.api.idleCpuPercent} / ${p.scheduler.idleCpuPercent} / ${p.conductor.idleCpuPercent} / **${p.compute.idleCpuPercent}** % | ` +
      `${s.rssEndMb.api} / ${s.rssEndMb.scheduler} / ${s.rssEndMb.conductor} / ${s.rssEndMb.compute} MB |`
    );
  };
  return (
    '| hosts | api, scheduler, conductor ready | compute process ready | all N services up | RSS at ready: api / scheduler / conductor / compute | idle CPU (one core) | RSS at the end |\n' +
    '|---:|---:|---:|---:|---:|---:|---:|\n' +
    `${sizes.map(row).join('\n')}\n`
  );
}

function databaseTable(sizes: readonly DistributedSizeResult[], reportInterval: number): string {
  const row = (s: DistributedSizeResult): string => {
    const busiest = Object.entries(s.pgIdle.tableWritesPerSecond)
      .slice(0, 3)
      .map(([t, v]) => `${t} ${v}`)
      .join(', ');
    const conns = `${s.processes.api.pgConnections} / ${s.processes.scheduler.pgConnections} / ${s.processes.conductor.pgConnections} / ${s.processes.compute.pgConnections}`;
    return (
      `| ${n(s.hosts)} | ${s.pgIdle.commitsPerSecond} | ${s.pgIdle.rowsWrittenPerSecond} | ${s.pgIdle.heartbeatsPerSecond} (expected ${round2((s.hosts + 3) / reportInterval)}) | ` +
      `${busiest || '—'} | ${conns} | ${s.pgIdle.sessionsPerSecond} |`
    );
  };
  return (
    '| hosts | commits/s | rows written/s | heartbeats/s (from `report_count`) | busiest tables, rows/s | connections: api / scheduler / conductor / compute | new sessions/s |\n' +
    '|---:|---:|---:|---:|---|---:|---:|\n' +
    `${sizes.map(row).join('\n')}\n`
  );
}

function brokerTable(sizes: readonly DistributedSizeResult[]): string {
  const row = (s: DistributedSizeResult): string => {
    const q = s.queues;
    if (!q) return `| ${n(s.hosts)} | n/a | | | | | |`;
    const kinds = ['compute.<host>', 'hostctl.<host>', 'reply', 'other'].map((k) => q.byKind[k] ?? 0).join(' / ');
    const broker = q.broker ? `${mb(Math.round(q.broker.before.total / 1024))} → ${mb(Math.round(q.broker.after.total / 1024))}` : 'n/a';
    return `| ${n(s.hosts)} | ${n(q.count)} (${kinds}) | ${mb(q.totalMemoryKb)} | ${q.perHostQueueKb} kB | ${q.connections} | ${broker} |`;
  };
  return (
    '| hosts | queues (compute.&lt;host&gt; / hostctl.&lt;host&gt; / reply / other) | their memory | per host queue | connections | broker RSS before → after start |\n' +
    '|---:|---:|---:|---:|---:|---:|\n' +
    `${sizes.map(row).join('\n')}\n`
  );
}

function workTable(sizes: readonly DistributedSizeResult[]): string {
  const row = (s: DistributedSizeResult): string =>
    `| ${n(s.hosts)} | ${s.placementP50Ms} / ${s.placementP99Ms} ms | ${s.schedulerP50Ms} / ${s.schedulerP99Ms} ms | ` +
    `${s.liveMigrations.perSecond}/s (${s.liveMigrations.completed}/${s.liveMigrations.requested} in ${s.liveMigrations.seconds} s) |`;
  return (
    `| hosts | placement POST → claim, p50 / p99 (${sizes[0]?.placements ?? 0} servers one at a time) | of it in the scheduler, p50 / p99 | live migrations, all at once |\n` +
    '|---:|---:|---:|---:|\n' +
    `${sizes.map(row).join('\n')}\n`
  );
}

function growthTable(r: DistributedScaleResult): string {
  if (r.growth.length === 0) return '';
  const rows = r.growth.map(
    (g) =>
      `| ${n(g.from)} → ${n(g.to)} (hosts ×${g.hostsRatio}) | ${x2(g.servicesUpMs)} | ${x2(g.computeRssMb)} | ${x2(g.computeIdleCpuPercent)} | ${x2(g.schedulerRssMb)} | ${x2(g.schedulerIdleCpuPercent)} | ` +
      `${x2(g.pgCommitsPerSecond)} | ${x2(g.pgRowsWrittenPerSecond)} | ${x2(g.queues)} | ${x2(g.queueMemoryKb)} | ${x2(g.placementP50Ms)} | ${x2(g.placementP99Ms)} | ${x2(g.liveMigrationsPerSecond)} |`,
  );
  return (
    '| growth | services up | compute RSS | compute idle CPU | scheduler RSS | scheduler idle CPU | commits/s | rows written/s | queues | queue memory | placement p50 | placement p99 | live migrations/s |\n' +
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n' +
    `${rows.join('\n')}\n`
  );
}

function singleTable(s: SingleHostFigures): string {
  return (
    `One \`magnetar compute --host single-1\` started beside the ${n(s.besideHosts)}-host deployment, before any server existed, watched idle as the others were; then disabled and stopped.\n\n` +
    '| ready | RSS | idle CPU | queues it added | AMQP connections | PostgreSQL connections (idle) | commits/s it added | heartbeats/s it added |\n' +
    '|---:|---:|---:|---:|---:|---:|---:|---:|\n' +
    `| ${s.readyMs} ms | ${s.rssMb} MB | ${s.idleCpuPercent} % | ${s.queuesAdded} (${Object.entries(s.queueKinds).map(([k, v]) => `${k} ${v}`).join(', ')}) | ${s.amqpConnections} | ${s.pgConnections} | ${s.pgCommitsPerSecond} | ${s.heartbeatsPerSecond} |\n`
  );
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/** How much the many-host compute process grows per further host, from the smallest to the biggest size. */
function perHostKb(r: DistributedScaleResult): string {
  const a = r.sizes[0];
  const b = r.sizes[r.sizes.length - 1];
  if (!a || !b || b.hosts === a.hosts) return 'n/a';
  return String(Math.round(((b.processes.compute.rssMb - a.processes.compute.rssMb) * 1024) / (b.hosts - a.hosts)));
}

/** A deployment with one `magnetar compute` process per host, worked out from the figures measured. */
function realDeployment(r: DistributedScaleResult): string {
  const single = r.singleHost;
  const biggest = r.sizes[r.sizes.length - 1];
  const smallest = r.sizes[0];
  if (!single || !biggest || !smallest) return '';
  const interval = r.reportIntervalSeconds;
  const q = biggest.queues;
  const q0 = smallest.queues;
  // Queues that belong to no host: the control plane's topics and reply queues (at the smallest size the compute process has one bus, so one reply queue).
  const controlQueues = q0 ? q0.count - (q0.byKind['compute.<host>'] ?? 0) - (q0.byKind['hostctl.<host>'] ?? 0) - 1 : NaN;
  const perQueueKb = q ? q.perHostQueueKb : NaN;
  // What the broker's RSS grew by per host at the biggest size: two queues, their consumers and channels, the broker's own tables.
  const brokerPerHostKb = q?.broker ? (q.broker.after.total - q.broker.before.total) / 1024 / biggest.hosts : NaN;
  const control = smallest.processes;
  const controlPg = control.api.pgConnections + control.scheduler.pgConnections + control.conductor.pgConnections;
  const controlCommits = Math.max(0, smallest.pgIdle.commitsPerSecond - 1 / interval);
  const sizes = [100, 1000, 10_000];
  const line = (label: string, f: (hosts: number) => string): string => `| ${label} | ${sizes.map(f).join(' | ')} |`;
  return (
    '## A real deployment: one compute process per host\n\n' +
    'Worked out from the figures above (the single-host process for what each agent costs, the biggest size for what a queue ' +
    'costs, the smallest for the control plane), not measured at these sizes:\n\n' +
    `| | ${sizes.map((h) => `${n(h)} hosts`).join(' | ')} |\n|---|${sizes.map(() => '---:').join('|')}|\n` +
    line('agent processes (one per hypervisor)', (h) => `${n(h)} × ${single.rssMb} MB = ${gb(h * single.rssMb)}`) +
    '\n' +
    line('agents\' idle CPU, in all', (h) => `${round2((h * single.idleCpuPercent) / 100)} cores`) +
    '\n' +
    line('heartbeat transactions/s (one UPDATE of one row per agent)', (h) => n(round2(h / interval))) +
    '\n' +
    line('PostgreSQL commits/s while idle', (h) => `≈ ${n(round2(h * Math.max(single.pgCommitsPerSecond, 1 / interval) + controlCommits))}`) +
    '\n' +
    line('PostgreSQL connections while idle (at most, under load)', (h) => `${n(h * single.pgConnections + controlPg)} (${n(h * 10 + 30)})`) +
    '\n' +
    line('RabbitMQ queues', (h) => (Number.isFinite(controlQueues) ? n(h * single.queuesAdded + controlQueues) : 'n/a')) +
    '\n' +
    line('memory of the queue processes (`rabbitmqctl list_queues`)', (h) => (Number.isFinite(perQueueKb) ? mb(Math.round((h * single.queuesAdded + controlQueues) * perQueueKb)) : 'n/a')) +
    '\n' +
    line(`broker RSS for them, at the ${Number.isFinite(brokerPerHostKb) ? Math.round(brokerPerHostKb) : 'n/a'} kB per host measured (+ a reply queue per agent; connections not included)`, (h) =>
      Number.isFinite(brokerPerHostKb) ? mb(Math.round(h * (brokerPerHostKb + perQueueKb))) : 'n/a',
    ) +
    '\n' +
    line('RabbitMQ connections', (h) => n(h * single.amqpConnections + 3)) +
    '\n' +
    line('scheduler RSS, placement p50 (as measured at the biggest size)', () => `${biggest.processes.scheduler.rssMb} MB, ${biggest.placementP50Ms} ms`) +
    '\n\n' +
    'Why:\n\n' +
    `- **Agents.** Each hypervisor runs its own \`magnetar compute\`; an idle one holds ${single.rssMb} MB and uses ${single.idleCpuPercent} % of a core. ` +
    `Nearly all of it is the process, not the host: the process serving every host here grows by ${perHostKb(r)} kB per further host. ` +
    'That memory is on the hypervisors, one process each, not on the controllers.\n' +
    `- **Heartbeats.** Every agent writes its service row every \`report_interval\` (${interval} s): N/${interval} single-row UPDATE transactions per second. ` +
    'One process serving many hosts writes the same rows in one statement per interval (the rows/s above are the same, the transactions fewer), ' +
    `so the commit rate of a real deployment is the one worked out here, not the one measured (${biggest.pgIdle.commitsPerSecond}/s at ${n(biggest.hosts)} hosts). ` +
    'The heartbeats do not reach the scheduler\'s change log (migration 019 leaves them out), so they cost the scheduler nothing.\n' +
    `- **Database connections.** An agent keeps ${single.pgConnections} connection(s) open while idle and may open up to its pool's 10 under load; ` +
    `PostgreSQL here takes ${r.limits ? n(r.limits.pgMaxConnections) : 'n/a'} connections (\`max_connections\`), so ${n(1000)} agents need it raised, ` +
    'or a pooler such as PgBouncer (transaction mode) in front of it; this is the first limit a real deployment of this size meets.\n' +
    `- **Queues.** Each agent declares ${single.queuesAdded} queues (${Object.keys(single.queueKinds).join(', ')}), which RabbitMQ keeps as one Erlang process each, ` +
    `${Number.isFinite(perQueueKb) ? `${perQueueKb} kB` : 'n/a'} per idle queue here (the broker's RSS grew by ${Number.isFinite(brokerPerHostKb) ? Math.round(brokerPerHostKb) : 'n/a'} kB per host in all: ` +
    'two queues, their consumers and channels, and the broker\'s tables); and one AMQP connection with its channels. ' +
    `The broker here takes ${r.limits?.brokerSocketLimit ? n(r.limits.brokerSocketLimit) : 'n/a'} client connections (its \`sockets_limit\`, from the file descriptors it may open): ` +
    'a deployment with one agent per host needs that limit above N. ' +
    `The process measured here shares a connection among ${n(500)} hosts, so the broker's memory for a connection (not measured here: ` +
    '`rabbitmqctl` gives none per connection) must be added per agent.\n' +
    '- **Scheduler and conductor.** Neither holds anything per host that is re-read on a heartbeat: the scheduler keeps every host in memory and re-reads ' +
    'only the hosts its change log names, so its idle CPU and its share of a placement stay flat as N grows (the growth rows), and one agent process per host changes nothing for them.\n' +
    '- **What grows with N on the API side** is whatever lists hosts (`os-services`, `os-hypervisors`): the "all N services up" time includes listing them.\n' +
    '- **Ready time.** The one compute process here declares each host\'s two queues and consumers one after another (a few round trips to RabbitMQ each), ' +
    'so its ready time grows with N; with a process per host each agent declares only its own two, as the single-host process\'s ready time shows.\n'
  );
}

const NOTES =
  '## Reading these numbers\n\n' +
  '- Everything — the four Magnetar processes, PostgreSQL, RabbitMQ and the client — shares this machine\'s cores, and the machine is shared with ' +
  'other work (load average in the stamp). Absolute latencies are those of a busy 2-core machine; compare growth within a run.\n' +
  '- Placement at the smallest size came out slower than at the bigger ones in each of the three runs with several sizes made so far (p50 45–68 ms against 23–44 ms); ' +
  'its cause is not known (it is the first deployment of a run), and it is not growth: from 1,000 to 3,000 hosts placement stays level.\n' +
  '- Placement is much slower than in the all-in-one (bench/SCALE.md): a request crosses three processes and RabbitMQ (API → conductor → scheduler), ' +
  'each call with publisher confirms, and every step is a PostgreSQL transaction instead of an in-process SQLite one.\n' +
  '- PostgreSQL\'s statistics views take a backend\'s counts when it has been idle a while (at most 10 s): each idle window starts 11 s after start-up settled, ' +
  'and the heartbeat rate is counted from `services.report_count` instead, which is exact. Commits include reads (every statement outside a transaction is one).\n' +
  '- RabbitMQ figures come from `rabbitmqctl` on a virtual host made for the run (queue `memory` is that of each queue\'s process); the broker\'s RSS is for all virtual hosts, ' +
  'so its growth also holds whatever else used the broker meanwhile.\n' +
  '- CPU time is counted in clock ticks of 10 ms: over a 20 s window a share moves in steps of 0.05 %, so 0 means less than one tick.\n';

export function renderScaleDistributed(dir: string): string {
  let md =
    '# Scale benchmark, distributed mode\n\n' +
    'Generated by `npm run bench -- scale-distributed` (bench/scale-distributed.ts) from bench/results/scale-distributed.json; do not edit by hand.\n\n' +
    'Per size: a fresh PostgreSQL database and RabbitMQ virtual host, `magnetar api`, `magnetar scheduler`, `magnetar conductor` and **one** ' +
    '`magnetar compute` process running all N hosts (`--host` repeated), each host with its own service record, heartbeats, `compute.<host>` and ' +
    '`hostctl.<host>` queues, as a process of its own would have; zero simulated delays, `report_interval` 10 s. ' +
    '**Ready**: spawn of the compute process → its ready line, and → all N compute services up in `GET /os-services`. ' +
    '**Idle**: each process\'s CPU time, and the database\'s counters, over two heartbeat periods after start-up settled. ' +
    '**Placement**: servers booted one at a time (after 5 booted and deleted untimed, to warm the fresh processes up), from just before `POST /servers` to the scheduler process\'s `claimed` debug line. ' +
    '**Live migrations**: those servers all live-migrated at once, the scheduler choosing, until none is MIGRATING.\n\n';
  const r = loadRecorded<DistributedScaleResult>(dir, 'scale-distributed');
  if (!r) return `${md}No results recorded yet.\n`;
  const res = r.result;
  if (!res.available) return `${md}${stamp(r)}\n\nNot measured: ${res.note ?? 'unavailable'}.\n`;
  md +=
    `## Measured\n\n${stamp(r)}\n\n### Processes\n\n${processTable(res.sizes)}\n` +
    `### PostgreSQL while idle\n\n${databaseTable(res.sizes, res.reportIntervalSeconds)}\n` +
    `### RabbitMQ\n\n${brokerTable(res.sizes)}\n` +
    `### Placement and live migration\n\n${workTable(res.sizes)}\n` +
    (res.growth.length > 0 ? `### Growth (the bigger size ÷ the smaller)\n\n${growthTable(res)}\n` : '') +
    (res.singleHost ? `### A single-host compute process\n\n${singleTable(res.singleHost)}\n` : '');
  return `${md}${realDeployment(res)}\n${NOTES}`;
}
