// The audit proper: a snapshot in, findings out. Each check reports what it
// sees; the severity policy then shows findings that unfinished work on their
// server explains as in-progress (a warning once that work is stuck), and
// those of a server whose records changed a moment ago as in-progress too
// (it may be settling); strict mode makes every finding a violation.
import { indexSnapshot } from './context.js';
import { expectedAllocations } from './expected-allocations.js';
import { allocationFindings } from './check-allocations.js';
import { errorFindings } from './check-errors.js';
import { guestFindings } from './check-guests.js';
import { portFindings } from './check-ports.js';
import { progressFindings, settlingServers, workInProgress, type Work } from './check-progress.js';
import { FINDING_KINDS, type AuditOptions, type AuditReport, type Finding, type FindingDraft, type Severity, type Snapshot } from './types.js';

const SEVERITY_ORDER: readonly Severity[] = ['violation', 'warning', 'in-progress'];

interface Policy {
  readonly work: ReadonlyMap<string, Work>;
  readonly settling: ReadonlyMap<string, number>;
  readonly strict: boolean;
}

function applyPolicy(d: FindingDraft, p: Policy): Finding {
  const busy = d.explainedBy === undefined ? undefined : p.work.get(d.explainedBy);
  const age = d.explainedBy === undefined ? undefined : p.settling.get(d.explainedBy);
  let severity: Severity = d.severity;
  let message = d.message;
  if (severity === 'violation' && busy !== undefined) severity = busy.stuck ? 'warning' : 'in-progress';
  else if (severity === 'violation' && age !== undefined) {
    severity = 'in-progress';
    message = `${message} (its records changed ${age} s ago; it may still be settling)`;
  }
  if (p.strict) severity = 'violation';
  return { kind: d.kind, severity, server: d.server, migration: d.migration, host: d.host, message };
}

function order(a: Finding, b: Finding): number {
  return (
    SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) ||
    FINDING_KINDS.indexOf(a.kind) - FINDING_KINDS.indexOf(b.kind) ||
    (a.server ?? '').localeCompare(b.server ?? '') ||
    (a.host ?? '').localeCompare(b.host ?? '') ||
    a.message.localeCompare(b.message)
  );
}

export function runAudit(snap: Snapshot, opts: AuditOptions): AuditReport {
  const ctx = indexSnapshot(snap);
  const work = workInProgress(ctx, opts.stuckAfterSeconds);
  const drafts: FindingDraft[] = [
    ...guestFindings(ctx),
    ...allocationFindings(ctx, expectedAllocations(snap.servers, snap.migrations)),
    ...errorFindings(ctx),
    ...portFindings(ctx),
    ...progressFindings(work, opts.stuckAfterSeconds),
  ];
  const policy: Policy = { work, settling: settlingServers(ctx, opts.settleSeconds), strict: opts.strict };
  const reachable = snap.hosts.filter((h) => h.reachable);
  return {
    checkedAt: snap.takenAt,
    strict: opts.strict,
    hosts: snap.hosts.map((h) => ({ host: h.host, reachable: h.reachable, guests: h.guests.length })),
    counts: {
      servers: snap.servers.length,
      migrations: snap.migrations.length,
      allocations: snap.allocations.length,
      guests: reachable.reduce((n, h) => n + h.guests.length, 0),
    },
    findings: drafts.map((d) => applyPolicy(d, policy)).sort(order),
  };
}
