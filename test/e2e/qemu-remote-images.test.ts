// A compute host on "another machine": `magnetar compute --host` with the
// qemu driver and a state directory of its own, beside `magnetar api`,
// scheduler and conductor on PostgreSQL and RabbitMQ. It cannot read the
// image store, so it downloads the tiny guest's disk, kernel and ramdisk
// through the image API (as the [glance] service user) into its own cache,
// and boots it for real. A snapshot of the guest goes the other way: the
// host uploads the disk through the image API (PUT /v2/images/{id}/file, as
// Glance v2), and the rotation of backups deletes the oldest through it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DistributedCloud } from './support/distributed-cloud.js';
import { skipWithoutQemu } from './support/qemu-tools.js';
import { buildTinyImage } from './support/qemu-guests.js';
import { BOOT_BANNER } from '../../src/image/tiny/guest-init.js';

const HOST = 'remote-q';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('qemu driver: a compute host without the image store fetches images over HTTP', { skip: skipWithoutQemu, timeout: 240_000 }, () => {
  const d = new DistributedCloud();
  const computeDir = mkdtempSync(join(tmpdir(), 'magnetar-remote-compute-'));
  d.roleDataDirs.set(`compute:${HOST}`, computeDir);
  let imageId = '';
  let serverId = '';

  const guestPids = (): number[] => {
    const dir = join(computeDir, 'instances', HOST);
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .map((g) => join(dir, g, 'qemu.pid'))
      .filter((p) => existsSync(p))
      .map((p) => Number(readFileSync(p, 'utf8').trim()))
      .filter((pid) => pid > 0 && existsSync(`/proc/${pid}`));
  };

  before(async () => {
    imageId = await buildTinyImage(d.dir);
    await d.start(['api', 'scheduler', 'conductor', `compute:${HOST}`], [
      'DEFAULT.compute_driver=qemu',
      'DEFAULT.shutdown_timeout=5',
      'DEFAULT.sync_power_state_interval=1',
      'DEFAULT.periodic_interval=1',
    ]);
  });
  after(async () => {
    // A QEMU outlives its agent by design: whatever a failed test left is ended here.
    for (const pid of guestPids()) process.kill(pid, 'SIGKILL');
    await d.stop();
  });

  it('boots the tiny guest from images downloaded into the host\'s own cache', async () => {
    assert.ok(!existsSync(join(computeDir, 'images')), 'the compute host has no image store of its own');
    const f = await d.api('POST', '/flavors', { flavor: { name: 'q.96', ram: 96, vcpus: 1, disk: 1 } });
    assert.equal(f.status, 200, JSON.stringify(f.body));
    const r = await d.api('POST', '/servers', { server: { name: 'remote-tiny', imageRef: imageId, flavorRef: f.body.flavor.id, networks: 'none' } });
    assert.equal(r.status, 202, JSON.stringify(r.body));
    serverId = r.body.server.id;
    const active = await d.waitFor(`/servers/${serverId}`, (x) => x.body?.server?.status === 'ACTIVE' || x.body?.server?.status === 'ERROR', 90_000);
    assert.equal(active.body.server.status, 'ACTIVE', JSON.stringify(active.body.server.fault ?? active.body.server));
    assert.equal(active.body.server['OS-EXT-SRV-ATTR:host'], HOST);

    // Disk, kernel and ramdisk came over HTTP, whole: three cached files, no partial one.
    const cache = readdirSync(join(computeDir, 'cache', 'images')).sort();
    assert.equal(cache.length, 3, cache.join(' '));
    assert.ok(cache.includes(imageId));
    assert.ok(!cache.some((c) => c.endsWith('.part')));
    assert.ok(!existsSync(join(computeDir, 'images')), 'no image store was made on the compute host');

    // The guest is real: its own serial console shows it booted.
    let log = '';
    for (const end = Date.now() + 60_000; Date.now() < end && !log.includes(BOOT_BANNER); await sleep(300)) {
      const c = await d.api('POST', `/servers/${serverId}/action`, { 'os-getConsoleOutput': { length: null } });
      assert.equal(c.status, 200, JSON.stringify(c.body));
      log = c.body.output as string;
    }
    assert.match(log, /Linux version \d/);
    assert.ok(log.includes(BOOT_BANNER), `no boot banner in:\n${log.slice(-1500)}`);
    assert.equal(guestPids().length, 1, 'one QEMU runs the guest');
  });

  /** One request to the image API, as the admin. */
  const image = async (method: string, path: string): Promise<{ status: number; body: any; bytes: Buffer }> => {
    const token = await d.adminToken();
    const base = await imageUrl(token);
    const r = await fetch(`${base}${path}`, { method, headers: { 'X-Auth-Token': token } });
    const bytes = Buffer.from(await r.arrayBuffer());
    const text = bytes.toString('utf8');
    return { status: r.status, bytes, body: r.headers.get('content-type')?.includes('json') && text ? JSON.parse(text) : undefined };
  };
  let imageBase = '';
  const imageUrl = async (token: string): Promise<string> => {
    if (imageBase) return imageBase;
    const cat = (await (await fetch(`${d.identityUrl}/v3/auth/catalog`, { headers: { 'X-Auth-Token': token } })).json()) as any;
    imageBase = cat.catalog.find((e: any) => e.type === 'image').endpoints[0].url.replace(/\/v2$/, '');
    return imageBase;
  };
  const waitTaskDone = () => d.waitFor(`/servers/${serverId}`, (x) => x.body?.server?.['OS-EXT-STS:task_state'] === null, 90_000);

  it('createImage uploads the guest\'s disk through the image API: the image turns active with it, the host keeps no image store', async () => {
    const r = await d.api('POST', `/servers/${serverId}/action`, { createImage: { name: 'remote-snap' } }, '2.45');
    assert.equal(r.status, 202, JSON.stringify(r.body));
    const snapId = r.body.image_id as string;
    let got: any;
    for (const end = Date.now() + 90_000; Date.now() < end; await sleep(300)) {
      got = (await image('GET', `/v2/images/${snapId}`)).body;
      if (got?.status === 'active' || got?.status === 'killed' || got === undefined) break;
    }
    assert.equal(got?.status, 'active', JSON.stringify(got));
    assert.equal(got.disk_format, 'qcow2');
    assert.ok(got.size > 0);
    const data = await image('GET', `/v2/images/${snapId}/file`);
    assert.equal(data.status, 200);
    assert.equal(data.bytes.length, got.size);
    assert.equal(data.bytes.subarray(0, 4).toString('latin1'), 'QFI\xfb', 'a qcow2 image');
    const s = (await waitTaskDone()).body.server;
    assert.equal(s.status, 'ACTIVE');
    assert.equal(s.fault, undefined);
    assert.ok(!existsSync(join(computeDir, 'images')), 'the compute host wrote no image store of its own');
  });

  it('createBackup with rotation 1 keeps the newest backup: the older one is deleted through the image API', async () => {
    const ids: string[] = [];
    for (const name of ['remote-backup-1', 'remote-backup-2']) {
      const r = await d.api('POST', `/servers/${serverId}/action`, { createBackup: { name, backup_type: 'daily', rotation: 1 } }, '2.45');
      assert.equal(r.status, 202, JSON.stringify(r.body));
      ids.push(r.body.image_id);
      await waitTaskDone();
    }
    const first = await image('GET', `/v2/images/${ids[0]}`);
    assert.equal(first.status, 404, 'the older backup is rotated away');
    const second = await image('GET', `/v2/images/${ids[1]}`);
    assert.equal(second.status, 200);
    assert.equal(second.body.status, 'active');
    assert.equal(second.body.image_type, 'backup');
    assert.ok(!existsSync(join(computeDir, 'images')));
  });

  it('delete ends the guest', async () => {
    assert.equal((await d.api('DELETE', `/servers/${serverId}`)).status, 204);
    await d.waitFor(`/servers/${serverId}`, (x) => x.status === 404, 30_000);
    assert.deepEqual(guestPids(), []);
  });
});
