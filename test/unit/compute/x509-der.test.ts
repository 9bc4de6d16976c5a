// The DER integers of a generated certificate: shortest form, non-negative.
// A random serial whose first byte came out zero used to keep it, and
// OpenSSL then refused the certificate ("illegal padding") about once in 256.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { integer } from '../../../src/compute/x509-keys.js';

const hex = (b: Buffer): string => b.toString('hex');

it('encodes integers in their shortest non-negative form', () => {
  assert.equal(hex(integer(2)), '020102');
  assert.equal(hex(integer(0)), '020100');
  assert.equal(hex(integer(Buffer.from([0x00, 0x12, 0x34]))), '02021234', 'a needless leading zero is dropped');
  assert.equal(hex(integer(Buffer.from([0x00, 0x00, 0x12]))), '020112');
  assert.equal(hex(integer(Buffer.from([0x00, 0x92]))), '02020092', 'a zero that keeps the number positive stays');
  assert.equal(hex(integer(Buffer.from([0x92, 0x01]))), '0203009201', 'a high first bit gets a zero in front');
  assert.equal(hex(integer(Buffer.from([0x00, 0x00]))), '020100');
});
