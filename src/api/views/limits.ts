// The body of GET /limits: no rate limits (Nova has none left), and the
// absolute limits under their old names with what is in use. Network limits
// go at 2.36, maxImageMeta at 2.39, the personality ones at 2.57.
import type { ApiVersion } from '../microversion.js';

const LIMIT_NAMES: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['ram', ['maxTotalRAMSize']],
  ['instances', ['maxTotalInstances']],
  ['cores', ['maxTotalCores']],
  ['key_pairs', ['maxTotalKeypairs']],
  ['floating_ips', ['maxTotalFloatingIps']],
  ['metadata_items', ['maxServerMeta', 'maxImageMeta']],
  ['injected_files', ['maxPersonality']],
  ['injected_file_content_bytes', ['maxPersonalitySize']],
  ['security_groups', ['maxSecurityGroups']],
  ['security_group_rules', ['maxSecurityGroupRules']],
  ['server_groups', ['maxServerGroups']],
  ['server_group_members', ['maxServerGroupMembers']],
];

const USED_NAMES: ReadonlyArray<readonly [string, string]> = [
  ['totalRAMUsed', 'ram'],
  ['totalCoresUsed', 'cores'],
  ['totalInstancesUsed', 'instances'],
  ['totalFloatingIpsUsed', 'floating_ips'],
  ['totalSecurityGroupsUsed', 'security_groups'],
  ['totalServerGroupsUsed', 'server_groups'],
];

function hiddenAt(v: ApiVersion): ReadonlySet<string> {
  if (!v.below('2.57')) return new Set(['floating_ips', 'security_groups', 'security_group_rules', 'injected_files', 'injected_file_content_bytes']);
  if (!v.below('2.36')) return new Set(['floating_ips', 'security_groups', 'security_group_rules']);
  return new Set();
}

export function limitsView(v: ApiVersion, limits: Readonly<Record<string, number>>, usage: Readonly<Record<string, number>>): Record<string, unknown> {
  const hidden = hiddenAt(v);
  const absolute: Record<string, number> = {};
  for (const [resource, names] of LIMIT_NAMES) {
    if (hidden.has(resource) || limits[resource] === undefined) continue;
    for (const name of names) if (name !== 'maxImageMeta' || v.below('2.39')) absolute[name] = limits[resource]!;
  }
  for (const [name, resource] of USED_NAMES) if (!hidden.has(resource)) absolute[name] = usage[resource] ?? 0;
  return { limits: { rate: [], absolute } };
}
