// The source side of a live migration, over the guest's QMP session: with
// block migration the root disk is first mirrored (`drive-mirror`) into the
// NBD export of the destination's waiting QEMU until the copy is in step,
// then `migrate` streams the memory while `query-migrate` is polled for
// progress. A block migration sets QEMU's `pause-before-switchover`: when the
// memory is about to switch over QEMU stops the guest's vCPUs here and waits
// at `pre-switchover`; the mirror is then completed (`block-job-cancel` of
// the ready job, which leaves an exact copy) and `migrate-continue` lets the
// guest go over. Force-complete stops the guest so the transfer converges;
// abort is `migrate_cancel` (or the mirror dropped), after which the guest
// runs on here.
//
// Post-copy (`[qemu] live_migration_permit_post_copy`): `postcopy-ram` is
// enabled before `migrate`, and force-complete (or a force_complete timeout)
// runs `migrate-start-postcopy` instead of stopping the guest (for a block
// migration once the mirror is in step, and through the same pause, so the
// disk is complete before the destination runs): the guest runs on at the
// destination at once, which fetches the pages it still lacks from here.
// From then on the guest lives on both ends and the transfer can no longer
// be aborted.
import type { LiveMigrationOptions, LiveMigrationOutcome, LiveMigrationProgress } from '../driver.js';
import { ROOT_DRIVE } from './process.js';
import type { QmpClient, QmpEvent, QmpValue } from './qmp.js';

/** Where the destination's QEMU waits: its migration URI and, for block migration, its disk's NBD export; whether it takes post-copy. */
export interface IncomingGuest {
  readonly uri: string;
  readonly nbd: { readonly host: string; readonly port: number; readonly exportName: string } | null;
  readonly postCopy?: boolean;
}

export function incomingGuest(data: unknown): IncomingGuest | null {
  if (data === null || typeof data !== 'object') return null;
  const d = data as Record<string, unknown>;
  if (typeof d['uri'] !== 'string') return null;
  const n = d['nbd'] as Record<string, unknown> | null | undefined;
  const nbd = n && typeof n['host'] === 'string' && typeof n['port'] === 'number' && typeof n['exportName'] === 'string'
    ? { host: n['host'], port: n['port'], exportName: n['exportName'] }
    : null;
  return { uri: d['uri'], nbd, ...(d['postCopy'] === true && { postCopy: true }) };
}

/** What the running transfer answers to: the driver's abort and force-complete. */
export interface TransferControl {
  abort(): Promise<void>;
  forceComplete(): Promise<void>;
}

export interface TransferResult {
  readonly outcome: LiveMigrationOutcome;
  /** QEMU's own figures of a completed transfer. */
  readonly totalTimeMs: number | null;
  readonly downtimeMs: number | null;
}

const MIRROR_JOB = 'migrate-disk';
const POLL_MS = 200;

interface BlockJob {
  readonly device: string;
  readonly len: number;
  readonly offset: number;
  readonly ready: boolean;
}

interface MigrateInfo {
  readonly status?: string;
  readonly ram?: { total?: number; transferred?: number; remaining?: number };
  readonly 'error-desc'?: string;
  readonly 'total-time'?: number;
  readonly downtime?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

class AgentStopped extends Error {}
class PostCopyUnderWay extends Error {}

/** How long the completion of the disk mirror may take while the guest is stopped at `pre-switchover`. */
const MIRROR_COMPLETION_MS = 60_000;

export async function transferGuest(
  qmp: QmpClient,
  incoming: IncomingGuest,
  opts: LiveMigrationOptions & { readonly postCopy: boolean },
  register: (c: TransferControl) => void,
  /** False once the agent driving the source has stopped: the loop lets go of the guest (its next life cancels the transfer). */
  stillDriven: () => boolean = () => true,
): Promise<TransferResult> {
  const started = Date.now();
  let aborted = false;
  let stopped = false;
  let timedOut = false;
  /** Force-complete asked for post-copy; it is started once `migrate` runs. */
  let postCopyWanted = false;
  let inPostCopy = false;
  let migrating = false;
  const startPostCopy = async (): Promise<void> => {
    if (inPostCopy) return;
    inPostCopy = true;
    // Recorded before QEMU switches, so no life of the agent takes a guest that may run at the destination for one still here.
    await opts.onPostCopy?.();
    await qmp.execute('migrate-start-postcopy');
  };
  const forceComplete = async (): Promise<void> => {
    if (stopped || inPostCopy) return;
    if (opts.postCopy) {
      postCopyWanted = true;
      if (migrating) await startPostCopy();
      return;
    }
    stopped = true;
    await qmp.execute('stop');
  };
  const abort = async (): Promise<void> => {
    if (inPostCopy) throw new PostCopyUnderWay('the live migration has switched to post-copy: the guest runs at the destination and cannot come back');
    aborted = true;
    if (migrating) await qmp.execute('migrate_cancel');
  };
  register({ abort, forceComplete });

  let disk = { total: 0, processed: 0 };
  let memory = { total: 0, processed: 0, remaining: 0 };
  const report = (): void => {
    const p: LiveMigrationProgress = {
      memoryTotalBytes: memory.total,
      memoryProcessedBytes: memory.processed,
      memoryRemainingBytes: memory.remaining,
      diskTotalBytes: disk.total,
      diskProcessedBytes: disk.processed,
      diskRemainingBytes: Math.max(0, disk.total - disk.processed),
    };
    opts.onProgress?.(p);
  };
  const mirrorJob = async (): Promise<BlockJob | undefined> =>
    ((await qmp.execute('query-block-jobs')) as unknown as BlockJob[]).find((j) => j.device === MIRROR_JOB);
  const readDisk = async (): Promise<BlockJob | undefined> => {
    const job = await mirrorJob();
    if (job) disk = { total: job.len, processed: job.offset };
    return job;
  };
  /** The timeout: abort, or force the switch-over, once. */
  const checkTimeout = async (): Promise<void> => {
    if (timedOut || opts.completionTimeout <= 0 || Date.now() - started < opts.completionTimeout * 1000) return;
    timedOut = true;
    if (opts.timeoutAction === 'force_complete') await forceComplete();
    else await abort();
  };
  const wasRunning = ((await qmp.execute('query-status')) as { running?: boolean }).running === true;
  /** Back to how it was: no mirror, the guest running if it ran before (a cancelled switch-over leaves it stopped). */
  const undo = async (): Promise<void> => {
    if (await mirrorJob().catch(() => undefined)) await qmp.execute('block-job-cancel', { device: MIRROR_JOB, force: true }).catch(() => undefined);
    await waitMirrorGone();
    const now = (await qmp.execute('query-status').catch(() => null)) as { running?: boolean } | null;
    if (wasRunning && now?.running === false) await qmp.execute('cont').catch(() => undefined);
  };
  const waitMirrorGone = async (): Promise<void> => {
    for (let i = 0; i < 600 && (await mirrorJob().catch(() => undefined)); i++) await sleep(50);
  };
  /**
   * The guest is stopped here at `pre-switchover`: the ready mirror is
   * completed (cancelling a ready mirror ends it with an exact copy, QEMU
   * says so with BLOCK_JOB_COMPLETED), then the switch-over goes on.
   */
  const completeMirror = async (): Promise<void> => {
    const ended = new Promise<QmpEvent>((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`the disk mirror did not complete within ${MIRROR_COMPLETION_MS / 1000} s`));
      }, MIRROR_COMPLETION_MS);
      const off = qmp.onEvent((e) => {
        if ((e.event === 'BLOCK_JOB_COMPLETED' || e.event === 'BLOCK_JOB_CANCELLED') && e.data?.['device'] === MIRROR_JOB) {
          clearTimeout(timer);
          off();
          resolve(e);
        }
      });
    });
    ended.catch(() => undefined);
    await qmp.execute('block-job-cancel', { device: MIRROR_JOB });
    const e = await ended;
    const error = e.data?.['error'];
    if (e.event !== 'BLOCK_JOB_COMPLETED' || error !== undefined) throw new Error(`the disk mirror to the destination did not complete: ${typeof error === 'string' ? error : 'it was cancelled'}`);
    await waitMirrorGone();
    disk = { ...disk, processed: disk.total };
  };
  /** Waits one poll interval, less when QEMU reports a change of the migration's status. */
  const pause = (): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        off();
        resolve();
      };
      const timer = setTimeout(done, POLL_MS);
      const off = qmp.onEvent((e) => {
        if (e.event === 'MIGRATION') done();
      });
    });

  if (opts.blockMigration) {
    if (!incoming.nbd) throw new Error('the destination exports no disk for a block migration');
    const { host, port, exportName } = incoming.nbd;
    const target = `nbd:${host.includes(':') ? `[${host}]` : host}:${port}:exportname=${exportName}`;
    // Only the guest's own layer: the destination's disk sits on the same base image.
    await qmp.execute('drive-mirror', { 'job-id': MIRROR_JOB, device: ROOT_DRIVE, target, sync: 'top', mode: 'existing', format: 'raw' } as { [k: string]: QmpValue });
    for (;;) {
      const job = await readDisk();
      report();
      if (!job) throw new Error('the disk mirror to the destination ended before it was in step');
      if (job.ready) break;
      if (aborted) {
        await undo();
        return { outcome: 'cancelled', totalTimeMs: null, downtimeMs: null };
      }
      await checkTimeout();
      await sleep(POLL_MS);
      if (!stillDriven()) throw new AgentStopped('the agent stopped during the transfer');
    }
  }

  if (aborted) {
    await undo();
    return { outcome: 'cancelled', totalTimeMs: null, downtimeMs: null };
  }
  // Set each time: a QEMU whose earlier transfer was aborted keeps its capabilities.
  await qmp.execute('migrate-set-capabilities', {
    capabilities: [
      { capability: 'postcopy-ram', state: opts.postCopy },
      { capability: 'pause-before-switchover', state: opts.blockMigration },
      { capability: 'events', state: true },
    ],
  });
  await qmp.execute('migrate', { uri: incoming.uri });
  migrating = true;
  // Asked for while the disk was still being mirrored.
  if (aborted) await qmp.execute('migrate_cancel');
  else if (postCopyWanted) await startPostCopy();
  for (;;) {
    const info = (await qmp.execute('query-migrate')) as MigrateInfo;
    if (info.ram) {
      const total = info.ram.total ?? 0;
      const remaining = info.ram.remaining ?? 0;
      memory = { total, remaining, processed: info.ram.transferred ?? Math.max(0, total - remaining) };
    }
    if (opts.blockMigration) await readDisk();
    const status = info.status ?? '';
    if (status === 'pre-switchover' && !aborted) {
      try {
        await completeMirror();
        await qmp.execute('migrate-continue', { state: 'pre-switchover' });
      } catch (e) {
        // An abort meanwhile cancelled the migration: the loop sees it end.
        if (!aborted) {
          await qmp.execute('migrate_cancel').catch(() => undefined);
          await waitEnded();
          await undo();
          throw e;
        }
      }
      continue;
    }
    if (status === 'completed') {
      memory = { ...memory, remaining: 0 };
      if (opts.blockMigration) {
        // Completed at `pre-switchover` already; if QEMU went past it, the guest is stopped now and the copy is exact all the same.
        if (await mirrorJob()) await completeMirror();
        disk = { ...disk, processed: disk.total };
      }
      report();
      return { outcome: 'completed', totalTimeMs: info['total-time'] ?? null, downtimeMs: info.downtime ?? null };
    }
    if (status === 'failed' || status === 'cancelled') {
      await undo();
      if (status === 'cancelled' || aborted) return { outcome: 'cancelled', totalTimeMs: null, downtimeMs: null };
      throw new Error(`QEMU's live migration failed: ${info['error-desc'] ?? 'no reason given'}`);
    }
    report();
    await checkTimeout();
    await pause();
    if (!stillDriven()) throw new AgentStopped('the agent stopped during the transfer');
  }

  /** Until QEMU's migration has ended (a cancel takes a moment). */
  async function waitEnded(): Promise<void> {
    for (let i = 0; i < 600; i++) {
      const m = (await qmp.execute('query-migrate').catch(() => null)) as MigrateInfo | null;
      if (!m || !['cancelling', 'pre-switchover', 'device', 'active', 'setup'].includes(m.status ?? '')) return;
      await sleep(50);
    }
  }
}
