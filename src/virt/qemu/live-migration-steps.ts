// The host's steps of a live migration, source and destination: checks, the
// destination's waiting QEMU (and its disk's NBD export for block
// migration), the transfer from the source with its abort and
// force-complete (see live-migration.ts), and the ends on either side.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import {
  PowerState,
  VirtDriverError,
  type GuestSpec,
  type LiveMigrateData,
  type LiveMigrationOptions,
  type LiveMigrationOutcome,
  type PowerStateValue,
} from '../driver.js';
import { prepareDisk } from './boot-disk.js';
import { guestCompletionTimeout } from './completion-timeout.js';
import { GuestFiles, otherSlot, type GuestRecord } from './guest-files.js';
import type { QemuHost } from './host.js';
import { destroy } from './lifecycle.js';
import { incomingGuest, transferGuest, type IncomingGuest, type TransferControl } from './live-migration.js';
import { onFreePorts } from './ports.js';
import { killHard, livePid, ROOT_DRIVE } from './process.js';

/** QEMU's `-incoming` address for a port, an IPv6 address in brackets. */
function tcpUri(addr: string, port: number): string {
  return `tcp:${addr.includes(':') ? `[${addr}]` : addr}:${port}`;
}

/** How long a new life of the agent waits for a post-copy transfer an earlier one left to end. */
const POST_COPY_WAIT_MS = 300_000;

/** A live migration from this host: its control once the transfer runs, or what was asked of it before. */
interface PendingTransfer {
  control?: TransferControl;
  requested: 'abort' | 'force_complete' | null;
}

export interface TransferFigures {
  totalTimeMs: number | null;
  downtimeMs: number | null;
}

export class LiveMigrations {
  /** Live migrations this host is the source of, by guest. */
  private readonly transfers = new Map<string, PendingTransfer>();
  private readonly lastTransfer = new Map<string, TransferFigures>();

  constructor(private readonly h: QemuHost) {}

  /**
   * Here the guest's disk must be copied (block migration) unless the
   * instances path is shared with the source; `auto` (null) decides so, as
   * Nova's libvirt driver does.
   */
  async checkCanLiveMigrateDestination(spec: GuestSpec, sourceHost: string, blockMigration: boolean | null): Promise<boolean> {
    const h = this.h;
    const step = 'check_can_live_migrate_destination';
    h.alive(step);
    if (sourceHost === h.host) throw new VirtDriverError(step, `cannot live-migrate ${spec.uuid} to its own host ${h.host}`);
    const shared = h.sharesPathWith(sourceHost);
    const there = h.files(spec.uuid).read();
    // Over a shared instances path the source's guest is in this host's path too.
    if (there && !(shared && there.host === sourceHost)) throw new VirtDriverError(step, `guest ${spec.uuid} already exists on host ${h.host}`);
    const block = blockMigration ?? !shared;
    if (block && shared) throw new VirtDriverError(step, 'Block migration can not be used with shared storage.');
    if (!block && !shared)
      throw new VirtDriverError(step, `${h.host} is not on shared storage: Shared storage live-migration requires either shared storage or boot-from-volume with no local disks.`);
    return block;
  }

  async checkCanLiveMigrateSource(uuid: string, destHost: string): Promise<void> {
    const step = 'check_can_live_migrate_source';
    if (destHost === this.h.host) throw new VirtDriverError(step, `cannot live-migrate ${uuid} to its own host ${this.h.host}`);
    this.h.requireState(step, uuid, [PowerState.RUNNING, PowerState.PAUSED]);
  }

  /**
   * A QEMU waiting for the guest: the disk made from the same image, the
   * process started paused with `-incoming tcp:` on a free port of the
   * range, and for block migration the disk exported over NBD for the
   * source's mirror. With post-copy permitted it takes post-copy and runs
   * the guest as soon as it switches over (the source completes the mirror
   * before that). Repeatable: a second call starts over.
   */
  preLiveMigration(spec: GuestSpec, sourceHost: string, blockMigration: boolean): Promise<LiveMigrateData> {
    const h = this.h;
    const step = 'pre_live_migration';
    return h.locked(step, spec.uuid, async () => {
      if (!blockMigration && h.sharesPathWith(sourceHost)) return this.waitOnSharedDisk(step, spec, sourceHost);
      const files = h.files(spec.uuid);
      // A guest of this host's own is never overwritten; a guest still waiting to arrive (a repeated call) is started over.
      const there = files.read();
      if (there && there.host === h.host && !('incoming' in there)) throw new VirtDriverError(step, `guest ${spec.uuid} already exists on host ${h.host}`);
      await h.stopQemu(files, spec.uuid);
      rmSync(files.dir, { recursive: true, force: true });
      mkdirSync(files.dir, { recursive: true });
      // `incoming: null` marks it as arriving from the first write on, so a call cut short may run again.
      const record: GuestRecord = { ...(await prepareDisk(h, step, spec, files)), power: 'paused', incoming: null };
      h.save(files, record);
      const addr = h.opts.liveMigration.inboundAddr;
      const postCopy = h.opts.liveMigration.permitPostCopy === true;
      const { uri, nbd } = await onFreePorts(addr, h.opts.liveMigration, blockMigration ? 2 : 1, h.portsInUse(), async ([port, nbdPort]) => {
        const uri = tcpUri(addr, port!);
        await h.launchQemu(step, files, record, { incomingUri: uri, runOnArrival: postCopy });
        const nbd: IncomingGuest['nbd'] = blockMigration ? { host: addr, port: nbdPort!, exportName: ROOT_DRIVE } : null;
        await h.qmp(files, step, async (c) => {
          if (nbd) {
            await c.execute('nbd-server-start', { addr: { type: 'inet', data: { host: addr, port: String(nbd.port) } } });
            await c.execute('nbd-server-add', { device: ROOT_DRIVE, writable: true });
          }
          if (postCopy) await c.execute('migrate-set-capabilities', { capabilities: [{ capability: 'postcopy-ram', state: true }] });
        }).catch(async (e: unknown) => {
          killHard(files, spec.uuid);
          throw e;
        });
        return { uri, nbd };
      });
      const data: IncomingGuest = { uri, nbd, ...(postCopy && { postCopy }) };
      h.save(files, { ...record, incoming: data });
      return data as unknown as LiveMigrateData;
    });
  }

  /**
   * Over a shared instances path only the memory moves: a QEMU waits on the
   * guest's own disk (its directory is the source's), in the other set of
   * process files, its address beside them; the record stays the source's
   * until the guest arrives. With post-copy permitted it takes post-copy
   * (QEMU's `postcopy-ram` capability, set on both ends before `migrate`)
   * and runs the guest as soon as it switches over. Repeatable: a second
   * call starts over.
   */
  private async waitOnSharedDisk(step: string, spec: GuestSpec, sourceHost: string): Promise<LiveMigrateData> {
    const h = this.h;
    const record = h.files(spec.uuid).read();
    if (!record || record.host !== sourceHost) throw new VirtDriverError(step, `guest ${spec.uuid} of host ${sourceHost} is not in the shared instances path of host ${h.host}`);
    const files = new GuestFiles(h.files(spec.uuid).dir, otherSlot(record.slot ?? 'a'));
    await h.stopQemu(files, spec.uuid);
    rmSync(files.incomingFile, { force: true });
    const addr = h.opts.liveMigration.inboundAddr;
    const postCopy = h.opts.liveMigration.permitPostCopy === true;
    const data = await onFreePorts(addr, h.opts.liveMigration, 1, h.portsInUse(), async ([port]) => {
      const data: IncomingGuest = { uri: tcpUri(addr, port!), nbd: null, ...(postCopy && { postCopy }) };
      writeFileSync(files.incomingFile, JSON.stringify(data));
      await h.launchQemu(step, files, { ...record, spec }, { incomingUri: data.uri, runOnArrival: postCopy });
      return data;
    });
    if (postCopy) {
      await h.qmp(files, step, (c) => c.execute('migrate-set-capabilities', { capabilities: [{ capability: 'postcopy-ram', state: true }] })).catch((e: unknown) => {
        killHard(files, spec.uuid);
        throw e;
      });
    }
    return data as unknown as LiveMigrateData;
  }

  /** Runs on the source: see transferGuest. The guest's QMP session is held for the whole transfer. */
  async liveMigration(uuid: string, opts: LiveMigrationOptions): Promise<LiveMigrationOutcome> {
    const h = this.h;
    const step = 'live_migration';
    const { files, record } = h.requireState(step, uuid, [PowerState.RUNNING, PowerState.PAUSED]);
    if (this.transfers.has(uuid)) throw new VirtDriverError(step, `guest ${uuid} is already live-migrating`);
    const incoming = incomingGuest(opts.migrateData);
    if (!incoming) throw new VirtDriverError(step, `the destination ${opts.destHost} gave no address to migrate guest ${uuid} to`);
    // The option is seconds per GiB of what moves, as Nova's libvirt driver takes it.
    const completionTimeout = guestCompletionTimeout(opts.completionTimeout, record.spec.memoryMb, opts.blockMigration, [files.disk]);
    // Post-copy when both ends permit it; not for a paused guest, as Nova leaves it out then.
    const postCopy = h.opts.liveMigration.permitPostCopy === true && incoming.postCopy === true && h.powerOf(files, record) === PowerState.RUNNING;
    const pending: PendingTransfer = { requested: null };
    this.transfers.set(uuid, pending);
    try {
      const result = await h.qmp(files, step, (c) =>
        transferGuest(c, incoming, { ...opts, completionTimeout, postCopy }, (control) => {
          pending.control = control;
          // Asked for before the transfer could take it (its QMP session was opening).
          if (pending.requested === 'abort') void control.abort().catch(() => undefined);
          else if (pending.requested === 'force_complete') void control.forceComplete().catch(() => undefined);
        }, () => !h.halted),
      );
      if (result.outcome === 'completed') this.lastTransfer.set(uuid, result);
      return result.outcome;
    } catch (e) {
      if (e instanceof VirtDriverError) throw e;
      throw new VirtDriverError(step, e instanceof Error ? e.message : String(e));
    } finally {
      this.transfers.delete(uuid);
    }
  }

  /** Pauses the guest on the source so its memory stops changing and the transfer converges, or switches a post-copy one over (a block migration's once its disk mirror is in step). */
  async forceComplete(uuid: string): Promise<void> {
    await this.transferControl('live_migration_force_complete', uuid).forceComplete();
  }

  /** `migrate_cancel`: the guest goes on running here; the destination's QEMU is dropped by its rollback. Refused once in post-copy. */
  async abort(uuid: string): Promise<void> {
    await this.transferControl('live_migration_abort', uuid).abort();
  }

  /** The guest arrived: the NBD export closes and the guest runs (unless it was paused before). Repeatable. */
  postLiveMigrationAtDestination(spec: GuestSpec, powerState: PowerStateValue): Promise<void> {
    const h = this.h;
    const step = 'post_live_migration_at_destination';
    return h.locked(step, spec.uuid, async () => {
      const { files, record } = this.arrivedOnSharedDisk(spec.uuid) ?? h.require(step, spec.uuid);
      if (livePid(files, spec.uuid) === null) throw new VirtDriverError(step, `guest ${spec.uuid} has no QEMU on host ${h.host}: it did not arrive`);
      const running = powerState !== PowerState.PAUSED;
      await h.qmp(files, step, async (c) => {
        for (let i = 0; ; i++) {
          const s = (await c.execute('query-status')) as { status?: string };
          if (s.status !== 'inmigrate') break;
          if (i > 600) throw new Error('the incoming migration did not finish');
          await new Promise((r) => setTimeout(r, 50));
        }
        await c.execute('nbd-server-stop').catch(() => undefined);
        if (running) await c.execute('cont');
      });
      const { incoming: _done, ...rest } = record;
      // Over a shared path the record becomes this host's, naming the files its QEMU uses.
      h.save(files, { ...rest, host: h.host, slot: files.slot, spec, power: running ? 'running' : 'paused', startedAt: record.startedAt ?? Date.now() });
      rmSync(files.incomingFile, { force: true });
    });
  }

  /** The guest waited for here over a shared instances path, its record still the source's: this host's files of it. */
  private arrivedOnSharedDisk(uuid: string): { files: GuestFiles; record: GuestRecord } | null {
    const h = this.h;
    h.alive('post_live_migration_at_destination');
    const record = h.files(uuid).read();
    if (!record || record.host === h.host || !h.sharesPathWith(record.host)) return null;
    const files = new GuestFiles(h.files(uuid).dir, otherSlot(record.slot ?? 'a'));
    return existsSync(files.incomingFile) ? { files, record } : null;
  }

  /** Drops the waiting (or arrived) QEMU and its files. Repeatable. */
  rollbackAtDestination(uuid: string): Promise<void> {
    return destroy(this.h, uuid);
  }

  /** The guest lives on the destination now: this host's QEMU quits and its files go. Repeatable. */
  cleanupAtSource(uuid: string): Promise<void> {
    return destroy(this.h, uuid);
  }

  /** QEMU's own figures of the guest's last completed live migration from this host (total time and downtime). */
  last(uuid: string): TransferFigures | undefined {
    return this.lastTransfer.get(uuid);
  }

  /**
   * Cancels a live migration (and its disk mirror) still under way from a
   * guest whose agent died; one in post-copy cannot be cancelled (the guest
   * runs at the destination): QEMU carries it on alone (see awaitPostCopy).
   * A guest that ran, cancelled while stopped for its switch-over or by a
   * force-complete (which pauses it so the copy converges), runs again.
   */
  async cancelOrphan(files: GuestFiles, wasRunning: boolean): Promise<void> {
    await this.h.qmp(files, 'init', async (c) => {
      const m = (await c.execute('query-migrate')) as { status?: string };
      const cancel = ['setup', 'active', 'pre-switchover', 'device'].includes(m.status ?? '');
      if (cancel) await c.execute('migrate_cancel');
      const jobs = (await c.execute('query-block-jobs')) as unknown as Array<{ device: string }>;
      for (const j of jobs) await c.execute('block-job-cancel', { device: j.device, force: true });
      if (!cancel) return;
      for (let i = 0; i < 600; i++) {
        const now = (await c.execute('query-migrate')) as { status?: string };
        if (now.status !== 'cancelling') break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const run = (await c.execute('query-status')) as { status?: string };
      if (wasRunning && ['postmigrate', 'finish-migrate', 'paused'].includes(run.status ?? '')) await c.execute('cont');
    });
  }

  /**
   * Waits for a post-copy transfer from this host that QEMU carried on
   * without the agent (an earlier life's) to end. False when QEMU never
   * switched over: the earlier life recorded the switch and died before QEMU
   * made it (a block migration's disk mirror is completed in between), so
   * this life's start-up cancelled the transfer and the guest runs here.
   */
  async awaitPostCopy(uuid: string): Promise<boolean> {
    const step = 'live_migration';
    const { files } = this.h.require(step, uuid);
    if (livePid(files, uuid) === null) return true;
    return this.h.qmp(files, step, async (c) => {
      for (let i = 0; i < POST_COPY_WAIT_MS / 200; i++) {
        const m = (await c.execute('query-migrate')) as { status?: string };
        if (m.status === 'cancelled') return false;
        if (m.status !== 'postcopy-active') return true;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`the post-copy transfer of guest ${uuid} did not end within ${POST_COPY_WAIT_MS / 1000} s`);
    });
  }

  private transferControl(step: string, uuid: string): TransferControl {
    this.h.alive(step);
    const pending = this.transfers.get(uuid);
    if (!pending) throw new VirtDriverError(step, `guest ${uuid} is not live-migrating from host ${this.h.host}`);
    if (pending.control) return pending.control;
    // The transfer is starting: it takes the request as soon as it can.
    return {
      abort: async () => {
        pending.requested = 'abort';
      },
      forceComplete: async () => {
        pending.requested ??= 'force_complete';
      },
    };
  }
}
