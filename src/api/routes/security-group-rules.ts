// os-security-group-rules (2.1–2.35; 404 from 2.36, as in Nova): add an
// ingress rule to a group (a CIDR with protocol and ports, or a source
// group) and delete one, through the network service with the caller's token.
import type { RouteTable } from '../router.js';
import { respond } from '../router.js';
import type { ApiDeps } from '../deps.js';
import { authorize } from '../context.js';
import { badRequest } from '../faults.js';
import { validateBody } from '../validation.js';
import { asUser } from '../../compute/neutron/as-user.js';
import {
  checkCidrPrefix,
  createRule,
  deleteRule,
  getGroup,
  getRule,
  newIngressRule,
  validateGroupId,
} from '../../compute/neutron/security-groups.js';
import { RULE_BODY, checkRuleIds, type RuleBody } from '../schemas/security-groups.js';
import { ruleView } from '../views/security-groups.js';
import { MAX_PROXY_VERSION } from './networks.js';

const POLICY = 'os_compute_api:os-security-groups';

export function registerSecurityGroupRuleRoutes(routes: RouteTable, deps: ApiDeps): void {
  routes.route({
    method: 'POST',
    path: '/os-security-group-rules',
    max: MAX_PROXY_VERSION,
    status: 200,
    handler: async ({ ctx, headers, body }) => {
      validateBody(RULE_BODY, body);
      checkRuleIds(body as RuleBody);
      authorize(ctx, `${POLICY}:rule:create`, { project_id: ctx.projectId });
      const r = (body as RuleBody).security_group_rule;
      const n = asUser(deps.conf, headers);
      const group = await getGroup(n, r.parent_group_id);
      const source = r.group_id !== undefined && r.group_id !== null ? await getGroup(n, r.group_id) : undefined;
      const rule = newIngressRule({ groupId: r.group_id, cidr: r.cidr, protocol: r.ip_protocol, fromPort: r.from_port, toPort: r.to_port });
      if (rule === null) throw badRequest('Not enough parameters to build a valid rule.');
      if (rule.cidr !== undefined) checkCidrPrefix(rule.cidr);
      const made = await createRule(n, group, rule);
      return { security_group_rule: ruleView(made, source && { name: source.name, tenant_id: source.project_id }) };
    },
  });

  routes.route({
    method: 'DELETE',
    path: '/os-security-group-rules/:id',
    max: MAX_PROXY_VERSION,
    status: 202,
    handler: async ({ ctx, headers, params }) => {
      authorize(ctx, `${POLICY}:rule:delete`, { project_id: ctx.projectId });
      const n = asUser(deps.conf, headers);
      const rule = await getRule(n, validateGroupId(params['id']!));
      // Nova looks the rule's group up too: a rule whose group is gone is not found.
      await getGroup(n, rule.parent_group_id);
      await deleteRule(n, rule.id);
      return respond(202);
    },
  });
}
