// Magnetar's own extension (not part of Nova's API): injected failures of the
// simulated hypervisor, for testing how clients and operators cope with them.
//   GET    /magnetar/faults          list the rules
//   POST   /magnetar/faults          {"fault": {"step", "host"?, "server"?, "count"?, "message"?}} → 201
//   DELETE /magnetar/faults/{id}     remove one rule → 204
//   DELETE /magnetar/faults          remove every rule → 204
// Rules live in the fake drivers of the compute agents, reached over the bus.
// Agents of one process share one rule store (all-in-one); separate compute
// processes each have their own, so a rule is added to every store it can
// fire in, and ids name the store when there is more than one.
import type { RouteTable } from '../router.js';
import type { ApiDeps } from '../deps.js';
import type { ApiRequest } from '../context.js';
import { authorize } from '../context.js';
import { HttpFault, badRequest, notFound } from '../faults.js';
import type { JsonSchema } from '../validation.js';
import type { Json } from '../../rpc/bus.js';
import { parseDbTime } from '../../db/time.js';
import { isRuleStep, ruleSteps, type FaultRule } from '../../virt/fake/faults.js';

const RULE = 'magnetar:faults';
/** How long to wait for one agent's answer; an agent that does not answer is skipped. */
const AGENT_TIMEOUT_MS = 5000;

const OPT_STRING = { type: ['string', 'null'], minLength: 1 } as const;
const CREATE_SCHEMA: JsonSchema = {
  type: 'object',
  properties: {
    fault: {
      type: 'object',
      properties: {
        step: { type: 'string' },
        host: OPT_STRING,
        server: OPT_STRING,
        count: { type: ['integer', 'null'], minimum: 1 },
        message: OPT_STRING,
      },
      required: ['step'],
      additionalProperties: false,
    },
  },
  required: ['fault'],
  additionalProperties: false,
};

interface FaultView {
  readonly id: string;
  readonly step: string;
  readonly host: string | null;
  readonly server: string | null;
  readonly count: number | null;
  readonly message: string | null;
}

/** What an agent's `fault_list` answers: its store's id and rules. */
interface StoreListing {
  readonly storeId: string;
  readonly rules: readonly FaultRule[];
}

/** Agents that share one rule store, reached through `rep`; `rules` as `rep` listed them. */
interface StoreGroup {
  readonly rep: string;
  readonly hosts: readonly string[];
  readonly rules: readonly FaultRule[];
}

function view(rule: FaultRule, id: string): FaultView {
  return { id, step: rule.step, host: rule.host ?? null, server: rule.server ?? null, count: rule.count ?? null, message: rule.message ?? null };
}

export function registerMagnetarFaultRoutes(routes: RouteTable, deps: ApiDeps): void {
  const call = <T extends Json>(host: string, method: string, args: Record<string, Json> = {}): Promise<T> =>
    deps.bus.call<T>(`compute.${host}`, method, args, { timeoutMs: AGENT_TIMEOUT_MS });
  const list = async (host: string): Promise<StoreListing> => (await call<Json>(host, 'fault_list')) as unknown as StoreListing;

  /** Compute hosts whose agent heartbeated lately (a forced-down agent still serves its topic). */
  async function runningHosts(): Promise<string[]> {
    const rows = await deps.db.kysely
      .selectFrom('services')
      .select(['host', 'last_seen_up'])
      .where('binary', '=', 'nova-compute')
      .where('deleted', '=', 0)
      .orderBy('host')
      .execute();
    const now = deps.clock.now().getTime();
    const limit = deps.compute.serviceDownTime * 1000;
    return rows.filter((r) => r.last_seen_up !== null && Math.abs(now - parseDbTime(r.last_seen_up).getTime()) <= limit).map((r) => r.host);
  }

  /** Groups the answering agents by the store they report; the first (by host name) of a group represents it. */
  async function storeGroups(): Promise<StoreGroup[]> {
    const hosts = await runningHosts();
    const answers = await Promise.all(hosts.map((h) => list(h).catch(() => null)));
    const byStore = new Map<string, { rep: string; hosts: string[]; rules: readonly FaultRule[] }>();
    hosts.forEach((h, i) => {
      const a = answers[i];
      if (a === null || a === undefined) return; // not answering: leave it out
      const g = byStore.get(a.storeId);
      if (g) g.hosts.push(h);
      else byStore.set(a.storeId, { rep: h, hosts: [h], rules: a.rules });
    });
    return [...byStore.values()];
  }

  const idOf = (groups: readonly StoreGroup[], g: StoreGroup, id: string): string => (groups.length > 1 ? `${id}@${g.rep}` : id);

  async function requireGroups(): Promise<StoreGroup[]> {
    const groups = await storeGroups();
    if (groups.length === 0) throw new HttpFault(503, 'No compute service is running to hold fault rules.');
    return groups;
  }

  routes.route({
    method: 'GET',
    path: '/magnetar/faults',
    status: 200,
    async handler(req: ApiRequest) {
      authorize(req.ctx, RULE);
      const groups = await storeGroups();
      const faults: FaultView[] = [];
      for (const g of groups) for (const r of g.rules) faults.push(view(r, idOf(groups, g, r.id)));
      return { faults };
    },
  });

  routes.route({
    method: 'POST',
    path: '/magnetar/faults',
    status: 201,
    body: [{ schema: CREATE_SCHEMA }],
    async handler(req: ApiRequest) {
      authorize(req.ctx, RULE);
      const f = (req.body as { fault: Record<string, string | number | null | undefined> }).fault;
      const step = String(f['step']);
      if (!isRuleStep(step)) throw badRequest(`Invalid fault step '${step}'. Valid steps: ${ruleSteps().join(', ')}.`);
      const input: Record<string, Json> = { step };
      for (const k of ['host', 'server', 'count', 'message'] as const) {
        const v = f[k];
        if (v !== null && v !== undefined) input[k] = v;
      }
      const groups = await requireGroups();
      // A rule for one host only matters in that host's store.
      const own = typeof input['host'] === 'string' ? groups.filter((g) => g.hosts.includes(input['host'] as string)) : [];
      const targets = own.length > 0 ? own : groups;
      const added: FaultView[] = [];
      try {
        for (const g of targets) {
          const rule = (await call<Json>(g.rep, 'fault_add', { rule: input })) as unknown as FaultRule;
          added.push(view(rule, idOf(groups, g, rule.id)));
        }
      } catch (err) {
        if (err instanceof Error && err.name === 'InvalidFaultRule') throw badRequest(err.message);
        throw err;
      }
      return { fault: { ...added[0]!, id: added.map((a) => a.id).join(',') } };
    },
  });

  routes.route({
    method: 'DELETE',
    path: '/magnetar/faults/:fault_id',
    status: 204,
    async handler(req: ApiRequest) {
      authorize(req.ctx, RULE);
      const id = req.params['fault_id']!;
      const groups = await storeGroups();
      let removed = false;
      for (const part of id.split(',')) {
        const at = part.indexOf('@');
        const ruleId = at < 0 ? part : part.slice(0, at);
        const host = at < 0 ? (groups.length === 1 ? groups[0]!.rep : null) : part.slice(at + 1);
        if (host === null || ruleId === '') continue;
        const g = groups.find((x) => x.hosts.includes(host));
        if (!g) continue;
        if ((await call<Json>(g.rep, 'fault_remove', { id: ruleId }).catch(() => false)) === true) removed = true;
      }
      if (!removed) throw notFound(`Fault ${id} could not be found.`);
      return undefined;
    },
  });

  routes.route({
    method: 'DELETE',
    path: '/magnetar/faults',
    status: 204,
    async handler(req: ApiRequest) {
      authorize(req.ctx, RULE);
      for (const g of await requireGroups()) await call(g.rep, 'fault_clear');
      return undefined;
    },
  });
}
