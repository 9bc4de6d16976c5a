// The image service through the real `openstack` client against
// `magnetar serve`: create with --file, show, download, set/unset properties,
// boot from the new image, snapshot and back the server up, protect and delete.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { startMagnetar, type Magnetar } from './support/magnetar-process.js';
import { assertRefused, describe as describeRun } from './support/openstack-cli.js';

const DEMO = 'magnetar';

describe('openstack client: images', () => {
  let m: Magnetar;
  let dir: string;
  before(async () => {
    m = await startMagnetar();
    dir = mkdtempSync(join(tmpdir(), 'magnetar-image-e2e-'));
  });
  after(async () => {
    await m?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('image create --file uploads the data; show, save, set/unset, boot, protect and delete', async () => {
    const data = randomBytes(300_000);
    const file = join(dir, 'disk.qcow2');
    writeFileSync(file, data);
    const made = await m.cli.json(DEMO, ['image', 'create', '--file', file, '--disk-format', 'qcow2', '--property', 'os_distro=test', 'e2e-image'], { timeoutMs: 60_000 });
    const id = made.id;
    // The client prints the record it created; the upload follows in the same command.
    const shown = await m.cli.json(DEMO, ['image', 'show', id]);
    assert.equal(shown.status, 'active', JSON.stringify(shown));
    assert.equal(shown.name, 'e2e-image');
    assert.equal(shown.disk_format, 'qcow2');
    assert.equal(shown.container_format, 'bare');
    assert.equal(shown.size, data.length);
    assert.equal(shown.checksum, createHash('md5').update(data).digest('hex'));

    const saved = join(dir, 'saved');
    await m.cli.ok(DEMO, ['image', 'save', '--file', saved, id]);
    assert.ok(readFileSync(saved).equals(data));

    await m.cli.ok(DEMO, ['image', 'set', '--property', 'hw_disk_bus=scsi', '--min-ram', '16', id]);
    await m.cli.ok(DEMO, ['image', 'unset', '--property', 'os_distro', id]);
    const changed = await m.cli.json(DEMO, ['image', 'show', id]);
    assert.equal(changed.min_ram, 16);
    assert.equal(changed.properties.hw_disk_bus, 'scsi');
    assert.equal(changed.properties.os_distro, undefined);

    const listed: any[] = await m.cli.json(DEMO, ['image', 'list']);
    assert.ok(listed.some((i) => i.ID === id), JSON.stringify(listed));

    const s = await m.cli.json(DEMO, ['server', 'create', '--flavor', 'm1.tiny', '--image', 'e2e-image', '--network', 'none', '--wait', 'from-new-image'], {
      version: '2.52',
      timeoutMs: 120_000,
    });
    assert.equal(s.status, 'ACTIVE');

    // A snapshot of the server, waited for by the client, then a backup through nova.
    const snap = await m.cli.json(DEMO, ['server', 'image', 'create', '--name', 'e2e-snap', '--wait', s.id], { timeoutMs: 120_000 });
    assert.equal(snap.status, 'active', JSON.stringify(snap));
    const snapShown = await m.cli.json(DEMO, ['image', 'show', snap.id]);
    assert.equal(snapShown.properties.image_type, 'snapshot');
    assert.equal(snapShown.properties.instance_uuid, s.id);
    assert.equal(snapShown.properties.base_image_ref, id);
    const backup = await m.cli.openstack(DEMO, ['server', 'backup', 'create', '--name', 'e2e-backup', '--type', 'daily', '--rotate', '1', '--wait', s.id], { timeoutMs: 120_000 });
    assert.equal(backup.code, 0, describeRun(backup));
    const backups: any[] = await m.cli.json(DEMO, ['image', 'list', '--property', 'image_type=backup']);
    assert.deepEqual(backups.map((b) => b.Name), ['e2e-backup']);

    await m.cli.ok(DEMO, ['image', 'set', '--protected', id]);
    assertRefused(await m.cli.openstack(DEMO, ['image', 'delete', id]), /protected|Failed to delete/i);
    await m.cli.ok(DEMO, ['image', 'set', '--unprotected', id]);
    const del = await m.cli.openstack(DEMO, ['image', 'delete', id]);
    assert.equal(del.code, 0, describeRun(del));
    assertRefused(await m.cli.openstack(DEMO, ['image', 'show', id]), /No Image found|Not Found|No image/i);
  });
});
