// A resize to the same host on the qemu driver (`allow_resize_to_same_host`,
// one compute host): the guest is powered off, its disk and record are kept
// in `<instance dir>_resize`, and it boots from its own directory with the
// new flavor, its disk grown in place. Revert boots the kept disk again —
// the count it had when it was powered off, not what the resized guest
// counted since — and confirm drops the kept copy while the resized guest
// runs on. An agent killed with -9 in the middle of a resize comes back and
// finishes it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startMagnetar, type Magnetar } from './support/magnetar-process.js';
import { skipWithoutQemu } from './support/qemu-tools.js';
import { buildTinyImage, runningQemuPid, auditUntilClean } from './support/qemu-guests.js';
import { BOOT_BANNER, COUNTER_LINE } from '../../src/image/tiny/guest-init.js';

const run = promisify(execFile);
const ADMIN = 'magnetar-admin';
const HOST = 'rhost1';
const SET = ['DEFAULT.compute_driver=qemu', `magnetar.compute_hosts=${HOST}`, 'DEFAULT.allow_resize_to_same_host=true', 'DEFAULT.shutdown_timeout=5', 'DEFAULT.sync_power_state_interval=1'];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('qemu driver: resize to the same host', { skip: skipWithoutQemu, timeout: 240_000 }, () => {
  let m: Magnetar;
  let dataDir: string;
  let flavors: Record<string, string>;
  let serverId: string;

  const api = (method: string, path: string, body?: unknown, version?: string) => m.http.request(ADMIN, method, path, body, version);
  const action = async (body: unknown): Promise<void> => {
    const r = await api('POST', `/servers/${serverId}/action`, body);
    assert.ok(r.status === 202 || r.status === 204, JSON.stringify(r.body));
  };
  const waitStatus = (status: string, ms = 90_000) => m.http.waitServer(serverId, (s) => s.status === status && s['OS-EXT-STS:task_state'] === null, ms);
  const consoleLog = async (): Promise<string> => {
    const r = await api('POST', `/servers/${serverId}/action`, { 'os-getConsoleOutput': { length: null } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.output as string;
  };
  const counters = (log: string): number[] => [...log.matchAll(new RegExp(`^${COUNTER_LINE} (\\d+)$`, 'gm'))].map((x) => Number(x[1]));
  const lastCounter = (log: string): number => counters(log).at(-1) ?? -1;
  /** The counts the boots printed, from whole lines only (the console may be read mid-line). */
  const bootCounts = (log: string): number[] => [...log.matchAll(new RegExp(`^${BOOT_BANNER} (\\d+)\\r?\\n`, 'gm'))].map((x) => Number(x[1]));
  const banners = (log: string): number => bootCounts(log).length;
  /** The count the disk kept, as the last boot printed it. */
  const bootCount = (log: string): number => bootCounts(log).at(-1)!;
  const counterPasses = async (n: number, ms = 60_000): Promise<string> => {
    let log = '';
    for (const end = Date.now() + ms; Date.now() < end; await sleep(200)) {
      log = await consoleLog();
      if (lastCounter(log) > n) return log;
    }
    throw new Error(`the counter did not pass ${n}; console end:\n${log.slice(-1500)}`);
  };
  /** Waits for a boot after the `seen`-th one and returns the console then. */
  const bootAfter = async (seen: number): Promise<string> => {
    let log = '';
    for (const end = Date.now() + 60_000; Date.now() < end; await sleep(200)) {
      log = await consoleLog();
      if (banners(log) > seen) return log;
    }
    throw new Error(`no new boot; console end:\n${log.slice(-1500)}`);
  };
  const guestDir = (): string => join(dataDir, 'instances', HOST, serverId);
  const keptDir = (): string => `${guestDir()}_resize`;
  const qemuPid = (): number | null => runningQemuPid(guestDir());
  const diskSize = async (path: string): Promise<number> => JSON.parse((await run('qemu-img', ['info', '-U', '--output=json', path])).stdout)['virtual-size'];
  const audit = (): Promise<void> => auditUntilClean(api);

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'magnetar-e2e-qemu-same-host-'));
    const imageId = await buildTinyImage(dataDir);
    m = await startMagnetar({ dataDir, set: SET });
    flavors = {};
    for (const [name, disk] of [['q.128', 1], ['q.128.disk2', 2], ['q.128.disk3', 3]] as const) {
      const f = await api('POST', '/flavors', { flavor: { name, ram: 128, vcpus: 1, disk } });
      assert.equal(f.status, 200, JSON.stringify(f.body));
      flavors[name] = f.body.flavor.id;
    }
    const r = await api('POST', '/servers', { server: { name: 'grower', imageRef: imageId, flavorRef: flavors['q.128'], networks: 'none' } });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    serverId = r.body.server.id;
    await waitStatus('ACTIVE');
    await counterPasses(2);
  });
  after(async () => {
    await m?.stop();
    if (serverId && qemuPid() !== null) process.kill(qemuPid()!, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('resize to the same host grows the disk in place and keeps the old one; revert boots the kept disk as it was', async () => {
    const boots = banners(await consoleLog());
    await action({ resize: { flavorRef: flavors['q.128.disk2'] } });
    const s = await waitStatus('VERIFY_RESIZE');
    assert.equal(s['OS-EXT-SRV-ATTR:host'], HOST);
    assert.equal(s.flavor.original_name ?? s.flavor.id, 'q.128.disk2');
    assert.equal(await diskSize(join(guestDir(), 'disk')), 2 * 1024 ** 3, "the disk grew to the new flavor's 2 GB");
    assert.equal(await diskSize(join(keptDir(), 'disk')), 1024 ** 3, 'the old disk is kept beside it');
    assert.ok(qemuPid() !== null, 'the resized guest runs');
    const resized = await bootAfter(boots);
    const keptCount = bootCount(resized);
    assert.ok(keptCount > 2, `the disk kept the count (${keptCount})`);
    // The resized guest counts on; a revert forgets what it counted.
    const counted = lastCounter(await counterPasses(keptCount + 3));
    const bootsBefore = banners(await consoleLog());
    await action({ revertResize: null });
    const back = await waitStatus('ACTIVE');
    assert.equal(back['OS-EXT-SRV-ATTR:host'], HOST);
    assert.equal(back.flavor.original_name ?? back.flavor.id, 'q.128');
    assert.ok(!existsSync(keptDir()), 'the kept copy is back in place');
    assert.equal(await diskSize(join(guestDir(), 'disk')), 1024 ** 3, 'the disk is as it was');
    const log = await bootAfter(bootsBefore);
    assert.equal(bootCount(log), keptCount, `the kept disk booted: the count it had when powered off (${keptCount}), not the resized guest's ${counted}`);
    await counterPasses(keptCount);
    const [mig] = await m.http.waitMigrations(serverId, (ms) => ms.some((x) => x.status === 'reverted'));
    assert.equal(mig.source_compute, HOST);
    assert.equal(mig.dest_compute, HOST);
    await audit();
  });

  it('resize to the same host then confirm: the kept copy goes, the resized guest runs on with its count', async () => {
    const boots = banners(await consoleLog());
    await action({ resize: { flavorRef: flavors['q.128.disk2'] } });
    await waitStatus('VERIFY_RESIZE');
    assert.ok(existsSync(join(keptDir(), 'disk')));
    const log = await bootAfter(boots);
    const count = bootCount(log);
    const pid = qemuPid();
    assert.ok(pid !== null);
    await action({ confirmResize: null });
    const s = await waitStatus('ACTIVE');
    assert.equal(s.flavor.original_name ?? s.flavor.id, 'q.128.disk2');
    await m.http.waitMigrations(serverId, (ms) => ms.some((x) => x.status === 'confirmed'));
    assert.ok(!existsSync(keptDir()), 'the kept copy is dropped');
    assert.equal(qemuPid(), pid, 'the same QEMU runs on');
    assert.equal(await diskSize(join(guestDir(), 'disk')), 2 * 1024 ** 3);
    await counterPasses(count + 1);
    await audit();
  });

  it('an agent killed with -9 while the guest boots with its new flavor comes back and finishes the resize', async () => {
    const boots = banners(await consoleLog());
    await action({ resize: { flavorRef: flavors['q.128.disk3'] } });
    // Killed once the old disk is kept, while the move is under way.
    for (const end = Date.now() + 60_000; !existsSync(join(keptDir(), 'disk')) && Date.now() < end; ) await sleep(20);
    assert.ok(existsSync(join(keptDir(), 'disk')), 'the old disk was kept');
    const ports = m.ports;
    await m.kill();
    m = await startMagnetar({ dataDir, ports, set: SET });
    await waitStatus('VERIFY_RESIZE');
    assert.equal(await diskSize(join(guestDir(), 'disk')), 3 * 1024 ** 3);
    const count = bootCount(await bootAfter(boots));
    await action({ confirmResize: null });
    await waitStatus('ACTIVE');
    assert.ok(!existsSync(keptDir()));
    await counterPasses(count + 1);
    await audit();
  });
});
