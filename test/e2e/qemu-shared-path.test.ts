// Two qemu hosts of one machine with one instances path (`[DEFAULT]
// instances_path` without $host) share their guests' storage: a live
// migration moves only the memory — the destination's QEMU opens the same
// disk — and the guest counts on without a reboot, there and back again;
// its directory stays where it is, now the destination's. A cold migration
// or resize leaves the disk where it is too: the source powers the guest
// off and keeps a copy of its disk in `<instance dir>_resize` for a revert,
// and the destination boots the same disk file (grown for a resize);
// confirm drops the copy, revert puts it back and the source boots it. An evacuation
// starts the guest on the other host from its own disk (Nova's
// on_shared_storage, found by the destination from 2.14), and the failed
// host, back, leaves the shared files alone. With
// `[qemu] live_migration_permit_post_copy` a live migration slowed down is
// switched to post-copy by force-complete: the guest counts on at the
// destination while its memory is still arriving, an abort is refused then,
// and the migration completes — also when the agents are killed with -9 in
// post-copy: QEMU carries the transfer on, and the agents back complete it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startMagnetar, type Magnetar } from './support/magnetar-process.js';
import { skipWithoutQemu } from './support/qemu-tools.js';
import { buildTinyImage, auditUntilClean, runningLiveMigration } from './support/qemu-guests.js';
import { BOOT_BANNER, COUNTER_LINE } from '../../src/image/tiny/guest-init.js';
import { GuestFiles } from '../../src/virt/qemu/guest-files.js';
import { QmpClient } from '../../src/virt/qemu/qmp.js';

const run = promisify(execFile);
const ADMIN = 'magnetar-admin';
const HOSTS = ['shost1', 'shost2'];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('qemu driver: hosts sharing one instances path', { skip: skipWithoutQemu, timeout: 180_000 }, () => {
  let m: Magnetar;
  let dataDir: string;
  let instances: string;
  let serverId: string;
  let biggerFlavorId: string;

  const api = (method: string, path: string, body?: unknown, version?: string) => m.http.request(ADMIN, method, path, body, version);
  const consoleLog = async (): Promise<string> => {
    const r = await api('POST', `/servers/${serverId}/action`, { 'os-getConsoleOutput': { length: null } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.output as string;
  };
  const counters = (log: string): number[] => [...log.matchAll(new RegExp(`^${COUNTER_LINE} (\\d+)$`, 'gm'))].map((x) => Number(x[1]));
  const banners = (log: string): number => log.split('\n').filter((l) => l.startsWith(BOOT_BANNER)).length;
  const counterPasses = async (n: number, ms = 60_000): Promise<string> => {
    let log = '';
    for (const end = Date.now() + ms; Date.now() < end; await sleep(200)) {
      log = await consoleLog();
      if ((counters(log).at(-1) ?? -1) > n) return log;
    }
    throw new Error(`the counter did not pass ${n}; console end:\n${log.slice(-1500)}`);
  };
  const settings = (): string[] => [
    'DEFAULT.compute_driver=qemu',
    `magnetar.compute_hosts=${HOSTS.join(',')}`,
    `DEFAULT.instances_path=${instances}`,
    'DEFAULT.shutdown_timeout=5',
    'qemu.live_migration_permit_post_copy=true',
  ];
  const guestDir = (): string => join(instances, serverId);
  const record = (): { host: string; slot?: string } => JSON.parse(readFileSync(join(guestDir(), 'guest.json'), 'utf8'));
  const alive = (pidFile: string): number | null => {
    try {
      const pid = Number(readFileSync(join(guestDir(), pidFile), 'utf8').trim());
      return existsSync(`/proc/${pid}`) && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8')) ? pid : null;
    } catch {
      return null;
    }
  };
  const server = async (): Promise<any> => (await api('GET', `/servers/${serverId}`)).body.server;
  const pidFileNow = (): string => (record().slot === 'b' ? 'qemu.b.pid' : 'qemu.pid');
  const keptDir = (): string => `${guestDir()}_resize`;
  /** The counts the boots printed, from whole lines only (the console may be read mid-line). */
  const bootCounts = (log: string): number[] => [...log.matchAll(new RegExp(`^${BOOT_BANNER} (\\d+)\\r?\\n`, 'gm'))].map((x) => Number(x[1]));
  const banner = (log: string): number => bootCounts(log).at(-1)!;
  const bootAfter = async (seen: number): Promise<string> => {
    let log = '';
    for (const end = Date.now() + 60_000; Date.now() < end; await sleep(200)) {
      log = await consoleLog();
      if (bootCounts(log).length > seen) return log;
    }
    throw new Error(`no new boot; console end:\n${log.slice(-1500)}`);
  };
  const diskSize = async (path: string): Promise<number> => JSON.parse((await run('qemu-img', ['info', '-U', '--output=json', path])).stdout)['virtual-size'];
  const audit = (): Promise<void> => auditUntilClean(api);
  const action = async (body: unknown): Promise<void> => {
    const r = await api('POST', `/servers/${serverId}/action`, body);
    assert.ok(r.status === 202 || r.status === 204, JSON.stringify(r.body));
  };
  const settled = (status: string, host: string) =>
    m.http.waitServer(serverId, (x) => x.status === status && x['OS-EXT-STS:task_state'] === null && x['OS-EXT-SRV-ATTR:host'] === host, 90_000);

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'magnetar-e2e-qemu-shared-'));
    instances = join(dataDir, 'shared-instances');
    const imageId = await buildTinyImage(dataDir);
    m = await startMagnetar({ dataDir, set: settings() });
    const f = await api('POST', '/flavors', { flavor: { name: 'q.128', ram: 128, vcpus: 1, disk: 1 } });
    assert.equal(f.status, 200, JSON.stringify(f.body));
    const g = await api('POST', '/flavors', { flavor: { name: 'q.128.disk2', ram: 128, vcpus: 1, disk: 2 } });
    assert.equal(g.status, 200, JSON.stringify(g.body));
    biggerFlavorId = g.body.flavor.id;
    const r = await api('POST', '/servers', { server: { name: 'sharer', imageRef: imageId, flavorRef: f.body.flavor.id, networks: 'none' } }, '2.37');
    assert.equal(r.status, 202, JSON.stringify(r.body));
    serverId = r.body.server.id;
    await m.http.waitServer(serverId, (s) => s.status === 'ACTIVE', 60_000);
    await counterPasses(1);
  });
  after(async () => {
    await m?.stop();
    for (const p of ['qemu.pid', 'qemu.b.pid']) if (serverId && alive(p) !== null) process.kill(alive(p)!, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('live migration moves only the memory: the same disk, no reboot, there and back', async () => {
    for (const [i, blockMigration] of ([false, 'auto'] as const).entries()) {
      const source = (await server())['OS-EXT-SRV-ATTR:host'];
      const dest = HOSTS.find((h) => h !== source)!;
      const sourcePid = alive(i === 0 ? 'qemu.pid' : 'qemu.b.pid');
      assert.ok(sourcePid !== null, 'the source QEMU runs');
      const before = counters(await consoleLog()).at(-1)!;
      const r = await api('POST', `/servers/${serverId}/action`, { 'os-migrateLive': { host: null, block_migration: blockMigration } }, '2.25');
      assert.equal(r.status, 202, JSON.stringify(r.body));
      const s = await m.http.waitServer(serverId, (x) => x['OS-EXT-STS:task_state'] === null && x['OS-EXT-SRV-ATTR:host'] === dest, 60_000);
      assert.equal(s.status, 'ACTIVE');
      const [mig] = await m.http.waitMigrations(serverId, (ms) => ms.filter((x) => x.status === 'completed').length === i + 1);
      assert.equal(mig.migration_type, 'live-migration');
      // The source's QEMU quits; the directory stays, the destination's now, its QEMU in the other set of files.
      for (const end = Date.now() + 15_000; existsSync(`/proc/${sourcePid}`) && !/\) Z /.test(readFileSync(`/proc/${sourcePid}/stat`, 'utf8')) && Date.now() < end; ) await sleep(100);
      assert.ok(!existsSync(`/proc/${sourcePid}`) || /\) Z /.test(readFileSync(`/proc/${sourcePid}/stat`, 'utf8')), 'the source QEMU is gone');
      assert.ok(existsSync(join(guestDir(), 'disk')), 'the disk stays in the shared path');
      assert.equal(record().host, dest);
      assert.equal(record().slot, i === 0 ? 'b' : 'a');
      assert.ok(alive(i === 0 ? 'qemu.b.pid' : 'qemu.pid') !== null, 'the destination QEMU runs the guest');
      const log = await counterPasses(before + 1);
      assert.equal(banners(log.slice(log.lastIndexOf(`${COUNTER_LINE} ${before}`))), 0, 'no reboot: the guest went on counting');
    }
    // Both hosts agree on where the guest is.
    let last: any;
    for (const end = Date.now() + 15_000; Date.now() < end; await sleep(300)) {
      last = (await api('GET', '/magnetar/audit?strict=true')).body;
      if (last?.audit?.findings?.length === 0) break;
    }
    assert.deepEqual(last?.audit?.findings, []);
  });

  it('force-complete switches a slowed live migration to post-copy: the guest runs on at the destination at once, abort is refused, it completes', async () => {
    const source = (await server())['OS-EXT-SRV-ATTR:host'];
    const dest = HOSTS.find((h) => h !== source)!;
    const sourcePidFile = pidFileNow();
    const sourcePid = alive(sourcePidFile)!;
    const boots = bootCounts(await consoleLog()).length;
    // Slow enough that it cannot converge before the force-complete, and its post-copy phase long enough to watch.
    const qmp = await QmpClient.connect(new GuestFiles(guestDir()).qmpSocket);
    await qmp.execute('migrate-set-parameters', { 'max-bandwidth': 256 * 1024, 'max-postcopy-bandwidth': 2 * 1024 * 1024 });
    qmp.close();
    await action({ 'os-migrateLive': { host: null, block_migration: false } });
    const running = await runningLiveMigration(api, serverId);
    const r = await api('POST', `/servers/${serverId}/migrations/${running.id}/action`, { force_complete: null }, '2.22');
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const [postCopy] = await m.http.waitMigrations(serverId, (ms) => ms.some((x) => x.id === running.id && x.status === 'running (post-copy)'), 30_000);
    assert.ok(postCopy);
    // No way back now: Nova refuses an abort (and another force-complete) in post-copy.
    const abort = await api('DELETE', `/servers/${serverId}/migrations/${running.id}`, undefined, '2.24');
    assert.equal(abort.status, 400, JSON.stringify(abort.body));
    assert.match(abort.body.badRequest.message, /is running \(post-copy\)\. Cannot abort live migration while the migration is in this state\./);
    // The guest counts on at the destination while its memory is still arriving.
    const switched = counters(await consoleLog()).at(-1)!;
    let countedDuring = false;
    for (const end = Date.now() + 60_000; !countedDuring && Date.now() < end; await sleep(200)) {
      const status = (await m.http.waitMigrations(serverId, () => true)).find((x) => x.id === running.id)?.status;
      const counted = counters(await consoleLog()).at(-1)!;
      if (counted > switched && status === 'running (post-copy)') countedDuring = true;
      if (status === 'completed') break;
    }
    assert.ok(countedDuring, 'the guest counted on at the destination while in post-copy');
    const [done] = await m.http.waitMigrations(serverId, (ms) => ms.some((x) => x.id === running.id && x.status === 'completed'), 90_000);
    assert.ok(done);
    const s = await settled('ACTIVE', dest);
    assert.equal(s['OS-EXT-STS:power_state'], 1);
    assert.equal(record().host, dest);
    for (const end = Date.now() + 15_000; alive(sourcePidFile) === sourcePid && Date.now() < end; ) await sleep(100);
    assert.notEqual(alive(sourcePidFile), sourcePid, 'the source QEMU is gone');
    assert.ok(alive(pidFileNow()) !== null, 'a QEMU runs the guest on the destination');
    const log = await counterPasses(switched + 2);
    assert.equal(bootCounts(log).length, boots, 'no reboot: the guest went on counting');
    await audit();
  });

  it('agents killed with -9 in post-copy come back: QEMU finished the transfer alone, and the move completes at the destination', async () => {
    const source = (await server())['OS-EXT-SRV-ATTR:host'];
    const dest = HOSTS.find((h) => h !== source)!;
    const sourcePidFile = pidFileNow();
    const sourcePid = alive(sourcePidFile)!;
    const boots = bootCounts(await consoleLog()).length;
    const qmp = await QmpClient.connect(new GuestFiles(guestDir()).qmpSocket);
    await qmp.execute('migrate-set-parameters', { 'max-bandwidth': 256 * 1024, 'max-postcopy-bandwidth': 8 * 1024 * 1024 });
    qmp.close();
    await action({ 'os-migrateLive': { host: null, block_migration: false } });
    const running = await runningLiveMigration(api, serverId);
    const r = await api('POST', `/servers/${serverId}/migrations/${running.id}/action`, { force_complete: null }, '2.22');
    assert.equal(r.status, 202, JSON.stringify(r.body));
    await m.http.waitMigrations(serverId, (ms) => ms.some((x) => x.id === running.id && x.status === 'running (post-copy)'), 30_000);
    const ports = m.ports;
    await m.kill();
    m = await startMagnetar({ dataDir, ports, set: settings() });
    await m.http.waitMigrations(serverId, (ms) => ms.some((x) => x.id === running.id && x.status === 'completed'), 120_000);
    const s = await settled('ACTIVE', dest);
    assert.equal(s['OS-EXT-STS:power_state'], 1);
    assert.equal(record().host, dest);
    for (const end = Date.now() + 15_000; alive(sourcePidFile) === sourcePid && Date.now() < end; ) await sleep(100);
    assert.notEqual(alive(sourcePidFile), sourcePid, 'the source QEMU is gone');
    const log = await counterPasses(counters(await consoleLog()).at(-1)!);
    assert.equal(bootCounts(log).length, boots, 'no reboot: the guest went on counting');
    await audit();
  });

  it('cold migration boots the same disk on the other host, a copy kept until confirm drops it', async () => {
    const source = (await server())['OS-EXT-SRV-ATTR:host'];
    const dest = HOSTS.find((h) => h !== source)!;
    const disk = statSync(join(guestDir(), 'disk')).ino;
    const boots = bootCounts(await consoleLog()).length;
    await action({ migrate: null });
    await settled('VERIFY_RESIZE', dest);
    assert.equal(record().host, dest, 'the destination took the guest over');
    assert.equal(statSync(join(guestDir(), 'disk')).ino, disk, 'the same disk file, not a copy');
    assert.ok(existsSync(join(keptDir(), 'disk')), 'the source keeps a copy for a revert');
    assert.ok(alive(pidFileNow()) !== null, 'the guest runs on the destination');
    const count = banner(await bootAfter(boots));
    assert.ok(count > 0, 'it booted from its own disk');
    await action({ confirmResize: null });
    await settled('ACTIVE', dest);
    await m.http.waitMigrations(serverId, (ms) => ms.some((x) => x.migration_type === 'migration' && x.status === 'confirmed'));
    assert.ok(!existsSync(keptDir()), 'confirm drops the kept copy');
    assert.equal(record().host, dest);
    await counterPasses(count + 1);
    await audit();
  });

  it('resize grows the disk in place on the other host; revert puts the kept disk back and the source boots it', async () => {
    const source = (await server())['OS-EXT-SRV-ATTR:host'];
    const dest = HOSTS.find((h) => h !== source)!;
    const boots = bootCounts(await consoleLog()).length;
    await action({ resize: { flavorRef: biggerFlavorId } });
    await settled('VERIFY_RESIZE', dest);
    assert.equal(record().host, dest);
    assert.equal(await diskSize(join(guestDir(), 'disk')), 2 * 1024 ** 3, 'the disk grew in place');
    assert.equal(await diskSize(join(keptDir(), 'disk')), 1024 ** 3, 'the kept copy is as it was');
    const resized = await bootAfter(boots);
    const kept = banner(resized);
    await counterPasses(kept + 2);
    const again = bootCounts(await consoleLog()).length;
    await action({ revertResize: null });
    const s = await settled('ACTIVE', source);
    assert.equal(s.flavor.original_name ?? s.flavor.id, 'q.128');
    assert.equal(record().host, source, 'the guest is the source host\'s again');
    assert.ok(!existsSync(keptDir()));
    assert.equal(await diskSize(join(guestDir(), 'disk')), 1024 ** 3, 'the disk is as it was');
    const log = await bootAfter(again);
    assert.equal(banner(log), kept, 'the kept disk booted, with the count it had when the source powered it off');
    assert.ok(alive(pidFileNow()) !== null);
    await m.http.waitMigrations(serverId, (ms) => ms.some((x) => x.migration_type === 'resize' && x.status === 'reverted'));
    await counterPasses(kept + 1);
    await audit();
  });

  it('evacuate starts the guest on the other host from its own disk; a caller who says the files are not shared is refused', async () => {
    const failed = (await server())['OS-EXT-SRV-ATTR:host'];
    const dest = HOSTS.find((h) => h !== failed)!;
    const pidFile = record().slot === 'b' ? 'qemu.b.pid' : 'qemu.pid';
    const counted = counters(await consoleLog()).at(-1)!;
    const crash = await api('POST', `/magnetar/hosts/${failed}/action`, { crash: null });
    assert.equal(crash.status, 200, JSON.stringify(crash.body));
    for (const end = Date.now() + 5000; alive(pidFile) !== null && Date.now() < end; ) await sleep(50);
    assert.equal(alive(pidFile), null, 'the host lost power: its QEMU is gone');
    const down = await api('PUT', '/os-services/force-down', { host: failed, binary: 'nova-compute', forced_down: true }, '2.11');
    assert.equal(down.status, 200, JSON.stringify(down.body));

    // Below 2.14 the caller's word must match what the destination finds (Nova's InvalidSharedStorage).
    const wrong = await api('POST', `/servers/${serverId}/action`, { evacuate: { onSharedStorage: false } }, '2.13');
    assert.equal(wrong.status, 200, JSON.stringify(wrong.body));
    const refused = await m.http.waitServer(serverId, (x) => x.status === 'ERROR', 30_000);
    assert.equal(refused['OS-EXT-SRV-ATTR:host'], failed);
    assert.match(refused.fault.message, /Invalid state of instance files on shared storage/);
    assert.equal(record().host, failed, 'the files are untouched');

    // From 2.14 the destination finds the files itself.
    const evac = await api('POST', `/servers/${serverId}/action`, { evacuate: {} }, '2.29');
    assert.equal(evac.status, 200, JSON.stringify(evac.body));
    const s = await m.http.waitServer(serverId, (x) => x.status === 'ACTIVE' && x['OS-EXT-STS:task_state'] === null, 90_000);
    assert.equal(s['OS-EXT-SRV-ATTR:host'], dest);
    assert.equal(record().host, dest);
    // Its own disk: the count it kept goes on (a disk from the image would count from 0).
    let boot = -1;
    for (const end = Date.now() + 60_000; boot < 0 && Date.now() < end; await sleep(200)) {
      const log = await consoleLog();
      const last = [...log.matchAll(new RegExp(`^${BOOT_BANNER} (\\d+)\\r?\\n`, 'gm'))].at(-1);
      if (last && last.index! > log.lastIndexOf(`${COUNTER_LINE} ${counted}\n`)) boot = Number(last[1]);
    }
    // The host lost power: the last counts the guest wrote may still have been in its page cache (flushed every 5 s).
    assert.ok(boot >= counted - 6 && boot > 0, `booted from its own disk with the count at ${boot} (it was at ${counted})`);

    // The failed host comes back: the shared files are the other host's now, and stay.
    const start = await api('POST', `/magnetar/hosts/${failed}/action`, { start: null });
    assert.equal(start.status, 200, JSON.stringify(start.body));
    const up = await api('PUT', '/os-services/force-down', { host: failed, binary: 'nova-compute', forced_down: false }, '2.11');
    assert.equal(up.status, 200, JSON.stringify(up.body));
    await m.http.waitMigrations(serverId, (ms) => ms.some((x) => x.migration_type === 'evacuation' && x.status === 'completed'), 30_000);
    assert.ok(existsSync(join(guestDir(), 'disk')), 'the disk stays');
    assert.equal(record().host, dest);
    await counterPasses(boot + 1);
  });
});
