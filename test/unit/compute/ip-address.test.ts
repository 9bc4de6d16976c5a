// accessIPv6 is shown in one canonical form, whatever form the client sent.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeIPv6 } from '../../../src/compute/ip-address.js';

it('writes IPv6 addresses in their canonical form', () => {
  const cases: Array<[string, string]> = [
    ['0000:0000:0000:0000:0000:babe:220.12.22.2', '::babe:dc0c:1602'],
    ['::ffff:1.2.3.4', '::ffff:1.2.3.4'],
    ['::1.2.3.4', '::1.2.3.4'],
    ['::1', '::1'],
    ['1:0:1:1:1:1:1:1', '1:0:1:1:1:1:1:1'],
    ['2001:DB8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['fe80::', 'fe80::'],
    ['::', '::'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
    ['::1:0', '::0.1.0.0'],
  ];
  for (const [input, expected] of cases) assert.equal(normalizeIPv6(input), expected, input);
});

it('leaves text that is not an IPv6 address alone', () => {
  for (const s of ['1.2.3.4', 'foo', '1::2::3', '12345::', '1:2:3:4:5:6:7:8:9']) assert.equal(normalizeIPv6(s), s);
});
