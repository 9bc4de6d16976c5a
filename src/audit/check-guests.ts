// Guests against servers: every guest belongs to a live server and sits on
// its recorded host (or on an end of a move that allows a second copy), every
// server with a host has its guest there, in the power state its vm_state
// says. Hosts that did not answer are reported and not checked.
import { isReachable, openMigrationsOf, type AuditContext } from './context.js';
import { COLD_AFTER_FINISH, EVACUATION_HOLDING, isColdMove, isEvacuation, isLiveMigration, isUnderWay } from './moves.js';
import { POWER_STATE, VmState } from '../compute/states.js';
import type { AuditGuest, AuditMigration, AuditServer, FindingDraft } from './types.js';

/** The power state each settled vm_state requires of its guest (others may be either). */
const POWER_OF_VM_STATE: Readonly<Record<string, number>> = {
  [VmState.ACTIVE]: POWER_STATE.RUNNING,
  [VmState.STOPPED]: POWER_STATE.SHUTDOWN,
  [VmState.PAUSED]: POWER_STATE.PAUSED,
  [VmState.SUSPENDED]: POWER_STATE.SUSPENDED,
  // Shelved but not offloaded: the guest stays on its host, powered off.
  [VmState.SHELVED]: POWER_STATE.SHUTDOWN,
};
const POWER_NAMES: Readonly<Record<number, string>> = Object.fromEntries(Object.entries(POWER_STATE).map(([name, value]) => [value, name]));
const powerName = (p: number): string => `${POWER_NAMES[p] ?? 'UNKNOWN'} (${p})`;

/**
 * Whether a move allows a copy of the server's guest on `host` besides its
 * recorded host: the source of a cold move until confirmed or reverted (its
 * destination while under way), the failed source of an evacuation until
 * cleaned up (its destination while rebuilding), either end of a live
 * migration under way.
 */
function allowsCopy(m: AuditMigration, host: string): boolean {
  if (isColdMove(m)) return (host === m.sourceCompute && (isUnderWay(m) || COLD_AFTER_FINISH.has(m.status))) || (host === m.destCompute && isUnderWay(m));
  if (isEvacuation(m)) return (host === m.sourceCompute && EVACUATION_HOLDING.has(m.status)) || (host === m.destCompute && m.status === 'pre-migrating');
  if (isLiveMigration(m)) return (host === m.sourceCompute || host === m.destCompute) && isUnderWay(m);
  return false;
}

/** A guest missing from the recorded host is expected while a move with that host at one end is under way. */
const moveExplainsAbsence = (ctx: AuditContext, s: AuditServer, host: string): boolean =>
  openMigrationsOf(ctx, s.uuid).some((m) => isUnderWay(m) && (m.sourceCompute === host || m.destCompute === host));

function guestOnItsHost(s: AuditServer, g: AuditGuest, host: string): FindingDraft[] {
  const want = POWER_OF_VM_STATE[s.vmState];
  if (want === undefined || g.powerState === want) return [];
  return [
    {
      kind: 'power-mismatch',
      severity: 'violation',
      server: s.uuid,
      migration: null,
      host,
      message: `Server is ${s.vmState} but its guest on ${host} is ${powerName(g.powerState)}, not ${powerName(want)}`,
      explainedBy: s.uuid,
    },
  ];
}

export function guestFindings(ctx: AuditContext): FindingDraft[] {
  const out: FindingDraft[] = [];
  for (const h of ctx.snap.hosts) {
    if (!h.reachable) {
      out.push({
        kind: 'unreachable-host',
        severity: 'warning',
        server: null,
        migration: null,
        host: h.host,
        message: `Host ${h.host} did not answer${h.error ? ` (${h.error})` : ''}; its guests are not checked`,
      });
      continue;
    }
    for (const g of h.guests) {
      const s = ctx.servers.get(g.uuid);
      if (s === undefined) {
        const whose = ctx.snap.deletedServers.has(g.uuid) ? 'a deleted server' : 'no server';
        out.push({ kind: 'orphan-guest', severity: 'violation', server: g.uuid, migration: null, host: h.host, message: `Guest ${g.uuid} on ${h.host} belongs to ${whose}` });
        continue;
      }
      if (s.host === h.host) {
        out.push(...guestOnItsHost(s, g, h.host));
        continue;
      }
      if (openMigrationsOf(ctx, s.uuid).some((m) => allowsCopy(m, h.host))) continue;
      const copy = g.migratingTo !== null ? ` (the source copy of a migration to ${g.migratingTo})` : '';
      out.push({
        kind: 'duplicate-guest',
        severity: 'violation',
        server: s.uuid,
        migration: null,
        host: h.host,
        message:
          s.host === null
            ? `Server has no host, but a guest of it runs on ${h.host}${copy}`
            : `Server is recorded on ${s.host}, but a guest of it also runs on ${h.host}${copy}, and no move allows that`,
        explainedBy: s.uuid,
      });
    }
  }
  for (const s of ctx.snap.servers) {
    if (s.host === null) continue;
    const h = ctx.hosts.get(s.host);
    if (h === undefined) {
      out.push({
        kind: 'missing-guest',
        severity: 'violation',
        server: s.uuid,
        migration: null,
        host: s.host,
        message: `Server is recorded on ${s.host}, which is not a compute host`,
        explainedBy: s.uuid,
      });
      continue;
    }
    if (!isReachable(ctx, s.host) || h.guests.some((g) => g.uuid === s.uuid) || moveExplainsAbsence(ctx, s, s.host)) continue;
    out.push({
      kind: 'missing-guest',
      severity: 'violation',
      server: s.uuid,
      migration: null,
      host: s.host,
      message: `Server is recorded on ${s.host}, whose hypervisor has no guest of it`,
      explainedBy: s.uuid,
    });
  }
  return out;
}
