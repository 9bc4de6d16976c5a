// `magnetar audit [--strict] [--stuck-after N] [--json]`: asks the compute
// API for the audit (GET /magnetar/audit) and prints one line per finding
// and a summary. Exit status: 1 when any finding is a violation, 2 when the
// audit could not be had (API unreachable, credentials, refused), else 0.
import type { Writable } from 'node:stream';
import { resolveCredentials, type OsOptions } from './os-credentials.js';
import { ComputeClient, faultMessage } from './os-client.js';

export interface AuditCommandOptions extends OsOptions {
  readonly strict?: boolean;
  readonly stuckAfter?: string;
  readonly json?: boolean;
}

interface FindingBody {
  readonly kind: string;
  readonly severity: string;
  readonly server: string | null;
  readonly migration: string | null;
  readonly host: string | null;
  readonly message: string;
}

interface AuditBody {
  readonly audit: {
    readonly strict: boolean;
    readonly hosts: ReadonlyArray<{ readonly host: string; readonly reachable: boolean; readonly guests: number }>;
    readonly counts: { readonly servers: number; readonly migrations: number; readonly allocations: number; readonly guests: number };
    readonly findings: readonly FindingBody[];
  };
}

export const EXIT_CLEAN = 0;
export const EXIT_VIOLATION = 1;
export const EXIT_UNAVAILABLE = 2;

/** `kind  severity  server  migration  host  message`, '-' for what a finding does not name. */
export function findingLine(f: FindingBody, hostWidth: number): string {
  return [
    f.kind.padEnd(19),
    f.severity.padEnd(11),
    (f.server ?? '-').padEnd(36),
    (f.migration ?? '-').padEnd(36),
    (f.host ?? '-').padEnd(hostWidth),
    f.message,
  ].join(' ');
}

export function summaryLine(a: AuditBody['audit']): string {
  const n = (sev: string): number => a.findings.filter((f) => f.severity === sev).length;
  const reachable = a.hosts.filter((h) => h.reachable).length;
  const c = a.counts;
  return (
    `${n('violation')} violation(s), ${n('warning')} warning(s), ${n('in-progress')} in progress` +
    `${a.strict ? ' (strict)' : ''}; checked ${c.servers} servers, ${c.migrations} migrations, ` +
    `${c.allocations} allocations, ${c.guests} guests on ${reachable} of ${a.hosts.length} hosts`
  );
}

export async function auditCommand(o: AuditCommandOptions, out: Writable = process.stdout, err: Writable = process.stderr): Promise<number> {
  const fail = (message: string): number => {
    err.write(`magnetar audit: ${message}\n`);
    return EXIT_UNAVAILABLE;
  };
  if (o.stuckAfter !== undefined && !/^\d+$/.test(o.stuckAfter)) return fail(`--stuck-after must be a whole number of seconds, not '${o.stuckAfter}'`);
  const query = [o.strict ? 'strict=true' : '', o.stuckAfter !== undefined ? `stuck_after=${o.stuckAfter}` : ''].filter(Boolean).join('&');
  let reply;
  try {
    const client = await ComputeClient.connect(resolveCredentials(o));
    reply = await client.request('GET', `/magnetar/audit${query ? `?${query}` : ''}`);
  } catch (e) {
    return fail(e instanceof Error ? e.message : String(e));
  }
  if (reply.status !== 200) return fail(`the compute API answered ${reply.status}${faultMessage(reply.body) ? `: ${faultMessage(reply.body)}` : ''}`);
  const body = reply.body as AuditBody;
  if (o.json) {
    out.write(`${JSON.stringify(body, null, 2)}\n`);
  } else {
    const width = Math.max(1, ...body.audit.findings.map((f) => (f.host ?? '-').length));
    for (const f of body.audit.findings) out.write(`${findingLine(f, width)}\n`);
    out.write(`${summaryLine(body.audit)}\n`);
  }
  return body.audit.findings.some((f) => f.severity === 'violation') ? EXIT_VIOLATION : EXIT_CLEAN;
}
