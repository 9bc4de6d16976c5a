// The source side of a live migration, over the guest's QMP session: with
// block migration the root disk is first mirrored (`drive-mirror`) into the
// NBD export of the destination's waiting QEMU until the copy is in step,
// then `migrate` streams the memory while `query-migrate` is polled for
// progress; when the memory has switched over the mirror is completed (the
// guest is stopped, so the copy is exact). Force-complete stops the guest so
// the transfer converges; abort is `migrate_cancel` (or the mirror dropped),
// after which the guest runs on here.
//
// Post-copy (`[qemu] live_migration_permit_post_copy`, for a transfer of the
// memory only): `postcopy-ram` is enabled before `migrate`, and
// force-complete (or a force_complete timeout) runs `migrate-start-postcopy`
// instead of stopping the guest: it runs on at the destination at once, which
// fetches the pages it still lacks from here. From then on the guest lives on
// both ends and the transfer can no longer be aborted.
import type { LiveMigrationOptions, LiveMigrationOutcome, LiveMigrationProgress } from '../driver.js';
import { ROOT_DRIVE } from './process.js';
import type { QmpClient, QmpValue } from './qmp.js';

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
  let inPostCopy = false;
  const forceComplete = async (): Promise<void> => {
    if (stopped || inPostCopy) return;
    if (opts.postCopy) {
      await qmp.execute('migrate-start-postcopy');
      inPostCopy = true;
      opts.onPostCopy?.();
      return;
    }
    stopped = true;
    await qmp.execute('stop');
  };
  const abort = async (): Promise<void> => {
    if (inPostCopy) throw new PostCopyUnderWay('the live migration has switched to post-copy: the guest runs at the destination and cannot come back');
    aborted = true;
    await qmp.execute('migrate_cancel');
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
  /** Back to how it was: no mirror, the guest running if this transfer stopped it. */
  const undo = async (): Promise<void> => {
    if (await mirrorJob().catch(() => undefined)) await qmp.execute('block-job-cancel', { device: MIRROR_JOB, force: true }).catch(() => undefined);
    await waitMirrorGone();
    if (stopped) await qmp.execute('cont').catch(() => undefined);
  };
  const waitMirrorGone = async (): Promise<void> => {
    for (let i = 0; i < 600 && (await mirrorJob().catch(() => undefined)); i++) await sleep(50);
  };

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
  await qmp.execute('migrate-set-capabilities', { capabilities: [{ capability: 'postcopy-ram', state: opts.postCopy }] });
  await qmp.execute('migrate', { uri: incoming.uri });
  for (;;) {
    const info = (await qmp.execute('query-migrate')) as MigrateInfo;
    if (info.ram) {
      const total = info.ram.total ?? 0;
      const remaining = info.ram.remaining ?? 0;
      memory = { total, remaining, processed: info.ram.transferred ?? Math.max(0, total - remaining) };
    }
    if (opts.blockMigration) await readDisk();
    const status = info.status ?? '';
    if (status === 'completed') {
      memory = { ...memory, remaining: 0 };
      if (opts.blockMigration) {
        // The guest is stopped now: completing the mirror leaves an exact copy behind.
        await qmp.execute('block-job-cancel', { device: MIRROR_JOB });
        await waitMirrorGone();
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
    await sleep(POLL_MS);
    if (!stillDriven()) throw new AgentStopped('the agent stopped during the transfer');
  }
}
