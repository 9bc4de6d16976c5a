#!/usr/bin/env node
// The `magnetar` command.
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { loadConfig, type Config } from '../config/config.js';
import { policySampleYaml } from '../policy/sample.js';
import { openDb } from '../db/connect.js';
import { startAllInOne } from './all-in-one.js';
import { openBase, startApi, startNetworkRole, startScheduler, startConductorRole, startComputeProcess } from './roles.js';
import { cloudsYaml } from './clouds-yaml.js';
import { identityUrl } from '../identity/catalog.js';
import { withOsOptions } from './os-options.js';
import { auditCommand, type AuditCommandOptions } from './audit-command.js';
import { hostMovesCommand, type HostMovesOptions } from './host-moves/command.js';
import { hostCommand, type HostVerb } from './host-command.js';
import type { OsOptions } from './os-credentials.js';
import { computeDriverKind } from '../virt/create.js';
import { imageBuildTinyCommand } from './image-build-tiny.js';
import { computeHostNames } from './compute-hosts.js';
import { heapGrowthPercent, limitHeapGrowth } from './heap-growth.js';

interface CommonOpts {
  config?: string;
  set: string[];
  dataDir?: string;
  bind?: string;
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

function withCommon(cmd: Command): Command {
  return cmd
    .option('--config <file>', 'nova.conf-style configuration file (env MAGNETAR_CONFIG)')
    .option('--set <section.name=value>', 'override a configuration option (repeatable)', collect, [])
    .option('--data-dir <dir>', 'state directory: SQLite file, clouds.yaml, simulated hosts ([DEFAULT] state_path)')
    .option('--bind <host>', 'address the APIs listen on ([magnetar] bind_host)');
}

function configFrom(o: CommonOpts): Config {
  const overrides = [...o.set];
  if (o.dataDir) overrides.push(`DEFAULT.state_path=${o.dataDir}`);
  if (o.bind) overrides.push(`magnetar.bind_host=${o.bind}`);
  const conf = loadConfig({ configFile: o.config ?? process.env['MAGNETAR_CONFIG'], overrides });
  heapGrowthPercent(conf);
  return conf;
}

const LOOPBACK = /^(127\.|localhost$|::1$)/;
const DEFAULT_PASSWORD_USERS = ['admin', 'demo', 'alt_demo', 'demo_manager', 'demo_reader'];

function warnIfExposed(conf: Config): void {
  const bind = conf.str('magnetar', 'bind_host');
  if (LOOPBACK.test(bind)) return;
  const defaults = DEFAULT_PASSWORD_USERS.filter((u) => conf.str('identity', `${u}_password`) === u);
  if (defaults.length === 0) return;
  const bar = '!'.repeat(78);
  process.stderr.write(
    `${bar}\n!! WARNING: listening on ${bind}, beyond loopback, while users ${defaults.join(', ')}\n` +
      `!! still have their default passwords (password = user name). Anyone who can reach\n` +
      `!! this machine can act as admin. Set [identity] <user>_password before exposing it.\n${bar}\n`,
  );
}

function onSignals(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = (): void => {
    if (stopping) return;
    stopping = true;
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}

/** How `serve` describes its hosts. */
function hostKind(conf: Config): string {
  return computeDriverKind(conf) === 'qemu' ? `qemu, virt_type ${conf.str('qemu', 'virt_type')}` : 'simulated';
}

const program = new Command();
program.name('magnetar').description('An OpenStack Compute (Nova) API-compatible control plane').showHelpAfterError();

withCommon(program.command('serve').description('run everything in one process: APIs, scheduler, conductor and simulated compute hosts')).action(
  async (o: CommonOpts) => {
    const started = Date.now();
    const conf = configFrom(o);
    warnIfExposed(conf);
    const aio = await startAllInOne(conf);
    const clouds = cloudsYaml(conf);
    const dir = conf.path('DEFAULT', 'state_path');
    mkdirSync(dir, { recursive: true });
    const cloudsFile = join(dir, 'clouds.yaml');
    writeFileSync(cloudsFile, clouds, { mode: 0o600 });
    const host = conf.str('magnetar', 'public_host') || conf.str('magnetar', 'bind_host');
    process.stdout.write(
      `Magnetar is ready (${Date.now() - started} ms)\n` +
        `  identity  ${identityUrl(conf)}\n` +
        `  compute   http://${host}:${aio.api.computePort}/v2.1\n` +
        `  image     http://${host}:${aio.api.imagePort}/v2\n` +
        `  network   http://${host}:${aio.api.networkPort}/v2.0\n` +
        (aio.api.consolePort !== null ? `  console   http://${host}:${aio.api.consolePort}/ (operator console, admin sign-in)\n` : '') +
        `  hosts     ${[...aio.agents.keys()].join(', ')} (${hostKind(conf)}; default zone ${conf.str('DEFAULT', 'default_availability_zone')})\n` +
        `  data      ${dir}\n\n` +
        `clouds.yaml (also written to ${cloudsFile}):\n\n${clouds}\n` +
        `Try: OS_CLIENT_CONFIG_FILE=${cloudsFile} openstack --os-cloud magnetar-admin server list\n`,
    );
    limitHeapGrowth(conf);
    onSignals(() => aio.stop());
  },
);

withCommon(program.command('api').description('run the compute API (with the embedded identity, image and network APIs)')).action(async (o: CommonOpts) => {
  const conf = configFrom(o);
  warnIfExposed(conf);
  const base = await openBase(conf, 'api');
  const api = await startApi(base);
  process.stdout.write(`compute API on port ${api.computePort}\n`);
  limitHeapGrowth(conf);
  onSignals(async () => {
    await api.close();
    await base.bus.close();
    await base.db.close();
  });
});

withCommon(program.command('network').description('run the network API on its own (with [magnetar] api_serves_network = false on the api processes)')).action(async (o: CommonOpts) => {
  const base = await openBase(configFrom(o), 'network');
  const net = await startNetworkRole(base);
  process.stdout.write(`network running on port ${net.port}\n`);
  limitHeapGrowth(base.conf);
  onSignals(async () => {
    await net.close();
    await base.bus.close();
    await base.db.close();
  });
});

withCommon(program.command('scheduler').description('run the scheduler')).action(async (o: CommonOpts) => {
  const base = await openBase(configFrom(o), 'scheduler');
  const sub = await startScheduler(base);
  sub.warmUpSoon();
  process.stdout.write('scheduler running\n');
  limitHeapGrowth(base.conf);
  onSignals(async () => {
    await sub.close();
    await base.bus.close();
    await base.db.close();
  });
});

withCommon(program.command('conductor').description('run the conductor')).action(async (o: CommonOpts) => {
  const base = await openBase(configFrom(o), 'conductor');
  const sub = await startConductorRole(base);
  process.stdout.write('conductor running\n');
  limitHeapGrowth(base.conf);
  onSignals(async () => {
    await sub.close();
    await base.bus.close();
    await base.db.close();
  });
});

withCommon(
  program.command('compute').description('run the compute agent of a host ([DEFAULT] compute_driver: fake or qemu), or of several hosts in one process (--host repeated)'),
)
  .option('--host <name>', 'host name of a compute service this process runs (repeat it to run several hosts in one process)', collect, [])
  .action(async (o: CommonOpts & { host: string[] }) => {
    const hosts = computeHostNames(o.host);
    const base = await openBase(configFrom(o), hosts.length === 1 ? `compute-${hosts[0]}` : `compute-${hosts[0]}+${hosts.length - 1}`);
    // A crash point fired on any of the hosts kills the process, and so all of them, as `kill -9` would.
    const runtime = await startComputeProcess(base, hosts);
    process.stdout.write(hosts.length === 1 ? `compute agent ${hosts[0]} running\n` : `compute agents of ${hosts.length} hosts running: ${hosts.join(', ')}\n`);
    limitHeapGrowth(base.conf);
    onSignals(async () => {
      await runtime.close();
      await base.bus.close();
      await base.db.close();
    });
  });

withCommon(program.command('db').description('database maintenance'))
  .command('sync')
  .description('create or upgrade the database schema')
  .action(async () => {
    const o = program.commands.find((c) => c.name() === 'db')!.opts<CommonOpts>();
    const conf = configFrom({ ...o, set: o.set ?? [] });
    const db = await openDb(conf.str('database', 'connection'), conf.path('DEFAULT', 'state_path'));
    await db.close();
    process.stdout.write('database schema is up to date\n');
  });

const imageCmd = program.command('image').description('images for real guests');
withCommon(imageCmd.command('build-tiny').description('build a tiny Linux guest from Debian packages (kernel, busybox initramfs, ext4 root disk) and store it in the image service'))
  .option('--name <name>', 'name of the root disk image (its kernel and ramdisk get -kernel and -ramdisk)', 'tiny-linux')
  .option('--package-cache <dir>', 'where downloaded Debian packages are kept (default: state_path/cache/debian)')
  .action(async (o: CommonOpts & { name: string; packageCache?: string }) => {
    await imageBuildTinyCommand(configFrom(o), o.name, o.packageCache);
  });

program
  .command('policy')
  .description('policy tools')
  .command('sample')
  .description('print every default policy rule as policy.yaml')
  .action(() => {
    process.stdout.write(policySampleYaml());
  });

withOsOptions(
  program
    .command('audit')
    .description('audit servers, migrations, allocations and every host\'s guests against each other, through the compute API (admin)')
    .option('--strict', 'count every warning and unfinished work as a violation')
    .option('--stuck-after <seconds>', 'work unchanged for longer than this is stuck (default 300)')
    .option('--json', 'print the API\'s answer as JSON'),
).action(async (o: AuditCommandOptions) => {
  process.exitCode = await auditCommand(o);
});

const hostCmd = program.command('host').description('list, stop, crash, start or restart simulated compute hosts; drain or evacuate any compute host (through the compute API, admin)');
withOsOptions(hostCmd.command('list').description('each compute host whose process answers, with its state')).action(async (o: OsOptions) => {
  process.exitCode = await hostCommand('list', undefined, o);
});
const HOST_VERBS: ReadonlyArray<[Exclude<HostVerb, 'list'>, string]> = [
  ['stop', 'stop the host\'s agent (no heartbeats, no work); its guests keep running'],
  ['crash', 'stop the host\'s agent and cut its guests\' power'],
  ['start', 'start the host\'s agent; its start-up recovery runs'],
  ['restart', 'stop, then start'],
];
for (const [verb, description] of HOST_VERBS) {
  withOsOptions(hostCmd.command(`${verb} <host>`).description(description)).action(async (host: string, o: OsOptions) => {
    process.exitCode = await hostCommand(verb, host, o);
  });
}

const moveOptions = (c: Command, what: string): Command =>
  withOsOptions(c)
    .option('--target <host>', `the host to move ${what} to (default: the scheduler chooses)`)
    .option('--concurrency <n>', 'moves run at once (default 2)')
    .option('--timeout <seconds>', 'longest a move is followed before it counts as failed (default 3600)')
    .option('--poll-interval <seconds>', 'seconds between looks at a moving server (default 1)');
moveOptions(hostCmd.command('drain <host>').description('move every server off a running host (live; cold for servers that are off, or all with --cold), wait for each move and print their outcomes'), 'servers')
  .option('--cold', 'cold-migrate every server (and confirm) instead of live-migrating')
  .option('--no-disable', 'leave the host\'s compute service enabled')
  .action(async (host: string, o: HostMovesOptions) => {
    process.exitCode = await hostMovesCommand('drain', host, o);
  });
moveOptions(hostCmd.command('evacuate <host>').description('rebuild every server of a failed host (service down or forced down) elsewhere, wait for each and print their outcomes'), 'servers')
  .action(async (host: string, o: HostMovesOptions) => {
    process.exitCode = await hostMovesCommand('evacuate', host, o);
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`magnetar: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
