// [DEFAULT] instance_usage_audit: once per audit period each host counts the
// servers that ran on it during the last completed period and records the
// run in the task log, which os-instance_usage_audit_log reports. Nova sends
// a usage notification per server here; Magnetar has no notification bus, so
// the run is recorded whole, in one write.
import type { AgentContext } from './context.js';
import { instancesActiveInWindow } from '../db/usage-queries.js';
import { recordFinishedTask, taskLogOfHost, USAGE_AUDIT_TASK, type TaskPeriod } from '../db/task-log.js';
import { lastCompletedAuditPeriod } from '../compute/audit-period.js';
import { dbOfMicros, microsOfDate } from '../compute/usage-time.js';

export async function auditInstanceUsage(ctx: AgentContext): Promise<void> {
  if (!ctx.conf.bool('DEFAULT', 'instance_usage_audit')) return;
  const started = performance.now();
  const period = lastCompletedAuditPeriod(ctx.conf.str('DEFAULT', 'instance_usage_audit_period'), microsOfDate(ctx.clock.now()));
  const p: TaskPeriod = { taskName: USAGE_AUDIT_TASK, periodBeginning: dbOfMicros(period.begin), periodEnding: dbOfMicros(period.end) };
  const db = ctx.db.kysely;
  if (await taskLogOfHost(db, p, ctx.host)) return;
  const servers = await instancesActiveInWindow(db, { begin: p.periodBeginning, end: p.periodEnding, host: ctx.host });
  const seconds = (performance.now() - started) / 1000;
  const message = `Instance usage audit ran for host ${ctx.host}, ${servers.length} instances in ${seconds} seconds.`;
  if (await recordFinishedTask(db, p, { host: ctx.host, taskItems: servers.length, errors: 0, message }, ctx.clock.now()))
    ctx.log.info({ begin: p.periodBeginning, end: p.periodEnding, instances: servers.length }, 'instance usage audit recorded');
}
