// The scheduler's view of every host, kept in memory between requests. The
// database stays the source of truth: before each request the view re-reads
// only the hosts the change log (host_state_changes, written by triggers in
// the writers' own transactions, see migration 019) names since it last
// looked — whoever wrote, in this process or another — so what it hands out
// is what a full read would give, at a cost that grows with the changes and
// not with the number of hosts. Claims stay atomic conditional writes; a
// claim that loses a race to a stale view fails, as with a full read.
//
// Liveness is not logged (heartbeats would flood the log): a service last
// seen within service_down_time is up whatever it wrote since, and one that
// looks down is re-read before it is judged.
import type { Db } from '../db/connect.js';
import { aggregateMetadataByHost } from '../db/aggregates.js';
import { compiledOnce } from '../db/compiled-once.js';
import { lastSeenMsOf, readHostRecords, serviceUpAt, usageOfNodes, type HostRecord, type HostState } from './host-state.js';

/**
 * How long a hole in the change log's ids is waited for. PostgreSQL hands out
 * ids when rows are written, not when they commit, so a later id can be seen
 * before an earlier one; a hole that never fills is a rolled-back write.
 */
const HOLE_WAIT_MS = 10_000;
/** The log keeps this many rows behind the newest one read; older ones are deleted now and then. */
const KEEP_ROWS = 100_000;
const PRUNE_EVERY = 1_000;
/** Changes applied again after a full read on PostgreSQL (see loadAll). */
const REREAD_AFTER_FULL_LOAD = 1_000;

/** An order of hosts that does not depend on liveness (judged per request). */
export type HostOrder = (a: Omit<HostState, 'serviceUp'>, b: Omit<HostState, 'serviceUp'>) => number;

/** The change log's rows after a watermark, read before every placement: compiled once. */
const changesAfter = compiledOnce((q, watermark: number) => q.selectFrom('host_state_changes').select(['id', 'host', 'node_uuid']).where('id', '>', watermark).orderBy('id'));

/** Passes over the hosts in the cache's order, from the first or from the last. */
export interface OrderView {
  inOrder(): Iterable<HostState>;
  inReverseOrder(): Iterable<HostState>;
}

interface Entry {
  record: HostRecord;
  /** The state handed out, with serviceUp as last judged. */
  state: HostState;
  /** Where the entry is in `ordered`. */
  pos: number;
}

export class HostStateCache {
  private entries = new Map<string, Entry>(); // by node uuid
  /** Node uuids by host, and the entries in (host, node) order. */
  private byHost = new Map<string, string[]>();
  /** The entries of the nodes each server runs on (its host's nodes). */
  private byInstance = new Map<string, Set<Entry>>();
  private ordered: Entry[] = [];
  private loaded = false;
  /** Every change with an id up to here has been applied. */
  private watermark = 0;
  /** Ids above the watermark already applied, and holes below them with when they were first seen. */
  private readonly applied = new Set<number>();
  private readonly holes = new Map<number, number>();
  private refreshes = 0;
  private inFlight: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  /** The entries in `order`, when one is given; replaced, never changed in place, so a request can hold on to it. */
  private sorted: readonly Entry[] = [];
  /**
   * The last judgement, handed out again while no change was applied and no
   * service's last report has grown older than service_down_time since.
   */
  private memo: { states: HostState[]; nowMs: number; validUntilMs: number; downTime: number } | undefined;

  /**
   * `order`: an order of hosts by what does not depend on the request (the
   * scheduler's weight order when only free RAM varies), kept up to date
   * change by change so a request can take hosts best first without sorting.
   */
  constructor(
    private readonly db: Db,
    private readonly order?: HostOrder,
  ) {}

  /**
   * The states of the last hosts() call, in `order`, read as they are
   * iterated (a request takes only the first few). Taken right after
   * hosts(), before any await; a host changed since is seen as it is now.
   * Each call of the view's functions is a new pass over the same order.
   */
  orderView(): OrderView {
    const sorted = this.sorted;
    return {
      *inOrder() {
        for (const e of sorted) yield e.state;
      },
      *inReverseOrder() {
        for (let i = sorted.length - 1; i >= 0; i--) yield sorted[i]!.state;
      },
    };
  }

  /**
   * Every candidate compute node as the database has it once every change
   * committed before this call is applied, judged live at `now`.
   */
  async hosts(now: Date, serviceDownTime: number): Promise<HostState[]> {
    await this.refresh();
    const nowMs = now.getTime();
    const m = this.memo;
    if (m !== undefined && m.downTime === serviceDownTime && nowMs >= m.nowMs && nowMs < m.validUntilMs) return m.states;
    this.memo = undefined;
    const judge = (e: Entry): HostState => {
      const up = serviceUpAt(e.record, nowMs, serviceDownTime);
      if (e.state.serviceUp !== up) e.state = { ...e.state, serviceUp: up };
      return e.state;
    };
    const entries = this.ordered;
    const states = new Array<HostState>(entries.length);
    // Services that look down may have reported since they were read: judged again once re-read.
    const stale: number[] = [];
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i]!;
      states[i] = judge(e);
      if (!states[i]!.serviceUp && !e.record.forcedDown) stale.push(i);
    }
    if (stale.length === 0) {
      // Every service not forced down is up, and stays up at least until its last report is service_down_time old.
      let validUntilMs = Infinity;
      for (const e of entries) if (!e.record.forcedDown) validUntilMs = Math.min(validUntilMs, e.record.lastSeenMs + serviceDownTime * 1000 - 1);
      this.memo = { states, nowMs, validUntilMs, downTime: serviceDownTime };
      return states;
    }
    await this.rereadServices(stale.map((i) => entries[i]!));
    for (const i of stale) states[i] = judge(entries[i]!);
    // Judging again updated the entries; the states in `order` follow them (see inOrder).
    return states;
  }

  /** Forgets everything: the next request reads every host again. */
  invalidate(): void {
    this.loaded = false;
  }

  /**
   * Applies the changes logged so far. A call made while one runs waits for
   * the next, which starts after it and so sees every change committed
   * before the call; concurrent callers share that next one.
   */
  private refresh(): Promise<void> {
    if (this.inFlight === undefined) {
      this.inFlight = this.apply().finally(() => (this.inFlight = undefined));
      return this.inFlight;
    }
    this.queued ??= this.inFlight
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.refresh();
      });
    return this.queued;
  }

  private async apply(): Promise<void> {
    if (!this.loaded) return this.loadAll();
    const rows = await changesAfter(this.db.kysely, this.watermark);
    const hosts = new Set<string>();
    // Nodes whose allocations alone changed: only their usage is read again.
    const usageOf = new Set<string>();
    let aggregates = false;
    const nowMs = Date.now();
    let expected = this.watermark + 1;
    for (const r of rows) {
      const id = Number(r.id);
      if (this.applied.has(id)) {
        expected = id + 1;
        continue;
      }
      for (; expected < id; expected++) if (!this.holes.has(expected)) this.holes.set(expected, nowMs);
      expected = id + 1;
      this.holes.delete(id);
      this.applied.add(id);
      if (r.host !== null) hosts.add(r.host);
      // A node not in the view is new: its compute_nodes row names its host too.
      else if (r.node_uuid !== null) {
        if (this.entries.has(r.node_uuid)) usageOf.add(r.node_uuid);
      } else aggregates = true;
    }
    // A hole at the start the log no longer holds (pruned by another reader) cannot be waited for: read everything.
    if (this.holes.has(this.watermark + 1) && rows.length > 0 && (await this.pruned())) return this.loadAll();
    this.advanceWatermark(nowMs);
    if (aggregates) this.memo = undefined;
    const changed: Entry[] = [];
    if (hosts.size > 0) changed.push(...(await this.reloadHosts([...hosts])));
    // A host read again whole has its usage read with it.
    const nodes = [...usageOf].filter((n) => !hosts.has(this.entries.get(n)?.record.state.host ?? ''));
    if (nodes.length > 0) changed.push(...(await this.reloadUsage(nodes)));
    // One new order and one new judgement for all of them: each is a copy of an array of every host.
    if (this.order !== undefined && changed.length > 0) this.resort(changed);
    this.patchMemo(changed);
    if (aggregates) await this.reloadAggregates();
    if (++this.refreshes % PRUNE_EVERY === 0) await this.prune();
  }

  /** Moves the watermark over every applied id and every hole waited for long enough. */
  private advanceWatermark(nowMs: number): void {
    for (;;) {
      const next = this.watermark + 1;
      const since = this.holes.get(next);
      if (this.applied.delete(next)) this.watermark = next;
      else if (since !== undefined && nowMs - since >= HOLE_WAIT_MS) {
        this.holes.delete(next);
        this.watermark = next;
      } else return;
    }
  }

  private async pruned(): Promise<boolean> {
    const r = await this.db.kysely.selectFrom('host_state_changes').select((eb) => eb.fn.min<number | string>('id').as('first')).executeTakeFirst();
    return r?.first !== null && r?.first !== undefined && Number(r.first) > this.watermark + 1;
  }

  private async prune(): Promise<void> {
    if (this.watermark > KEEP_ROWS) await this.db.kysely.deleteFrom('host_state_changes').where('id', '<', this.watermark - KEEP_ROWS).execute();
  }

  private async loadAll(): Promise<void> {
    // The log's position first: a change logged while the hosts are read is then applied again, never missed.
    const last = await this.db.kysely.selectFrom('host_state_changes').select((eb) => eb.fn.max<number | string>('id').as('last')).executeTakeFirst();
    const records = await readHostRecords(this.db, { withInstanceUuids: true, withAggregates: true });
    // On PostgreSQL a change with a lower id may still have been uncommitted when the hosts were read: take the last
    // few again (applying a change twice only re-reads its host).
    this.watermark = Math.max(0, Number(last?.last ?? 0) - (this.db.dialect === 'postgres' ? REREAD_AFTER_FULL_LOAD : 0));
    this.applied.clear();
    this.holes.clear();
    this.memo = undefined;
    this.entries = new Map();
    for (const record of records) this.entries.set(record.state.nodeUuid, { record, state: { ...record.state, serviceUp: false }, pos: -1 });
    this.reindex();
    this.loaded = true;
  }

  /** Reads these hosts again; returns the entries changed in place (none when the set of nodes changed: then all are placed anew). */
  private async reloadHosts(hosts: readonly string[]): Promise<Entry[]> {
    const records = await readHostRecords(this.db, { hosts, withInstanceUuids: true, withAggregates: true });
    let membershipChanged = false;
    const changed: Entry[] = [];
    const fresh = new Set(records.map((r) => r.state.nodeUuid));
    for (const host of hosts) {
      for (const uuid of this.byHost.get(host) ?? []) {
        if (!fresh.has(uuid)) {
          this.entries.delete(uuid);
          membershipChanged = true;
        }
      }
    }
    for (const record of records) {
      const e = this.entries.get(record.state.nodeUuid);
      if (e === undefined || e.record.state.host !== record.state.host || e.record.state.nodename !== record.state.nodename) membershipChanged = true;
      if (e === undefined) this.entries.set(record.state.nodeUuid, { record, state: { ...record.state, serviceUp: false }, pos: -1 });
      else {
        this.unindexInstances(e);
        e.record = record;
        e.state = { ...record.state, serviceUp: e.state.serviceUp };
        this.indexInstances(e);
        changed.push(e);
      }
    }
    if (membershipChanged) {
      this.memo = undefined;
      this.reindex();
      return [];
    }
    return changed;
  }

  /**
   * Keeps the last judgement over a change to a few hosts: only those are
   * judged again (at the judgement's time), instead of every host at the
   * next request. A changed host that looks down ends the judgement, so the
   * next request re-reads its service before judging it.
   */
  private patchMemo(changed: readonly Entry[]): void {
    const m = this.memo;
    if (m === undefined || changed.length === 0) return;
    const states = m.states.slice();
    let validUntilMs = m.validUntilMs;
    for (const e of changed) {
      const up = serviceUpAt(e.record, m.nowMs, m.downTime);
      if (!up && !e.record.forcedDown) {
        this.memo = undefined;
        return;
      }
      if (e.state.serviceUp !== up) e.state = { ...e.state, serviceUp: up };
      states[e.pos] = e.state;
      if (!e.record.forcedDown) validUntilMs = Math.min(validUntilMs, e.record.lastSeenMs + m.downTime * 1000 - 1);
    }
    this.memo = { ...m, states, validUntilMs };
  }

  /** The usage of these nodes as their allocations now add up (a claim or a release changed them); returns their entries. */
  private async reloadUsage(nodeUuids: readonly string[]): Promise<Entry[]> {
    const sums = await usageOfNodes(this.db, nodeUuids);
    const changed: Entry[] = [];
    for (const uuid of nodeUuids) {
      const e = this.entries.get(uuid);
      if (e === undefined) continue;
      const used = sums.get(uuid) ?? { vcpus: 0, memory_mb: 0, disk_gb: 0 };
      e.record = { ...e.record, state: { ...e.record.state, used } };
      e.state = { ...e.state, used };
      changed.push(e);
    }
    return changed;
  }

  /** Moves the changed entries to their new places in `sorted` (a new array). */
  private resort(changed: readonly Entry[]): void {
    const order = this.order!;
    const next = [...this.sorted];
    for (const e of changed) {
      const at = next.indexOf(e);
      if (at >= 0) next.splice(at, 1);
    }
    for (const e of changed) {
      let lo = 0;
      let hi = next.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (order(next[mid]!.record.state, e.record.state) <= 0) lo = mid + 1;
        else hi = mid;
      }
      next.splice(lo, 0, e);
    }
    this.sorted = next;
  }

  private async reloadAggregates(): Promise<void> {
    const byHost = await aggregateMetadataByHost(this.db.kysely, 'every host');
    for (const e of this.entries.values()) {
      const aggregates = byHost.get(e.record.state.host) ?? [];
      e.record = { ...e.record, state: { ...e.record.state, aggregates } };
      e.state = { ...e.state, aggregates };
    }
  }

  private async rereadServices(stale: readonly Entry[]): Promise<void> {
    const ids = [...new Set(stale.map((e) => e.record.serviceId))];
    const rows: Array<{ id: number; forced_down: number; last_seen_up: string | null; updated_at: string | null; created_at: string }> = [];
    for (let i = 0; i < ids.length; i += 1000) {
      rows.push(
        ...(await this.db.kysely
          .selectFrom('services')
          .select(['id', 'forced_down', 'last_seen_up', 'updated_at', 'created_at'])
          .where('id', 'in', ids.slice(i, i + 1000))
          .execute()),
      );
    }
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const e of stale) {
      const r = byId.get(e.record.serviceId);
      if (r !== undefined) e.record = { ...e.record, forcedDown: Boolean(r.forced_down), lastSeenMs: lastSeenMsOf(r) };
    }
  }

  /**
   * The states of the nodes any of these servers runs on, as the last
   * hosts() call judged them, in no particular order: the hosts of a server
   * group's members without looking at every host.
   */
  statesRunning(instanceUuids: Iterable<string>): HostState[] {
    const found = new Set<Entry>();
    for (const uuid of instanceUuids) for (const e of this.byInstance.get(uuid) ?? []) found.add(e);
    return [...found].map((e) => e.state);
  }

  private indexInstances(e: Entry): void {
    for (const uuid of e.record.state.instanceUuids) {
      let on = this.byInstance.get(uuid);
      if (on === undefined) this.byInstance.set(uuid, (on = new Set()));
      on.add(e);
    }
  }

  private unindexInstances(e: Entry): void {
    for (const uuid of e.record.state.instanceUuids) {
      const on = this.byInstance.get(uuid);
      on?.delete(e);
      if (on?.size === 0) this.byInstance.delete(uuid);
    }
  }

  private reindex(): void {
    const all = [...this.entries.values()];
    all.sort((a, b) => cmp(a.record.state.host, b.record.state.host) || cmp(a.record.state.nodename, b.record.state.nodename));
    this.ordered = all;
    all.forEach((e, i) => (e.pos = i));
    if (this.order !== undefined) {
      const order = this.order;
      this.sorted = [...all].sort((a, b) => order(a.record.state, b.record.state));
    }
    this.byInstance = new Map();
    for (const e of all) this.indexInstances(e);
    this.byHost = new Map();
    for (const e of all) {
      const list = this.byHost.get(e.record.state.host) ?? [];
      list.push(e.record.state.nodeUuid);
      this.byHost.set(e.record.state.host, list);
    }
  }
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
