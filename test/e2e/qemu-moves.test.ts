// Guests that really move on the qemu driver: a tiny guest is live-migrated
// between two hosts of one machine (its disk mirrored into the destination's
// NBD export, its memory streamed by QEMU) while its console counter goes on
// without a reboot; a live migration slowed down is aborted and the guest
// stays where it was, still counting, as it does when the source's agent is
// killed mid-transfer and comes back; force-complete pauses a transfer that
// cannot converge so it completes; with post-copy permitted (the service
// restarted with `[qemu] live_migration_permit_post_copy`) force-complete
// switches a block migration to post-copy once its disk is in step: the
// disk mirror is completed while the guest is stopped for the switch-over,
// the guest counts on at the destination at once and a block written into
// its disk at the source is there, the agents killed with -9 in post-copy
// meanwhile (QEMU carries the transfer on and the agents back complete the
// move); a cold migration copies the stopped
// guest's disk over NBD to the other host and boots it there (confirm drops
// the source copy); a resize grows the copied disk and revert boots the
// untouched source again — the count kept on the disk goes on each time;
// a host that loses power has its guest evacuated (rebuilt from the image
// on the other host), and when it comes back its leftover guest is removed.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startMagnetar, type Magnetar } from './support/magnetar-process.js';
import { skipWithoutQemu } from './support/qemu-tools.js';
import { buildTinyImage, runningQemuPid, auditUntilClean, runningLiveMigration } from './support/qemu-guests.js';
import { BOOT_BANNER, COUNTER_LINE } from '../../src/image/tiny/guest-init.js';
import { QmpClient } from '../../src/virt/qemu/qmp.js';

const run = promisify(execFile);
const ADMIN = 'magnetar-admin';
const HOSTS = ['mhost1', 'mhost2'];

const skip = skipWithoutQemu;

const SET = ['DEFAULT.compute_driver=qemu', `magnetar.compute_hosts=${HOSTS.join(',')}`, 'DEFAULT.shutdown_timeout=5', 'DEFAULT.sync_power_state_interval=1'];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('qemu driver: guests that move', { skip, timeout: 240_000 }, () => {
  let m: Magnetar;
  let dataDir: string;
  let imageId: string;
  let flavorId: string;
  let biggerFlavorId: string;
  let serverId: string;

  const api = (method: string, path: string, body?: unknown, version?: string) => m.http.request(ADMIN, method, path, body, version);
  const action = async (body: unknown, version?: string): Promise<void> => {
    const r = await api('POST', `/servers/${serverId}/action`, body, version);
    assert.equal(r.status, 202, JSON.stringify(r.body));
  };
  const waitStatus = (status: string, ms = 60_000) => m.http.waitServer(serverId, (s) => s.status === status && s['OS-EXT-STS:task_state'] === null, ms);
  const consoleLog = async (): Promise<string> => {
    const r = await api('POST', `/servers/${serverId}/action`, { 'os-getConsoleOutput': { length: null } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.output as string;
  };
  const counters = (log: string): number[] => [...log.matchAll(new RegExp(`^${COUNTER_LINE} (\\d+)$`, 'gm'))].map((x) => Number(x[1]));
  const lastCounter = (log: string): number => counters(log).at(-1) ?? -1;
  const banners = (log: string): number => log.split('\n').filter((l) => l.startsWith(BOOT_BANNER)).length;
  const counterPasses = async (n: number, ms = 60_000): Promise<string> => {
    const end = Date.now() + ms;
    let log = '';
    while (Date.now() < end) {
      log = await consoleLog();
      if (lastCounter(log) > n) return log;
      await sleep(200);
    }
    throw new Error(`the counter did not pass ${n}; console end:\n${log.slice(-1500)}`);
  };
  const guestDir = (host: string): string => join(dataDir, 'instances', host, serverId);
  const qemuPid = (host: string): number | null => runningQemuPid(guestDir(host));
  /**
   * The count the disk kept, as the last boot printed it. Matched up to the
   * number's end: the kernel may print on the same console line right after it.
   */
  const bootCount = (log: string): number => Number([...log.matchAll(new RegExp(`${BOOT_BANNER} (\\d+)`, 'g'))].at(-1)?.[1] ?? NaN);
  const waitGone = async (path: string): Promise<void> => {
    for (const end = Date.now() + 15_000; existsSync(path) && Date.now() < end; ) await sleep(100);
    assert.ok(!existsSync(path), `${path} is removed`);
  };
  /** Whether the 64 KiB at `offset` of the qcow2 disk all hold `pattern` (read beside the QEMU that runs it). */
  const diskHas = async (disk: string, pattern: string, offset: string): Promise<boolean> => {
    try {
      const { stdout } = await run('qemu-io', ['-U', '-r', '-f', 'qcow2', '-c', `read -P ${pattern} ${offset} 64k`, disk]);
      return /read 65536\/65536 bytes/.test(stdout) && !stdout.includes('Pattern verification failed');
    } catch {
      return false;
    }
  };
  const hostOf = async (): Promise<string> => (await api('GET', `/servers/${serverId}`)).body.server['OS-EXT-SRV-ATTR:host'];
  const other = (h: string): string => HOSTS.find((x) => x !== h)!;
  /** The audit agrees with the hosts' real guests (it may take a sync round to settle). */
  const audit = (): Promise<void> => auditUntilClean(api);

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'magnetar-e2e-qemu-moves-'));
    imageId = await buildTinyImage(dataDir);
    // At info level the agent logs QEMU's own figures of each completed live migration.
    process.env['MAGNETAR_LOG_LEVEL'] = 'info';
    try {
      m = await startMagnetar({ dataDir, set: SET });
    } finally {
      delete process.env['MAGNETAR_LOG_LEVEL'];
    }
    const f = await api('POST', '/flavors', { flavor: { name: 'q.128', ram: 128, vcpus: 1, disk: 1 } });
    assert.equal(f.status, 200, JSON.stringify(f.body));
    flavorId = f.body.flavor.id;
    const g = await api('POST', '/flavors', { flavor: { name: 'q.128.disk2', ram: 128, vcpus: 1, disk: 2 } });
    assert.equal(g.status, 200, JSON.stringify(g.body));
    biggerFlavorId = g.body.flavor.id;
    const r = await api('POST', '/servers', { server: { name: 'mover', imageRef: imageId, flavorRef: flavorId, networks: 'none' } });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    serverId = r.body.server.id;
    await waitStatus('ACTIVE');
    await counterPasses(1);
  });
  after(async () => {
    await m?.stop();
    for (const h of HOSTS) if (serverId && qemuPid(h) !== null) process.kill(qemuPid(h)!, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('live migration moves the running guest: its counter goes on without a reboot, QEMU now runs on the destination', async () => {
    const source = await hostOf();
    const dest = other(source);
    const sourcePid = qemuPid(source);
    assert.ok(sourcePid !== null);
    const boots = banners(await consoleLog());
    const before = lastCounter(await consoleLog());
    await action({ 'os-migrateLive': { host: null, block_migration: 'auto' } }, '2.25');
    // The progress figures while it runs (GET /servers/{id}/migrations, 2.23+).
    let seen: any = null;
    const end = Date.now() + 60_000;
    for (;;) {
      const list = await api('GET', `/servers/${serverId}/migrations`, undefined, '2.23');
      const running = (list.body.migrations as any[]).find((x) => x.status === 'running' && x.memory_total_bytes > 0);
      if (running) seen = running;
      const s = (await api('GET', `/servers/${serverId}`)).body.server;
      if (s['OS-EXT-STS:task_state'] === null) break;
      assert.ok(Date.now() < end, 'the live migration ended in time');
      await sleep(50);
    }
    const s = await waitStatus('ACTIVE');
    assert.equal(s['OS-EXT-SRV-ATTR:host'], dest);
    const [mig] = await m.http.waitMigrations(serverId, (ms) => ms.some((x) => x.status === 'completed'));
    assert.equal(mig.migration_type, 'live-migration');
    assert.equal(mig.source_compute, source);
    assert.equal(mig.dest_compute, dest);
    {
      assert.ok(seen.memory_total_bytes >= 100 * 1024 * 1024, `memory figures of a 128 MB guest: ${JSON.stringify(seen)}`);
      assert.ok(seen.disk_total_bytes > 0, 'a block migration reports its disk');
    }
    // The source drops its copy right after the destination took the server.
    for (const end = Date.now() + 15_000; existsSync(guestDir(source)) && Date.now() < end; ) await sleep(100);
    assert.equal(qemuPid(source), null, 'the source QEMU is gone');
    assert.ok(!existsSync(guestDir(source)), 'and its files');
    assert.ok(seen, 'the progress figures were seen while it ran');
    assert.ok(qemuPid(dest) !== null, 'a QEMU runs the guest on the destination');
    // The destination's console log starts at the switch-over: counting on, no boot.
    const log = await counterPasses(before + 1);
    assert.equal(banners(log), 0, `no reboot: the guest went on counting; console:\n${log.slice(-800)}`);
    assert.ok(counters(log)[0]! >= before, 'the count went on from where it was');
    assert.ok(boots >= 1);
    const figures = /"totalTimeMs":(\d+),"downtimeMs":(\d+)/.exec(m.output() + m.logs())!;
    assert.ok(figures, 'the agent logged QEMU\'s figures');
    process.stdout.write(`# live migration of a 128 MB guest: total ${figures[1]} ms, downtime ${figures[2]} ms\n`);
    await audit();
  });

  it('an aborted live migration leaves the guest running where it was, still counting; the destination QEMU is gone', async () => {
    const source = await hostOf();
    const dest = other(source);
    const pid = qemuPid(source)!;
    // Slowed down so that it cannot finish before the abort.
    const qmp = await QmpClient.connect(join(guestDir(source), 'qmp.sock'));
    await qmp.execute('migrate-set-parameters', { 'max-bandwidth': 256 * 1024 });
    qmp.close();
    await action({ 'os-migrateLive': { host: null, block_migration: 'auto' } }, '2.25');
    // Aborted while QEMU streams the memory (the disk is in step by then).
    const running = await runningLiveMigration(api, serverId);
    const abort = await api('DELETE', `/servers/${serverId}/migrations/${running.id}`, undefined, '2.24');
    assert.equal(abort.status, 202, JSON.stringify(abort.body));
    await m.http.waitMigrations(serverId, (ms) => ms.some((x) => x.id === running.id && x.status === 'cancelled'), 60_000);
    const s = await waitStatus('ACTIVE');
    assert.equal(s['OS-EXT-SRV-ATTR:host'], source);
    assert.equal(qemuPid(source), pid, 'the same QEMU runs the guest');
    const until = Date.now() + 15_000;
    while (existsSync(guestDir(dest)) && Date.now() < until) await sleep(100);
    assert.ok(!existsSync(guestDir(dest)), 'nothing is left on the destination');
    await counterPasses(lastCounter(await consoleLog()));
    await audit();
  });

  it('an agent killed with -9 during a force-completed live migration comes back, cancels the transfer and the guest runs on at the source', async () => {
    const source = await hostOf();
    const dest = other(source);
    const pid = qemuPid(source)!;
    await action({ 'os-migrateLive': { host: null, block_migration: 'auto' } }, '2.25');
    const running = await runningLiveMigration(api, serverId);
    // Force-complete pauses the guest so the copy converges (it cannot at the bandwidth the abort test left).
    const forced = await api('POST', `/servers/${serverId}/migrations/${running.id}/action`, { force_complete: null }, '2.22');
    assert.equal(forced.status, 202, JSON.stringify(forced.body));
    await sleep(1000);
    const ports = m.ports;
    await m.kill();
    m = await startMagnetar({ dataDir, ports, set: SET });
    await m.http.waitMigrations(serverId, (ms) => ms.some((x) => x.id === running.id && x.status === 'error'), 60_000);
    const s = await waitStatus('ACTIVE');
    assert.equal(s['OS-EXT-SRV-ATTR:host'], source);
    assert.equal(qemuPid(source), pid, 'the same QEMU runs the guest');
    await waitGone(guestDir(dest));
    // Not left paused: the guest counts on, and says so.
    await counterPasses(lastCounter(await consoleLog()));
    assert.equal((await waitStatus('ACTIVE'))['OS-EXT-STS:power_state'], 1);
    await audit();
    // QEMU's default speed again for the moves that follow.
    const reset = await QmpClient.connect(join(guestDir(source), 'qmp.sock'));
    await reset.execute('migrate-set-parameters', { 'max-bandwidth': 128 * 1024 * 1024 });
    reset.close();
  });

  it('force-complete pauses a live migration that cannot converge: it completes and the guest runs on at the destination', async () => {
    const source = await hostOf();
    const dest = other(source);
    // A downtime limit the running guest's dirtied pages always exceed.
    const qmp = await QmpClient.connect(join(guestDir(source), 'qmp.sock'));
    await qmp.execute('migrate-set-parameters', { 'max-bandwidth': 16 * 1024 * 1024, 'downtime-limit': 1 });
    qmp.close();
    await action({ 'os-migrateLive': { host: null, block_migration: 'auto' } }, '2.25');
    const running = await runningLiveMigration(api, serverId);
    const r = await api('POST', `/servers/${serverId}/migrations/${running.id}/action`, { force_complete: null }, '2.22');
    assert.equal(r.status, 202, JSON.stringify(r.body));
    await m.http.waitMigrations(serverId, (ms) => ms.some((x) => x.id === running.id && x.status === 'completed'), 60_000);
    const s = await waitStatus('ACTIVE');
    assert.equal(s['OS-EXT-SRV-ATTR:host'], dest);
    assert.equal(s['OS-EXT-STS:power_state'], 1, 'resumed at the destination');
    await counterPasses(lastCounter(await consoleLog()));
    await waitGone(guestDir(source));
    await audit();
  });

  it('with post-copy permitted, force-complete switches a block migration to post-copy: the disk arrives whole, the guest counts on, also across an agent killed meanwhile', async () => {
    const ports = m.ports;
    await m.stop();
    // Permitted from here on: the moves that follow take their destinations' post-copy-ready QEMUs too.
    m = await startMagnetar({ dataDir, ports, set: [...SET, 'qemu.live_migration_permit_post_copy=true'] });
    const source = await hostOf();
    const dest = other(source);
    const sourcePid = qemuPid(source)!;
    const qmp = await QmpClient.connect(join(guestDir(source), 'qmp.sock'));
    // Slow enough that it cannot converge before the force-complete; its post-copy phase takes a few seconds.
    await qmp.execute('migrate-set-parameters', { 'max-bandwidth': 256 * 1024, 'downtime-limit': 300, 'max-postcopy-bandwidth': 12 * 1024 * 1024 });
    // A block beyond the guest's file system, in its own layer: the mirror must carry it to the destination.
    await qmp.execute('human-monitor-command', { 'command-line': 'qemu-io virtio0 "write -P 0x5a 900M 64k"' });
    // The agent holds the monitor during the transfer.
    qmp.close();
    await action({ 'os-migrateLive': { host: null, block_migration: true } }, '2.25');
    const running = await runningLiveMigration(api, serverId);
    const counted = lastCounter(await consoleLog());
    const r = await api('POST', `/servers/${serverId}/migrations/${running.id}/action`, { force_complete: null }, '2.22');
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const listed = await m.http.waitMigrations(serverId, (ms) => ms.some((x) => x.id === running.id && ['running (post-copy)', 'completed'].includes(x.status)), 30_000);
    assert.equal(listed.find((x) => x.id === running.id)?.status, 'running (post-copy)', 'the migration switched to post-copy');
    const abort = await api('DELETE', `/servers/${serverId}/migrations/${running.id}`, undefined, '2.24');
    assert.equal(abort.status, 400, JSON.stringify(abort.body));
    // The guest counts at the destination while its memory is still arriving; the agents are killed then:
    // QEMU carries the transfer on, and the agents back complete the move.
    const destConsole = join(guestDir(dest), 'console.log');
    for (const end = Date.now() + 30_000; !(existsSync(destConsole) && readFileSync(destConsole, 'utf8').includes(COUNTER_LINE)) && Date.now() < end; ) await sleep(50);
    assert.equal((await m.http.waitMigrations(serverId, () => true)).find((x) => x.id === running.id)?.status, 'running (post-copy)', 'still in post-copy');
    await m.kill();
    m = await startMagnetar({ dataDir, ports, set: [...SET, 'qemu.live_migration_permit_post_copy=true'] });
    await m.http.waitMigrations(serverId, (ms) => ms.some((x) => x.id === running.id && x.status === 'completed'), 60_000);
    const s = await waitStatus('ACTIVE');
    assert.equal(s['OS-EXT-SRV-ATTR:host'], dest);
    assert.equal(s['OS-EXT-STS:power_state'], 1);
    await waitGone(guestDir(source));
    const gone = (): boolean => !existsSync(`/proc/${sourcePid}`) || /\) Z /.test(readFileSync(`/proc/${sourcePid}/stat`, 'utf8'));
    for (const end = Date.now() + 5000; !gone() && Date.now() < end; ) await sleep(100);
    assert.ok(gone(), 'the source QEMU is gone');
    // The destination's console starts at the switch-over: counting on from where it was, no boot.
    const log = await counterPasses(counted + 1);
    assert.equal(banners(log), 0, `no reboot; console:\n${log.slice(-800)}`);
    assert.ok(counters(log)[0]! >= counted, 'the count went on from where it was');
    assert.ok(await diskHas(join(guestDir(dest), 'disk'), '0x5a', '900M'), 'the block written at the source is on the destination\'s disk');
    assert.ok(!(await diskHas(join(guestDir(dest), 'disk'), '0x5a', '901M')), 'and only there');
    await audit();
  });

  it('openstack server migrate --live-migration moves it too, without a reboot', async () => {
    const source = await hostOf();
    const dest = other(source);
    const counted = lastCounter(await consoleLog());
    await m.cli.ok(ADMIN, ['server', 'migrate', '--live-migration', '--host', dest, '--wait', serverId], { version: '2.30' });
    const s = await waitStatus('ACTIVE');
    assert.equal(s['OS-EXT-SRV-ATTR:host'], dest);
    const log = await counterPasses(counted);
    assert.equal(banners(log), 0, 'no boot on the destination');
    await waitGone(guestDir(source));
    await audit();
  });

  it('cold migration copies the disk to the other host and boots it there; confirm drops the source copy', async () => {
    const source = await hostOf();
    const dest = other(source);
    const counted = lastCounter(await consoleLog());
    await action({ migrate: null });
    const s = await waitStatus('VERIFY_RESIZE', 90_000);
    assert.equal(s['OS-EXT-SRV-ATTR:host'], dest);
    assert.equal(qemuPid(source), null, 'the source guest is off');
    assert.ok(existsSync(join(guestDir(source), 'disk')), 'its disk is kept until confirm');
    assert.ok(qemuPid(dest) !== null, 'the copy runs on the destination');
    const log = await counterPasses(-1);
    assert.ok(bootCount(log) >= counted, `the disk kept the count (${bootCount(log)} >= ${counted}); console end:\n${log.slice(-1500)}`);
    const r = await api('POST', `/servers/${serverId}/action`, { confirmResize: null });
    assert.equal(r.status, 204, JSON.stringify(r.body));
    await waitStatus('ACTIVE');
    await waitGone(guestDir(source));
    await m.http.waitMigrations(serverId, (ms) => ms.some((x) => x.migration_type === 'migration' && x.status === 'confirmed'));
    await audit();
  });

  it('resize grows the copied disk on the other host; revert boots the source again with its disk as it was', async () => {
    const source = await hostOf();
    const dest = other(source);
    await counterPasses(lastCounter(await consoleLog()));
    const counted = lastCounter(await consoleLog());
    await action({ resize: { flavorRef: biggerFlavorId } });
    await waitStatus('VERIFY_RESIZE', 90_000);
    assert.equal(await hostOf(), dest);
    const info = JSON.parse((await run('qemu-img', ['info', '-U', '--output=json', join(guestDir(dest), 'disk')])).stdout);
    assert.equal(info['virtual-size'], 2 * 1024 ** 3, 'the disk grew to the new flavor\'s 2 GB');
    assert.ok(bootCount(await counterPasses(-1)) >= counted, 'the copy kept the count');
    const bootsBefore = banners(readFileSync(join(guestDir(source), 'console.log'), 'utf8'));
    await action({ revertResize: null });
    const s = await waitStatus('ACTIVE', 90_000);
    assert.equal(s['OS-EXT-SRV-ATTR:host'], source);
    assert.equal(s.flavor.original_name ?? s.flavor.id, 'q.128');
    await waitGone(guestDir(dest));
    assert.ok(qemuPid(source) !== null, 'the source guest runs again');
    const back = JSON.parse((await run('qemu-img', ['info', '-U', '--output=json', join(guestDir(source), 'disk')])).stdout);
    assert.equal(back['virtual-size'], 1024 ** 3, 'the source disk is as it was');
    let log = '';
    for (const end = Date.now() + 60_000; banners(log) <= bootsBefore && Date.now() < end; await sleep(200)) log = await consoleLog();
    assert.ok(banners(log) > bootsBefore, 'the source guest booted again');
    assert.ok(bootCount(log) >= counted, `and kept its count (${bootCount(log)} >= ${counted})`);
    await audit();
  });

  it('evacuate rebuilds the guest of a dead host on the other one; the host back destroys its leftover', async () => {
    const failed = await hostOf();
    const dest = other(failed);
    const crash = await api('POST', `/magnetar/hosts/${failed}/action`, { crash: null });
    assert.equal(crash.status, 200, JSON.stringify(crash.body));
    for (const end = Date.now() + 5000; qemuPid(failed) !== null && Date.now() < end; ) await sleep(50);
    assert.equal(qemuPid(failed), null, 'the host lost power: its QEMU is gone');
    const down = await api('PUT', '/os-services/force-down', { host: failed, binary: 'nova-compute', forced_down: true }, '2.11');
    assert.equal(down.status, 200, JSON.stringify(down.body));
    const evac = await api('POST', `/servers/${serverId}/action`, { evacuate: {} }, '2.29');
    assert.equal(evac.status, 200, JSON.stringify(evac.body));
    const s = await waitStatus('ACTIVE', 90_000);
    assert.equal(s['OS-EXT-SRV-ATTR:host'], dest);
    assert.ok(qemuPid(dest) !== null, 'a QEMU runs the guest on the other host');
    // Rebuilt from the image: a fresh disk counts from 0.
    let log = '';
    for (const end = Date.now() + 60_000; !log.includes(`${BOOT_BANNER} 0`) && Date.now() < end; await sleep(200)) log = await consoleLog();
    assert.ok(log.includes(`${BOOT_BANNER} 0`), 'the evacuated guest booted from the image');
    assert.ok(existsSync(guestDir(failed)), 'the dead host still holds its leftover');
    const start = await api('POST', `/magnetar/hosts/${failed}/action`, { start: null });
    assert.equal(start.status, 200, JSON.stringify(start.body));
    await waitGone(guestDir(failed));
    const up = await api('PUT', '/os-services/force-down', { host: failed, binary: 'nova-compute', forced_down: false }, '2.11');
    assert.equal(up.status, 200, JSON.stringify(up.body));
    await m.http.waitMigrations(serverId, (ms) => ms.some((x) => x.migration_type === 'evacuation' && x.status === 'completed'), 30_000);
    await audit();
  });
});
