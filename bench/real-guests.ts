// Benchmark 4 — real guests (the qemu driver): how long the tiny guest takes
// from `POST /servers` to its first console line, and how long a live
// migration of a 128 MB guest takes (wall time through the API, and QEMU's
// own total time and downtime as Magnetar's agent logs them). Next to each,
// the same thing done by hand in the same run: a QEMU started directly with
// the same command line, and the same block migration (NBD export, disk
// mirror, `migrate`) driven over bare QMP between two QEMU processes — what
// the machine can do at best. Skipped, with the reason, without QEMU.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ComputeClient } from './lib/client.js';
import { waitReady } from './lib/cloud-at-size.js';
import { MAGNETAR_MAIN } from './lib/paths.js';
import { freePort, spawnMagnetar, type MagnetarProcess } from './lib/processes.js';
import { median, ratio, round, sleep } from './lib/stats.js';
import { BOOT_BANNER, COUNTER_LINE } from '../src/image/tiny/guest-init.js';
import { GuestFiles, type GuestRecord } from '../src/virt/qemu/guest-files.js';
import { killHard, launch } from '../src/virt/qemu/process.js';
import { QmpClient, type QmpValue } from '../src/virt/qemu/qmp.js';

const run = promisify(execFile);

const HOSTS = ['bhost1', 'bhost2'];
const MEMORY_MB = 128;
const BOOT_RUNS = 5;
const MIGRATION_RUNS = 4;
const POLL_MS = 50;
const DEADLINE_MS = 120_000;
const TOOLS = ['qemu-system-x86_64', 'qemu-img', 'mke2fs', 'apt-get', 'dpkg-deb'];
/** The Debian packages the tiny guest is built from, kept between runs (the real-guest tests use it too). */
const PACKAGE_CACHE = join(tmpdir(), 'magnetar-test-debian-cache');

export interface BootFigures {
  /** Request (or QEMU start) → first line on the serial console. */
  readonly firstLineMs: number[];
  /** → the guest's init printed its boot banner (userspace up). */
  readonly bannerMs: number[];
}

export interface MigrationFigures {
  /** Request (or destination QEMU start) → the guest runs on the destination. */
  readonly wallMs: number[];
  /** QEMU's `total-time` and `downtime` of the memory transfer. */
  readonly totalTimeMs: number[];
  readonly downtimeMs: number[];
}

export interface RealGuestsResult {
  readonly available: true;
  readonly memoryMb: number;
  readonly virtType: string;
  readonly magnetar: { readonly boot: BootFigures; readonly migration: MigrationFigures };
  readonly bare: { readonly boot: BootFigures; readonly migration: MigrationFigures };
  /** Medians, Magnetar ÷ bare QEMU (1 = no overhead). */
  readonly ratios: {
    readonly bootFirstLine: number;
    readonly bootBanner: number;
    readonly migrationWall: number;
    readonly migrationTotalTime: number;
    readonly migrationDowntime: number;
  };
}

export interface RealGuestsUnavailable {
  readonly available: false;
  readonly note: string;
}

/** On the PATH the bench runs the tools from (`apt-get` and `dpkg-deb` build the tiny guest). */
const have = (cmd: string): boolean => (process.env['PATH'] ?? '').split(':').some((d) => d !== '' && existsSync(join(d, cmd)));

async function until<T>(label: string, fn: () => Promise<T | null | undefined> | T | null | undefined, ms = DEADLINE_MS): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== null && v !== undefined) return v;
    if (Date.now() > end) throw new Error(`${label}: not within ${ms} ms`);
    await sleep(POLL_MS);
  }
}

const firstLine = (log: string): boolean => log.includes('\n');
const hasBanner = (log: string): boolean => log.includes(BOOT_BANNER);
const hasCounter = (log: string): boolean => log.includes(COUNTER_LINE);

export async function benchRealGuests(log: (s: string) => void): Promise<RealGuestsResult | RealGuestsUnavailable> {
  const missing = TOOLS.filter((t) => !have(t));
  if (missing.length > 0) {
    const note = `skipped: QEMU tools missing (${missing.join(', ')}); sh scripts/install-qemu.sh installs them`;
    log(`  ${note}`);
    return { available: false, note };
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'magnetar-bench-qemu-'));
  const bareDir = mkdtempSync(join(tmpdir(), 'magnetar-bench-bare-'));
  let m: MagnetarProcess | null = null;
  const bare: GuestFiles[] = [];
  const previousLevel = process.env['MAGNETAR_LOG_LEVEL'];
  try {
    log('  building the tiny guest image');
    await run(process.execPath, [MAGNETAR_MAIN, 'image', 'build-tiny', '--data-dir', dataDir, '--package-cache', PACKAGE_CACHE], { timeout: 300_000 });
    // At info level the agent logs QEMU's figures of each completed live migration.
    process.env['MAGNETAR_LOG_LEVEL'] = 'info';
    m = await spawnMagnetar(['DEFAULT.compute_driver=qemu', `magnetar.compute_hosts=${HOSTS.join(',')}`, 'DEFAULT.shutdown_timeout=5'], { dataDir });
    const c = new ComputeClient(m.identityUrl, m.computeUrl, m.imageUrl);
    await waitReady(c);
    const imageId = await c.imageId('tiny-linux');
    const f = await c.req('admin', 'POST', '/flavors', { body: { flavor: { name: 'bench.qemu', ram: MEMORY_MB, vcpus: 1, disk: 1 } } });
    if (f.status !== 200) throw new Error(`flavor: ${f.status} ${f.text}`);
    const flavorId = f.body.flavor.id as string;
    const consoleOf = async (id: string): Promise<string> => {
      const r = await c.req('admin', 'POST', `/servers/${id}/action`, { body: { 'os-getConsoleOutput': { length: null } } });
      return r.status === 200 ? String(r.body.output) : '';
    };

    // -- boot through the API
    const mBoot = { firstLineMs: [] as number[], bannerMs: [] as number[] };
    let serverId = '';
    for (let i = 0; i < BOOT_RUNS; i++) {
      if (serverId) {
        await c.req('admin', 'DELETE', `/servers/${serverId}`);
        const gone = serverId;
        await until('delete', async () => ((await c.req('admin', 'GET', `/servers/${gone}`)).status === 404 ? true : null));
      }
      const t0 = performance.now();
      const r = await c.req('admin', 'POST', '/servers', { body: { server: { name: `bench-${i}`, imageRef: imageId, flavorRef: flavorId, networks: 'none' } }, version: '2.37' });
      if (r.status !== 202) throw new Error(`create: ${r.status} ${r.text}`);
      serverId = r.body.server.id as string;
      const id = serverId;
      await until('first console line', async () => (firstLine(await consoleOf(id)) ? true : null));
      mBoot.firstLineMs.push(Math.round(performance.now() - t0));
      await until('boot banner', async () => (hasBanner(await consoleOf(id)) ? true : null));
      mBoot.bannerMs.push(Math.round(performance.now() - t0));
      log(`  magnetar boot ${i + 1}: first console line ${mBoot.firstLineMs.at(-1)} ms, banner ${mBoot.bannerMs.at(-1)} ms`);
    }

    // The guest's boot files, for the bare QEMUs: the same kernel, ramdisk, base image and command line.
    const hostOf = async (): Promise<string> => String((await c.req('admin', 'GET', `/servers/${serverId}`)).body.server['OS-EXT-SRV-ATTR:host']);
    const guestDir = join(dataDir, 'instances', await hostOf(), serverId);
    const record = JSON.parse(readFileSync(join(guestDir, 'guest.json'), 'utf8')) as GuestRecord;
    const info = JSON.parse((await run('qemu-img', ['info', '-U', '--output=json', join(guestDir, 'disk')])).stdout) as { 'full-backing-filename'?: string; 'backing-filename'?: string };
    const base = info['full-backing-filename'] ?? info['backing-filename'];
    if (!base) throw new Error('the guest disk has no backing image');
    const baseCopy = join(bareDir, 'base');
    copyFileSync(base, baseCopy);
    copyFileSync(join(guestDir, 'kernel'), join(bareDir, 'kernel'));
    copyFileSync(join(guestDir, 'ramdisk'), join(bareDir, 'ramdisk'));
    const virtType = readFileSync(`/proc/${await until('the guest\'s QEMU', () => pidOf(guestDir))}/cmdline`, 'utf8').includes('kvm') ? 'kvm' : 'qemu';

    // -- live migration through the API (block migration: the hosts' instances paths are separate)
    await until('counter', async () => (hasCounter(await consoleOf(serverId)) ? true : null));
    const mMig = { wallMs: [] as number[], totalTimeMs: [] as number[], downtimeMs: [] as number[] };
    for (let i = 0; i < MIGRATION_RUNS; i++) {
      const source = await hostOf();
      const seen = figuresIn(m.output()).length;
      const t0 = performance.now();
      const r = await c.req('admin', 'POST', `/servers/${serverId}/action`, { body: { 'os-migrateLive': { host: null, block_migration: 'auto' } }, version: '2.25' });
      if (r.status !== 202) throw new Error(`live migration: ${r.status} ${r.text}`);
      await until('live migration', async () => {
        const s = (await c.req('admin', 'GET', `/servers/${serverId}`)).body.server;
        if (s['OS-EXT-STS:task_state'] !== null) return null;
        if (s.status !== 'ACTIVE' || s['OS-EXT-SRV-ATTR:host'] === source) throw new Error(`the live migration did not complete: ${s.status} on ${s['OS-EXT-SRV-ATTR:host']}`);
        return true;
      });
      mMig.wallMs.push(Math.round(performance.now() - t0));
      const fig = await until('the agent\'s figures', () => figuresIn(m!.output())[seen], 10_000);
      mMig.totalTimeMs.push(fig.total);
      mMig.downtimeMs.push(fig.downtime);
      log(`  magnetar live migration ${i + 1}: ${mMig.wallMs.at(-1)} ms through the API, QEMU total ${fig.total} ms, downtime ${fig.downtime} ms`);
      // Settle: the source's copy goes after the switch-over.
      await until('source cleaned up', () => (existsSync(join(dataDir, 'instances', source, serverId)) ? null : true), 30_000);
    }
    await c.req('admin', 'DELETE', `/servers/${serverId}`);

    // -- the same by hand: QEMU started directly, and a block migration over bare QMP
    const spec = (name: string, incomingUri?: string): Parameters<typeof launch>[0] => {
      const files = new GuestFiles(join(bareDir, name));
      return {
        binary: 'qemu-system-x86_64',
        virtType,
        uuid: `00000000-0000-4000-8000-${String(bare.length).padStart(12, '0')}`,
        name,
        vcpus: 1,
        memoryMb: MEMORY_MB,
        files,
        kernel: true,
        ramdisk: true,
        commandLine: record.commandLine,
        ...(incomingUri ? { incomingUri } : {}),
      };
    };
    const prepare = async (name: string): Promise<GuestFiles> => {
      const files = new GuestFiles(join(bareDir, name));
      mkdirSync(files.dir, { recursive: true });
      await run('qemu-img', ['create', '-q', '-f', 'qcow2', '-F', 'qcow2', '-b', baseCopy, files.disk, String(1024 ** 3)]);
      copyFileSync(join(bareDir, 'kernel'), files.kernel);
      copyFileSync(join(bareDir, 'ramdisk'), files.ramdisk);
      return files;
    };
    const readConsole = (files: GuestFiles): string => (existsSync(files.console) ? readFileSync(files.console, 'utf8') : '');
    const bBoot = { firstLineMs: [] as number[], bannerMs: [] as number[] };
    let current: { files: GuestFiles; uuid: string } | null = null;
    for (let i = 0; i < BOOT_RUNS; i++) {
      if (current) killHard(current.files, current.uuid);
      const files = await prepare(`boot-${i}`);
      const s = spec(`boot-${i}`);
      bare.push(files);
      const t0 = performance.now();
      await launch(s);
      await until('first console line', () => (firstLine(readConsole(files)) ? true : null));
      bBoot.firstLineMs.push(Math.round(performance.now() - t0));
      await until('boot banner', () => (hasBanner(readConsole(files)) ? true : null));
      bBoot.bannerMs.push(Math.round(performance.now() - t0));
      current = { files, uuid: s.uuid };
      log(`  bare QEMU boot ${i + 1}: first console line ${bBoot.firstLineMs.at(-1)} ms, banner ${bBoot.bannerMs.at(-1)} ms`);
    }
    await until('counter', () => (hasCounter(readConsole(current!.files)) ? true : null));
    const bMig = { wallMs: [] as number[], totalTimeMs: [] as number[], downtimeMs: [] as number[] };
    for (let i = 0; i < MIGRATION_RUNS; i++) {
      const src = current!;
      const name = `dest-${i}`;
      const t0 = performance.now();
      const files = await prepare(name);
      const [port, nbdPort] = [await freePort(), await freePort()];
      const s = spec(name, `tcp:127.0.0.1:${port}`);
      bare.push(files);
      await launch(s);
      const fig = await bareBlockMigration(src.files, files, port, nbdPort);
      bMig.wallMs.push(Math.round(performance.now() - t0));
      bMig.totalTimeMs.push(fig.total);
      bMig.downtimeMs.push(fig.downtime);
      killHard(src.files, src.uuid);
      current = { files, uuid: s.uuid };
      log(`  bare QMP live migration ${i + 1}: ${bMig.wallMs.at(-1)} ms from the destination's start, QEMU total ${fig.total} ms, downtime ${fig.downtime} ms`);
    }
    if (current) killHard(current.files, current.uuid);

    const r = (a: number[], b: number[]): number => round(ratio(median(a), Math.max(1, median(b))), 2);
    return {
      available: true,
      memoryMb: MEMORY_MB,
      virtType,
      magnetar: { boot: mBoot, migration: mMig },
      bare: { boot: bBoot, migration: bMig },
      ratios: {
        bootFirstLine: r(mBoot.firstLineMs, bBoot.firstLineMs),
        bootBanner: r(mBoot.bannerMs, bBoot.bannerMs),
        migrationWall: r(mMig.wallMs, bMig.wallMs),
        migrationTotalTime: r(mMig.totalTimeMs, bMig.totalTimeMs),
        migrationDowntime: r(mMig.downtimeMs, bMig.downtimeMs),
      },
    };
  } finally {
    if (previousLevel === undefined) delete process.env['MAGNETAR_LOG_LEVEL'];
    else process.env['MAGNETAR_LOG_LEVEL'] = previousLevel;
    // Whatever QEMU the bench or Magnetar left behind (read before stopping Magnetar, which removes its data directory).
    const pidFiles = bare.map((f) => f.pidFile);
    for (const h of HOSTS) {
      const dir = join(dataDir, 'instances', h);
      if (existsSync(dir)) for (const g of readdirSync(dir)) pidFiles.push(join(dir, g, 'qemu.pid'));
    }
    const pids = pidFiles.map(qemuPidIn).filter((p): p is number => p !== null);
    await m?.stop();
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(bareDir, { recursive: true, force: true });
  }
}

/** The figures the agent logs for each completed live migration, in order. */
function figuresIn(output: string): Array<{ total: number; downtime: number }> {
  return [...output.matchAll(/"totalTimeMs":(\d+),"downtimeMs":(\d+)/g)].map((x) => ({ total: Number(x[1]), downtime: Number(x[2]) }));
}

function pidOf(guestDir: string): number | null {
  try {
    const pid = Number(readFileSync(join(guestDir, 'qemu.pid'), 'utf8').trim());
    return pid > 0 && existsSync(`/proc/${pid}`) ? pid : null;
  } catch {
    return null;
  }
}

/** The pid in a QEMU pid file, if that process is alive and is a QEMU. */
function qemuPidIn(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return pid > 0 && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('qemu') ? pid : null;
  } catch {
    return null;
  }
}

/**
 * The block migration the driver does, as bare QMP: the destination exports
 * its disk over NBD, the source mirrors its own layer into it until in step,
 * `migrate` moves the memory, and the mirror is completed once the guest has
 * switched over; the destination then runs.
 */
async function bareBlockMigration(src: GuestFiles, dest: GuestFiles, port: number, nbdPort: number): Promise<{ total: number; downtime: number }> {
  const d = await QmpClient.connect(dest.qmpSocket);
  const s = await QmpClient.connect(src.qmpSocket);
  try {
    await d.execute('nbd-server-start', { addr: { type: 'inet', data: { host: '127.0.0.1', port: String(nbdPort) } } });
    await d.execute('nbd-server-add', { device: 'virtio0', writable: true });
    const target = `nbd:127.0.0.1:${nbdPort}:exportname=virtio0`;
    await s.execute('drive-mirror', { 'job-id': 'mirror', device: 'virtio0', target, sync: 'top', mode: 'existing', format: 'raw' } as { [k: string]: QmpValue });
    await until('mirror in step', async () => (((await s.execute('query-block-jobs')) as unknown as Array<{ ready: boolean }>).some((j) => j.ready) ? true : null));
    await s.execute('migrate', { uri: `tcp:127.0.0.1:${port}` });
    const info = await until('migration', async () => {
      const i = (await s.execute('query-migrate')) as { status?: string; 'total-time'?: number; downtime?: number; 'error-desc'?: string };
      if (i.status === 'failed' || i.status === 'cancelled') throw new Error(`bare migration ${i.status}: ${i['error-desc'] ?? ''}`);
      return i.status === 'completed' ? i : null;
    });
    await s.execute('block-job-cancel', { device: 'mirror' });
    await until('mirror gone', async () => (((await s.execute('query-block-jobs')) as unknown as unknown[]).length === 0 ? true : null));
    await until('destination in step', async () => (((await d.execute('query-status')) as { status?: string }).status === 'inmigrate' ? null : true));
    await d.execute('nbd-server-stop');
    await d.execute('cont');
    return { total: info['total-time'] ?? 0, downtime: info.downtime ?? 0 };
  } finally {
    s.close();
    d.close();
  }
}
