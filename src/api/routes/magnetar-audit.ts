// Magnetar's own extension (not part of Nova's API): the audit of servers,
// migrations, allocations and the guests every compute host holds.
//   GET /magnetar/audit[?strict=true][&stuck_after=N]   admin only (magnetar:audit)
// 200 {"audit": {"checked_at", "strict", "hosts": [...], "counts": {...}, "findings": [...]}}
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import type { ApiRequest } from '../context.js';
import { authorize } from '../context.js';
import { auditQuery } from '../schemas/magnetar-audit.js';
import { auditView } from '../views/magnetar-audit.js';
import { takeSnapshot } from '../../audit/snapshot.js';
import { runAudit } from '../../audit/checks.js';
import { neutronFor } from '../../compute/neutron/shared-client.js';
import type { NeutronClient } from '../../compute/neutron/client.js';
import type { AuditPort } from '../../audit/types.js';
import { DEFAULT_SETTLE_SECONDS, DEFAULT_STUCK_AFTER_SECONDS } from '../../audit/types.js';

const RULE = 'magnetar:audit';
/** The true spellings of a boolean query value (the schema has already refused anything else). */
const TRUE = /^(true|1|yes|on|t|y)$/i;

/** Ports the compute side made or bound for servers (device_owner `compute:<zone>`). */
async function serverPorts(client: NeutronClient): Promise<AuditPort[]> {
  const ports = await client.list('ports', { fields: ['id', 'device_id', 'device_owner', 'binding:host_id'] });
  return ports
    .filter((p) => typeof p['device_owner'] === 'string' && p['device_owner'].startsWith('compute:') && p['device_id'])
    .map((p) => ({ id: String(p['id']), deviceId: String(p['device_id']), host: String(p['binding:host_id'] ?? '') }));
}

export function registerMagnetarAuditRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.route({
    method: 'GET',
    path: '/magnetar/audit',
    status: 200,
    query: [{ schema: auditQuery }],
    async handler(req: ApiRequest) {
      authorize(req.ctx, RULE);
      const strict = TRUE.test(req.query.get('strict') ?? '');
      const stuck = req.query.get('stuck_after');
      const snapshot = await takeSnapshot({ db: deps.db, bus: deps.bus, clock: deps.clock, ports: () => serverPorts(neutronFor(deps.conf)) });
      const stuckAfterSeconds = stuck === undefined ? DEFAULT_STUCK_AFTER_SECONDS : Number(stuck);
      return auditView(runAudit(snapshot, { strict, stuckAfterSeconds, settleSeconds: DEFAULT_SETTLE_SECONDS }));
    },
  });
}
