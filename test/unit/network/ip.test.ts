// Address arithmetic of the network service: parsing and printing IPv4 and
// IPv6, CIDRs, default gateways and pools, and the checks of given pools.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalIp, cidrText, overlaps, parseCidr, parseIp } from '../../../src/network/ip.js';
import { checkPools, defaultGateway, defaultPools, poolAddresses } from '../../../src/network/pools.js';
import { NeutronError } from '../../../src/network/errors.js';

describe('network addresses', () => {
  it('parses and prints IPv4 and IPv6 canonically', () => {
    assert.equal(canonicalIp('10.0.0.1'), '10.0.0.1');
    assert.equal(canonicalIp('2001:DB8:0:0:0:0:0:1'), '2001:db8::1');
    assert.equal(canonicalIp('2001:db8:1:0:1:0:0:1'), '2001:db8:1:0:1::1');
    assert.equal(canonicalIp('::ffff:10.0.0.1'), '::ffff:10.0.0.1');
    assert.equal(canonicalIp('::'), '::');
    for (const bad of ['10.0.0', '10.0.0.256', '010.0.0.1', '1::2::3', '12345::', 'abc', '']) assert.equal(parseIp(bad), null, bad);
  });

  it('accepts network CIDRs only, and tells overlaps', () => {
    assert.equal(cidrText(parseCidr('10.0.0.0/8')!), '10.0.0.0/8');
    assert.equal(cidrText(parseCidr('2001:db8::/32')!), '2001:db8::/32');
    assert.equal(parseCidr('10.0.0.1/24'), null);
    assert.equal(parseCidr('10.0.0.0/33'), null);
    assert.equal(parseCidr('10.0.0.0'), null);
    assert.ok(overlaps(parseCidr('10.0.0.0/23')!, parseCidr('10.0.1.0/24')!));
    assert.ok(!overlaps(parseCidr('10.0.0.0/24')!, parseCidr('10.0.1.0/24')!));
    assert.ok(!overlaps(parseCidr('10.0.0.0/24')!, parseCidr('::/0')!));
  });

  it("derives Neutron's default gateway and pools", () => {
    const v4 = parseCidr('192.168.0.0/24')!;
    assert.equal(defaultGateway(v4), '192.168.0.1');
    assert.deepEqual(defaultPools(v4, '192.168.0.1'), [{ start: '192.168.0.2', end: '192.168.0.254' }]);
    assert.deepEqual(defaultPools(v4, null), [{ start: '192.168.0.1', end: '192.168.0.254' }]);
    assert.deepEqual(defaultPools(v4, '192.168.0.254'), [{ start: '192.168.0.1', end: '192.168.0.253' }]);
    assert.deepEqual(defaultPools(parseCidr('10.0.0.0/31')!, null), [{ start: '10.0.0.0', end: '10.0.0.1' }]);
    const v6 = parseCidr('fd00::/126')!;
    assert.equal(defaultGateway(v6), 'fd00::1');
    assert.deepEqual(defaultPools(v6, 'fd00::1'), [{ start: 'fd00::2', end: 'fd00::3' }]);
    assert.deepEqual([...poolAddresses(4, [{ start: '10.0.0.254', end: '10.0.1.1' }])], ['10.0.0.254', '10.0.0.255', '10.0.1.0', '10.0.1.1']);
  });

  it('checks given pools: inside the CIDR, ordered, apart, and clear of the gateway', () => {
    const c = parseCidr('10.0.0.0/24')!;
    assert.deepEqual(checkPools(c, [{ start: '10.0.0.10', end: '10.0.0.20' }], '10.0.0.1'), [{ start: '10.0.0.10', end: '10.0.0.20' }]);
    const type = (pools: unknown, gw: string | null = '10.0.0.1'): string => {
      try {
        checkPools(c, pools, gw);
        return 'ok';
      } catch (err) {
        return (err as NeutronError).type;
      }
    };
    assert.equal(type([{ start: '10.0.0.10', end: '10.0.1.20' }]), 'OutOfBoundsAllocationPool');
    assert.equal(type([{ start: '10.0.0.20', end: '10.0.0.10' }]), 'InvalidAllocationPool');
    assert.equal(type([{ start: '10.0.0.10', end: '10.0.0.20' }, { start: '10.0.0.20', end: '10.0.0.30' }]), 'OverlappingAllocationPools');
    assert.equal(type([{ start: '10.0.0.1', end: '10.0.0.20' }]), 'GatewayConflictWithAllocationPools');
    assert.equal(type([{ start: '10.0.0.1', end: '10.0.0.20' }], null), 'ok');
    assert.equal(type('x'), 'HTTPBadRequest');
  });
});
