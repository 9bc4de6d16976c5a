// Allowed address pairs: further addresses (an IP or a CIDR, with a MAC that
// defaults to the port's own) a port may send from, past its anti-spoofing
// rules. They need port security on the port, as those rules do, and are
// checked as neutron-lib checks them: a list, at most `[DEFAULT]
// max_allowed_address_pair` long, each pair an `ip_address` and optionally a
// `mac_address`, none twice.
import { NeutronError, badRequest, invalidAttr } from './errors.js';
import { lastOf, networkOf, parseIp, type Cidr } from './ip.js';
import { show } from './request.js';

export interface AddressPair {
  readonly ip_address: string;
  readonly mac_address: string;
}

/** A pair as the client gave it: the MAC may be left to the port. */
export interface AddressPairRequest {
  readonly ip_address: string;
  readonly mac_address?: string;
}

const MULTICAST: Readonly<Record<4 | 6, Cidr>> = {
  4: networkOf('224.0.0.0/4')!,
  6: networkOf('ff00::/8')!,
};

function checkMac(mac: unknown): string {
  if (typeof mac !== 'string' || !/^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/.test(mac) || /^(00[:-]){5}00$|^(ff[:-]){5}ff$/i.test(mac)) {
    throw badRequest(`'${show(mac)}' is not a valid MAC address`);
  }
  if ((parseInt(mac.slice(0, 2), 16) & 1) === 1) throw badRequest(`MAC address ${mac} is a multicast address, which is not supported.`);
  return mac;
}

/** An address, or a network (host bits may be set, as netaddr reads it); never one inside the multicast range. */
function checkIp(ip: unknown): string {
  if (typeof ip !== 'string') throw badRequest(`'${show(ip)}' is not a valid IP address`);
  if (ip.includes('/')) {
    const net = networkOf(ip);
    if (!net) throw badRequest(`'${ip}' is not a valid IP subnet`);
    const m = MULTICAST[net.version];
    // Neutron lets the whole IPv4 space through; any other network touching multicast is refused.
    if (!(net.version === 4 && net.prefix === 0) && net.base <= lastOf(m) && m.base <= lastOf(net)) {
      throw badRequest(`Subnet ${ip} overlaps with multicast range ${net.version === 4 ? '224.0.0.0/4' : 'ff00::/8'}, which is not supported.`);
    }
    return ip;
  }
  const addr = parseIp(ip);
  if (!addr) throw badRequest(`'${ip}' is not a valid IP address`);
  const m = MULTICAST[addr.version];
  if (addr.value >= m.base && addr.value <= lastOf(m)) throw badRequest(`IP ${ip} is a multicast address, which is not supported.`);
  return ip;
}

const duplicate = (mac: string | undefined, ip: string): NeutronError =>
  new NeutronError(400, 'DuplicateAddressPairInRequest', `Request contains duplicate address pair: mac_address ${mac ?? 'None'} ip_address ${ip}.`);

/** The attribute's own check: null is no pairs; anything else must be a list. */
export function addressPairList(v: unknown): unknown[] {
  if (v === null) return [];
  if (!Array.isArray(v)) throw badRequest('Allowed address pairs must be a list.');
  return v;
}

/** The pairs of a request, checked in neutron-lib's order. */
export function checkAddressPairs(list: readonly unknown[], max: number): AddressPairRequest[] {
  if (list.length > max) throw new NeutronError(400, 'AllowedAddressPairExhausted', `The number of allowed address pair exceeds the maximum ${max}.`);
  const seen = new Set<string>();
  return list.map((p) => {
    if (typeof p !== 'object' || p === null || Array.isArray(p)) throw invalidAttr('allowed_address_pairs', `'${show(p)}' is not a dictionary`);
    const o = p as Record<string, unknown>;
    const mac = 'mac_address' in o ? checkMac(o['mac_address']) : undefined;
    if (!('ip_address' in o)) throw new NeutronError(400, 'AllowedAddressPairsMissingIP', 'AllowedAddressPair must contain ip_address');
    const key = `${mac ?? ''} ${show(o['ip_address'])}`;
    if (seen.has(key)) throw duplicate(mac, show(o['ip_address']));
    seen.add(key);
    const extra = Object.keys(o).filter((k) => k !== 'mac_address' && k !== 'ip_address');
    if (extra.length > 0) throw badRequest(`Unrecognized attribute(s) '${extra.join(', ')}'`);
    const ip = checkIp(o['ip_address']);
    return mac === undefined ? { ip_address: ip } : { ip_address: ip, mac_address: mac };
  });
}

/** The pairs as stored: each with a MAC (the port's when none was given), none the same as another. */
export function completeAddressPairs(requests: readonly AddressPairRequest[], portMac: string): AddressPair[] {
  const seen = new Set<string>();
  return requests.map((r) => {
    const pair = { ip_address: r.ip_address, mac_address: r.mac_address ?? portMac };
    const key = `${pair.mac_address.toLowerCase().replace(/-/g, ':')} ${pair.ip_address}`;
    if (seen.has(key)) throw duplicate(pair.mac_address, pair.ip_address);
    seen.add(key);
    return pair;
  });
}

export const addressPairsNeedPortSecurity = (): NeutronError =>
  new NeutronError(409, 'AddressPairAndPortSecurityRequired', 'Port Security must be enabled in order to have allowed address pairs on a port.');
