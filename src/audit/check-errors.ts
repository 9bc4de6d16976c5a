// A server in ERROR tells its user why: it has at least one instance fault.
import { VmState } from '../compute/states.js';
import type { AuditContext } from './context.js';
import type { FindingDraft } from './types.js';

export function errorFindings(ctx: AuditContext): FindingDraft[] {
  return ctx.snap.servers
    .filter((s) => s.vmState === VmState.ERROR && !s.hasFault)
    .map((s) => ({
      kind: 'error-without-fault',
      severity: 'violation',
      server: s.uuid,
      migration: null,
      host: s.host,
      message: 'Server is in ERROR without any instance fault to tell why',
    }));
}
