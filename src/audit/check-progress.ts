// Work that is not finished: a server with a task, a server still building,
// a migration that is neither final nor in a stable waiting pairing, more
// than one move of a server at once. Recent work is `in-progress`; work whose
// records have not changed for longer than stuck_after is `stuck`.
import { VmState } from '../compute/states.js';
import { isReachable, type AuditContext } from './context.js';
import { COLD_AFTER_FINISH, DONE, FINISHED, describeMigration, isColdMove, isEvacuation, isUnderWay } from './moves.js';
import type { AuditMigration, AuditServer, FindingDraft } from './types.js';

/** The unfinished work of one server (live or deleted). */
export interface Work {
  readonly server: string;
  readonly host: string | null;
  /** The migration most concerned (the newest one not settled), if any. */
  readonly migration: string | null;
  readonly reasons: readonly string[];
  /** Seconds since the server or its open migrations last changed. */
  readonly idleSeconds: number;
  readonly stuck: boolean;
}

const seconds = (from: Date, to: Date): number => Math.max(0, Math.round((to.getTime() - from.getTime()) / 1000));

/** Why a waiting migration of a live server is not in its stable pairing; null when it is. */
function unsettledWait(ctx: AuditContext, s: AuditServer, m: AuditMigration): string | null {
  if (m.status === FINISHED && isColdMove(m)) {
    if (s.vmState === VmState.RESIZED && s.host === m.destCompute) return null;
    return `${describeMigration(m)} but the server is ${s.vmState} on ${s.host ?? 'no host'}, not resized on ${m.destCompute ?? 'its destination'}`;
  }
  if (m.status === DONE && isEvacuation(m)) {
    if (s.host !== m.destCompute) return `${describeMigration(m)} but the server is on ${s.host ?? 'no host'}, not ${m.destCompute ?? 'its destination'}`;
    if (isReachable(ctx, m.sourceCompute)) return `${describeMigration(m)} but its failed source ${m.sourceCompute} is back and has not cleaned up`;
    return null;
  }
  return `${describeMigration(m)} is not a status a ${m.type} waits in`;
}

function reasonsOfServer(ctx: AuditContext, s: AuditServer, open: readonly AuditMigration[]): { reasons: string[]; migration: string | null } {
  const reasons: string[] = [];
  let migration: string | null = null;
  if (s.taskState !== null) reasons.push(`task_state ${s.taskState}`);
  if (s.vmState === VmState.BUILDING) reasons.push('vm_state building');
  const underWay = open.filter(isUnderWay);
  for (const m of open) {
    const why = isUnderWay(m) ? `${describeMigration(m)} is under way` : unsettledWait(ctx, s, m);
    if (why === null) continue;
    reasons.push(why);
    migration = m.uuid;
  }
  if (underWay.length > 1) reasons.push(`${underWay.length} migrations under way at once`);
  if (s.vmState === VmState.RESIZED && !open.some((m) => isColdMove(m) && COLD_AFTER_FINISH.has(m.status)))
    reasons.push('vm_state resized without a finished migration');
  return { reasons, migration };
}

/** Open migrations of a server that no longer exists: only a `done` evacuation whose failed host is still away may wait. */
function reasonsOfGone(ctx: AuditContext, open: readonly AuditMigration[]): { reasons: string[]; migration: string | null } {
  const reasons: string[] = [];
  let migration: string | null = null;
  for (const m of open) {
    if (m.status === DONE && isEvacuation(m) && !isReachable(ctx, m.sourceCompute)) continue;
    const whose = ctx.snap.deletedServers.has(m.instanceUuid) ? 'a deleted server' : 'a server that does not exist';
    reasons.push(`${describeMigration(m)} of ${whose} is not final`);
    migration = m.uuid;
  }
  return { reasons, migration };
}

/** Every server (or vanished server) with unfinished work, by server uuid. */
export function workInProgress(ctx: AuditContext, stuckAfterSeconds: number): Map<string, Work> {
  const now = ctx.snap.takenAt;
  const out = new Map<string, Work>();
  const add = (server: string, host: string | null, found: { reasons: string[]; migration: string | null }, changed: Date[]): void => {
    if (found.reasons.length === 0) return;
    const last = new Date(Math.max(...changed.map((d) => d.getTime())));
    const idle = seconds(last, now);
    out.set(server, { server, host, migration: found.migration, reasons: found.reasons, idleSeconds: idle, stuck: idle > stuckAfterSeconds });
  };
  for (const s of ctx.snap.servers) {
    const open = ctx.openMigrations.get(s.uuid) ?? [];
    add(s.uuid, s.host, reasonsOfServer(ctx, s, open), [s.updatedAt, ...open.map((m) => m.updatedAt)]);
  }
  for (const [server, open] of ctx.openMigrations) {
    if (ctx.servers.has(server)) continue;
    add(server, null, reasonsOfGone(ctx, open), open.map((m) => m.updatedAt));
  }
  return out;
}

/** Live servers whose record or any of whose migrations changed within the last `settleSeconds`, with that age in seconds. */
export function settlingServers(ctx: AuditContext, settleSeconds: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of ctx.snap.servers) {
    const changed = [s.updatedAt, ...(ctx.migrationsByServer.get(s.uuid) ?? []).map((m) => m.updatedAt)];
    const age = (ctx.snap.takenAt.getTime() - Math.max(...changed.map((d) => d.getTime()))) / 1000;
    if (age <= settleSeconds) out.set(s.uuid, Math.max(0, Math.round(age)));
  }
  return out;
}

export function progressFindings(work: ReadonlyMap<string, Work>, stuckAfterSeconds: number): FindingDraft[] {
  return [...work.values()].map((w) => ({
    kind: w.stuck ? 'stuck' : 'in-progress',
    severity: w.stuck ? 'warning' : 'in-progress',
    server: w.server,
    migration: w.migration,
    host: w.host,
    message: w.stuck
      ? `Unchanged for ${w.idleSeconds} s (stuck after ${stuckAfterSeconds} s): ${w.reasons.join('; ')}`
      : `Under way (last change ${w.idleSeconds} s ago): ${w.reasons.join('; ')}`,
  }));
}
