import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { cpioNewc } from '../../../src/image/tiny/cpio.js';

/** Reads a newc archive back: name, mode and data of each entry. */
function parse(archive: Buffer): Array<{ name: string; mode: number; data: string }> {
  const out: Array<{ name: string; mode: number; data: string }> = [];
  let off = 0;
  const up4 = (n: number): number => (n + 3) & ~3;
  for (;;) {
    assert.equal(archive.subarray(off, off + 6).toString(), '070701');
    const field = (i: number): number => parseInt(archive.subarray(off + 6 + i * 8, off + 14 + i * 8).toString(), 16);
    const mode = field(1);
    const size = field(6);
    const nameSize = field(11);
    const name = archive.subarray(off + 110, off + 110 + nameSize - 1).toString();
    const dataStart = up4(off + 110 + nameSize);
    const data = archive.subarray(dataStart, dataStart + size).toString();
    off = up4(dataStart + size);
    if (name === 'TRAILER!!!') return out;
    out.push({ name, mode, data });
  }
}

describe('cpioNewc', () => {
  it('writes directories and files the kernel can unpack, with their modes and padded to 4 bytes', () => {
    const entries = parse(
      gunzipSync(
        cpioNewc([
          { path: 'bin' },
          { path: 'init', data: Buffer.from('#!/bin/sh\n'), mode: 0o755 },
          { path: 'bin/a', data: Buffer.from('xyz') },
        ]),
      ),
    );
    assert.deepEqual(entries, [
      { name: 'bin', mode: 0o040755, data: '' },
      { name: 'init', mode: 0o100755, data: '#!/bin/sh\n' },
      { name: 'bin/a', mode: 0o100644, data: 'xyz' },
    ]);
  });
});
