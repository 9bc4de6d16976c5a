// Floating IPs and pools in Nova's view: the pool is the external network's
// name (its id when it has none), the instance is the device of the port the
// address forwards to.
import type { NeutronJson } from '../../compute/neutron/as-user.js';
import type { FloatingIpDetails } from '../../compute/neutron/floating-ips.js';

export function floatingIpView(d: FloatingIpDetails): Record<string, unknown> {
  return {
    fixed_ip: d.fip['fixed_ip_address'] ?? null,
    id: d.fip['id'],
    instance_id: d.port ? (d.port['device_id'] ?? null) : null,
    ip: d.fip['floating_ip_address'],
    pool: d.network['name'] || d.network['id'],
  };
}

export function poolView(net: NeutronJson): Record<string, unknown> {
  return { name: net['name'] || net['id'] };
}
