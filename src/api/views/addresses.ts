// Addresses by network label, as Nova's ips view builds them from a server's
// network info: each fixed address (then its floating ones) with its version,
// and, in full server bodies, its type and the port's MAC.
import type { NetworkInfo } from '../../compute/neutron/network-info.js';

export interface AddressView {
  readonly version: number;
  readonly addr: string;
  readonly 'OS-EXT-IPS:type'?: string;
  readonly 'OS-EXT-IPS-MAC:mac_addr'?: string;
}

export function addressesView(info: NetworkInfo, extended: boolean): Record<string, AddressView[]> {
  const byLabel = new Map<string, { ips: AddressView[]; floating: AddressView[] }>();
  for (const vif of info) {
    const label = vif.network.label;
    let entry = byLabel.get(label);
    if (!entry) {
      entry = { ips: [], floating: [] };
      byLabel.set(label, entry);
    }
    const one = (address: string, version: number, type: string): AddressView => ({
      version,
      addr: address,
      ...(extended && { 'OS-EXT-IPS:type': type, 'OS-EXT-IPS-MAC:mac_addr': vif.address }),
    });
    for (const subnet of vif.network.subnets) {
      for (const ip of subnet.ips) {
        entry.ips.push(one(ip.address, ip.version, ip.type));
        for (const f of ip.floating_ips) entry.floating.push(one(f.address, f.version, f.type));
      }
    }
  }
  return Object.fromEntries([...byLabel].map(([label, e]) => [label, [...e.ips, ...e.floating]]));
}
