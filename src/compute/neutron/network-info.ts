// A server's network info in Nova's model (nova/network/model.py): one VIF
// per port, each with its MAC, its network (label, subnets with the port's
// addresses on them, MTU) and its binding as the network service reports it.
// Built from the ports the network service lists for the server, and kept in
// the server's info cache.
import type { NeutronClient } from './client.js';

export interface FixedIp {
  readonly address: string;
  readonly type: 'fixed';
  readonly version: 4 | 6;
  readonly meta: Record<string, unknown>;
  readonly floating_ips: ReadonlyArray<{ address: string; type: 'floating'; version: 4 | 6; meta: Record<string, unknown> }>;
}

export interface Subnet {
  readonly cidr: string;
  readonly dns: ReadonlyArray<{ address: string; type: 'dns'; version: 4 | 6; meta: Record<string, unknown> }>;
  readonly gateway: { address: string | null; type: 'gateway'; version: 4 | 6 | null; meta: Record<string, unknown> };
  readonly ips: readonly FixedIp[];
  readonly routes: ReadonlyArray<Record<string, unknown>>;
  readonly version: 4 | 6;
  readonly meta: Record<string, unknown>;
}

export interface Vif {
  readonly id: string;
  readonly address: string;
  readonly network: {
    readonly id: string;
    readonly bridge: string | null;
    readonly label: string;
    readonly subnets: readonly Subnet[];
    readonly meta: Record<string, unknown>;
  };
  readonly type: string;
  readonly details: Record<string, unknown>;
  readonly devname: string;
  readonly ovs_interfaceid: string | null;
  readonly qbh_params: null;
  readonly qbg_params: null;
  readonly active: boolean;
  readonly vnic_type: string;
  readonly profile: Record<string, unknown>;
  readonly preserve_on_delete: boolean;
  readonly delegate_create: boolean;
  readonly meta: Record<string, unknown>;
}

export type NetworkInfo = readonly Vif[];

type Json = Record<string, unknown>;

const versionOf = (ip: string): 4 | 6 => (ip.includes(':') ? 6 : 4);

/** Nova's NIC_NAME_LEN: interface names are at most 14 characters. */
const NIC_NAME_LEN = 14;

/** The server's ports with their networks and subnets, in the order given (the cache's order). */
export async function buildNetworkInfo(client: NeutronClient, ports: readonly Json[], preserved: ReadonlySet<string>): Promise<Vif[]> {
  if (ports.length === 0) return [];
  const netIds = [...new Set(ports.map((p) => String(p['network_id'])))];
  const networks = new Map((await client.list('networks', { id: netIds })).map((n) => [String(n['id']), n]));
  const subnets = new Map((await client.list('subnets', { network_id: netIds })).map((s) => [String(s['id']), s]));
  // The floating addresses pointing at each fixed one, as Nova nests them under it.
  const floating = await client.list('floatingips', { port_id: ports.map((p) => String(p['id'])) }).catch(() => []);
  const floatingOf = new Map<string, string[]>();
  for (const f of floating) {
    const key = `${String(f['port_id'])} ${String(f['fixed_ip_address'])}`;
    floatingOf.set(key, [...(floatingOf.get(key) ?? []), String(f['floating_ip_address'])]);
  }
  return ports.map((p) => vifOf(p, networks.get(String(p['network_id']))!, subnets, preserved.has(String(p['id'])), floatingOf));
}

function vifOf(port: Json, net: Json | undefined, subnets: ReadonlyMap<string, Json>, preserve: boolean, floatingOf: ReadonlyMap<string, readonly string[]>): Vif {
  const fixed = (port['fixed_ips'] as Array<{ subnet_id: string; ip_address: string }> | undefined) ?? [];
  const bySubnet = new Map<string, FixedIp[]>();
  for (const f of fixed) {
    const list = bySubnet.get(f.subnet_id) ?? [];
    const floatingIps = (floatingOf.get(`${String(port['id'])} ${f.ip_address}`) ?? []).map((a) => ({ address: a, type: 'floating' as const, version: versionOf(a), meta: {} }));
    list.push({ address: f.ip_address, type: 'fixed', version: versionOf(f.ip_address), meta: {}, floating_ips: floatingIps });
    bySubnet.set(f.subnet_id, list);
  }
  const subnetModels: Subnet[] = [...bySubnet.entries()].map(([id, ips]) => {
    const s = subnets.get(id) ?? {};
    const version = (s['ip_version'] as 4 | 6 | undefined) ?? ips[0]!.version;
    const gw = (s['gateway_ip'] as string | null | undefined) ?? null;
    return {
      cidr: String(s['cidr'] ?? ''),
      dns: ((s['dns_nameservers'] as string[] | undefined) ?? []).map((a) => ({ address: a, type: 'dns' as const, version: versionOf(a), meta: {} })),
      gateway: { address: gw, type: 'gateway', version: gw === null ? null : versionOf(gw), meta: {} },
      ips,
      routes: ((s['host_routes'] as Array<{ destination: string; nexthop: string }> | undefined) ?? []).map((r) => ({
        cidr: r.destination, gateway: { address: r.nexthop, type: 'gateway', version: versionOf(r.nexthop), meta: {} }, interface: null, meta: {},
      })),
      version,
      meta: s['enable_dhcp'] === true ? { dhcp_server: null } : {},
    };
  });
  const vifType = String(port['binding:vif_type'] ?? 'unbound');
  const details = (port['binding:vif_details'] as Json | undefined) ?? {};
  const isOvs = vifType === 'ovs';
  const id = String(port['id']);
  return {
    id,
    address: String(port['mac_address']),
    network: {
      id: String(port['network_id']),
      bridge: isOvs ? String(details['bridge_name'] ?? 'br-int') : null,
      label: String(net?.['name'] ?? ''),
      subnets: subnetModels,
      meta: {
        injected: false,
        tenant_id: String(net?.['project_id'] ?? port['project_id']),
        ...(typeof net?.['mtu'] === 'number' && { mtu: net['mtu'] }),
        physical_network: null,
        tunneled: true,
      },
    },
    type: vifType,
    details,
    devname: `tap${id}`.slice(0, NIC_NAME_LEN),
    ovs_interfaceid: isOvs ? id : null,
    qbh_params: null,
    qbg_params: null,
    active: port['admin_state_up'] === false || port['status'] === 'ACTIVE',
    vnic_type: String(port['binding:vnic_type'] ?? 'normal'),
    profile: (port['binding:profile'] as Json | undefined) ?? {},
    preserve_on_delete: preserve,
    delegate_create: true,
    meta: {},
  };
}

/** Every fixed address of a network info, with its version. */
export function fixedIpsOf(info: NetworkInfo): Array<{ address: string; version: 4 | 6; mac: string; label: string }> {
  return info.flatMap((vif) => vif.network.subnets.flatMap((s) => s.ips.map((ip) => ({ address: ip.address, version: ip.version, mac: vif.address, label: vif.network.label }))));
}
