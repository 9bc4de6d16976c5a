// Networks as Nova's proxies show them. Without nova-network only the id and
// the name (as `label`) have values; the other fields of the old API stay,
// null, and administrators see the longer list.
import type { NeutronJson } from '../../compute/neutron/as-user.js';

const FIELDS = ['id', 'cidr', 'netmask', 'gateway', 'broadcast', 'dns1', 'dns2', 'cidr_v6', 'gateway_v6', 'label', 'netmask_v6'] as const;
const ADMIN_FIELDS = [
  'created_at', 'updated_at', 'deleted_at', 'deleted', 'injected', 'bridge', 'vlan', 'vpn_public_address', 'vpn_public_port',
  'vpn_private_address', 'dhcp_start', 'project_id', 'host', 'bridge_interface', 'multi_host', 'priority', 'rxtx_base', 'mtu',
  'dhcp_server', 'enable_dhcp', 'share_address',
] as const;

/** os-networks: one network. */
export function networkView(net: NeutronJson, isAdmin: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of isAdmin ? [...FIELDS, ...ADMIN_FIELDS] : FIELDS) {
    out[f] = f === 'id' ? (net['id'] ?? null) : f === 'label' ? (net['name'] ?? null) : null;
  }
  return out;
}

/** os-tenant-networks: one network; `cidr` is the string "None", as Nova has always answered with Neutron. */
export function tenantNetworkView(net: NeutronJson): Record<string, unknown> {
  return { id: net['id'] ?? null, cidr: 'None', label: net['name'] ?? null };
}
