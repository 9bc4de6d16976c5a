// The live migration completion timeout of the qemu driver follows Nova's
// libvirt driver: seconds per GiB of memory (at least 2) plus, for a block
// migration, each disk file's size (at least 2 each), rounded down. The
// driver's transfer is aborted at that time, not at the option's plain value.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { completionTimeoutSeconds, guestCompletionTimeout, migrationDataGib } from '../../../../src/virt/qemu/completion-timeout.js';
import { withStandInGuest } from './stand-in-guest.js';

const GIB = 1024 ** 3;

describe('live migration completion timeout (Nova\'s rule)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qemu-timeout-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('counts memory as at least 2 GiB, and each copied disk as at least 2 GiB', () => {
    assert.equal(migrationDataGib(64, []), 2);
    assert.equal(migrationDataGib(4096, []), 4);
    assert.equal(migrationDataGib(64, [300 * 1024 * 1024]), 4);
    assert.equal(migrationDataGib(4096, [5 * GIB, 1]), 4 + 5 + 2);
  });

  it('multiplies the option by the data and rounds down; 0 stays no timeout', () => {
    assert.equal(completionTimeoutSeconds(800, 64, []), 1600);
    assert.equal(completionTimeoutSeconds(800, 3000, []), 2343, '800 × 2.93 GiB, rounded down');
    assert.equal(completionTimeoutSeconds(800, 64, [5 * GIB]), 800 * 7);
    assert.equal(completionTimeoutSeconds(0, 4096, [5 * GIB]), 0);
    assert.equal(completionTimeoutSeconds(0.1, 64, []), 0, 'int(0.2) is 0: no timeout, as in Nova');
  });

  it('reads the disk files for a block migration only; a missing file is left out', () => {
    const disk = join(dir, 'disk');
    writeFileSync(disk, '');
    truncateSync(disk, 3 * GIB);
    assert.equal(guestCompletionTimeout(10, 128, true, [disk]), 50);
    assert.equal(guestCompletionTimeout(10, 128, false, [disk]), 20);
    assert.equal(guestCompletionTimeout(10, 128, true, [join(dir, 'gone')]), 20);
  });

  it('the driver aborts a transfer that does not converge after the scaled timeout, not the plain one', async () => {
    const uuid = '11111111-2222-4333-8444-555555555555';
    const instances = join(dir, 'host1');
    let status = 'active';
    let cancelledAfter = -1;
    let started = 0;
    const answer = (command: string): unknown => {
      if (command === 'migrate_cancel') {
        cancelledAfter = Date.now() - started;
        status = 'cancelled';
      }
      return command === 'query-migrate' ? { status, ram: { total: 64 << 20, transferred: 1, remaining: 64 << 20 } } : command === 'query-block-jobs' ? [] : {};
    };
    await withStandInGuest({ instancesDir: instances, uuid, answer }, async (driver) => {
      started = Date.now();
      // 0.5 s per GiB × 2 GiB (a 64 MB guest counts as 2) = 1 s; taken plainly it would be 0.5 s.
      const outcome = await driver.liveMigration(uuid, {
        destHost: 'host2',
        blockMigration: false,
        completionTimeout: 0.5,
        timeoutAction: 'abort',
        migrateData: { uri: 'tcp:127.0.0.1:1', nbd: null } as never,
      });
      assert.equal(outcome, 'cancelled');
      assert.ok(cancelledAfter >= 1000 && cancelledAfter < 2500, `cancelled after ${cancelledAfter} ms`);
    });
  });
});
