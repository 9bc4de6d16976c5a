// The summary os-instance_usage_audit_log gives of one audit period: which
// compute hosts (disabled ones included) have recorded their usage audit,
// which are still running it, and which have not run it.
import type { TaskLogRow } from '../../db/schema.js';

/** Python's str() of a whole-second datetime: 'YYYY-MM-DD HH:MM:SS'. */
const pythonStr = (stored: string): string => stored.slice(0, 19);

export function usageAuditLogView(periodBeginning: string, periodEnding: string, computeHosts: readonly string[], logs: readonly TaskLogRow[]) {
  const hosts = new Set(computeHosts);
  const seen = new Set(logs.map((l) => l.host));
  const done = new Set(logs.filter((l) => l.state === 'DONE').map((l) => l.host));
  const running = new Set(logs.filter((l) => l.state === 'RUNNING').map((l) => l.host));
  const totalErrors = logs.reduce((n, l) => n + l.errors, 0);
  const totalItems = logs.reduce((n, l) => n + l.task_items, 0);
  const notRun = [...hosts].filter((h) => !seen.has(h)).sort();
  const hostsDone = done.size === hosts.size ? 'ALL' : `${done.size} of ${hosts.size}`;
  return {
    period_beginning: pythonStr(periodBeginning),
    period_ending: pythonStr(periodEnding),
    num_hosts: hosts.size,
    num_hosts_done: done.size,
    num_hosts_running: running.size,
    num_hosts_not_run: notRun.length,
    hosts_not_run: notRun,
    total_instances: totalItems,
    total_errors: totalErrors,
    overall_status: `${hostsDone} hosts done. ${totalErrors} errors.`,
    log: Object.fromEntries(logs.map((l) => [l.host, { state: l.state, instances: l.task_items, errors: l.errors, message: l.message }])),
  };
}
