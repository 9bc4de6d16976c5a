// A port the compute side made or bound for a server goes (or is unbound)
// with it: one whose server is deleted, or was never known, is left over.
import type { AuditContext } from './context.js';
import type { FindingDraft } from './types.js';

export function portFindings(ctx: AuditContext): FindingDraft[] {
  return (ctx.snap.ports ?? [])
    .filter((p) => !ctx.servers.has(p.deviceId))
    .map((p) => ({
      kind: 'port-leak',
      severity: 'violation',
      server: p.deviceId,
      migration: null,
      host: p.host === '' ? null : p.host,
      message: ctx.snap.deletedServers.has(p.deviceId)
        ? `Port ${p.id} is still held for deleted server ${p.deviceId}`
        : `Port ${p.id} is held for server ${p.deviceId}, which does not exist`,
    }));
}
