// Guests this host should no longer have, at start-up and then:
//  - guests of deleted servers (a delete done while this host was down),
//    every [DEFAULT] running_deleted_instance_poll_interval, handled as
//    [DEFAULT] running_deleted_instance_action says (reap, shutdown, log, noop);
//  - copies a finished move left behind, every periodic run: the server
//    lives on another host, and the last move between this host and that one
//    is over — a live migration whose source died just after the
//    switch-over, an arrival that was rolled back, a failed confirm. Those
//    are destroyed.
// A copy no record explains is only reported: destroying it could lose the
// one guest a wrong record points away from.
import type { AgentContext } from './context.js';
import type { InstanceRow, MigrationRow } from '../db/schema.js';
import { POWER_STATE } from '../compute/states.js';

/** Statuses in which a move still owns copies of the guest on its hosts. */
const HOLDING: Readonly<Record<string, readonly string[]>> = {
  migration: ['pre-migrating', 'migrating', 'post-migrating', 'finished', 'confirming', 'reverting'],
  resize: ['pre-migrating', 'migrating', 'post-migrating', 'finished', 'confirming', 'reverting'],
  'live-migration': ['accepted', 'queued', 'preparing', 'running', 'running (post-copy)', 'post-migrating'],
  evacuation: ['accepted', 'pre-migrating', 'done'],
};

export type SweepVerdict = 'keep' | 'deleted' | 'stale' | 'unexplained';

/** What to do with a guest on `host` of a server recorded as `inst` (undefined: no record at all). */
export function judgeGuest(host: string, inst: InstanceRow | undefined, migrations: readonly MigrationRow[]): SweepVerdict {
  if (!inst) return 'unexplained';
  if (inst.deleted !== 0) return 'deleted';
  if (inst.host === host) return 'keep';
  const involving = migrations.filter((m) => m.source_compute === host || m.dest_compute === host);
  if (involving.some((m) => HOLDING[m.migration_type]?.includes(m.status))) return 'keep';
  const last = involving.reduce<MigrationRow | undefined>((a, m) => (a === undefined || m.id > a.id ? m : a), undefined);
  return last === undefined ? 'unexplained' : 'stale';
}

export interface SweepOptions {
  /** Also handle guests of deleted servers (every running_deleted_instance_poll_interval). */
  readonly deleted: boolean;
}

export async function sweepGuests(ctx: AgentContext, opts: SweepOptions): Promise<void> {
  const guests = ctx.driver.listGuests();
  if (guests.length === 0) return;
  const uuids = guests.map((g) => g.uuid);
  // Migrations before servers: a move records its end and the server's new
  // host in one transaction, so a server read after its migrations is never
  // older than them — a copy that just became the server's own is not taken
  // for one a finished move left behind.
  const migrations = await ctx.db.kysely.selectFrom('migrations').selectAll().where('instance_uuid', 'in', uuids).where('deleted', '=', 0).execute();
  const rows = await ctx.db.kysely.selectFrom('instances').selectAll().where('uuid', 'in', uuids).execute();
  const action = ctx.conf.str('DEFAULT', 'running_deleted_instance_action');
  for (const g of guests) {
    // The newest row for the uuid: a server deleted and gone, or alive.
    const inst = rows.filter((r) => r.uuid === g.uuid).sort((a, b) => a.deleted - b.deleted)[0];
    const verdict = judgeGuest(ctx.host, inst, migrations.filter((m) => m.instance_uuid === g.uuid));
    if (verdict === 'keep') continue;
    if (verdict === 'unexplained') {
      ctx.log.warn({ instance: g.uuid, recordedHost: inst?.host }, 'a guest here belongs to a server recorded elsewhere, and no move explains it; left alone');
      continue;
    }
    if (verdict === 'stale') {
      ctx.log.info({ instance: g.uuid, recordedHost: inst?.host }, 'destroying a copy of a guest a finished move left here');
      await ctx.driver.destroy(g.uuid);
      continue;
    }
    if (!opts.deleted) continue;
    if (action === 'reap') {
      ctx.log.info({ instance: g.uuid }, 'destroying the guest of a deleted server');
      await ctx.driver.destroy(g.uuid);
    } else if (action === 'shutdown') {
      if (g.powerState !== POWER_STATE.SHUTDOWN) await ctx.driver.powerOff(g.uuid);
    } else if (action === 'log') {
      ctx.log.warn({ instance: g.uuid }, 'a deleted server still has a guest on this host');
    }
  }
}
