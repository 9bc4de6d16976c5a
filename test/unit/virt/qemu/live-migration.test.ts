// The source's side of a block live migration against a monitor that plays
// QEMU's part: the disk mirror is completed while the guest is stopped at
// `pre-switchover`, before `migrate-continue` lets it run at the destination
// (at the end of pre-copy and when switching to post-copy), and a mirror
// that cannot be completed there cancels the migration and the guest runs on.
// A later life of the agent, finding a post-copy recorded, learns from the
// source's QEMU whether the guest went over or never switched.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { QemuDriver } from '../../../../src/virt/qemu/driver.js';
import { withStandInGuest } from './stand-in-guest.js';
import { transferGuest, type TransferControl } from '../../../../src/virt/qemu/live-migration.js';
import type { QmpClient, QmpEvent, QmpValue } from '../../../../src/virt/qemu/qmp.js';

interface Script {
  /** How the mirror ends when cancelled at `pre-switchover`. */
  readonly mirrorEnds?: 'completed' | 'error';
  /** The memory converges on its own (else only a force-complete ends it). */
  readonly converges?: boolean;
}

/** A QEMU migrating a running guest with its disk, as far as the transfer sees it; `log` is what it was told. */
function fakeQemu(script: Script = {}) {
  const log: string[] = [];
  const listeners = new Set<(e: QmpEvent) => void>();
  let mirror: { ready: boolean; polls: number } | null = null;
  let status = 'none';
  let running = true;
  let polls = 0;
  let postCopy = false;
  let caps: Record<string, boolean> = {};
  const emit = (event: string, data: { [k: string]: QmpValue } = {}): void => {
    setImmediate(() => {
      for (const l of [...listeners]) l({ event, data });
    });
  };
  const qmp = {
    onEvent(fn: (e: QmpEvent) => void) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    async execute(command: string, args?: { [k: string]: QmpValue }): Promise<QmpValue> {
      if (!['query-block-jobs', 'query-migrate', 'query-status'].includes(command)) log.push(args && 'device' in args ? `${command} ${JSON.stringify(args)}` : command);
      switch (command) {
        case 'query-status':
          return { running, status: running ? 'running' : status === 'cancelled' ? 'postmigrate' : 'finish-migrate' };
        case 'drive-mirror':
          mirror = { ready: false, polls: 0 };
          return {};
        case 'query-block-jobs':
          if (!mirror) return [];
          mirror.ready ||= ++mirror.polls > 2;
          return [{ device: 'migrate-disk', len: 100, offset: mirror.ready ? 100 : 50, ready: mirror.ready }];
        case 'migrate-set-capabilities':
          caps = Object.fromEntries((args!['capabilities'] as Array<{ capability: string; state: boolean }>).map((c) => [c.capability, c.state]));
          return {};
        case 'migrate':
          status = 'active';
          return {};
        case 'migrate-start-postcopy':
          assert.equal(caps['postcopy-ram'], true, 'post-copy was enabled before migrate');
          postCopy = true;
          return {};
        case 'stop':
          running = false;
          return {};
        case 'cont':
          running = true;
          return {};
        case 'query-migrate': {
          polls++;
          if (status === 'active' && (postCopy || !running || (script.converges && polls > 3))) {
            assert.equal(caps['pause-before-switchover'], true, 'a block migration pauses before the switch-over');
            status = 'pre-switchover';
            running = false;
            emit('MIGRATION', { status });
          } else if (status === 'postcopy-active') status = 'completed';
          return { status, ram: { total: 1000, transferred: 500, remaining: 500 }, ...(status === 'completed' && { 'total-time': 10, downtime: 1 }) };
        }
        case 'block-job-cancel':
          assert.equal(status, 'pre-switchover', 'the mirror is completed only while the guest is stopped before the switch-over');
          assert.equal(running, false);
          mirror = null;
          if (args!['force'] === true) emit('BLOCK_JOB_CANCELLED', { device: 'migrate-disk' });
          else emit('BLOCK_JOB_COMPLETED', { device: 'migrate-disk', ...(script.mirrorEnds === 'error' && { error: 'Input/output error' }) });
          return {};
        case 'migrate-continue':
          assert.equal(mirror, null, 'the mirror is complete before the guest goes over');
          status = postCopy ? 'postcopy-active' : 'completed';
          return {};
        case 'migrate_cancel':
          status = 'cancelled';
          return {};
        default:
          return {};
      }
    },
  };
  return { qmp: qmp as unknown as QmpClient, log, isRunning: () => running };
}

const INCOMING = { uri: 'tcp:127.0.0.1:1', nbd: { host: '127.0.0.1', port: 2, exportName: 'virtio0' }, postCopy: true };
const options = (postCopy: boolean, extra: Partial<Parameters<typeof transferGuest>[2]> = {}) => ({
  destHost: 'h2',
  blockMigration: true,
  completionTimeout: 0,
  timeoutAction: 'abort' as const,
  postCopy,
  ...extra,
});

describe('block live migration: the switch-over waits for the disk', () => {
  it('pre-copy: the mirror is completed at pre-switchover, then the migration continues', async () => {
    const q = fakeQemu({ converges: true });
    const r = await transferGuest(q.qmp, INCOMING, options(false), () => undefined);
    assert.equal(r.outcome, 'completed');
    const tail = q.log.slice(q.log.indexOf('migrate'));
    assert.deepEqual(tail, ['migrate', 'block-job-cancel {"device":"migrate-disk"}', 'migrate-continue']);
  });

  it('post-copy: force-complete starts it once the mirror is in step, recorded first; the mirror completes before the guest goes over', async () => {
    const q = fakeQemu();
    let control: TransferControl | undefined;
    const order: string[] = [];
    const transfer = transferGuest(
      q.qmp,
      INCOMING,
      options(true, {
        onPostCopy: async () => {
          order.push(`recorded after ${q.log.at(-1)}`);
        },
      }),
      (c) => (control = c),
    );
    // Asked for while the disk is still being mirrored: taken once `migrate` runs.
    await control!.forceComplete();
    assert.ok(!q.log.includes('migrate-start-postcopy'));
    const r = await transfer;
    assert.equal(r.outcome, 'completed');
    assert.deepEqual(order, ['recorded after migrate']);
    const tail = q.log.slice(q.log.indexOf('migrate'));
    assert.deepEqual(tail, ['migrate', 'migrate-start-postcopy', 'block-job-cancel {"device":"migrate-disk"}', 'migrate-continue']);
    await assert.rejects(control!.abort(), /switched to post-copy/);
    assert.equal(q.log.includes('stop'), false, 'the guest was not paused for it');
  });

  it('a mirror that fails at pre-switchover cancels the migration: the guest runs on at the source', async () => {
    const q = fakeQemu({ converges: true, mirrorEnds: 'error' });
    await assert.rejects(transferGuest(q.qmp, INCOMING, options(false), () => undefined), /did not complete: Input\/output error/);
    assert.ok(q.log.includes('migrate_cancel'));
    assert.ok(!q.log.includes('migrate-continue'));
    assert.equal(q.isRunning(), true, 'the guest runs again');
  });
});

describe('a post-copy an earlier life of the agent left', () => {
  const dir = mkdtempSync(join(tmpdir(), 'qemu-postcopy-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const uuid = '11111111-2222-4333-8444-555555555555';

  /** The driver of a host whose guest's QEMU (a stand-in process and monitor) answers query-migrate with `statuses` in turn. */
  const withSource = (statuses: string[], fn: (driver: QemuDriver) => Promise<void>): Promise<void> =>
    withStandInGuest(
      {
        instancesDir: join(dir, `host-${statuses.join('-')}`),
        uuid,
        permitPostCopy: true,
        answer: (command) => (command === 'query-migrate' ? { status: statuses.length > 1 ? statuses.shift() : statuses[0] } : {}),
      },
      fn,
    );

  it('waits while QEMU carries the post-copy on: the guest went over', async () => {
    await withSource(['postcopy-active', 'postcopy-active', 'completed'], async (driver) => {
      assert.equal(await driver.awaitPostCopy(uuid), true);
    });
  });

  it('a transfer cancelled at start-up never switched over: the guest is still here', async () => {
    await withSource(['cancelled'], async (driver) => {
      assert.equal(await driver.awaitPostCopy(uuid), false);
    });
  });
});
