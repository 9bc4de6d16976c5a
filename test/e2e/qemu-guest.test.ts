// Real guests on the qemu driver, through the HTTP API: the tiny guest built
// from Debian packages boots in a QEMU process and its serial console is
// read back; stop/start, pause/unpause, suspend/resume and reboot act on it
// for real (its counter stops and goes on, its disk keeps the count); the
// agent is killed with -9 and restarted while the guest runs on, and finds
// it again; rescue and unrescue boot the rescue disk and its own; a live migration that cannot be done leaves it where it was;
// a QEMU that dies makes its server SHUTOFF; delete ends it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startMagnetar, type Magnetar } from './support/magnetar-process.js';
import { skipWithoutQemu } from './support/qemu-tools.js';
import { buildTinyImage, runningQemuPid } from './support/qemu-guests.js';
import { uuidFromName } from '../../src/image/catalog.js';
import { BOOT_BANNER, COUNTER_LINE, POWER_DOWN_LINE } from '../../src/image/tiny/guest-init.js';

const run = promisify(execFile);
const ADMIN = 'magnetar-admin';
const HOSTS = ['qhost1', 'qhost2'];

const skip = skipWithoutQemu;

const SET = [
  'DEFAULT.compute_driver=qemu',
  `magnetar.compute_hosts=${HOSTS.join(',')}`,
  'DEFAULT.shutdown_timeout=10',
  'qemu.wait_soft_reboot_seconds=10',
  'DEFAULT.sync_power_state_interval=1',
  'DEFAULT.periodic_interval=1',
];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('qemu driver: a real guest through the API', { skip, timeout: 240_000 }, () => {
  let m: Magnetar;
  let dataDir: string;
  let imageId: string;
  let flavorId: string;
  let serverId: string;
  let host: string;

  const api = (method: string, path: string, body?: unknown) => m.http.request(ADMIN, method, path, body);
  const action = async (body: unknown): Promise<void> => {
    const r = await api('POST', `/servers/${serverId}/action`, body);
    assert.equal(r.status, 202, JSON.stringify(r.body));
  };
  const waitStatus = (status: string, ms = 60_000) => m.http.waitServer(serverId, (s) => s.status === status && s['OS-EXT-STS:task_state'] === null, ms);
  const consoleLog = async (): Promise<string> => {
    const r = await api('POST', `/servers/${serverId}/action`, { 'os-getConsoleOutput': { length: null } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.output as string;
  };
  /** Waits until the console shows `pattern`; returns the log. */
  const waitConsole = async (pattern: (log: string) => boolean, ms = 60_000): Promise<string> => {
    const end = Date.now() + ms;
    let log = '';
    while (Date.now() < end) {
      log = await consoleLog();
      if (pattern(log)) return log;
      await sleep(200);
    }
    throw new Error(`console did not show what was expected within ${ms} ms; its end:\n${log.slice(-1500)}`);
  };
  const counters = (log: string): number[] => [...log.matchAll(new RegExp(`^${COUNTER_LINE} (\\d+)$`, 'gm'))].map((x) => Number(x[1]));
  const lastCounter = (log: string): number => counters(log).at(-1) ?? -1;
  const banners = (log: string): number => log.split('\n').filter((l) => l.startsWith(BOOT_BANNER)).length;
  /** Waits until the counter has passed `n`. */
  const counterPasses = (n: number) => waitConsole((log) => lastCounter(log) > n);
  const fileBanners = (): number => banners(readFileSync(join(guestDir(), 'console.log'), 'utf8'));
  const until = async (ok: () => boolean, ms = 60_000): Promise<void> => {
    for (const end = Date.now() + ms; !ok(); await sleep(200)) if (Date.now() > end) throw new Error(`not reached within ${ms} ms`);
  };
  const guestDir = (): string => join(dataDir, 'instances', host, serverId);
  const qemuPid = (): number | null => runningQemuPid(guestDir());

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'magnetar-e2e-qemu-'));
    imageId = await buildTinyImage(dataDir);
    m = await startMagnetar({ dataDir, set: SET });
    const f = await api('POST', '/flavors', { flavor: { name: 'q.128', ram: 128, vcpus: 1, disk: 1 } });
    assert.equal(f.status, 200, JSON.stringify(f.body));
    flavorId = f.body.flavor.id;
  });
  after(async () => {
    await m?.stop();
    // Whatever a failed test left running goes with its data directory.
    if (serverId && qemuPid() !== null) process.kill(qemuPid()!, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('boots the tiny guest and shows its real console log; the counter runs', async () => {
    const started = Date.now();
    const r = await api('POST', '/servers', { server: { name: 'tiny', imageRef: imageId, flavorRef: flavorId, networks: 'none' } });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    serverId = r.body.server.id;
    const active = await waitStatus('ACTIVE');
    host = active['OS-EXT-SRV-ATTR:host'];
    assert.ok(HOSTS.includes(host));
    const log = await waitConsole((l) => l.includes(BOOT_BANNER));
    const bootSeconds = (Date.now() - started) / 1000;
    assert.match(log, /Linux version \d/, 'the kernel printed its banner');
    assert.ok(log.includes(`${BOOT_BANNER} 0`), 'a fresh disk starts counting at 0');
    await counterPasses(1);
    assert.ok(qemuPid() !== null, 'a QEMU process runs the guest');
    const tail = await api('POST', `/servers/${serverId}/action`, { 'os-getConsoleOutput': { length: 2 } });
    assert.equal(tail.body.output.split('\n').length, 2, 'length keeps the last lines');
    process.stdout.write(`# boot to first console banner: ${bootSeconds.toFixed(1)} s\n`);
  });

  it('stop powers the guest off through ACPI and start boots it again from the same disk', async () => {
    const before = lastCounter(await consoleLog());
    await action({ 'os-stop': null });
    await waitStatus('SHUTOFF');
    assert.equal(qemuPid(), null, 'QEMU has exited');
    const log = await consoleLog();
    assert.ok(log.includes(POWER_DOWN_LINE), 'the guest saw the power button');
    const kept = lastCounter(log);
    assert.ok(kept >= before);
    await action({ 'os-start': null });
    await waitStatus('ACTIVE');
    const again = await waitConsole((l) => banners(l) === 2);
    const banner = again.split('\n').filter((l) => l.startsWith(BOOT_BANNER)).at(-1)!;
    assert.equal(Number(banner.slice(BOOT_BANNER.length)), kept, 'the disk kept the count across the power cycle');
  });

  it('pause stops the counter and unpause lets it go on', async () => {
    await counterPasses(lastCounter(await consoleLog()));
    await action({ pause: null });
    await waitStatus('PAUSED');
    const frozen = lastCounter(await consoleLog());
    await sleep(2000);
    assert.equal(lastCounter(await consoleLog()), frozen, 'a paused guest does not count');
    await action({ unpause: null });
    await waitStatus('ACTIVE');
    await counterPasses(frozen);
  });

  it('suspend saves the guest to a file and resume goes on from it without a reboot', async () => {
    const boots = banners(await consoleLog());
    await action({ suspend: null });
    await waitStatus('SUSPENDED');
    assert.equal(qemuPid(), null, 'a suspended guest has no QEMU');
    const frozen = lastCounter(await consoleLog());
    await action({ resume: null });
    await waitStatus('ACTIVE');
    const log = await counterPasses(frozen);
    assert.equal(banners(log), boots, 'resumed, not booted');
  });

  it('a soft and a hard reboot each boot the guest again', async () => {
    const boots = banners(await consoleLog());
    await action({ reboot: { type: 'SOFT' } });
    await waitStatus('ACTIVE');
    await waitConsole((l) => banners(l) === boots + 1);
    await action({ reboot: { type: 'HARD' } });
    await waitStatus('ACTIVE');
    await waitConsole((l) => banners(l) === boots + 2);
  });

  it('a snapshot is a standalone qcow2 image of the guest\'s disk', async () => {
    const r = await api('POST', `/servers/${serverId}/action`, { createImage: { name: 'tiny-snap' } });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const snapId: string = r.body.image_id;
    await m.http.waitServer(serverId, (s) => s['OS-EXT-STS:task_state'] === null);
    const image = await m.http.get(ADMIN, `/images/${snapId}`, '2.35');
    assert.equal(image.body.image.status, 'ACTIVE');
    const data = readFileSync(join(dataDir, 'images', `${snapId}.data`));
    assert.equal(data.subarray(0, 4).toString('latin1'), 'QFI\xfb', 'qcow2 magic');
    const info = JSON.parse((await run('qemu-img', ['info', '--output=json', join(dataDir, 'images', `${snapId}.data`)])).stdout);
    assert.equal(info['backing-filename'], undefined, 'no backing file: it stands alone');
    assert.equal(info['virtual-size'], 1024 ** 3, 'the flavor\'s 1 GB root disk');
  });

  it('rebuild gives the guest a fresh disk from the image: it counts from 0 again', async () => {
    await action({ rebuild: { imageRef: imageId } });
    await waitStatus('ACTIVE');
    // The count is read from the start of the line: a kernel message may finish the line after it on the serial console.
    await waitConsole((l) => /^ ?(\d+)/.exec(l.split('\n').filter((x) => x.startsWith(BOOT_BANNER)).at(-1)?.slice(BOOT_BANNER.length) ?? '')?.[1] === '0');
  });

  it('rescue boots the guest from a fresh disk of the image with its own disk beside it; unrescue boots its own disk again', async () => {
    // Counted in the whole log file: the API returns only its last 100 KB.
    const boots = fileBanners();
    const r = await api('POST', `/servers/${serverId}/action`, { rescue: null });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(typeof r.body.adminPass, 'string');
    await waitStatus('RESCUE');
    await until(() => fileBanners() === boots + 1);
    const rescued = await consoleLog();
    assert.equal(rescued.split('\n').filter((x) => x.startsWith(BOOT_BANNER)).at(-1), `${BOOT_BANNER} 0`, 'the rescue disk is fresh');
    const cmdline = readFileSync(`/proc/${qemuPid()}/cmdline`, 'utf8').split('\0');
    const drives = cmdline.filter((a) => a.startsWith('file='));
    assert.equal(drives.length, 2, 'the rescue disk and the guest\'s own');
    assert.match(drives[0]!, /disk\.rescue,/);
    await action({ unrescue: null });
    await waitStatus('ACTIVE');
    await until(() => fileBanners() === boots + 2);
    assert.ok(!existsSync(join(guestDir(), 'disk.rescue')), 'the rescue disk is gone');
    assert.equal(readFileSync(`/proc/${qemuPid()}/cmdline`, 'utf8').split('\0').filter((a) => a.startsWith('file=')).length, 1);
  });

  it('a live migration without block migration between separate instances paths fails its pre-check: the guest runs on where it was', async () => {
    const pid = qemuPid();
    await action({ 'os-migrateLive': { host: null, block_migration: false } });
    const [mig] = await m.http.waitMigrations(serverId, (ms) => ms.some((x) => x.status === 'error'), 30_000);
    assert.equal(mig.source_compute, host);
    const s = await waitStatus('ACTIVE');
    assert.equal(s['OS-EXT-SRV-ATTR:host'], host);
    assert.equal(qemuPid(), pid);
  });

  it('the agent killed with -9 and restarted finds its guest still running', async () => {
    const pid = qemuPid();
    assert.ok(pid !== null);
    const ports = m.ports;
    await m.kill();
    const during = lastCounter(readFileSync(join(guestDir(), 'console.log'), 'utf8'));
    await sleep(1500);
    assert.ok(lastCounter(readFileSync(join(guestDir(), 'console.log'), 'utf8')) > during, 'the guest counts on without its agent');
    m = await startMagnetar({ dataDir, ports, set: SET });
    const s = await waitStatus('ACTIVE');
    assert.equal(s['OS-EXT-STS:power_state'], 1);
    assert.equal(qemuPid(), pid, 'the same QEMU process');
    const boots = banners(await consoleLog());
    await counterPasses(lastCounter(await consoleLog()));
    assert.equal(banners(await consoleLog()), boots, 'no reboot');
    // The re-attached guest is driven as before.
    await action({ pause: null });
    await waitStatus('PAUSED');
    await action({ unpause: null });
    await waitStatus('ACTIVE');
  });

  it('a guest whose QEMU died is found by the power-state sync: the server goes SHUTOFF', async () => {
    process.kill(qemuPid()!, 'SIGKILL');
    await waitStatus('SHUTOFF', 15_000);
  });

  it('delete ends the QEMU process and removes the guest\'s files', async () => {
    await action({ 'os-start': null });
    await waitStatus('ACTIVE');
    const pid = qemuPid();
    assert.ok(pid !== null);
    const r = await api('DELETE', `/servers/${serverId}`);
    assert.equal(r.status, 204);
    await m.http.waitServer(serverId, (s) => s.gone === true, 30_000);
    assert.ok(!existsSync(`/proc/${pid}`) || /\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8')), 'QEMU is gone');
    assert.ok(!existsSync(guestDir()), 'the guest directory is removed');
  });

  it('a server from an image without data fails to build, with the reason as its fault', async () => {
    const r = await api('POST', '/servers', { server: { name: 'no-data', imageRef: uuidFromName('cirros'), flavorRef: flavorId, networks: 'none' } });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const failed = await m.http.waitServer(r.body.server.id, (s) => s.status === 'ERROR');
    assert.match(failed.fault.message, /has no data to boot from/);
    assert.equal(failed['OS-EXT-SRV-ATTR:host'], null);
  });
});
