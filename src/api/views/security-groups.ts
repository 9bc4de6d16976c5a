// Security groups and rules in Nova's view: a rule names either its source
// group (name and project) or its CIDR, never both; a group lists its
// ingress rules, without those whose source group is gone.
import type { NovaGroup, NovaRule, SourceGroups } from '../../compute/neutron/security-groups.js';

export function ruleView(rule: NovaRule, source?: { name: string; tenant_id: string }): Record<string, unknown> {
  return {
    id: rule.id,
    parent_group_id: rule.parent_group_id,
    ip_protocol: rule.protocol,
    from_port: rule.from_port,
    to_port: rule.to_port,
    group: rule.group_id && source ? { name: source.name, tenant_id: source.tenant_id } : {},
    ip_range: rule.group_id ? {} : { cidr: rule.cidr },
  };
}

export function groupView(group: NovaGroup, sources: SourceGroups): Record<string, unknown> {
  const rules: Record<string, unknown>[] = [];
  for (const r of group.rules) {
    const source = r.group_id ? sources.get(r.group_id) : undefined;
    if (r.group_id && !source) continue;
    rules.push(ruleView(r, source));
  }
  return { id: group.id, description: group.description, name: group.name, tenant_id: group.project_id, rules };
}

/** Nova orders group lists by project, then name. */
export function sortedGroups(views: Record<string, unknown>[]): Record<string, unknown>[] {
  const key = (v: Record<string, unknown>) => [String(v['tenant_id']), String(v['name'])] as const;
  return [...views].sort((a, b) => {
    const [ta, na] = key(a);
    const [tb, nb] = key(b);
    return ta < tb ? -1 : ta > tb ? 1 : na < nb ? -1 : na > nb ? 1 : 0;
  });
}
