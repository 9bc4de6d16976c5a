// The body of GET /magnetar/audit.
import type { AuditReport } from '../../audit/types.js';

export function auditView(r: AuditReport): Record<string, unknown> {
  return {
    audit: {
      checked_at: r.checkedAt.toISOString(),
      strict: r.strict,
      hosts: r.hosts.map((h) => ({ host: h.host, reachable: h.reachable, guests: h.guests })),
      counts: { ...r.counts },
      findings: r.findings.map((f) => ({ kind: f.kind, severity: f.severity, server: f.server, migration: f.migration, host: f.host, message: f.message })),
    },
  };
}
