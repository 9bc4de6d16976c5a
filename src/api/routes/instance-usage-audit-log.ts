// GET /os-instance_usage_audit_log (the last completed audit period) and
// /os-instance_usage_audit_log/{before_timestamp} (the last one completed
// before that moment, 'YYYY-MM-DD HH:MM:SS[.ffffff]'): how far the compute
// hosts are with their usage audit of the period. Admin-only, no target.
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import type { QuerySchema } from '../query.js';
import { authorize } from '../context.js';
import { badRequest } from '../faults.js';
import { lastCompletedAuditPeriod } from '../../compute/audit-period.js';
import { dbOfMicros, microsOfDate, strptime, type Micros } from '../../compute/usage-time.js';
import { taskLogsOfPeriod, USAGE_AUDIT_TASK } from '../../db/task-log.js';
import { usageAuditLogView } from '../views/usage-audit-log.js';

const POLICY = 'os_compute_api:os-instance-usage-audit-log';

/** No parameters; unknown ones are dropped until 2.101 and refused from 2.102. */
const NO_QUERY = [
  { max: '2.101', schema: { params: {}, strict: false } satisfies QuerySchema },
  { min: '2.102', schema: { params: {}, strict: true } satisfies QuerySchema },
];

export function registerInstanceUsageAuditLogRoutes(routes: RouteTable, deps: ApiDeps): void {
  async function summary(before: Micros) {
    const period = lastCompletedAuditPeriod(deps.conf.str('DEFAULT', 'instance_usage_audit_period'), before);
    const begin = dbOfMicros(period.begin);
    const end = dbOfMicros(period.end);
    const q = deps.db.kysely;
    const logs = await taskLogsOfPeriod(q, { taskName: USAGE_AUDIT_TASK, periodBeginning: begin, periodEnding: end });
    // Disabled compute services count too: they can have servers.
    const services = await q.selectFrom('services').select('host').where('topic', '=', 'compute').where('deleted', '=', 0).orderBy('id').execute();
    return usageAuditLogView(begin, end, services.map((s) => s.host), logs);
  }

  routes.route({
    method: 'GET',
    path: '/os-instance_usage_audit_log',
    status: 200,
    query: NO_QUERY,
    handler: async ({ ctx }) => {
      authorize(ctx, `${POLICY}:list`, {});
      return { instance_usage_audit_logs: await summary(microsOfDate(deps.clock.now())) };
    },
  });

  routes.route({
    method: 'GET',
    path: '/os-instance_usage_audit_log/:before_timestamp',
    status: 200,
    query: NO_QUERY,
    handler: async ({ ctx, params }) => {
      authorize(ctx, `${POLICY}:show`, {});
      const id = params['before_timestamp']!;
      const before = strptime(id, ' ', id.includes('.'));
      if (before === undefined) throw badRequest(`Invalid timestamp for date ${id}`);
      return { instance_usage_audit_log: await summary(before) };
    },
  });
}
