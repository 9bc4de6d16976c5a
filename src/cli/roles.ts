// Starting each role of Magnetar. The all-in-one `serve` starts them all in
// one process on the in-process bus; the distributed commands start one each.
import { readdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import type { Config } from '../config/config.js';
import { openDb, type Db } from '../db/connect.js';
import { createBus } from '../rpc/create.js';
import { AmqpBus } from '../rpc/amqp.js';
import type { Bus, Subscription } from '../rpc/bus.js';
import { rebuildError } from '../compute/errors.js';
import { AdjustableClock, systemClock, type Clock } from '../compute/clock.js';
import { PolicyEnforcer } from '../policy/enforcer.js';
import { IdentityStore } from '../identity/store.js';
import { TokenSigner, loadTokenSecret } from '../identity/tokens.js';
import { TokenRevocations } from '../identity/revocations.js';
import { tokenValidatorFromConfig, type TokenValidator } from '../identity/validator.js';
import { buildCatalog, identityUrl } from '../identity/catalog.js';
import { buildIdentityApp } from '../identity/app.js';
import { buildImageApp } from '../image/app.js';
import { buildNetworkApp } from '../network/app.js';
import { buildConsoleApp } from '../console/app.js';
import { NetworkStore } from '../network/store.js';
import { novaNotifier } from '../network/nova-notifier.js';
import { l2Agent, type L2Agent } from '../network/l2-agent.js';
import type { NetworkEnv } from '../network/env.js';
import type { ImageCatalog } from '../image/catalog.js';
import { imageCatalog } from '../image/on-disk.js';
import { ImageRegistry } from '../image/registry.js';
import type { ImageLookup } from '../image/lookup.js';
import { buildComputeApp } from '../api/server.js';
import { ALL_ROUTES } from '../api/routes/index.js';
import { ComputeService } from '../compute/service.js';
import { Scheduler } from '../scheduler/scheduler.js';
import { schedulerHandlers } from '../scheduler/rpc-handlers.js';
import { startConductor } from '../conductor/manager.js';
import { ComputeAgent } from '../agent/manager.js';
import { HostRuntime } from '../agent/host-runtime.js';
import { SharedHostTimers } from '../agent/shared-timers.js';
import { prepareHostStarts, type PreparedStart } from '../agent/start-batch.js';
import { computeDriverKind, createVirtDriver, seedFaultsFromConfig } from '../virt/create.js';
import type { VirtDriver } from '../virt/driver.js';
import { computeImageSource, computeImageSourceKind } from '../image/compute-image-source.js';
import { FaultRules } from '../virt/fake/faults.js';
import { faultControlHandlers } from '../agent/fault-control.js';
import { crashSwitch, killProcess } from '../crash/switch.js';
import { startRedispatcher } from '../jobs/redispatcher.js';
import { seedFlavors } from '../db/seed.js';
import { withServiceRecord } from './service-record.js';
import { Notifier } from '../notifications/notifier.js';
import { EventStream } from '../notifications/event-stream.js';
import { followClockBroadcasts } from '../compute/clock-control.js';

export interface Base {
  readonly conf: Config;
  readonly db: Db;
  readonly bus: Bus;
  readonly clock: Clock;
  readonly log: Logger;
  /** The process's injected failures and armed crash points (`[fake] faults`, the faults API). */
  readonly faults: FaultRules;
  /** Sends this process's versioned notifications (see notifications/notifier.ts). */
  readonly notifier: Notifier;
}

export function makeLogger(conf: Config, name: string): Logger {
  // Nova's levels: INFO (each API request, each step of an action), DEBUG with [DEFAULT] debug (bus messages too).
  const level = process.env['MAGNETAR_LOG_LEVEL'] ?? (conf.bool('DEFAULT', 'debug') ? 'debug' : 'info');
  return pino({ name, level, base: { role: name } });
}

export async function openBase(conf: Config, role: string, givenClock: Clock = systemClock, opts: { exclusiveDb?: boolean } = {}): Promise<Base> {
  // With clock control on, the wall clock becomes one an admin can move forward.
  const clock = givenClock === systemClock && conf.bool('magnetar', 'clock_control') ? new AdjustableClock() : givenClock;
  const log = makeLogger(conf, role);
  const db = await openDb(conf.str('database', 'connection'), conf.path('DEFAULT', 'state_path'), {
    exclusive: opts.exclusiveDb === true,
    onConnectionError: (err) => log.warn({ err }, 'database connection lost; it is reopened on the next query'),
  });
  const bus = await openBus(conf, log);
  const faults = new FaultRules();
  seedFaultsFromConfig(conf, faults);
  const notifier = Notifier.fromConfig(conf, bus, clock, log);
  // With clock control, this process's clock follows the moves made through any API process.
  await followClockBroadcasts(bus, conf, clock, log);
  return { conf, db, bus, clock, log, faults, notifier };
}

/** The bus of [DEFAULT] transport_url, as every role opens it. */
function openBus(conf: Config, log: Logger): Promise<Bus> {
  return createBus(conf.str('DEFAULT', 'transport_url'), {
    rebuildError,
    logger: log,
    queuePrefix: conf.str('DEFAULT', 'control_exchange'),
    defaultTimeoutMs: conf.num('DEFAULT', 'rpc_response_timeout') * 1000,
  });
}

export function imageLookup(images: ImageCatalog): ImageLookup {
  return {
    get(id) {
      const i = images.byId(id);
      return i ? { id: i.id, name: i.name ?? '', status: i.status, minDisk: i.min_disk, minRam: i.min_ram, diskFormat: i.disk_format, containerFormat: i.container_format, properties: i.properties, owner: i.owner, visibility: i.visibility } : undefined;
    },
  };
}

async function listen(app: FastifyInstance, host: string, port: number): Promise<number> {
  await app.listen({ host, port });
  return (app.server.address() as AddressInfo).port;
}

export interface ApiListeners {
  readonly computePort: number;
  readonly identityPort: number | null;
  readonly imagePort: number;
  readonly networkPort: number;
  /** The operator console's port, null when it is off. */
  readonly consolePort: number | null;
  readonly validator: TokenValidator;
  close(): Promise<void>;
}

/** The network service's store and options. */
export function networkEnv(base: Base): NetworkEnv & { readonly l2: L2Agent } {
  const store = NetworkStore.of(base.db);
  const env = {
    store,
    now: () => base.clock.now().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    mtu: base.conf.num('DEFAULT', 'global_physnet_mtu'),
    baseMac: base.conf.str('DEFAULT', 'base_mac'),
    maxAddressPairs: base.conf.num('DEFAULT', 'max_allowed_address_pair'),
    compute: novaNotifier(base.conf, store, base.log),
  };
  return { ...env, l2: l2Agent(env, base.conf.num('magnetar', 'port_wiring_delay'), base.log) };
}

/** The network API of a process, with its L2 agent wiring what an earlier process left unwired. */
async function networkApp(base: Base, validator: TokenValidator, idUrl: string): Promise<FastifyInstance> {
  const env = networkEnv(base);
  const app = buildNetworkApp({ env, validator, identityUrl: idUrl, bodyLimit: base.conf.num('oslo_middleware', 'max_request_body_size') });
  app.addHook('onClose', async () => env.l2.stop());
  await env.l2.start();
  return app;
}

/** The HTTP side: compute API, plus embedded identity (unless external), image and network APIs. */
export async function startApi(base: Base, opts: { embeddedIdentity?: boolean } = {}): Promise<ApiListeners> {
  const { conf } = base;
  await seedFlavors(base.db.kysely, base.clock.now());
  const store = IdentityStore.fromConfig(conf, base.db, base.clock);
  // Tokens keep to the wall clock: moving Magnetar's clock forward must not sign its clients out.
  const tokenClock = base.clock instanceof AdjustableClock ? systemClock : base.clock;
  const signer = new TokenSigner(loadTokenSecret(conf), { ttlSeconds: conf.num('identity', 'token_expiration'), clock: tokenClock });
  const revocations = new TokenRevocations(base.db, { clock: tokenClock });
  const validator = tokenValidatorFromConfig(conf, signer, revocations, store);
  const policy = new PolicyEnforcer({
    policyFile: conf.path('oslo_policy', 'policy_file'),
    policyDirs: conf.list('oslo_policy', 'policy_dirs').map((d) => conf.resolvePath(d)),
    enforceScope: conf.bool('oslo_policy', 'enforce_scope'),
    onReloadError: (err) => base.log.error({ err }, 'policy file could not be reloaded; keeping the previous rules'),
  });
  const images = imageCatalog(conf);
  const compute = new ComputeService(base.db, conf, base.bus, base.clock, base.log, crashSwitch(base.faults, '', killProcess), base.notifier);
  const bind = conf.str('magnetar', 'bind_host');
  const apps: FastifyInstance[] = [];
  // Identity and image listen first: with port 0 (tests) their real ports
  // must be known before URLs for the catalog and WWW-Authenticate are made.
  let identityPort: number | null = null;
  if (opts.embeddedIdentity !== false && conf.str('identity', 'external_url') === '') {
    const idApp = buildIdentityApp({ store, signer, revocations, catalog: () => buildCatalog(conf) });
    apps.push(idApp);
    identityPort = await listen(idApp, bind, conf.num('magnetar', 'identity_port'));
    conf.set('magnetar', 'identity_port', identityPort);
  }
  const idUrl = identityUrl(conf);
  const imgApp = buildImageApp({ images, validator, identityUrl: idUrl });
  apps.push(imgApp);
  const imagePort = await listen(imgApp, bind, conf.num('magnetar', 'image_port'));
  conf.set('magnetar', 'image_port', imagePort);
  let networkPort = conf.num('magnetar', 'network_port');
  if (conf.bool('magnetar', 'api_serves_network')) {
    const netApp = await networkApp(base, validator, idUrl);
    apps.push(netApp);
    networkPort = await listen(netApp, bind, conf.num('magnetar', 'network_port'));
    conf.set('magnetar', 'network_port', networkPort);
  }
  // Heard from start-up on, so a client of the event stream misses nothing said after it.
  const events = new EventStream(base.notifier, base.log);
  await events.start();
  const computeApp = buildComputeApp(
    { conf, db: base.db, policy, validator, clock: base.clock, bus: base.bus, log: base.log, compute, images: imageLookup(images), imageRegistry: new ImageRegistry(images), identityUrl: idUrl, events },
    ALL_ROUTES,
  );
  apps.push(computeApp);
  const computePort = await listen(computeApp, bind, conf.num('magnetar', 'compute_port'));
  conf.set('magnetar', 'compute_port', computePort);
  let consolePort: number | null = null;
  if (conf.num('magnetar', 'console_port') >= 0) {
    // The console reaches the compute API in this process through its listener, as any client.
    const local = bind === '0.0.0.0' || bind === '::' || bind === '' ? '127.0.0.1' : bind.includes(':') ? `[${bind}]` : bind;
    const consoleApp = buildConsoleApp({ computeUrl: () => `http://${local}:${computePort}`, identityUrl: () => identityUrl(conf) });
    apps.push(consoleApp);
    consolePort = await listen(consoleApp, bind, conf.num('magnetar', 'console_port'));
    conf.set('magnetar', 'console_port', consolePort);
  }
  return {
    computePort,
    identityPort,
    imagePort,
    networkPort,
    consolePort,
    validator,
    close: async () => {
      await events.close();
      await Promise.all(apps.map((a) => a.close()));
    },
  };
}

/** The network API on its own (`magnetar network`), as neutron-server runs beside Nova's services. */
export async function startNetworkRole(base: Base): Promise<{ port: number; close(): Promise<void> }> {
  const { conf } = base;
  const store = IdentityStore.fromConfig(conf, base.db, base.clock);
  const signer = new TokenSigner(loadTokenSecret(conf), { ttlSeconds: conf.num('identity', 'token_expiration'), clock: base.clock });
  const validator = tokenValidatorFromConfig(conf, signer, new TokenRevocations(base.db, { clock: base.clock }), store);
  const app = await networkApp(base, validator, identityUrl(conf));
  const port = await listen(app, conf.str('magnetar', 'bind_host'), conf.num('magnetar', 'network_port'));
  return { port, close: () => app.close() };
}

/**
 * How long after the process is up the scheduler loads its view of the hosts:
 * not at once, so a start's first requests (readiness probes, tokens) do not
 * wait behind it; well before a first placement would.
 */
const SCHEDULER_WARM_UP_DELAY_MS = 1000;

export interface SchedulerRole extends Subscription {
  /** Loads the scheduler's view of the hosts shortly, once the process is up (at 10,000 hosts the first placement would wait ~0.1 s for it). */
  warmUpSoon(): void;
}

export async function startScheduler(base: Base): Promise<SchedulerRole> {
  const scheduler = new Scheduler(base.db, base.conf, base.clock, {
    warn: (m) => base.log.warn(m),
    debug: (fields, m) => base.log.debug(fields, m),
    images: imageLookup(imageCatalog(base.conf)),
  });
  const sub = await withServiceRecord(base, 'nova-scheduler', 'scheduler', await base.bus.serve('scheduler', schedulerHandlers(scheduler)));
  let timer: NodeJS.Timeout | undefined;
  return {
    warmUpSoon() {
      timer ??= setTimeout(() => void scheduler.warmUp().catch((err: unknown) => base.log.warn({ err }, 'scheduler could not load its view of the hosts')), SCHEDULER_WARM_UP_DELAY_MS);
      timer.unref();
    },
    async close() {
      clearTimeout(timer);
      await sub.close();
    },
  };
}

export async function startConductorRole(base: Base): Promise<Subscription> {
  const ctx = { db: base.db, bus: base.bus, conf: base.conf, clock: base.clock, log: base.log, crash: crashSwitch(base.faults, '', killProcess), notifier: base.notifier };
  const sub = await startConductor(ctx);
  const stopResending = startRedispatcher(ctx);
  const withRecord = await withServiceRecord(base, 'nova-conductor', 'conductor', sub);
  return {
    async close() {
      stopResending();
      await withRecord.close();
    },
  };
}

/** The names in a directory, or none when it does not exist yet. */
function directoryListing(dir: string): ReadonlySet<string> {
  try {
    return new Set(readdirSync(dir));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return new Set();
    throw e;
  }
}

/**
 * The compute hosts of a process (simulated, or running real guests with `[DEFAULT] compute_driver = qemu`), each started and reachable on
 * `hostctl.<host>`. In the all-in-one a crash point kills one host's agent;
 * in a `magnetar compute` process it kills the process, as `kill -9` would.
 */
export async function startComputeHosts(base: Base, hosts: readonly string[], opts: { crashKillsProcess: boolean }): Promise<HostRuntime> {
  const kind = computeDriverKind(base.conf);
  // Image data for real guests: the store in place on this machine, or through the image API (`[magnetar] compute_image_source`).
  const imageSource = kind === 'qemu' ? computeImageSourceKind(base.conf) : null;
  if (imageSource) base.log.info({ imageSource }, imageSource === 'local' ? 'images are read from the image store in place' : 'images are fetched through the image API');
  const images = imageSource ? computeImageSource(base.conf, imageSource) : undefined;
  // One heartbeat and one periodic timer for all the hosts of the process.
  const timers = new SharedHostTimers(base.db.kysely, base.clock, base.log, base.conf.num('DEFAULT', 'report_interval') * 1000, base.conf.num('DEFAULT', 'periodic_interval') * 1000);
  // Services registered and first heartbeats for all hosts at once; each host's first life uses them.
  const stateDir = base.conf.path('DEFAULT', 'state_path');
  const nowMs = (): number => base.clock.now().getTime();
  const newDriver = (host: string, stateFilesAtStart?: ReadonlySet<string>): VirtDriver =>
    createVirtDriver(kind, base.conf, host, base.faults, stateDir, images, nowMs, stateFilesAtStart);
  // Listed once for every host's first start, instead of each host looking for its files.
  const listing = kind === 'fake' ? directoryListing(stateDir) : undefined;
  const firstDrivers = new Map(hosts.map((h) => [h, newDriver(h, listing)]));
  const prepared = await prepareHostStarts(base.db.kysely, base.conf, hosts, (h) => firstDrivers.get(h)!.inventory(), base.clock.now());
  // Each host's first life gets what was prepared for it; later lives start afresh.
  const takeFirst = <T>(m: Map<string, T>, host: string): T | undefined => {
    const v = m.get(host);
    m.delete(host);
    return v;
  };
  // One set of fault-control handlers for all the hosts: they act on the process's one rule store.
  const faultControl = faultControlHandlers(base.faults);
  const makeAgent = (host: string, die: () => void): ComputeAgent =>
    new ComputeAgent({
      host,
      driver: takeFirst(firstDrivers, host) ?? newDriver(host),
      db: base.db,
      bus: base.bus,
      conf: base.conf,
      clock: base.clock,
      log: base.log,
      crash: crashSwitch(base.faults, host, opts.crashKillsProcess ? killProcess : die),
      extraHandlers: faultControl,
      timers,
      prepared: takeFirst(prepared, host),
      notifier: base.notifier,
    });
  const runtime = new HostRuntime(makeAgent, base.bus, base.log, () => timers.close());
  await runtime.serveControl(hosts);
  await Promise.all(hosts.map((h) => runtime.start(h)));
  return runtime;
}

/**
 * Hosts served over one RabbitMQ connection. Each host's two topics
 * (compute.<host>, hostctl.<host>) take a channel each, and RabbitMQ allows
 * 2,047 channels per connection by default.
 */
export const HOSTS_PER_BUS_CONNECTION = 500;

/**
 * The hosts of a `magnetar compute` process: one, as on a hypervisor, or
 * many (to load the bus and the database as many hypervisors would). Over
 * RabbitMQ each 500 hosts get a connection of their own; a crash point
 * fired on any host kills the process.
 */
export async function startComputeProcess(base: Base, hosts: readonly string[]): Promise<{ close(): Promise<void> }> {
  const perConnection = base.bus instanceof AmqpBus ? HOSTS_PER_BUS_CONNECTION : hosts.length;
  const runtimes: HostRuntime[] = [];
  const extraBuses: Bus[] = [];
  for (let i = 0; i < hosts.length; i += perConnection) {
    const bus = i === 0 ? base.bus : await openBus(base.conf, base.log);
    if (i > 0) extraBuses.push(bus);
    runtimes.push(await startComputeHosts({ ...base, bus }, hosts.slice(i, i + perConnection), { crashKillsProcess: true }));
  }
  return {
    async close() {
      for (const r of runtimes) await r.close();
      for (const b of extraBuses) await b.close();
    },
  };
}
